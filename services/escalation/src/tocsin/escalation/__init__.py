"""Tocsin's escalation service: owns plan time.

It keeps one durable timer per later stage of every engagement (PostgreSQL rows, claimed by
any instance with ``FOR UPDATE SKIP LOCKED`` and a lease) and starts each stage on the
contacts service when its timer falls due, unless the engagement was stopped first.
"""
