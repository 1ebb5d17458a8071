"""The runbooks service running in the test's event loop, on the test's own names, and a
client that calls it the way the gateway does (the ``ssm`` operations over NATS)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

from tocsin.runbooks import app as runbooks_app
from tocsin.runbooks.settings import Settings
from tocsin.shared import codec
from tocsin.shared.bus import Bus, rpc_subject
from tocsin.shared.bus.connection import PRINCIPAL_HEADER
from tocsin.shared.testing import running

ALICE = "arn:tocsin:iam::000000000000:user/alice"
BOB = "arn:tocsin:iam::000000000000:user/bob"
CAROL = "arn:tocsin:iam::000000000000:user/carol"


class Ssm:
    """The runbooks service's ``ssm`` operations, called as a principal."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    async def __call__(self, operation: str, principal: str = ALICE,
                       **params: Any) -> dict[str, Any]:
        reply = await self.bus.request(rpc_subject("runbooks", operation), params,
                                       headers={PRINCIPAL_HEADER: principal}, timeout=10)
        result: dict[str, Any] = codec.decode(reply, dict[str, Any]) if reply else {}
        return result

    async def create(self, name: str, doc: dict[str, Any]) -> None:
        await self("CreateDocument", Name=name, Content=json.dumps(doc),
                   DocumentType="Automation", DocumentFormat="JSON")

    async def start(self, name: str, **params: Any) -> str:
        out = await self("StartAutomationExecution", DocumentName=name, **params)
        return str(out["AutomationExecutionId"])

    async def execution(self, execution_id: str) -> dict[str, Any]:
        out = await self("GetAutomationExecution", AutomationExecutionId=execution_id)
        result: dict[str, Any] = out["AutomationExecution"]
        return result

    async def until(self, execution_id: str, check: Callable[[dict[str, Any]], bool],
                    timeout: float = 30.0) -> dict[str, Any]:
        """The execution once ``check`` holds (polled; fails after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            ex = await self.execution(execution_id)
            if check(ex):
                return ex
            if time.monotonic() > deadline:
                pytest.fail(f"execution never got there: {json.dumps(ex, indent=1)}")
            await asyncio.sleep(0.05)

    async def ended(self, execution_id: str, timeout: float = 30.0) -> dict[str, Any]:
        return await self.until(execution_id, lambda ex: ex["AutomationExecutionStatus"]
                                in ("Success", "Failed", "TimedOut", "Cancelled"), timeout)

    async def waiting(self, execution_id: str, step: str,
                      timeout: float = 30.0) -> dict[str, Any]:
        return await self.until(execution_id, lambda ex: ex["AutomationExecutionStatus"]
                                == "Waiting" and ex.get("CurrentStepName") == step, timeout)


def statuses(ex: dict[str, Any]) -> dict[str, str]:
    return {s["StepName"]: s["StepStatus"] for s in ex["StepExecutions"]}


@pytest.fixture
def runbooks_options() -> dict[str, Any]:
    return {}


@pytest_asyncio.fixture
async def service_settings(nats_url: str, database_url: str, isolation: dict[str, str],
                           runbooks_options: dict[str, Any]) -> dict[str, Any]:
    return {"nats_url": nats_url, "database_url": database_url, "shutdown_grace": 5,
            "outbox_poll_interval": 0.2, "step_lease_seconds": 3.0, "sweep_interval": 0.5,
            **isolation, **runbooks_options}


@pytest_asyncio.fixture
async def ssm(service_settings: dict[str, Any], bus: Bus) -> AsyncIterator[Ssm]:
    async with running(runbooks_app.lifespan, Settings(**service_settings)):
        yield Ssm(bus)
