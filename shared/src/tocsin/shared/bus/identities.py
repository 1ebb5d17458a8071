"""Who may do what on the bus: one table of Tocsin's NATS identities, and the server
permissions derived from it.

Each service connects as its own NATS user. What that user may publish and subscribe to
follows from one row of :data:`IDENTITIES`: the operations it serves, the RPC operations it
calls, the streams it declares, the durable consumers it reads and the subjects it
publishes beyond its own events. Nothing else is written by hand, so a new service (or a
new consumer or call) is one edit here; :class:`Bus` and :func:`~tocsin.shared.bus.pull`
check their traffic against the row at run time, so a service whose code and row disagree
fails its own tests at once rather than only on a NATS that enforces the permissions.

What the rows give:

- no service can publish another's events (``events.<region>.<service>.>``), and only
  contacts can publish delivery requests (``deliveries.<region>.>``);
- only the callers named here can request an operation (``tocsin.rpc.<service>.<Op>``),
  and only the service itself can subscribe to (serve) its subjects;
- a service's JetStream API access is its streams' info/create (update for the one owner
  of each; never purge or delete) and its own durables' create/info/next/reset and acks;
  the ``DELIVERIES``
  stream, whose messages carry addresses and codes, is read by notifications alone;
- a service that applies the other regions' events (its ``inbox`` durable, see
  :mod:`tocsin.shared.replication.inbox`) lists the streams, to find their mirrors, and
  reads them under that one durable name, whatever the mirror's name; never
  ``DELIVERIES`` or ``AUDIT``;
- replies go to each identity's own inbox prefix (:func:`inbox_prefix`), so no identity
  can read another's replies; serving identities answer with ``allow_responses``.

Two identities are for people's tools: :data:`DASHBOARD` reads ``events.<region>.>`` and
nothing else; :data:`ALARM_PUBLISHER` publishes ``alarms.>`` and ``changes.>`` (with their
JetStream acknowledgements) and nothing else. :data:`REGION_LEAF` is another region's NATS
joining this one's by a leaf connection: it may carry what replication needs (JetStream API
requests of the other domain, mirror deliveries and flow control, their replies) and none
of :data:`LEAF_DENIED`, in either direction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ALARM_PUBLISHER", "DASHBOARD", "IDENTITIES", "LEAF_DENIED", "REGION_LEAF",
           "Identity", "NotInTable", "identity", "inbox_prefix", "permissions"]

EVENTS = "EVENTS"
"""``EVENTS_<REGION>`` in a row: the region's event stream."""
DELIVERIES = "DELIVERIES"
"""``DELIVERIES_<REGION>`` in a row: the region's delivery requests."""
ALARMS = "ALARMS"
CHANGES = "CHANGES"
AUDIT = "AUDIT"
"""``AUDIT_<REGION>`` in a row: the region's CloudTrail records, written by the gateway."""

INBOX = "inbox"
"""The durable that reads the mirrors of the other regions' ``EVENTS_<REGION>``."""

DASHBOARD = "dashboard"
ALARM_PUBLISHER = "alarm-publisher"
REGION_LEAF = "region-leaf"
"""The identity another region's NATS presents on its leaf connection to this one."""

LEAF_DENIED: tuple[str, ...] = (
    "alarms.>", "changes.>", "deliveries.>", "audit.>", "topics.>",
    # A region's events reach the others by mirrors only: a core publish crossing a leaf
    # would land in the other region's own stream (its subjects) or wake its subscribers.
    "events.>",
    # Requests are served by the region they are made in; health pings count its own.
    # (Replies cross: a request to the other domain's JetStream API is answered there.)
    "tocsin.>", "$SRV.>",
)
"""Subjects that never cross a leaf connection between regions, either way. Core NATS
flows freely over a leaf link; what replication needs is left: ``$JS.<domain>.API.>``
(JetStream refuses the domain-less ``$JS.API.>`` itself), the mirrors' deliveries and flow
control (``$JS.M.>``, ``$JS.FC.>``) and the server's own replies."""


class NotInTable(RuntimeError):
    """A service did something its row of :data:`IDENTITIES` does not allow: add it there
    (the bus permissions of every deployment follow from that row)."""


