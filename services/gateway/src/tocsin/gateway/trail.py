"""``cloudtrail`` ``LookupEvents`` on the gateway's endpoint, answered from ``AUDIT_<REGION>``.

Where the lookup index lives: nowhere but the stream. The gateway holds no database, and a
table fed by a consumer would be a second copy of the trail that can lag behind it (a
caller who just made a change and looks it up must find it). Instead the lookup reads the
stream itself, the newest records first, the way CloudTrail answers:

- The stream's subjects carry the two most selective attributes,
  ``audit.<region>.<api>.<eventName>``, so a lookup on ``EventSource`` or ``EventName``
  is filtered by the server and touches only its own records.
- Records are read backwards in windows of stream sequences: a short-lived consumer
  without acknowledgements reads one window ``[low, high]``, the gateway keeps the
  records that match the other attributes and the time range, and the next window (four
  times wider, up to :data:`MAX_WINDOW`) ends just below it. A page is complete once it
  holds ``MaxResults`` records, the window reached a record older than ``StartTime``, or
  the stream's first record. A lookup of recent events therefore reads about as many
  records as it returns, however long the trail is; a lookup whose matches are rare reads
  further back, at the server's speed (tens of thousands of records a second).
- A message may hold several records (:mod:`.audit_batches`: the records of concurrent
  calls are written together); each record's place in the trail is its message's stream
  sequence and its index in the message, and records are returned newest place first.
- ``NextToken`` is the place the next page ends below (plus the query it belongs to):
  pages never skip or repeat a record while new ones arrive.

Records are decoded with msgspec into the few members the filters need; the whole record
is returned as ``CloudTrailEvent``, unchanged.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
import nats.errors
import nats.js.errors
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tocsin.gateway.audit import Record
from tocsin.gateway.audit_batches import records_in
from tocsin.shared import codec
from tocsin.shared.bus import Bus
from tocsin.shared.errors import ServiceUnavailable, ValidationError
from tocsin.shared.logging import get_logger

__all__ = ["AuditLookup", "InvalidLookupAttributes", "InvalidNextToken", "InvalidTimeRange"]

log = get_logger(__name__)

FIRST_WINDOW = 256
MAX_WINDOW = 65_536
FETCH_BATCH = 256
FETCH_TIMEOUT = 2.0
DEFAULT_RESULTS = 50


class InvalidLookupAttributes(ValidationError):
    """More than one lookup attribute, or one whose value cannot match anything."""

    aws_code = "InvalidLookupAttributesException"


class InvalidTimeRange(ValidationError):
    """``StartTime`` after ``EndTime``."""

    aws_code = "InvalidTimeRangeException"


class InvalidNextToken(ValidationError):
    """A ``NextToken`` this query did not hand out."""

    aws_code = "InvalidNextTokenException"


class _Filtered(msgspec.Struct, frozen=True):
    """The members of a record the lookup attributes read."""

    eventID: str
    eventName: str
    eventSource: str
    eventTime: str
    readOnly: bool
    userIdentity: dict[str, Any]
    resources: list[dict[str, Any]] = []


@dataclass(frozen=True, slots=True)
class _Query:
    key: str | None
    value: str
    start: float | None
    end: float | None
    limit: int

    def fingerprint(self) -> str:
        text = f"{self.key}\0{self.value}\0{self.start}\0{self.end}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def matches(self, record: _Filtered) -> bool:
        when = _epoch(record.eventTime)
        if (self.start is not None and when < self.start) or \
                (self.end is not None and when > self.end):
            return False
        if self.key is None:
            return True
        value = self.value
        identity = record.userIdentity
        match self.key:
            case "EventId":
                return record.eventID == value
            case "EventName":
                return record.eventName == value
            case "EventSource":
                return record.eventSource == value
            case "ReadOnly":
                return str(record.readOnly).lower() == value.lower()
            case "Username":
                return identity.get("userName") == value
            case "AccessKeyId":
                return identity.get("accessKeyId") == value
            case "ResourceName":
                return any(r.get("ARN") == value for r in record.resources)
            case "ResourceType":
                return any(r.get("type") == value for r in record.resources)
        return False


class AuditLookup:
    """Serves ``LookupEvents`` from the stream of the gateway's region."""

    def __init__(self, bus: Bus, *, region: str, stream: str) -> None:
        self._bus = bus
        self._region = region
        self._stream = stream

    async def lookup_events(self, params: dict[str, Any]) -> dict[str, Any]:
        """``LookupEvents``: the newest matching records first, at most ``MaxResults``.

        Raises:
            InvalidLookupAttributes, InvalidTimeRange, InvalidNextToken: a bad query.
            ServiceUnavailable: the stream cannot be read.
        """
        query = _query(params)
        below = _token_place(params.get("NextToken"), query)
        try:
            info = await self._bus.js.stream_info(self._stream)
        except nats.js.errors.NotFoundError:
            return {"Events": []}
        except (nats.errors.Error, TimeoutError) as exc:
            raise ServiceUnavailable(f"the audit trail {self._stream} cannot be read: "
                                     f"{exc!r}") from None
        first, last = info.state.first_seq, info.state.last_seq
        # The newest message that may hold a record below the token's place.
        high = last if below is None else min(last, below[0] if below[1] else below[0] - 1)
        found: list[tuple[_Place, bytes]] = []
        window = FIRST_WINDOW
        exhausted = True
        while high >= max(first, 1):
            low = max(first, high - window + 1, 1)
            older, matches = await self._read(query, low, high, below)
            found.extend(reversed(matches))
            if len(found) > query.limit:
                exhausted = False
                break
            if older:
                break
            high = low - 1
            window = min(window * 4, MAX_WINDOW)
        page = found[:query.limit]
        result: dict[str, Any] = {"Events": [_event(data) for _, data in page]}
        if not exhausted and page:
            result["NextToken"] = _token(page[-1][0], query)
        return result

    async def _read(self, query: _Query, low: int, high: int, below: _Place | None
                    ) -> tuple[bool, list[tuple[_Place, bytes]]]:
        """The matching records of sequences ``low..high`` (placed before ``below``) in
        stream order, and whether a record older than the query's start was seen
        (nothing older need be read)."""
        subject = _subject(self._region, query)
        config = ConsumerConfig(
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=low,
            ack_policy=AckPolicy.NONE, mem_storage=True, num_replicas=1,
            inactive_threshold=30.0, filter_subject=subject,
            description="tocsin gateway LookupEvents")
        matches: list[tuple[_Place, bytes]] = []
        older = False
        try:
            sub = await self._bus.js.pull_subscribe(subject, durable=None, stream=self._stream,
                                                    config=config)
        except (nats.errors.Error, TimeoutError) as exc:
            raise ServiceUnavailable(f"the audit trail {self._stream} cannot be read: "
                                     f"{exc!r}") from None
        name = ""
        try:
            info = await sub.consumer_info()
            name = info.name
            done = not info.num_pending  # nothing at or after ``low`` matches the subject
            while not done:
                try:
                    batch = await sub.fetch(FETCH_BATCH, timeout=FETCH_TIMEOUT)
                except TimeoutError:
                    break  # nothing (more) in the window
                for msg in batch:
                    meta = msg.metadata
                    sequence = meta.sequence.stream
                    if sequence > high:
                        done = True
                        break
                    for index, data in enumerate(_records(msg)):
                        place = (sequence, index)
                        if below is not None and place >= below:
                            break
                        record = codec.decode(data, _Filtered)
                        if query.start is not None and \
                                _epoch(record.eventTime) < query.start:
                            older = True
                        if query.matches(record):
                            matches.append((place, data))
                    if meta.num_pending == 0 or sequence == high:
                        done = True
                        break
        finally:
            # Gone at once rather than after its inactivity threshold: a page of lookups
            # leaves no consumers behind.
            with contextlib.suppress(nats.errors.Error, TimeoutError):
                await sub.unsubscribe()
                if name:
                    await self._bus.js.delete_consumer(self._stream, name)
        return older, matches


