"""Audit records in batches: the records of concurrent calls share one JetStream message.

Writing each record as its own message costs every call a publish and an acknowledgement
(most of what the audit trail costs the gateway). :class:`GroupWriter` commits them in
groups instead: while one message of a subject is being published, the records of that
subject that arrive wait, and go together in the next message. A lone call waits for
nothing more than before; a busy subject (StartIncident under load) writes one message
for many calls.

The message format, read by every reader of ``AUDIT_<REGION>`` through :func:`records_in`:

- one record alone is the record, a JSON object, as every message was before batches;
- several are a JSON array of records, each exactly as it would be alone.

A message holds the records of one subject (``audit.<region>.<api>.<eventName>``), so a
lookup filtered by event name or source still reads only its own messages. Its
``Nats-Msg-Id`` is its first record's event id: a message retried after a lost
acknowledgement is stored once, and each record is in one message only.

Guarantees kept from the one-record writer: a waiting call returns only once its
message is acknowledged; a message that cannot be written fails every call that waited on
it (each with :class:`~tocsin.shared.errors.ServiceUnavailable`), and nothing already
acknowledged is touched. Records nobody waits for (reads) are bounded in number
(:data:`READS_WAITING`; beyond it a read waits for room) and written by :meth:`close`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import msgspec

from tocsin.shared.errors import ServiceUnavailable
from tocsin.shared.logging import get_logger

__all__ = ["MAX_BATCH_BYTES", "MAX_BATCH_RECORDS", "READS_WAITING", "GroupWriter", "batch",
           "records_in"]

log = get_logger(__name__)

MAX_BATCH_RECORDS = 256
"""Records in one message at most."""
MAX_BATCH_BYTES = 256 * 1024
"""Bytes in one message at most (well below NATS's 1 MB default ``max_payload``); a
larger record goes alone, as before batches."""
READS_WAITING = 4096
"""Records nobody waits for that may be queued; beyond this a read waits for room."""

Publish = Callable[[str, bytes, str], Awaitable[None]]
"""Publishes ``(subject, data, msg_id)`` and waits for the acknowledgement (with its own
tries); raises :class:`ServiceUnavailable` when the message could not be written."""

_ARRAY = msgspec.json.Decoder(list[msgspec.Raw])


def records_in(data: bytes) -> list[bytes]:
    """The records of one ``AUDIT_<REGION>`` message, in the order they were written,
    each as the JSON object it would be alone (a message written before batches is
    one record).

    Raises:
        msgspec.DecodeError: the message is no record nor array of records.
    """
    if data.lstrip()[:1] != b"[":
        return [data]
    return [bytes(raw) for raw in _ARRAY.decode(data)]


def batch(records: list[bytes]) -> bytes:
    """The message body of ``records`` (:func:`records_in` reads it back)."""
    return records[0] if len(records) == 1 else b"[" + b",".join(records) + b"]"


@dataclass(slots=True)
class _Entry:
    data: bytes
    event_id: str
    name: str
    """The record's ``eventName`` (for the logs)."""
    done: asyncio.Future[None] | None
    """Set once the record's message is acknowledged; None when nobody waits."""


@dataclass(slots=True)
class _Subject:
    waiting: deque[_Entry] = field(default_factory=deque)
    flusher: asyncio.Task[None] | None = None


class GroupWriter:
    """Writes records in group commits, one message in flight per subject."""

    def __init__(self, publish: Publish, *, max_records: int = MAX_BATCH_RECORDS,
                 max_bytes: int = MAX_BATCH_BYTES, reads_waiting: int = READS_WAITING) -> None:
        self._publish = publish
        self._max_records = max_records
        self._max_bytes = max_bytes
        self._subjects: dict[str, _Subject] = {}
        self._room = asyncio.Semaphore(reads_waiting)
        self._unwaited = 0

    @property
    def unwaited(self) -> int:
        """Records nobody waits for that are not written yet."""
        return self._unwaited

    async def write(self, subject: str, data: bytes, *, event_id: str, name: str,
                    wait: bool) -> None:
        """Write one record (``data``, its JSON) on ``subject``: with ``wait``, return once
        its message is acknowledged; else once it is queued.

        Raises:
            ServiceUnavailable: (``wait``) the record's message could not be written.
        """
        done: asyncio.Future[None] | None = None
        if wait:
            done = asyncio.get_running_loop().create_future()
        else:
            await self._room.acquire()
            self._unwaited += 1
        state = self._subjects.get(subject)
        if state is None:
            state = self._subjects[subject] = _Subject()
        state.waiting.append(_Entry(data, event_id, name, done))
        if state.flusher is None:
            state.flusher = asyncio.create_task(self._flush(subject, state),
                                                name=f"audit-{subject}")
        if done is not None:
            # A caller that gives up (cancelled) leaves its record to be written all the
            # same: the call may have taken effect.
            await done

    async def close(self, timeout: float) -> None:
        """Write everything queued; after ``timeout`` seconds (NATS gone) what is left
        is logged as lost and its waiting calls fail."""
        flushers = [s.flusher for s in self._subjects.values() if s.flusher is not None]
        if not flushers:
            return
        _, late = await asyncio.wait(flushers, timeout=timeout)
        if late:
            left = sum(len(s.waiting) for s in self._subjects.values())
            log.error("audit.reads_lost", records=left)
            for task in late:
                task.cancel()
            for task in late:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _flush(self, subject: str, state: _Subject) -> None:
        """Publish ``subject``'s waiting records, a group at a time, until none waits."""
        group: list[_Entry] = []
        try:
            while state.waiting:
                group = self._take(state.waiting)
                error: BaseException | None = None
                try:
                    await self._publish(subject, batch([e.data for e in group]),
                                        group[0].event_id)
                except ServiceUnavailable as exc:
                    error = exc
                except Exception as exc:  # any failure fails the group's callers alike
                    error = ServiceUnavailable(
                        f"{group[0].name} could not be recorded in the audit trail: {exc!r}")
                self._settle(group, error)
                group = []
        finally:
            # Cancelled (the trail closing with NATS gone): nobody is left waiting forever,
            # and the next record of the subject starts a flusher of its own.
            left = [*group, *state.waiting]
            state.waiting.clear()
            state.flusher = None
            self._subjects.pop(subject, None)
            self._settle(left, ServiceUnavailable(
                "the audit trail closed before the record was written"))

    def _take(self, waiting: deque[_Entry]) -> list[_Entry]:
        group = [waiting.popleft()]
        size = len(group[0].data) + 2
        while waiting and len(group) < self._max_records and \
                size + len(waiting[0].data) + 1 <= self._max_bytes:
            entry = waiting.popleft()
            size += len(entry.data) + 1
            group.append(entry)
        return group

    def _settle(self, group: list[_Entry], error: BaseException | None) -> None:
        for entry in group:
            if entry.done is None:
                self._unwaited -= 1
                self._room.release()
                if error is not None:
                    log.error("audit.read_lost", operation=entry.name, event_id=entry.event_id,
                              error=repr(error))
            elif not entry.done.done():
                if error is None:
                    entry.done.set_result(None)
                else:
                    entry.done.set_exception(error)
