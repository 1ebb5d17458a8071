"""The audit trail: one CloudTrail record for every call the gateway answers.

Every call of every API (HTTP and gRPC), every ingestion webhook and every console action
becomes a :class:`Record` in CloudTrail's format (``eventVersion`` 1.08, ``userIdentity``,
``eventSource`` ``ssm-incidents.amazonaws.com``-style per API, ``requestParameters`` and
``responseElements`` redacted by :mod:`.redaction`, ``errorCode``/``errorMessage`` for a
refusal), published to the JetStream stream ``AUDIT_<REGION>`` on
``audit.<region>.<api>.<eventName>`` (:func:`tocsin.shared.bus.audit_stream`).

When a record is written:

- a call that may change something (not ``readOnly``) is answered only once JetStream has
  acknowledged its record: a change nobody could later find in the trail never returns
  success. A record that cannot be written after a few tries turns the answer into
  ``ServiceUnavailableException`` (the change may have been made; the caller retries with
  the same client token, and the retry is recorded).
- a read is queued and written in the background, so reads cost the caller nothing; the
  queue is bounded (a full queue makes the caller wait for room rather than drop a record)
  and :meth:`AuditTrail.close` writes what is left before the gateway's NATS connection
  closes on a normal shutdown.

Records of calls made at the same time are written together, several to a message
(:mod:`.audit_batches`, which every reader of the stream reads them with).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import msgspec
import nats.errors

from tocsin.gateway import redaction
from tocsin.gateway.access import Call, Face, PrincipalKind, Proceed
from tocsin.gateway.audit_batches import GroupWriter
from tocsin.shared import codec
from tocsin.shared.bus import Bus, audit_stream, audit_subject, ensure_stream
from tocsin.shared.errors import InternalError, ServiceUnavailable, TocsinError
from tocsin.shared.logging import get_logger

__all__ = ["EVENT_SOURCES", "Audit", "AuditTrail", "Record", "UserIdentity", "event_source",
           "is_read_only", "make_record"]

log = get_logger(__name__)

EVENT_VERSION = "1.08"

EVENT_SOURCES: dict[str, str] = {
    "ssm-incidents": "ssm-incidents.amazonaws.com",
    "ssm-contacts": "ssm-contacts.amazonaws.com",
    "ssm": "ssm.amazonaws.com",
    "tocsin": "tocsin.amazonaws.com",
    "cloudtrail": "cloudtrail.amazonaws.com",
}
"""Each API's ``eventSource``; an API not listed is ``<api>.amazonaws.com``."""

READ_PREFIXES = ("Get", "List", "Describe", "Lookup", "Test", "Watch", "Show")
"""Operations named so change nothing (CloudTrail's ``readOnly``)."""

PUBLISH_TRIES = 3
PUBLISH_TIMEOUT = 2.0


def event_source(api: str) -> str:
    """The ``eventSource`` of an API's calls."""
    return EVENT_SOURCES.get(api, f"{api}.amazonaws.com")


def is_read_only(operation: str) -> bool:
    """Whether an operation only reads (``Get*``, ``List*``, ``Describe*``, ...)."""
    return operation.startswith(READ_PREFIXES)


