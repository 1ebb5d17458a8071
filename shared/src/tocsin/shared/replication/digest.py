"""Digests of a region's replicated store: does each region hold the same resources?

Two regions of a replication set converge when, once every event has been applied, each
holds the same state of every replicated resource. A service declares, per resource type,
the query that reads what must converge (:class:`Resource`): the columns the other regions
apply too, not those each region keeps for itself (the stamp and origin of the last write,
change counters, local timestamps of application, inbox bookkeeping). :func:`digests`
reads them and answers, per type, the number of rows and a SHA-256 digest of them; equal
digests in two regions mean equal stores for that type.

The digest of a type is the sum, modulo 2**256, of the SHA-256 of each row's canonical
JSON: the same whatever the order the rows are read in (so neither a collation nor a plan
of the database decides it), and read as a stream.

``python -m tocsin.local.digest`` prints them for a deployment (README, "Two regions on one
machine").
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg

__all__ = ["Digest", "Resource", "canonical_row", "digest_of", "digests"]

MODULUS = 2**256


@dataclass(frozen=True, slots=True)
class Resource:
    """One replicated resource type and the query that reads what of it must converge.

    The query runs with the service's schema first on the search path; ``$1`` is this
    region's name, for columns that name a region with NULL for this one (an origin or
    home region), which the query turns into the name so that both regions agree."""

    kind: str
    """Its name in the digest's answer (``response_plans``, ``pages``...)."""
    query: str


@dataclass(frozen=True, slots=True)
class Digest:
    """One type's rows in one region."""

    rows: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "sha256": self.sha256}


def _plain(value: Any) -> Any:
    """A value as JSON shows it, the same whichever region read it."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, datetime.date | uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def canonical_row(row: Mapping[str, Any]) -> bytes:
    """A row as canonical JSON: sorted keys, timestamps in UTC, UUIDs and bytes as text.
    (A jsonb column read as text is canonical already: the server normalises it.)"""
    return json.dumps({k: _plain(v) for k, v in row.items()}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False).encode()


class _Sum:
    """The running digest of one type's rows."""

    def __init__(self) -> None:
        self.total = 0
        self.count = 0

    def add(self, row: Mapping[str, Any]) -> None:
        self.total = (self.total + int.from_bytes(
            hashlib.sha256(canonical_row(row)).digest())) % MODULUS
        self.count += 1

    def digest(self) -> Digest:
        return Digest(self.count, self.total.to_bytes(32).hex())


def digest_of(rows: Iterable[Mapping[str, Any]]) -> Digest:
    """The digest of some rows, in any order."""
    summed = _Sum()
    for row in rows:
        summed.add(row)
    return summed.digest()


async def digests(conn: asyncpg.Connection, resources: Iterable[Resource], *,
                  region: str) -> dict[str, Digest]:
    """Each resource type's digest, read in one repeatable-read snapshot of ``conn``'s
    schema."""
    found: dict[str, Digest] = {}
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        for resource in resources:
            summed = _Sum()
            args = (region,) if "$1" in resource.query else ()
            async for row in conn.cursor(resource.query, *args):
                summed.add(row)
            found[resource.kind] = summed.digest()
    return found
