"""Group commit against real PostgreSQL: concurrent calls share a transaction, and each
still gets exactly the answer it would get alone."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import pytest_asyncio

from tocsin.shared.db import apply_migrations, create_pool
from tocsin.shared.db.group_commit import GroupCommit
from tocsin.shared.errors import ConflictError, ValidationError

CALLER: contextvars.ContextVar[str] = contextvars.ContextVar("caller", default="nobody")


@pytest_asyncio.fixture
async def pool(database_url: str, isolation: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    async with create_pool(database_url, schema=f"{isolation['schema_prefix']}grouped") as p:
        await apply_migrations(p)
        await p.execute("CREATE TABLE IF NOT EXISTS thing (name text PRIMARY KEY, tx bigint,"
                        " caller text)")
        yield p


def _body(name: str, *, fail: bool = False) -> Any:
    async def body(conn: asyncpg.Connection) -> dict[str, Any]:
        tx = await conn.fetchval("INSERT INTO thing VALUES ($1, txid_current(), $2)"
                                 " ON CONFLICT (name) DO UPDATE SET tx = thing.tx"
                                 " RETURNING tx", name, CALLER.get())
        if fail:
            raise ValidationError(f"{name} is refused")
        return {"name": name, "tx": tx}

    return body


async def _call(grouped: GroupCommit, name: str, *, token: str | None = None,
                fail: bool = False) -> dict[str, Any]:
    CALLER.set(f"caller of {name}")
    return await grouped.once(operation="MakeThing", principal="tester", token=token,
                              params=msgspec.json.encode({"name": name, "token": token}),
                              token_member="token", body=_body(name, fail=fail))


class TestGroupCommit:
    async def test_concurrent_calls_share_transactions(self, pool: asyncpg.Pool) -> None:
        """64 concurrent calls commit in fewer transactions than calls, each call's answer
        its own, each body run in its caller's context, each token recorded."""
        grouped = GroupCommit(pool, runners=2)
        names = [f"thing-{n}" for n in range(64)]
        results = await asyncio.gather(*(_call(grouped, name, token=f"t-{name}")
                                         for name in names))
        assert [r["name"] for r in results] == names
        rows = await pool.fetch("SELECT name, tx, caller FROM thing")
        assert len(rows) == 64
        assert len({r["tx"] for r in rows}) < 64
        assert all(r["caller"] == f"caller of {r['name']}" for r in rows)
        assert await pool.fetchval("SELECT count(*) FROM client_token") == 64

    async def test_a_refused_call_leaves_the_others_committed(self,
                                                              pool: asyncpg.Pool) -> None:
        grouped = GroupCommit(pool, runners=1)
        outcomes = await asyncio.gather(
            *(_call(grouped, f"ok-{n}", token=f"ok-{n}") for n in range(10)),
            _call(grouped, "refused", token="refused", fail=True),
            *(_call(grouped, f"also-ok-{n}") for n in range(10)),
            return_exceptions=True)
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        assert len(errors) == 1 and isinstance(errors[0], ValidationError)
        names = {r["name"] for r in await pool.fetch("SELECT name FROM thing")}
        assert "refused" not in names and len(names) == 20
        assert await pool.fetchval(
            "SELECT count(*) FROM client_token WHERE token = 'refused'") == 0

    async def test_a_replayed_token_answers_the_first_result(self,
                                                             pool: asyncpg.Pool) -> None:
        grouped = GroupCommit(pool, runners=1)
        first = await _call(grouped, "first", token="same")
        outcomes = await asyncio.gather(
            _call(grouped, "other"), _call(grouped, "first", token="same"),
            _call(grouped, "another", token="another"), return_exceptions=True)
        assert outcomes[1] == first
        assert {r["name"] for r in await pool.fetch("SELECT name FROM thing")} == {
            "first", "other", "another"}

    async def test_a_token_reused_with_other_parameters_is_refused(
            self, pool: asyncpg.Pool) -> None:
        grouped = GroupCommit(pool, runners=1)
        await _call(grouped, "first", token="same")
        outcomes = await asyncio.gather(_call(grouped, "second", token="same"),
                                        _call(grouped, "third"), return_exceptions=True)
        assert isinstance(outcomes[0], ConflictError)
        assert not isinstance(outcomes[1], BaseException) and outcomes[1]["name"] == "third"

    async def test_a_caller_that_gives_up_commits_nothing(self, pool: asyncpg.Pool) -> None:
        """Callers cancelled while their calls wait (a consumer's handler timing out) leave
        no row: one running alone and blocked on a lock, one still queued; the call queued
        beside them commits, and the runner goes on for the next caller."""
        grouped = GroupCommit(pool, runners=1)
        async with pool.acquire() as blocker, blocker.transaction():
            await blocker.execute("LOCK TABLE thing IN ACCESS EXCLUSIVE MODE")
            alone = asyncio.create_task(_call(grouped, "given-up-alone"))
            await asyncio.sleep(0.2)  # the runner takes it alone and blocks on the lock
            queued = [asyncio.create_task(_call(grouped, name))
                      for name in ("given-up-queued", "kept")]
            await asyncio.sleep(0.2)
            alone.cancel()
            queued[0].cancel()
        assert (await queued[1])["name"] == "kept"
        assert (await _call(grouped, "after"))["name"] == "after"
        assert alone.cancelled() and queued[0].cancelled()
        names = {r["name"] for r in await pool.fetch("SELECT name FROM thing")}
        assert names == {"kept", "after"}

    async def test_a_group_with_a_caller_gone_is_rolled_back(self, pool: asyncpg.Pool) -> None:
        """Two calls grouped in one transaction, blocked on a lock; one caller gives up:
        the group is rolled back before its commit and the other call runs again alone."""
        grouped = GroupCommit(pool, runners=1)
        async with pool.acquire() as blocker, blocker.transaction():
            await blocker.execute("LOCK TABLE thing IN ACCESS EXCLUSIVE MODE")
            # Both queued before the runner starts: it takes them as one group.
            gone = asyncio.create_task(_call(grouped, "gone"))
            kept = asyncio.create_task(_call(grouped, "kept"))
            await asyncio.sleep(0.2)
            gone.cancel()
        assert (await kept)["name"] == "kept"
        assert gone.cancelled()
        names = {r["name"] for r in await pool.fetch("SELECT name FROM thing")}
        assert names == {"kept"}
