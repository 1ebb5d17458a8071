"""Documents: SSM Automation (and ProblemAnalysisTemplate) documents and their versions."""
