"""SQL for event rules; each function runs on the caller's connection,
so a handler composes it with its outbox event in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

__all__ = ["Rule", "RuleStore"]

JSON = dict[str, Any]


class Rule(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True, frozen=True):
    """An event rule as the API returns it."""

    name: str
    arn: str
    event_pattern: str
    response_plan_arn: str
    state: str
    created_time: float
    last_modified_time: float
    description: str | None = None


def _ts(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _rule(row: asyncpg.Record) -> Rule:
    return Rule(name=row["name"], arn=row["arn"], description=row["description"],
                event_pattern=row["event_pattern"], response_plan_arn=row["response_plan_arn"],
                state=row["state"], created_time=row["created_time"].timestamp(),
                last_modified_time=row["last_modified_time"].timestamp())


class RuleStore:
    """The ``event_rule`` table."""

    @staticmethod
    async def insert(conn: asyncpg.Connection, rule: Rule) -> bool:
        """False when a rule of that name exists."""
        return bool(await conn.fetchval(
            "INSERT INTO event_rule (name, arn, description, event_pattern, response_plan_arn,"
            " state, created_time, last_modified_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT DO NOTHING RETURNING true",
            rule.name, rule.arn, rule.description, rule.event_pattern,
            rule.response_plan_arn, rule.state, _ts(rule.created_time),
            _ts(rule.last_modified_time)))

    @staticmethod
    async def get(conn: asyncpg.Connection, name: str, *, lock: bool = False) -> Rule | None:
        row = await conn.fetchrow(
            "SELECT * FROM event_rule WHERE name = $1" + (" FOR UPDATE" if lock else ""), name)
        return _rule(row) if row else None

    @staticmethod
    async def save(conn: asyncpg.Connection, rule: Rule) -> None:
        await conn.execute(
            "UPDATE event_rule SET description = $2, event_pattern = $3,"
            " response_plan_arn = $4, state = $5, last_modified_time = $6 WHERE name = $1",
            rule.name, rule.description, rule.event_pattern, rule.response_plan_arn,
            rule.state, _ts(rule.last_modified_time))

    @staticmethod
    async def delete(conn: asyncpg.Connection, name: str) -> bool:
        return bool(await conn.fetchval(
            "DELETE FROM event_rule WHERE name = $1 RETURNING true", name))

    @staticmethod
    async def page(conn: asyncpg.Connection, *, after: str | None, limit: int,
                   plan_arn: str | None = None) -> list[Rule]:
        rows = await conn.fetch(
            "SELECT * FROM event_rule WHERE ($1::text IS NULL OR name > $1)"
            " AND ($2::text IS NULL OR response_plan_arn = $2) ORDER BY name LIMIT $3",
            after, plan_arn, limit)
        return [_rule(r) for r in rows]

    @staticmethod
    async def enabled(conn: asyncpg.Connection | asyncpg.Pool) -> list[Rule]:
        """Every enabled rule, by name."""
        rows = await conn.fetch("SELECT * FROM event_rule WHERE state = 'ENABLED'"
                                " ORDER BY name")
        return [_rule(r) for r in rows]
