"""Tocsin's NATS bus: connection, JetStream streams and consumers, request/reply services.

- :func:`connect` opens a connection that reconnects forever and drains on close.
- :class:`Bus` publishes events with ``Nats-Msg-Id`` and makes typed requests.
- :mod:`.rpc` serves ``tocsin.rpc.<service>.<Operation>`` from a queue group.
- :mod:`.consumer` runs durable pull consumers whose every message ends in ack,
  nak-with-delay or term.
"""

from tocsin.shared.bus.connection import Bus, connect
from tocsin.shared.bus.consumer import Consumer, Pull, consume, pull
from tocsin.shared.bus.rpc import RpcRequest, RpcServer, rpc_subject
from tocsin.shared.bus.streams import (
    alarms_stream,
    audit_stream,
    audit_subject,
    changes_stream,
    deliveries_stream,
    ensure_stream,
    events_stream,
    events_subjects,
)

__all__ = [
    "Bus",
    "Consumer",
    "Pull",
    "RpcRequest",
    "RpcServer",
    "alarms_stream",
    "audit_stream",
    "audit_subject",
    "changes_stream",
    "connect",
    "consume",
    "deliveries_stream",
    "ensure_stream",
    "events_stream",
    "events_subjects",
    "pull",
    "rpc_subject",
]
