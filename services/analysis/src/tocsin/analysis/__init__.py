"""Tocsin's analysis service: post-incident analyses, action items and incident metrics.

After an incident is resolved, an analysis starts filled in from what Tocsin already knows
(the timeline, the metrics computed from its real timestamps) and asks its template's
questions; accepted recommendations become action items (OpsItems on the ``ssm`` API)
that are tracked, and paged, until they are done.
"""
