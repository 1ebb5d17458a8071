"""Alarm ingestion: alarms and events (the ``ALARMS`` stream, the webhooks and
``IngestEvents``) becoming the start, a joined trigger or the recovery of an incident.

- :mod:`.domain`: an EventBridge-shaped event as a trigger (pure).
- :mod:`.triggers`: what a trigger does to the incidents of a plan.
- :mod:`.alarm_stream`: the ``ALARMS`` stream's consumer, with its dead letters.
- :mod:`.handlers`: Tocsin's own ingestion operations (webhooks, ``IngestEvents``, stats).
"""
