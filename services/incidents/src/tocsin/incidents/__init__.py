"""The incidents service: replication set, response plans, incident records.

At the top: ``__main__`` (run one instance), ``settings``, ``app`` (the service's one table
for :mod:`tocsin.shared.kernel`: operations, consumers, workers), ``api`` (each
``ssm-incidents`` operation → its handler) and ``usecases`` (what every handler shares).
One sub-package per capability, each with ``handlers`` (one method per operation or
consumed event), ``store`` (its SQL; database errors become domain errors) and, where it
has rules without I/O, ``domain``:

- ``records``: the replication set, response plans and incident records; the plan's
  engagements checked with the contacts service (``plan_engagements``) and engaged when an
  incident starts (``engaging``).
- ``timeline``: an incident's automatic and custom timeline events.
- ``related``: an incident's related items, and the resources its trigger names
  (``involved``).
- ``findings``: changes reported on ``changes.<source>`` kept as findings.
- ``ingestion``: alarms and webhooks becoming incidents (``alarm_stream``, ``triggers``).
- ``event_rules``: the rules routing alarm events to plans, and their ``eventpattern``
  language.
- ``administration``: tags, resource policies and integration keys.
"""
