"""What a Tocsin process tells Prometheus about itself, on ``TOCSIN_METRICS_ADDR``.

The shared pieces every service runs are instrumented here once, so each service (and
each one added later) has them with no code of its own:

- the RPC server: requests by operation and outcome, and their latency;
- the pull loop: messages by durable and outcome, redeliveries, and the consumer's lag
  (what the server still holds for it, polled every :data:`LAG_INTERVAL` seconds);
- the outbox: events published, and the backlog waiting in the table;
- the durable timers: timers fired, how late, and how overdue the earliest waiting one is;
- the streams a service declares: their size, and how long since a mirror (or source)
  last heard from its origin region;
- the event loop: how many asyncio tasks are alive (with prometheus-client's own
  ``process_resident_memory_bytes`` and ``process_open_fds``, what a soak watches level
  off).

A service adds a metric only for a fact of its own (deliveries by provider in
notifications, dead letters in the incidents service's alarm intake, its canary), defined
here too, so every name is in one place and the alert rules in ``deploy/prometheus`` can
be checked against it.

Labels are bounded: services, operations, durables, tables, providers and outcomes, never
an ARN or an id. Each hot path binds its labelled child once (``.labels(...)`` costs a
dictionary lookup under a lock) and then only increments or observes.

:func:`serve` starts the HTTP endpoint (prometheus-client's own server, on a thread of its
own, so a scrape never waits for the event loop); :func:`address` is what ``/healthz``
shows of this process.
"""

from __future__ import annotations

import asyncio

from prometheus_client import Counter, Gauge, Histogram, start_http_server

__all__ = ["API_LATENCY", "API_REQUESTS", "CANARY_PAGES",
           "CONSUMER_LAG", "CONSUMER_MESSAGES", "CONSUMER_REDELIVERIES", "DEAD_LETTERS",
           "DELIVERIES", "EVENT_LOOP_TASKS", "LAG_INTERVAL", "OUTBOX_BACKLOG", "OUTBOX_PUBLISHED",
           "RPC_LATENCY", "RPC_REQUESTS", "STREAM_BYTES", "STREAM_MESSAGES",
           "STREAM_SOURCE_ACTIVE", "TIMERS_FIRED", "TIMERS_OVERDUE",
           "TIMER_LATENESS", "address", "count_tasks", "serve"]

LAG_INTERVAL = 5.0
"""Seconds between two looks at a consumer's lag, and at the outbox's backlog."""

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                    10.0)
"""Seconds: a request of Tocsin's takes a few milliseconds; beyond 10 s the caller gave up."""

RPC_REQUESTS = Counter(
    "tocsin_rpc_requests", "Requests a service instance answered, by operation and outcome "
    "(ok, client_error, server_error, unavailable).", ["service", "operation", "outcome"])
RPC_LATENCY = Histogram(
    "tocsin_rpc_request_seconds", "Seconds from taking a request to answering it.",
    ["service", "operation"], buckets=_LATENCY_BUCKETS)

API_REQUESTS = Counter(
    "tocsin_api_requests", "API calls the gateway passed to a service (HTTP and gRPC), by "
    "API, operation and outcome (ok or the error's code).", ["api", "operation", "outcome"])
API_LATENCY = Histogram(
    "tocsin_api_request_seconds", "Seconds the gateway waited for a service's answer.",
    ["api", "operation"], buckets=_LATENCY_BUCKETS)

CONSUMER_MESSAGES = Counter(
    "tocsin_consumer_messages", "Messages a durable consumer settled, by outcome (ack, nak, "
    "term).", ["durable", "outcome"])
CONSUMER_REDELIVERIES = Counter(
    "tocsin_consumer_redeliveries", "Messages fetched that had been delivered before.",
    ["durable"])
CONSUMER_LAG = Gauge(
    "tocsin_consumer_lag", "Messages the server holds for a durable consumer: not yet "
    "delivered (pending) or delivered and not yet acknowledged (ack_pending).",
    ["stream", "durable", "state"])

OUTBOX_PUBLISHED = Counter(
    "tocsin_outbox_published", "Outbox rows published to JetStream, by the service's schema.",
    ["schema"])
OUTBOX_BACKLOG = Gauge(
    "tocsin_outbox_backlog", "Committed outbox rows not yet published, by the service's "
    "schema.", ["schema"])

TIMERS_FIRED = Counter("tocsin_timers_fired", "Durable timers fired.", ["table"])
TIMER_LATENESS = Histogram(
    "tocsin_timer_lateness_seconds", "Plan seconds between a timer's due time and its firing.",
    ["table"], buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 15.0, 60.0))
TIMERS_OVERDUE = Gauge(
    "tocsin_timers_overdue_seconds", "Plan seconds the earliest pending timer is past its due "
    "time (0: none waits), as its worker last looked.", ["table"])

DELIVERIES = Counter(
    "tocsin_deliveries", "Sends to a provider, by provider, channel type and outcome (sent, "
    "failed, refused: refused for good), and requests held for want of a provider "
    "(provider none, outcome no_provider).", ["provider", "channel_type", "outcome"])
DEAD_LETTERS = Counter(
    "tocsin_dead_letters", "Alarms the intake moved to the dead-letter subject, by reason.",
    ["reason"])

EVENT_LOOP_TASKS = Gauge(
    "tocsin_event_loop_tasks", "asyncio tasks alive on the process's event loop (a number "
    "that only grows is a leak: a task per request or message never ending).")

STREAM_MESSAGES = Gauge(
    "tocsin_stream_messages", "Messages a JetStream stream the service declares holds.",
    ["stream"])
STREAM_BYTES = Gauge(
    "tocsin_stream_bytes", "Bytes a JetStream stream the service declares holds.", ["stream"])
STREAM_SOURCE_ACTIVE = Gauge(
    "tocsin_stream_source_active_seconds", "Seconds since a stream's mirror (or source) last "
    "heard from its origin, data or heartbeat (+Inf: never); a healthy link stays under "
    "about 1 s (reference/nats.md: alert on this, not on lag).", ["stream", "origin"])

CANARY_PAGES = Counter(
    "tocsin_canary_pages", "The incidents canary's test pages, by outcome: sent or send_failed "
    "when started, then confirmed or unconfirmed when checked.", ["outcome"])

_address = ""


def serve(addr: str) -> str:
    """Serve the metrics at ``addr`` (``host:port``; port 0 picks one); the bound address.

    Raises:
        OSError: the address cannot be listened on.
    """
    global _address
    host, _, port = addr.rpartition(":")
    server, _thread = start_http_server(int(port), addr=host.strip("[]") or "0.0.0.0")
    _address = f"{host}:{server.server_port}"
    return _address


def count_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Have :data:`EVENT_LOOP_TASKS` count ``loop``'s tasks at each scrape (from the
    metrics server's thread: ``asyncio.all_tasks`` copies its set, retrying if it changes
    meanwhile)."""
    EVENT_LOOP_TASKS.set_function(lambda: len(asyncio.all_tasks(loop)))


def address() -> str:
    """Where this process serves its metrics (empty: it does not)."""
    return _address
