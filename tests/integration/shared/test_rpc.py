"""Request/reply services over real NATS."""

from __future__ import annotations

import asyncio
from typing import Any

import nats.errors
import pytest

from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, RpcRequest, RpcServer, connect
from tocsin.shared.db import create_pool
from tocsin.shared.testing import wait_for


class Echo:
    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.concurrent = 0
        self.peak = 0

    async def echo(self, req: RpcRequest) -> Any:
        return {"got": req.decode(dict[str, Any]), "principal": req.principal}

    async def slow(self, req: RpcRequest) -> Any:
        self.concurrent += 1
        self.peak = max(self.peak, self.concurrent)
        self.started.set()
        await self.release.wait()
        self.concurrent -= 1
        return {"done": True}

    async def fails(self, req: RpcRequest) -> Any:
        raise errors.NotFoundError("no such plan", resource_type="RESPONSE_PLAN",
                                   resource_id="arn:p")

    async def crashes(self, req: RpcRequest) -> Any:
        raise KeyError("bug")


def server(bus: Bus, name: str, h: Echo) -> RpcServer:
    return RpcServer(bus, service=name, version="1.0.0", handlers={
        "Echo": h.echo, "Slow": h.slow, "Fails": h.fails, "Crashes": h.crashes})


class TestRpc:
    @pytest.mark.expected_error_logs('rpc\\.crashed')
    async def test_reply_errors_and_crashes(self, bus: Bus, isolation: dict[str, str]) -> None:
        """Replies carry the result; a raised TocsinError arrives as itself; a crash arrives
        as an InternalError that does not leak the exception."""
        name = isolation["region"]
        h, stop = Echo(), asyncio.Event()
        srv = server(bus, name, h)
        task = asyncio.create_task(srv.serve(stop))
        await asyncio.wait_for(srv.started.wait(), 10)
        reply = await bus.request(f"tocsin.rpc.{name}.Echo", {"a": 1},
                                  headers={"Tocsin-Principal": "arn:me"})
        assert codec.decode(reply, dict[str, Any]) == {"got": {"a": 1}, "principal": "arn:me"}
        with pytest.raises(errors.NotFoundError) as caught:
            await bus.request(f"tocsin.rpc.{name}.Fails", {})
        assert caught.value.fields == {"resourceType": "RESPONSE_PLAN",
                                       "resourceIdentifier": "arn:p"}
        with pytest.raises(errors.InternalError) as crash:
            await bus.request(f"tocsin.rpc.{name}.Crashes", {})
        assert "bug" not in crash.value.message
        stop.set()
        await task

    async def test_requests_run_concurrently_and_finish_on_stop(
            self, bus: Bus, isolation: dict[str, str]) -> None:
        """Requests are worked on at once, and those in flight when the service stops are
        still answered."""
        name = isolation["region"]
        h, stop = Echo(), asyncio.Event()
        srv = server(bus, name, h)
        task = asyncio.create_task(srv.serve(stop))
        await asyncio.wait_for(srv.started.wait(), 10)
        calls = [asyncio.create_task(bus.request(f"tocsin.rpc.{name}.Slow", {}))
                 for _ in range(10)]
        await h.started.wait()
        await wait_for(lambda: h.peak == 10)
        stop.set()

        async def stopped_serving() -> bool:  # the barrier: no instance takes requests now
            try:
                await bus.nc.request(f"$SRV.PING.{name}", b"", timeout=1.0)
            except nats.errors.NoRespondersError:
                return True
            return False

        await wait_for(stopped_serving)
        h.release.set()
        replies = await asyncio.gather(*calls)
        assert all(codec.decode(r, dict[str, Any]) == {"done": True} for r in replies)
        await task

    async def test_no_instance_is_service_unavailable(self, bus: Bus,
                                                      isolation: dict[str, str]) -> None:
        """A request nobody serves fails at once as ServiceUnavailable."""
        with pytest.raises(errors.ServiceUnavailable, match="no instance"):
            await bus.request(f"tocsin.rpc.{isolation['region']}.Echo", {})

    async def test_instances_share_the_load(self, bus: Bus, isolation: dict[str, str]) -> None:
        """Two instances of a service form one queue group: each request goes to one."""
        name = isolation["region"]
        counts = [0, 0]

        def counting(i: int) -> Any:
            async def handle(req: RpcRequest) -> Any:
                counts[i] += 1
                return {}
            return handle

        stop = asyncio.Event()
        servers = [RpcServer(bus, service=name, version="1.0.0", handlers={"Echo": counting(i)})
                   for i in range(2)]
        tasks = [asyncio.create_task(srv.serve(stop)) for srv in servers]
        await asyncio.wait_for(asyncio.gather(*(srv.started.wait() for srv in servers)), 10)
        await asyncio.gather(*(bus.request(f"tocsin.rpc.{name}.Echo", {}) for _ in range(100)))
        stop.set()
        await asyncio.gather(*tasks)
        assert sum(counts) == 100
        assert min(counts) > 0


