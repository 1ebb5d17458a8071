"""Findings: the deployments and stack updates under way around the time an incident began.

CI/CD tools publish changes on ``changes.<source>`` (the contract is
:mod:`tocsin.shared.contracts.changes`); the durable consumer ``incidents-findings`` on the
``CHANGES`` stream keeps each one as a finding, keyed by its finding id, recording the
message in the inbox in the same transaction. Which findings belong to an incident is
decided when they are read, so a change reported late still shows up:

    a change is a finding of an incident created at ``T`` when it started at or before
    ``T`` and had not ended before ``T - findings_window``; one still in progress counts
    for a day after it started.

``ListIncidentFindings`` and ``BatchGetIncidentFindings`` serve them in the
``ssm-incidents`` shapes, timestamps as epoch seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import msgspec
from nats.aio.msg import Msg

from tocsin.incidents.findings.domain import at, details
from tocsin.incidents.findings.store import FindingStore, Span
from tocsin.incidents.records.domain import IncidentRecord
from tocsin.incidents.usecases import JSON, Deps, UseCases, make_token, read_token
from tocsin.shared.bus import Consumer, RpcRequest, changes_stream
from tocsin.shared.contracts import incidents as ic
from tocsin.shared.contracts.changes import (
    ChangeReported,
    epoch_micros,
)
from tocsin.shared.db import already_processed, transaction
from tocsin.shared.errors import ValidationError
from tocsin.shared.events import emit
from tocsin.shared.logging import get_logger

__all__ = [
    "CONSUMER",
    "MAX_RESULTS",
    "BatchGetIncidentFindings",
    "FindingsHandlers",
    "ListIncidentFindings",
    "consumer",
]

log = get_logger(__name__)

CONSUMER = "incidents-findings"
"""The consumer's name in the inbox (its JetStream durable name in production)."""

MAX_RESULTS = 20
"""``ListIncidentFindings`` pages at most this many findings (the model's 1..20)."""

NOT_FOUND = "ResourceNotFoundException"
"""``BatchGetIncidentFindingsError.code`` of an id that is not a finding of the incident.

The model leaves ``code`` a free string; this is the code the operation itself raises for
a missing resource, so a client handles both the same way."""


class _In(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """An operation's input: camelCase on the wire, unknown members ignored."""


class ListIncidentFindings(_In, frozen=True):
    incident_record_arn: str
    max_results: Annotated[int, msgspec.Meta(ge=1, le=MAX_RESULTS)] | None = None
    next_token: str | None = None


class BatchGetIncidentFindings(_In, frozen=True):
    incident_record_arn: str
    finding_ids: Annotated[list[Annotated[str, msgspec.Meta(max_length=128)]],
                           msgspec.Meta(max_length=20)]


class FindingsHandlers(UseCases):
    """The findings consumer, ListIncidentFindings and BatchGetIncidentFindings."""

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self._window = timedelta(seconds=deps.findings_window)
        self._findings = FindingStore()

    # --- changes.<source> -----------------------------------------------------------------

    async def record_change(self, change: ChangeReported, msg: Msg) -> None:
        """Keep one reported change as a finding, once per stored message.

        The inbox id is the message's stream sequence with its stream timestamp: unlike a
        publisher's ``Nats-Msg-Id`` (which the stream already de-duplicates) it names each
        stored message exactly, and the timestamp keeps it unique should the stream be
        recreated and its sequence start again.
        """
        md = msg.metadata
        message_id = f"{md.stream}:{md.sequence.stream}:{md.timestamp.isoformat()}"
        c = change.change
        finding_id = change.finding_id
        async with transaction(self._pool) as conn:
            if await already_processed(conn, consumer=CONSUMER, event_id=message_id):
                log.info("finding.duplicate", finding_id=finding_id)
                return
            now = self._clock.now()
            start = at(epoch_micros(c.start_time))
            end = None if c.end_time is None else at(epoch_micros(c.end_time))
            outcome = await self._findings.record(
                conn, id=finding_id, start_time=start, end_time=end,
                details=details(change), now=now, reported_at=md.timestamp)
            if outcome != "unchanged":
                created = await self._findings.created(conn, finding_id)
                await emit(conn, ic.FindingRecorded(
                    id=finding_id, details=details(change), outcome=outcome,
                    start_time=start.timestamp(),
                    end_time=end.timestamp() if end is not None else None,
                    creation_time=created.timestamp(), last_modified_time=now.timestamp()),
                    region=self._region, now=now)
        log.info("finding.recorded", finding_id=finding_id, outcome=outcome)

    # --- operations -----------------------------------------------------------------------

    def _span(self, record: IncidentRecord) -> Span:
        created = datetime.fromtimestamp(record.creation_time, UTC)
        return Span(since=created - self._window, until=created)

    async def list_incident_findings(self, req: RpcRequest) -> JSON:
        cmd: ListIncidentFindings = req.decode(ListIncidentFindings)
        limit = cmd.max_results or MAX_RESULTS
        after = _position(cmd.next_token) if cmd.next_token else None
        async with self._pool.acquire() as conn:
            record = await self._incident(conn, cmd.incident_record_arn)
            found = await self._findings.in_span(conn, self._span(record), after=after,
                                                 limit=limit + 1)
        out: JSON = {"findings": [f.summary() for f in found[:limit]]}
        if len(found) > limit:
            last = found[limit - 1]
            out["nextToken"] = make_token((epoch_micros(last.start_time), last.id))
        return out

    async def batch_get_incident_findings(self, req: RpcRequest) -> JSON:
        cmd: BatchGetIncidentFindings = req.decode(BatchGetIncidentFindings)
        arn = cmd.incident_record_arn
        ids = list(dict.fromkeys(cmd.finding_ids))
        async with self._pool.acquire() as conn:
            record = await self._incident(conn, arn)
            found = (await self._findings.some_in_span(conn, self._span(record), ids)
                     if ids else {})
        return {
            "findings": [found[i].output() for i in ids if i in found],
            "errors": [{"findingId": i, "code": NOT_FOUND,
                        "message": f"Finding {i} is not a finding of incident record {arn}"}
                       for i in ids if i not in found],
        }


def _position(token: str) -> tuple[datetime, str]:
    micros, finding_id = read_token(token, tuple[int, str])
    try:
        return at(micros), finding_id
    except OverflowError:
        raise ValidationError("nextToken is not a token this operation returned") from None


def consumer(deps: Deps, *, durable: str = CONSUMER,
             filter_subject: str = "changes.>") -> Consumer:
    """The durable consumer that keeps the changes of ``CHANGES`` as findings.

    Every instance shares ``durable``; it starts from the stream's first message, so changes
    published before the service first ran are kept too.
    """
    return Consumer(stream=str(changes_stream().name), durable=durable,
                    filter_subject=filter_subject,
                    handler=FindingsHandlers(deps).record_change,
                    message_type=ChangeReported)
