"""SQL of alarm ingestion: the recoveries seen per trigger, the client tokens of a batch of
alarms' starts, and the dead-letter counts. Each function runs on the
caller's connection (or the pool, for one statement on its own)."""

from __future__ import annotations

from typing import Any

import asyncpg

__all__ = ["IngestionStore"]

JSON = dict[str, Any]


class IngestionStore:
    """The ``trigger_recovery`` and ``dead_letter_count`` tables, and the client tokens of
    joined triggers."""

    @staticmethod
    async def recovery_after(conn: asyncpg.Connection | asyncpg.Pool, plan_arn: str,
                             trigger_key: str, after: float) -> asyncpg.Record | None:
        """The recovery ``(token, trigger, resolve)`` of the plan's trigger seen later than
        ``after``, or None."""
        row: asyncpg.Record | None = await conn.fetchrow(
            "SELECT token, trigger, resolve FROM trigger_recovery WHERE plan_arn = $1"
            " AND trigger_key = $2 AND recovered_at > $3", plan_arn, trigger_key, after)
        return row

    @staticmethod
    async def record_recovery(conn: asyncpg.Connection, *, plan_arn: str, trigger_key: str,
                              recovered_at: float, token: str, trigger: JSON,
                              resolve: bool) -> None:
        """Keep the latest recovery of a trigger (an older one changes nothing)."""
        await conn.execute(
            "INSERT INTO trigger_recovery (plan_arn, trigger_key, recovered_at,"
            " token, trigger, resolve) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (plan_arn, trigger_key) DO UPDATE SET"
            " recovered_at = excluded.recovered_at, token = excluded.token,"
            " trigger = excluded.trigger, resolve = excluded.resolve"
            " WHERE trigger_recovery.recovered_at < excluded.recovered_at",
            plan_arn, trigger_key, recovered_at, token, trigger, resolve)

    @staticmethod
    async def start_tokens(conn: asyncpg.Connection, *, principal: str,
                           tokens: list[str]) -> dict[str, tuple[str, JSON]]:
        """The ``StartIncident`` client tokens of ``tokens`` recorded already: token →
        (fingerprint, result)."""
        rows = await conn.fetch(
            "SELECT token, fingerprint, result FROM client_token"
            " WHERE operation = 'StartIncident' AND principal = $1 AND token = ANY($2::text[])",
            principal, tokens)
        return {r["token"]: (r["fingerprint"], r["result"]) for r in rows}

    @staticmethod
    async def record_start_tokens(conn: asyncpg.Connection, *, principal: str,
                                  tokens: list[str], fingerprints: list[str],
                                  results: list[JSON]) -> int:
        """Record ``StartIncident`` client tokens with their results, as each start would;
        returns how many were not recorded before."""
        recorded: int = await conn.fetchval(
            "WITH added AS (INSERT INTO client_token (operation, principal, token,"
            " fingerprint, result) SELECT 'StartIncident', $1, t, f, r"
            " FROM unnest($2::text[], $3::text[], $4::jsonb[]) AS x(t, f, r)"
            " ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) FROM added",
            principal, tokens, fingerprints, results)
        return recorded

    @staticmethod
    async def recoveries(conn: asyncpg.Connection | asyncpg.Pool,
                         keys: list[tuple[str, str]]) -> dict[tuple[str, str], asyncpg.Record]:
        """The recovery ``(recovered_at, token, trigger, resolve)`` kept for each
        ``(plan ARN, trigger key)`` of ``keys`` that has one, in one statement."""
        rows = await conn.fetch(
            "SELECT r.plan_arn, r.trigger_key, r.recovered_at, r.token, r.trigger, r.resolve"
            " FROM unnest($1::text[], $2::text[]) AS k(p, t)"
            " JOIN trigger_recovery r ON r.plan_arn = k.p AND r.trigger_key = k.t",
            [p for p, _ in keys], [t for _, t in keys])
        return {(r["plan_arn"], r["trigger_key"]): r for r in rows}

    @staticmethod
    async def count_dead_letter(conn: asyncpg.Connection | asyncpg.Pool, reason: str) -> None:
        await conn.execute(
            "INSERT INTO dead_letter_count (reason, count) VALUES ($1, 1)"
            " ON CONFLICT (reason) DO UPDATE SET count = dead_letter_count.count + 1", reason)

    @staticmethod
    async def dead_letter_counts(conn: asyncpg.Connection | asyncpg.Pool) -> dict[str, int]:
        """How many alarm messages went to the dead-letter queue, by reason."""
        rows = await conn.fetch("SELECT reason, count FROM dead_letter_count ORDER BY reason")
        return {r["reason"]: int(r["count"]) for r in rows}