class TestDatabaseGone:
    async def test_a_lost_database_is_unavailable_not_a_crash(
            self, bus: Bus, own_postgres: Any, isolation: dict[str, str]) -> None:
        """An operation whose database is down answers ServiceUnavailable (the caller may
        retry), not an InternalError; the instance's ping says its database is down."""
        name = isolation["region"]
        probe_status = {"postgresql": "down"}
        async with create_pool(own_postgres.url, schema="rpc", min_size=1) as pool:

            async def count(req: RpcRequest) -> Any:
                return {"n": await pool.fetchval("SELECT 1")}

            stop = asyncio.Event()
            srv = RpcServer(bus, service=name, version="1.0.0", handlers={"Count": count},
                            status=probe_status)
            task = asyncio.create_task(srv.serve(stop))
            await asyncio.wait_for(srv.started.wait(), 10)
            await asyncio.to_thread(own_postgres.stop)
            with pytest.raises(errors.ServiceUnavailable) as caught:
                await bus.request(f"tocsin.rpc.{name}.Count", {})
            assert "postgresql" in caught.value.message
            ping = codec.decode(
                (await bus.nc.request(f"$SRV.PING.{name}", b"", timeout=2)).data,
                dict[str, Any])
            assert ping["metadata"] == {"postgresql": "down"}
            await asyncio.to_thread(own_postgres.start)
            stop.set()
            await task


class TestNatsRestart:
    async def test_a_request_lost_with_the_server_fails_on_reconnection(
            self, own_nats: Any, isolation: dict[str, str]) -> None:
        """A request the server took and then went down with is never answered: the caller
        gets ServiceUnavailable when the connection is back, long before its timeout."""
        name = isolation["region"]
        h, stop = Echo(), asyncio.Event()
        async with connect([own_nats.url], name="tests-rpc-server") as served, \
                connect([own_nats.url], name="tests-rpc-client") as caller:
            srv = server(served, name, h)
            task = asyncio.create_task(srv.serve(stop))
            await asyncio.wait_for(srv.started.wait(), 10)
            call = asyncio.create_task(
                caller.request(f"tocsin.rpc.{name}.Slow", {}, timeout=120))
            await asyncio.wait_for(h.started.wait(), 10)
            await asyncio.to_thread(own_nats.stop)
            await asyncio.to_thread(own_nats.start)
            with pytest.raises(errors.ServiceUnavailable) as caught:
                await asyncio.wait_for(call, 60)
            assert "lost" in caught.value.message
            h.release.set()
            stop.set()
            await task


class TestErrorReplies:
    async def test_an_error_reply_whose_body_is_not_json_is_read_from_its_headers(
            self, bus: Bus, isolation: dict[str, str]) -> None:
        """A service error whose body is no JSON object (a proxy's page, a list) is the error
        its headers name, with their message."""
        subject = f"tocsin.rpc.{isolation['region']}.Broken"
        bodies = iter([b"<html>Bad gateway</html>", b"[1, 2]"])

        async def reply(msg: Any) -> None:
            await bus.nc.publish(msg.reply, next(bodies), headers={
                "Nats-Service-Error-Code": "ResourceNotFoundException",
                "Nats-Service-Error": "no such plan"})

        sub = await bus.nc.subscribe(subject, cb=reply)
        try:
            for _ in range(2):
                with pytest.raises(errors.NotFoundError) as caught:
                    await bus.request(subject, {}, timeout=5)
                assert caught.value.message == "no such plan"
        finally:
            await sub.unsubscribe()