class UserIdentity(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """CloudTrail's ``userIdentity``."""

    type: str
    principalId: str  # CloudTrail's member names, as it spells them
    arn: str | None = None
    accountId: str | None = None
    accessKeyId: str | None = None
    userName: str | None = None


class Resource(msgspec.Struct, frozen=True, kw_only=True):
    """A resource the call names (CloudTrail's ``resources``)."""

    ARN: str
    accountId: str
    type: str


class Record(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One CloudTrail record (``eventType`` ``AwsApiCall``); the members with defaults
    (``errorCode``, ``errorMessage``, ``resources``) are left out when they are empty."""

    eventVersion: str
    userIdentity: UserIdentity
    eventTime: str
    eventSource: str
    eventName: str
    awsRegion: str
    sourceIPAddress: str
    userAgent: str
    requestParameters: Any
    responseElements: Any
    requestID: str
    eventID: str
    readOnly: bool
    eventType: str
    managementEvent: bool
    eventCategory: str
    recipientAccountId: str
    errorCode: str | None = None
    errorMessage: str | None = None
    resources: list[Resource] = []


def identity(call: Call, account: str) -> UserIdentity:
    """``userIdentity`` of a caller: its ARN's kind (``user/``, ``role/``, ``root``), or a
    webhook's integration key (``Unknown``, principal id ``integration-key/<fingerprint>``:
    never the key itself), or nobody (acknowledgement links, provider callbacks)."""
    principal = call.principal
    arn = principal.arn
    if not arn:
        key = call.params.get("integrationKey") if isinstance(call.params, dict) else None
        if principal.kind is PrincipalKind.INTEGRATION_KEY and isinstance(key, str) and key:
            digest = hashlib.sha256(key.encode()).hexdigest()[:16]
            return UserIdentity(type="Unknown", principalId=f"integration-key/{digest}",
                                accountId=principal.account or account)
        return UserIdentity(type="Unknown", principalId="anonymous")
    return _signed_identity(arn, principal.access_key_id, account)


@functools.lru_cache(maxsize=4096)
def _signed_identity(arn: str, access_key_id: str, account: str) -> UserIdentity:
    """``userIdentity`` of a signed caller: the same for each of its calls, so made once
    (UserIdentity is frozen)."""
    parts = arn.split(":", 5)
    principal_account = parts[4] if len(parts) > 4 and parts[4] else account
    resource = parts[5] if len(parts) > 5 else arn
    kind, _, name = resource.partition("/")
    identity_type = {"user": "IAMUser", "role": "Role", "assumed-role": "AssumedRole",
                     "root": "Root", "federated-user": "FederatedUser"}.get(kind, "Unknown")
    user_name = "root" if kind == "root" else name.rsplit("/", 1)[-1] if name else None
    if identity_type == "AssumedRole":
        user_name = name.split("/", 1)[0] or None
    unique = hashlib.sha256(arn.encode()).hexdigest()[:17].upper()
    prefix = {"IAMUser": "AIDA", "Role": "AROA", "AssumedRole": "AROA"}.get(identity_type, "")
    return UserIdentity(type=identity_type, principalId=f"{prefix}{unique}" if prefix
                        else principal_account, arn=arn, accountId=principal_account,
                        accessKeyId=access_key_id or None, userName=user_name)


def resources_of(*values: Any) -> list[Resource]:
    """The ARNs named anywhere in ``values`` (the resources the call acted on, as
    authorization saw them, and those its answer names: a created plan), in order, once
    each."""
    seen: dict[str, Resource] = {}
    for arn in _strings(values):
        if arn.startswith("arn:") and arn not in seen and arn.count(":") >= 5:
            _, _, service, _, account, resource = arn.split(":", 5)
            kind = resource.split("/", 1)[0] if "/" in resource else resource
            seen[arn] = Resource(ARN=arn, accountId=account, type=f"{service}:{kind}")
    return list(seen.values())


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def make_record(call: Call, *, region: str, account: str, response: Any = None,
                error: TocsinError | None = None) -> Record:
    """The CloudTrail record of ``call``, answered with ``response`` or refused with
    ``error``; codes, addresses and secrets redacted. A webhook's alert body is left out
    (it can be large, and it is the incident's, not the call's)."""
    params: Any = call.params
    if call.face is Face.WEBHOOK and isinstance(params, dict):
        params = {k: v for k, v in params.items() if k != "body"}
    params = redaction.redact(params) if params else None
    read_only = is_read_only(call.operation)
    # As CloudTrail: a read's answer is not recorded (it is the data read, and a lookup's
    # answer would carry the records it found, each carrying the ones before).
    elements = redaction.redact(response) if response and error is None \
        and not read_only else None
    # What a change's answer names is what it made (a plan's ARN).
    named = elements
    return Record(
        eventVersion=EVENT_VERSION,
        userIdentity=identity(call, account),
        eventTime=call.time_text,
        eventSource=event_source(call.api), eventName=call.operation, awsRegion=region,
        sourceIPAddress=call.source_ip or "unknown", userAgent=call.user_agent or "unknown",
        requestParameters=params, responseElements=elements, requestID=call.request_id,
        eventID=str(uuid.uuid4()), readOnly=read_only,
        eventType="AwsApiCall", managementEvent=True, eventCategory="Management",
        recipientAccountId=account,
        errorCode=error.aws_code if error is not None else None,
        errorMessage=error.message if error is not None else None,
        resources=resources_of(list(call.resources), named))


class Audit:
    """The audit step of the gateway's pipeline (:class:`~tocsin.gateway.access.Gate`):
    records every call it sees, answered or refused, in :class:`AuditTrail`."""

    def __init__(self, trail: AuditTrail) -> None:
        self._trail = trail

    async def __call__(self, call: Call, proceed: Proceed) -> Any:
        try:
            result = await proceed(call)
        except TocsinError as exc:
            try:
                await self._trail.record(call, error=exc)
            except Exception as lost:
                # Nothing was done (the call was refused, or NATS is down and the request
                # never left): the caller learns why it failed, not that the record of
                # the failure could not be written either.
                log.warning("audit.refusal_unrecorded", operation=call.operation,
                            error=repr(lost))
            raise
        except Exception:
            await self._trail.record(call, error=InternalError(
                f"{call.operation} failed unexpectedly"))
            raise
        await self._trail.record(call, response=result)
        return result


class AuditTrail:
    """Writes the region's audit records to ``AUDIT_<REGION>``; one per gateway process.

    Records go through a :class:`~tocsin.gateway.audit_batches.GroupWriter`: the records
    of calls made at the same time share a message (see :mod:`.audit_batches`)."""

    def __init__(self, bus: Bus, *, region: str, account: str,
                 retention_days: float = 90.0, replicas: int = 1,
                 max_bytes: Mapping[str, int] | None = None) -> None:
        self._bus = bus
        self._replicas = replicas
        self._max_bytes = max_bytes
        self._region = region
        self._account = account
        self._stream = audit_stream(region, retention_days=retention_days)
        self._writer = GroupWriter(self._publish)

    @property
    def stream(self) -> str:
        """The stream's name, ``AUDIT_<REGION>``."""
        assert self._stream.name
        return self._stream.name

    async def start(self) -> None:
        """Declare the stream."""
        await ensure_stream(self._bus.js, self._stream, replicas=self._replicas,
                            max_bytes=self._max_bytes)

    async def close(self, timeout: float = 30.0) -> None:
        """Write every queued record (before the NATS connection closes); after
        ``timeout`` seconds (NATS gone) what is left is logged as lost."""
        if self._writer.unwaited:
            log.info("audit.flushing", records=self._writer.unwaited)
        await self._writer.close(timeout)

    async def record(self, call: Call, *, response: Any = None,
                     error: TocsinError | None = None) -> Record:
        """Record ``call``: a change before this returns; a read in the background.

        Raises:
            ServiceUnavailable: the record of a change could not be written.
        """
        record = make_record(call, region=self._region, account=self._account,
                             response=response, error=error)
        await self.write(record)
        return record

    def make(self, call: Call, *, response: Any = None,
             error: TocsinError | None = None) -> Record:
        """The record of ``call`` in this trail's region and account (for a face that
        shapes its records further, as the console's sign-ins, before :meth:`write`)."""
        return make_record(call, region=self._region, account=self._account,
                           response=response, error=error)

    async def write(self, record: Record) -> None:
        """Write ``record``: a change before this returns; a read in the background.

        Raises:
            ServiceUnavailable: the record of a change could not be written.
        """
        subject = audit_subject(self._region, _api_token(record.eventSource), record.eventName)
        await self._writer.write(subject, codec.encode(record), event_id=record.eventID,
                                 name=record.eventName, wait=not record.readOnly)

    async def _publish(self, subject: str, data: bytes, msg_id: str) -> None:
        """Publish one message of records, with a few tries."""
        for attempt in range(1, PUBLISH_TRIES + 1):
            try:
                await asyncio.wait_for(self._bus.publish(subject, data, msg_id=msg_id),
                                       PUBLISH_TIMEOUT)
                return
            except (nats.errors.Error, TimeoutError) as exc:
                log.warning("audit.write_failed", attempt=attempt, error=repr(exc),
                            subject=subject)
                await asyncio.sleep(0.05 * attempt)
        operation = subject.rsplit(".", 1)[-1]
        raise ServiceUnavailable(
            f"{operation} could not be recorded in the audit trail ({self.stream}); "
            "it may have taken effect: retry with the same client token")


def _api_token(source: str) -> str:
    """``ssm-incidents.amazonaws.com`` → ``ssm-incidents`` (a subject token)."""
    return source.removesuffix(".amazonaws.com").replace(".", "-")