@dataclass(frozen=True)
class Identity:
    """One NATS identity: a row of the table."""

    name: str
    serves: bool = True
    """Serves ``tocsin.rpc.<name>.>`` (and answers ``$SRV`` pings)."""
    calls: tuple[str, ...] = ()
    """``<service>.<Operation>`` or ``<service>.*`` it requests; ``*`` is every service."""
    streams: tuple[str, ...] = ()
    """Streams it declares (info, create): ``EVENTS``, ``DELIVERIES``, ``ALARMS``,
    ``CHANGES``."""
    owns: tuple[str, ...] = ()
    """Of those, the streams it brings to a new configuration (update): one owner each, so
    no other service can change a stream's retention."""
    consumes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Stream → durable consumers it reads, each named ``<schema>-<name>``."""
    emits_events: bool = True
    """Publishes its own events, ``events.<region>.<name>.>``."""
    publishes: tuple[str, ...] = ()
    """Other subjects it publishes (``{region}`` is filled in)."""
    watches: tuple[str, ...] = ()
    """Streams it reads through ephemeral push consumers (the gateway's ``WatchEvents``)."""
    subscribes: tuple[str, ...] = ()
    """Subjects it reads as they are published, outside any stream (``{region}`` is filled
    in)."""
    asserts_principals: bool = False
    """May send a request on behalf of a caller (a signed ``Tocsin-Principal``)."""
    pings: bool = False
    """Publishes ``$SRV.PING`` to find every service instance (``/healthz``)."""
    mirrors: bool = False
    """Keeps the replication set's mirrors (:mod:`tocsin.shared.bus.regions`): creates,
    reads and deletes the other regions' ``EVENTS_<R>`` mirrors here, and this region's
    in their JetStream domains (``$JS.<domain>.API``)."""
    consumes_mirrors: tuple[str, ...] = ()
    """Durable consumers it reads on every other region's ``EVENTS_<R>`` mirror here."""
    lists_streams: bool = False
    """Lists the streams with their state (``/healthz``: the mirrors' health)."""


IDENTITIES: Mapping[str, Identity] = {i.name: i for i in (
    Identity("gateway", serves=False, emits_events=False, calls=("*",),
             streams=(AUDIT,), owns=(AUDIT,), publishes=("audit.{region}.>",),
             watches=(EVENTS, AUDIT), asserts_principals=True, pings=True,
             lists_streams=True,
             # resource policies it caches are dropped when their owners change them
             subscribes=("events.{region}.incidents.>", "events.{region}.contacts.>")),
    Identity("incidents",
             calls=("contacts.StartEngagement", "contacts.StopIncidentEngagements",
                    "contacts.ReserveEngagementContacts", "contacts.ListEngagements",
                    "contacts.StopEngagement", "runbooks.*", "notifications.*",
                    # the canary reads its test page's receipts
                    "contacts.ListPagesByEngagement", "contacts.ListPageReceipts"),
             streams=(EVENTS, CHANGES, ALARMS), owns=(EVENTS, CHANGES, ALARMS),
             consumes={EVENTS: ("engage", "pages", "reopen", "reengage", "engagement-failed",
                                "dead-letters", "runbooks", INBOX),
                       CHANGES: ("findings",), ALARMS: ("alarms",)},
             publishes=("alarms.dlq",), asserts_principals=True,
             # the replication set: its regions' mirrors, and its changes made elsewhere;
             # the other regions' takeovers, which fence re-engagements
             mirrors=True, consumes_mirrors=("replication-set", "takeovers")),
    Identity("contacts",
             # the replication set's data keys: channel addresses, delivery requests and
             # accept codes are sealed or indexed with them
             calls=("incidents.ResponsePlansEngaging", "incidents.GetDataKeys"),
             streams=(EVENTS, DELIVERIES), owns=(DELIVERIES,),
             consumes={EVENTS: ("escalation", "dead-letters", "replication-set", "incidents",
                                INBOX)},
             # the other regions' takeovers, which fence stage work; after a start, how
             # far the other regions' own streams reach
             consumes_mirrors=("takeovers",),
             publishes=("deliveries.{region}.>", "$JS.*.API.STREAM.INFO.*")),
    Identity("escalation", streams=(EVENTS,),
             consumes={EVENTS: ("contacts", "incidents")},
             # standby timers of the other regions' engagements, and their takeovers;
             # after a start, how far the other regions' own streams reach
             consumes_mirrors=("standby",), lists_streams=True,
             publishes=("$JS.*.API.STREAM.INFO.*",)),
    Identity("notifications",
             calls=("contacts.RecordPageReceipt", "contacts.DescribeEngagement",
                    "contacts.AcceptPage", "contacts.DeactivateContactChannel",
                    "contacts.ReactivateContactChannel", "contacts.FindContactChannels",
                    # Slack commands act on incidents as the Slack user's principal.
                    "incidents.GetIncidentRecord", "incidents.ListIncidentRecords",
                    "incidents.UpdateIncidentRecord", "incidents.ListTimelineEvents",
                    "incidents.CreateTimelineEvent",
                    # the data keys that open delivery requests and index phone numbers
                    "incidents.GetDataKeys"),
             streams=(EVENTS, DELIVERIES),
             consumes={EVENTS: ("chat",), DELIVERIES: ("deliveries",)},
             publishes=("topics.>",), asserts_principals=True),
    # aws:executeAwsApi calls Tocsin's own APIs as the execution's principal.
    Identity("runbooks", calls=("incidents.*", "contacts.*", "runbooks.*", "analysis.*",
                                "notifications.*"),
             streams=(EVENTS,),
             consumes={EVENTS: ("engine", "incidents", "takeovers", INBOX)},
             # the other regions' takeovers, which move their executions here; after a
             # start, how far the other regions' own streams reach
             consumes_mirrors=("takeovers",), publishes=("$JS.*.API.STREAM.INFO.*",),
             asserts_principals=True),
    Identity("analysis", calls=("incidents.*", "runbooks.GetDocument",
                                "contacts.StartEngagement"),
             streams=(EVENTS,),
             consumes={EVENTS: ("incidents", "contacts", "own", "takeovers", INBOX)},
             # the other regions' incidents and contacts events, for the metrics' key
             # times, and their takeovers, which move action items' reminders; after a
             # start, how far the other regions' own streams reach
             consumes_mirrors=("facts-incidents", "facts-contacts", "takeovers"),
             publishes=("$JS.*.API.STREAM.INFO.*",)),
)}
"""Every service's identity, gateway first."""


def identity(name: str) -> Identity:
    """The row of a service; :class:`NotInTable` if it has none."""
    try:
        return IDENTITIES[name]
    except KeyError:
        raise NotInTable(f"{name!r} has no row in tocsin.shared.bus.identities") from None


def inbox_prefix(name: str) -> str:
    """The inbox prefix of an identity's replies: apart from ``_INBOX``, which tools (the
    alarm publisher's acks) may read, and from every other identity's."""
    return f"_TOCSIN_INBOX.{name}"


def stream_kind(name: str) -> str:
    """``EVENTS_LOCAL-1`` → ``EVENTS``: the name a row uses for a stream."""
    return name.partition("_")[0]


def stream_name(stream: str, region: str) -> str:
    """``EVENTS`` → ``EVENTS_LOCAL-1``; ``ALARMS`` and ``CHANGES`` are one per deployment."""
    return f"{stream}_{region.upper()}" if stream in (EVENTS, DELIVERIES, AUDIT) else stream


def may_call(who: Identity, subject: str) -> bool:
    """Whether ``who`` may request ``subject`` (``tocsin.rpc.<service>.<Operation>``)."""
    if not subject.startswith("tocsin.rpc."):
        return True  # JetStream and $SRV requests: the server's permissions judge those
    service, _, operation = subject[len("tocsin.rpc."):].partition(".")
    return any(c in ("*", f"{service}.*", f"{service}.{operation}") for c in who.calls) or (
        who.serves and service == who.name)


def may_consume(who: Identity, stream: str, durable: str, region: str) -> bool:
    """Whether ``durable`` on ``stream`` is one of ``who``'s consumers (any schema prefix)."""
    return any(stream == stream_name(s, region) and durable.endswith(f"{who.name}-{d}")
               for s, names in who.consumes.items() for d in names) or (
        stream_kind(stream) == EVENTS
        and any(durable.endswith(f"{who.name}-{d}") for d in who.consumes_mirrors))


def _call_subjects(who: Identity) -> list[str]:
    subjects = []
    for call in who.calls:
        if call == "*":
            subjects.append("tocsin.rpc.>")
        else:
            service, _, op = call.partition(".")
            subjects.append(f"tocsin.rpc.{service}.{'>' if op == '*' else op}")
    return sorted(set(subjects))


def _service_permissions(who: Identity, region: str) -> dict[str, Any]:
    api = "$JS.API"
    pub: list[str] = [*_call_subjects(who)]
    deny: list[str] = []
    sub: list[str] = [f"{inbox_prefix(who.name)}.>",
                      *(s.format(region=region) for s in who.subscribes)]
    if who.serves:
        sub += [f"tocsin.rpc.{who.name}.>", "$SRV.*", f"$SRV.*.{who.name}",
                f"$SRV.*.{who.name}.>"]
        pub.append(f"$SRV.PING.{who.name}.>")  # the RPC server's own readiness ping
    if who.pings:
        pub.append("$SRV.PING")
    if who.emits_events:
        pub.append(f"events.{region}.{who.name}.>")
    pub += [p.format(region=region) for p in who.publishes]
    for stream in who.streams:
        name = stream_name(stream, region)
        verbs = ("INFO", "CREATE", "UPDATE") if stream in who.owns else ("INFO", "CREATE")
        pub += [f"{api}.STREAM.{verb}.{name}" for verb in verbs]
    for stream, durables in who.consumes.items():
        name = stream_name(stream, region)
        if stream == EVENTS and INBOX in durables:
            # The mirrors of other regions, whatever they are called (a partial-token
            # wildcard would be EVENTS_*), but no stream of people's addresses or audit.
            d = f"{who.name}-{INBOX}"
            pub += [f"{api}.STREAM.LIST", f"{api}.CONSUMER.CREATE.*.{d}",
                    f"{api}.CONSUMER.CREATE.*.{d}.>", f"{api}.CONSUMER.DURABLE.CREATE.*.{d}",
                    f"{api}.CONSUMER.INFO.*.{d}", f"{api}.CONSUMER.MSG.NEXT.*.{d}",
                    f"{api}.CONSUMER.RESET.*.{d}", f"$JS.ACK.*.{d}.>"]
            for other in (DELIVERIES, AUDIT):
                kept = stream_name(other, region)
                deny += [f"{api}.CONSUMER.CREATE.{kept}.>",
                         f"{api}.CONSUMER.DURABLE.CREATE.{kept}.>"]
        for durable in durables:
            # Any schema prefix (tests) would need partial-token wildcards, which NATS has
            # not: the permissions are for the deployment's own schema names.
            d = f"{who.name}-{durable}"
            pub += [f"{api}.CONSUMER.CREATE.{name}.{d}", f"{api}.CONSUMER.CREATE.{name}.{d}.>",
                    f"{api}.CONSUMER.DURABLE.CREATE.{name}.{d}",
                    f"{api}.CONSUMER.INFO.{name}.{d}", f"{api}.CONSUMER.MSG.NEXT.{name}.{d}",
                    f"{api}.CONSUMER.RESET.{name}.{d}", f"$JS.ACK.{name}.{d}.>"]
    for durable in who.consumes_mirrors:
        d = f"{who.name}-{durable}"
        pub += [f"{api}.CONSUMER.CREATE.*.{d}", f"{api}.CONSUMER.CREATE.*.{d}.>",
                f"{api}.CONSUMER.DURABLE.CREATE.*.{d}", f"{api}.CONSUMER.INFO.*.{d}",
                f"{api}.CONSUMER.MSG.NEXT.*.{d}", f"{api}.CONSUMER.RESET.*.{d}",
                f"$JS.ACK.*.{d}.>"]
    if who.mirrors:
        # Stream names have no partial-token wildcards: any stream, but never one of this
        # region's own (deleted), nor this domain's API by its domain name.
        pub += [f"{api}.STREAM.{verb}.*" for verb in ("INFO", "CREATE", "DELETE")]
        pub += [f"$JS.*.API.STREAM.{verb}.*" for verb in ("INFO", "CREATE", "DELETE")]
        deny += [f"{api}.STREAM.DELETE.{stream_name(s, region)}"
                 for s in (EVENTS, DELIVERIES, AUDIT, ALARMS, CHANGES)]
        deny.append(f"$JS.{region}.API.>")
    if who.lists_streams or who.mirrors:
        pub.append(f"{api}.STREAM.LIST")
    for stream in who.watches:
        name = stream_name(stream, region)
        pub += [f"{api}.CONSUMER.CREATE.{name}", f"{api}.CONSUMER.CREATE.{name}.*",
                f"{api}.CONSUMER.CREATE.{name}.*.>", f"{api}.CONSUMER.DELETE.{name}.*",
                f"{api}.CONSUMER.INFO.{name}.*", f"{api}.CONSUMER.MSG.NEXT.{name}.*",
                f"{api}.STREAM.INFO.{name}", f"$JS.FC.{name}.>", f"$JS.ACK.{name}.>"]
    return {"publish": {"allow": pub, **({"deny": deny} if deny else {})},
            "subscribe": {"allow": sub},
            **({"allow_responses": True} if who.serves else {})}


def permissions(name: str, region: str) -> dict[str, Any]:
    """The nats-server ``permissions`` block of identity ``name`` in ``region``."""
    if name == DASHBOARD:
        return {"publish": {"deny": [">"]},
                "subscribe": {"allow": [f"events.{region}.>"]}}
    if name == ALARM_PUBLISHER:
        return {"publish": {"allow": ["alarms.>", "changes.>"], "deny": ["alarms.dlq"]},
                "subscribe": {"allow": ["_INBOX.>"]}}
    if name == REGION_LEAF:
        # On a leaf connection, publish is what the other region sends into this one and
        # subscribe what this one sends to it.
        return {"publish": {"deny": list(LEAF_DENIED)},
                "subscribe": {"deny": list(LEAF_DENIED)}}
    return _service_permissions(identity(name), region)


def connection_types(name: str) -> list[str]:
    """The connections identity ``name`` may open: a region's leaf link, or a client's
    (so no client credential can open a leaf link, which would bypass its permissions)."""
    return ["LEAFNODE"] if name == REGION_LEAF else ["STANDARD"]


def all_identities() -> tuple[str, ...]:
    """Every identity a deployment creates: the services', the two for people's tools and
    the other regions' leaf link."""
    return (*IDENTITIES, DASHBOARD, ALARM_PUBLISHER, REGION_LEAF)