_Place = tuple[int, int]
"""A record's place in the trail: its message's stream sequence, its index in it."""


def _records(msg: Any) -> list[bytes]:
    try:
        return records_in(msg.data)
    except msgspec.DecodeError:
        log.warning("audit.unreadable_message", subject=msg.subject)
        return []


def _subject(region: str, query: _Query) -> str:
    api, name = "*", "*"
    if query.key == "EventSource":
        api = query.value.removesuffix(".amazonaws.com").replace(".", "-") or "*"
    elif query.key == "EventName":
        name = query.value
    return f"audit.{region}.{api}.{name}"


_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _query(params: dict[str, Any]) -> _Query:
    attributes = params.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise InvalidLookupAttributes("You can specify only one lookup attribute.")
    key = value = None
    if attributes:
        key, value = attributes[0]["AttributeKey"], attributes[0]["AttributeValue"]
        if key in ("EventSource", "EventName"):
            token = value.removesuffix(".amazonaws.com").replace(".", "-")
            if not token or not set(token) <= _TOKEN_CHARS:
                raise InvalidLookupAttributes(
                    f"The value of the lookup attribute {key} is not a valid {key}.")
    start = _seconds(params.get("StartTime"))
    end = _seconds(params.get("EndTime"))
    if start is not None and end is not None and start > end:
        raise InvalidTimeRange("Start time must be earlier than or the same as end time.")
    limit = int(params.get("MaxResults") or DEFAULT_RESULTS)
    return _Query(key=key, value=value or "", start=start, end=end, limit=limit)


def _seconds(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def _epoch(event_time: str) -> float:
    return datetime.strptime(event_time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def _token(place: _Place, query: _Query) -> str:
    sequence, index = place
    text = f"{sequence}.{index}" if index else str(sequence)
    return base64.urlsafe_b64encode(f"{text}:{query.fingerprint()}".encode()).decode()


def _token_place(token: Any, query: _Query) -> _Place | None:
    """The place a ``NextToken`` names: ``<sequence>`` (a token handed out before
    batches, or a record first in its message) or ``<sequence>.<index>``."""
    if not token:
        return None
    try:
        text = base64.urlsafe_b64decode(str(token).encode()).decode()
        place, _, fingerprint = text.partition(":")
        sequence, _, index = place.partition(".")
        if fingerprint == query.fingerprint() and int(sequence) > 0 and \
                (not index or int(index) > 0):
            return int(sequence), int(index or 0)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise InvalidNextToken("A token that is not valid was provided: NextToken must be passed "
                           "with the same parameters as the call that returned it.")


def _event(data: bytes) -> dict[str, Any]:
    record = codec.decode(data, Record)
    identity = record.userIdentity
    return {
        "EventId": record.eventID,
        "EventName": record.eventName,
        "ReadOnly": str(record.readOnly).lower(),
        **({"AccessKeyId": identity.accessKeyId} if identity.accessKeyId else {}),
        "EventTime": _epoch(record.eventTime),
        "EventSource": record.eventSource,
        **({"Username": identity.userName} if identity.userName else {}),
        "Resources": [{"ResourceType": r.type, "ResourceName": r.ARN}
                      for r in record.resources],
        "CloudTrailEvent": data.decode(),
    }
