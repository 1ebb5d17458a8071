"""SQL for the incidents schema. Every function runs on the caller's connection, so a
handler composes them in one transaction with the outbox row of the change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

from tocsin.incidents.records.domain import (
    IncidentQuery,
    IncidentRecord,
    ReplicationSet,
    ResponsePlan,
    conflict_open_duplicate,
)

__all__ = ["Store"]

JSON = dict[str, Any]


def _ts(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class Store:
    """The incidents service's tables."""

    # --- replication set ----------------------------------------------------------------

    @staticmethod
    async def replication_set(conn: asyncpg.Connection, *, lock: bool = False
                              ) -> ReplicationSet | None:
        doc = await conn.fetchval(
            "SELECT doc FROM replication_set" + (" FOR UPDATE" if lock else ""))
        return msgspec.convert(doc, ReplicationSet) if doc else None

    @staticmethod
    async def insert_replication_set(conn: asyncpg.Connection, rs: ReplicationSet) -> bool:
        """False when a replication set exists already."""
        done = await conn.fetchval(
            "INSERT INTO replication_set (arn, doc) VALUES ($1, $2)"
            " ON CONFLICT DO NOTHING RETURNING true", rs.arn, msgspec.to_builtins(rs))
        return bool(done)

    @staticmethod
    async def replace_replication_set(conn: asyncpg.Connection, rs: ReplicationSet) -> None:
        """Keep ``rs`` instead of the set this region had (another, created earlier
        elsewhere, won: an account has one)."""
        await conn.execute("DELETE FROM replication_set")
        await conn.execute("INSERT INTO replication_set (arn, doc) VALUES ($1, $2)",
                           rs.arn, msgspec.to_builtins(rs))

    @staticmethod
    async def save_replication_set(conn: asyncpg.Connection, rs: ReplicationSet) -> int:
        """Returns the set's new version."""
        version: int = await conn.fetchval(
            "UPDATE replication_set SET doc = $2, version = version + 1 WHERE arn = $1"
            " RETURNING version", rs.arn, msgspec.to_builtins(rs))
        return version

    @staticmethod
    async def delete_everything(conn: asyncpg.Connection) -> int:
        """Deleting the replication set deletes all of the account's incident data.

        Returns the version of the set's deletion (one more than its last)."""
        version: int = await conn.fetchval("SELECT version + 1 FROM replication_set") or 1
        # CASCADE takes every table whose rows hang off an incident or a plan; the
        # takeovers known of engagements go with the engagements (the contacts service's).
        await conn.execute(
            "TRUNCATE replication_set, response_plan, incident_record, tag, client_token,"
            " engagement_takeover CASCADE")
        return version

    # --- response plans -----------------------------------------------------------------

    @staticmethod
    async def insert_plan(conn: asyncpg.Connection, plan: ResponsePlan) -> bool:
        """False when a plan of that name exists."""
        done = await conn.fetchval(
            "INSERT INTO response_plan (name, arn, doc) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING RETURNING true",
            plan.name, plan.arn, msgspec.to_builtins(plan))
        return bool(done)

    @staticmethod
    async def plan(conn: asyncpg.Connection, name: str, *, lock: bool = False
                   ) -> ResponsePlan | None:
        doc = await conn.fetchval(
            "SELECT doc FROM response_plan WHERE name = $1" + (" FOR UPDATE" if lock else ""),
            name)
        return msgspec.convert(doc, ResponsePlan) if doc else None

    @staticmethod
    async def save_plan(conn: asyncpg.Connection, plan: ResponsePlan) -> int:
        """Returns the plan's new version."""
        version: int = await conn.fetchval(
            "UPDATE response_plan SET doc = $2, version = version + 1 WHERE name = $1"
            " RETURNING version", plan.name, msgspec.to_builtins(plan))
        return version

    @staticmethod
    async def delete_plan(conn: asyncpg.Connection, name: str) -> int | None:
        """The version of the deletion (one more than the plan's last), or None when there
        was no such plan."""
        version: int | None = await conn.fetchval(
            "DELETE FROM response_plan WHERE name = $1 RETURNING version + 1", name)
        return version

    @staticmethod
    async def lock_plans_for_write(conn: asyncpg.Connection) -> None:
        """The mark a plan write leaves for :meth:`lock_plans_for_read` to wait on, until
        its transaction ends (see :mod:`tocsin.incidents.records.plan_engagements`)."""
        await conn.execute("LOCK TABLE response_plan IN ROW EXCLUSIVE MODE")

    @staticmethod
    async def lock_plans_for_read(conn: asyncpg.Connection) -> None:
        """Wait for the plan writes in flight, and keep new ones out until the caller's
        transaction ends."""
        await conn.execute("LOCK TABLE response_plan IN SHARE MODE")

    @staticmethod
    async def plans_with_engagements(conn: asyncpg.Connection) -> list[tuple[str, list[str]]]:
        """(ARN, engagements) of every plan that engages someone."""
        rows = await conn.fetch(
            "SELECT arn, doc -> 'engagements' AS engagements FROM response_plan"
            " WHERE jsonb_array_length(coalesce(doc -> 'engagements', '[]')) > 0")
        return [(r["arn"], list(r["engagements"])) for r in rows]

    @staticmethod
    async def plans_engaging(conn: asyncpg.Connection, contact_arn: str) -> list[str]:
        """The ARNs of the plans whose engagements name the contact."""
        rows = await conn.fetch(
            "SELECT arn FROM response_plan WHERE doc -> 'engagements' ? $1 ORDER BY arn",
            contact_arn)
        return [r["arn"] for r in rows]

    @staticmethod
    async def plans(conn: asyncpg.Connection, *, after: str | None,
                    limit: int) -> list[ResponsePlan]:
        rows = await conn.fetch(
            "SELECT doc FROM response_plan WHERE $1::text IS NULL OR name > $1"
            " ORDER BY name LIMIT $2", after, limit)
        return [msgspec.convert(r["doc"], ResponsePlan) for r in rows]

    # --- incident records ---------------------------------------------------------------

    @staticmethod
    async def dedupe_lock(conn: asyncpg.Connection, plan_name: str, dedupe_string: str, *,
                          exclusive: bool = False) -> None:
        """Hold, until the caller's transaction ends, the lock of one plan's dedupe string:
        shared by the starts that look for its open incident (they race on the unique
        index among themselves), exclusive for those that look for duplicates (the inbox
        applying another region's open incident, a merge, a re-opening), so that none
        misses another's commit. Take it in a statement of its own, before the lookup:
        a statement reads what was committed when it began."""
        await conn.execute(
            "SELECT pg_advisory_xact_lock" + ("" if exclusive else "_shared")
            + "(hashtextextended($1, 0))", f"{plan_name}/{dedupe_string}")

    @staticmethod
    async def dedupe_locks_shared(conn: asyncpg.Connection,
                                  keys: list[tuple[str, str]]) -> None:
        """:meth:`dedupe_lock` (shared) of several ``(plan name, dedupe string)`` in one
        statement, in a fixed order."""
        await conn.execute(
            "SELECT count(pg_advisory_xact_lock_shared(hashtextextended(k, 0)))"
            " FROM unnest($1::text[]) AS k",
            sorted({f"{plan}/{dedupe}" for plan, dedupe in keys}))

    @staticmethod
    async def open_incident_of_each(conn: asyncpg.Connection, keys: list[tuple[str, str]], *,
                                    here: str) -> dict[tuple[str, str], str]:
        """:meth:`open_incident` of several ``(plan name, dedupe string)`` in one statement:
        the ARN of each that has an open incident."""
        if not keys:
            return {}
        rows = await conn.fetch(
            "SELECT DISTINCT ON (r.plan_name, r.dedupe_string)"
            " r.plan_name, r.dedupe_string, r.arn"
            " FROM unnest($1::text[], $2::text[]) AS k(p, d)"
            " JOIN incident_record r ON r.plan_name = k.p AND r.dedupe_string = k.d"
            " WHERE r.status = 'OPEN'"
            # The survivor first, as open_incidents orders them.
            " ORDER BY r.plan_name, r.dedupe_string, r.creation_time,"
            ' coalesce(r.home_region, $3) COLLATE "C", r.arn COLLATE "C"',
            [p for p, _ in keys], [d for _, d in keys], here)
        return {(r["plan_name"], r["dedupe_string"]): r["arn"] for r in rows}

    @staticmethod
    async def insert_incidents(conn: asyncpg.Connection,
                               records: list[IncidentRecord]) -> set[str]:
        """Insert OPEN incidents of distinct plans and dedupe strings in one statement, each
        unless this region has an open one with its plan and dedupe string (the caller
        holds their :meth:`dedupe_locks_shared` and looked first); returns the ARNs
        inserted."""
        if not records:
            return set()
        rows = await conn.fetch(
            "INSERT INTO incident_record (arn, plan_name, status, impact, created_by,"
            " creation_time, dedupe_string, doc)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[],"
            " $6::timestamptz[], $7::text[], $8::jsonb[])"
            " ON CONFLICT (plan_name, dedupe_string)"
            " WHERE status = 'OPEN' AND home_region IS NULL DO NOTHING"
            " RETURNING arn",
            [r.arn for r in records], [r.plan_name for r in records],
            [r.status for r in records], [r.impact for r in records],
            [r.incident_record_source.created_by for r in records],
            [_ts(r.creation_time) for r in records], [r.dedupe_string for r in records],
            [msgspec.to_builtins(r) for r in records])
        return {r["arn"] for r in rows}

    @staticmethod
    async def open_incidents(conn: asyncpg.Connection, plan_name: str, dedupe_string: str,
                             *, here: str) -> list[tuple[str, str]]:
        """(ARN, home region) of the plan's open incidents with this dedupe string, this
        region's and those other regions opened, the survivor first: the one created
        first, the region's name and then the ARN breaking ties
        (:mod:`tocsin.incidents.duplicates`). Every region orders them alike."""
        rows = await conn.fetch(
            "SELECT arn, coalesce(home_region, $3) AS region FROM incident_record"
            " WHERE plan_name = $1 AND dedupe_string = $2 AND status = 'OPEN'"
            # Byte order ("C"), not the database's collation: every region alike.
            ' ORDER BY creation_time, coalesce(home_region, $3) COLLATE "C", arn COLLATE "C"',
            plan_name, dedupe_string, here)
        return [(r["arn"], r["region"]) for r in rows]

    @staticmethod
    async def insert_incident(conn: asyncpg.Connection, record: IncidentRecord, *,
                              here: str) -> str | None:
        """Insert an OPEN incident unless an open one has its plan and dedupe string (this
        region's, or one another region opened: alarms deduplicate across regions).

        Returns None when inserted, else the ARN of the open incident it duplicates.
        """
        # Most manual starts: two round trips fewer, nothing to find.
        if not record.dedupes_alone:
            await Store.dedupe_lock(conn, record.plan_name, record.dedupe_string)
            existing = await Store.open_incident(conn, record.plan_name,
                                                 record.dedupe_string, here=here)
            if existing is not None:
                return existing
        if record.arn in await Store.insert_incidents(conn, [record]):
            return None
        return await Store.open_incident(conn, record.plan_name, record.dedupe_string,
                                         here=here)

    @staticmethod
    async def open_incident(conn: asyncpg.Connection, plan_name: str,
                            dedupe_string: str, *, here: str) -> str | None:
        """The ARN of the plan's open incident with this dedupe string that alarms join
        (the survivor of :meth:`open_incidents`), or None."""
        found = await Store.open_incidents(conn, plan_name, dedupe_string, here=here)
        return found[0][0] if found else None

    @staticmethod
    async def incident_status(conn: asyncpg.Connection, arn: str, *,
                              share: bool = False) -> str | None:
        """The record's status (the row share-locked with ``share``), or None."""
        status: str | None = await conn.fetchval(
            "SELECT status FROM incident_record WHERE arn = $1"
            + (" FOR SHARE" if share else ""), arn)
        return status

    @staticmethod
    async def incident(conn: asyncpg.Connection, arn: str, *, lock: bool = False
                       ) -> IncidentRecord | None:
        doc = await conn.fetchval(
            "SELECT doc FROM incident_record WHERE arn = $1" + (" FOR UPDATE" if lock else ""),
            arn)
        return msgspec.convert(doc, IncidentRecord) if doc else None

    @staticmethod
    async def save_incident(conn: asyncpg.Connection, record: IncidentRecord) -> int:
        """Returns the record's new version.

        Raises ConflictError when re-opening would make two open incidents of the plan
        with one dedupe string."""
        try:
            async with conn.transaction():  # a savepoint: the caller's transaction goes on
                version: int = await conn.fetchval(
                    "UPDATE incident_record SET status = $2, impact = $3, doc = $4,"
                    " version = version + 1 WHERE arn = $1 RETURNING version",
                    record.arn, record.status, record.impact, msgspec.to_builtins(record))
                return version
        except asyncpg.UniqueViolationError:
            raise conflict_open_duplicate(record) from None

    @staticmethod
    async def attribute_stamps(conn: asyncpg.Connection, arn: str) -> dict[str, list[Any]]:
        """The stamp of each attribute's last change (``field_hlc``), as this transaction
        sees them (:mod:`tocsin.incidents.records.attributes`)."""
        stamps: dict[str, list[Any]] = await conn.fetchval(
            "SELECT field_hlc FROM incident_record WHERE arn = $1", arn)
        return stamps

    @staticmethod
    async def delete_incident(conn: asyncpg.Connection, arn: str) -> int | None:
        """The version of the deletion (one more than the record's last), or None when
        there was no such record."""
        version: int | None = await conn.fetchval(
            "DELETE FROM incident_record WHERE arn = $1 RETURNING version + 1", arn)
        return version

    @staticmethod
    async def incidents(conn: asyncpg.Connection, q: IncidentQuery) -> list[IncidentRecord]:
        """Newest first, after the keyset position ``q.after``."""
        after_time, after_arn = (_ts(q.after[0]), q.after[1]) if q.after else (None, None)
        rows = await conn.fetch(
            "SELECT doc FROM incident_record"
            " WHERE ($1::timestamptz IS NULL OR creation_time < $1)"
            "   AND ($2::timestamptz IS NULL OR creation_time > $2)"
            "   AND ($3::int[] IS NULL OR impact = ANY($3))"
            "   AND ($4::text[] IS NULL OR status = ANY($4))"
            "   AND ($5::text[] IS NULL OR created_by = ANY($5))"
            "   AND ($6::timestamptz IS NULL OR (creation_time, arn) < ($6, $7::text))"
            " ORDER BY creation_time DESC, arn DESC LIMIT $8",
            _ts(q.created_before) if q.created_before is not None else None,
            _ts(q.created_after) if q.created_after is not None else None,
            q.impacts, q.statuses, q.created_by, after_time, after_arn, q.limit)
        return [msgspec.convert(r["doc"], IncidentRecord) for r in rows]
