"""Tocsin's escalation service: owns plan time.

It keeps a durable timer (a PostgreSQL row) for every later stage of every engagement,
every channel retry and every acknowledgement timeout. Any number of instances fire them:
each claims due rows with ``FOR UPDATE SKIP LOCKED``, marks them fired and writes what is
due to its outbox in one transaction, so each timer's demand is published exactly once
and acted on (by the contacts or incidents service) once in effect.
"""
