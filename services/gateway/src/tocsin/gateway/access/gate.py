"""The gateway's one pipeline: every call of every face passes :class:`Gate`.

A face builds a :class:`~.call.Call` (who, what, on which resources, from where) and hands
it to the gate with what runs the call (by default the owning service over NATS). The gate
runs its steps in order, each wrapping the next like middleware, and the call itself last::

    throttle → audit → authorize → the service

A step sees the call and ``proceed`` (the rest of the pipeline); it may refuse by raising a
:class:`~tocsin.shared.errors.TocsinError` (``AccessDeniedException``,
``ThrottlingException``), observe the result or the error (the audit trail), or both.
Steps are given at construction (:func:`tocsin.gateway.app.lifespan` composes them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from tocsin.gateway.access.call import Call
from tocsin.gateway.access.resources import resources_of

__all__ = ["Gate", "Proceed", "ServiceCaller", "Step"]

Proceed = Callable[[Call], Awaitable[Any]]
"""The rest of the pipeline: the next steps and the call itself."""


class Step(Protocol):
    """One stage of the pipeline (authorization, throttling, audit)."""

    async def __call__(self, call: Call, proceed: Proceed) -> Any: ...


class ServiceCaller(Protocol):
    """What the gate needs of :class:`~tocsin.gateway.clients.ServiceClient`."""

    async def call(self, api: str, operation: str, params: dict[str, Any], *,
                   principal: str, request_id: str) -> dict[str, Any]: ...


class Gate:
    """Runs each call through the steps, then the call itself."""

    def __init__(self, client: ServiceCaller, steps: Sequence[Step] = ()) -> None:
        self.client = client
        """Runs a call on its owning service (a step may use it, as may a face's own run)."""
        self.steps: list[Step] = list(steps)
        """In order, outermost first."""

    async def __call__(self, call: Call, run: Proceed | None = None) -> Any:
        """Pass ``call`` through every step, then run it: with ``run`` when given (a face
        whose call is no plain service request: a stream, a forwarded webhook), else as
        ``call.api``/``call.operation`` of the owning service, acting as the principal.

        Raises:
            TocsinError: a step refused the call, or the service answered with an error.
        """
        if not call.resources:
            call.resources = resources_of(call.api, call.operation, call.params)
        final = run or self._service
        return await self._proceed(0, final)(call)

    def _proceed(self, index: int, final: Proceed) -> Proceed:
        if index == len(self.steps):
            return final
        step, rest = self.steps[index], self._proceed(index + 1, final)

        async def proceed(call: Call) -> Any:
            return await step(call, rest)

        return proceed

    async def _service(self, call: Call) -> dict[str, Any]:
        return await self.client.call(call.api, call.operation, call.params,
                                       principal=call.principal.arn,
                                       request_id=call.request_id)
