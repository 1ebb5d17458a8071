"""Tocsin's runbooks service: SSM Automation documents and their durable executions.

It stores Automation (and ProblemAnalysisTemplate) documents and their versions, and runs
automation executions step by step: each transition of an execution commits together with
the outbox event that drives its next step, so any instance may die at any point and the
others carry every execution on. It is reached through the ``ssm`` API on the gateway
(``X-Amz-Target: AmazonSSM.<Op>``) and started by response plans when an incident opens.
"""
