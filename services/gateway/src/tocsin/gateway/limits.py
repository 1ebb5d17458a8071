"""Abuse limits of one gateway process: token buckets per caller.

Each principal (and each integration key of the webhooks) has a bucket of ``burst`` tokens
refilled at ``rate`` tokens a second; a call takes one, and a call that finds the bucket
empty is refused with ``ThrottlingException`` saying when a token will be there (HTTP 429
with ``Retry-After``, gRPC ``RESOURCE_EXHAUSTED`` with trailing metadata ``retry-after``).
The defaults (``TOCSIN_THROTTLE_RATE``/``_BURST``, ``TOCSIN_INTEGRATION_KEY_RATE``/``_BURST``)
are far above what a person or an alerting tool sends, and above the benchmarks: they stop
a runaway script, not a busy team.

Buckets live in the process: with N gateways behind a load balancer a caller gets up to N
times the rate, which is what a limit meant against runaway clients needs. Buckets full
again (idle for ``burst / rate`` seconds) are forgotten, so the table stays as small as the
set of recent callers.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

from tocsin.gateway.access import Call, PrincipalKind, Proceed
from tocsin.shared.errors import ThrottlingError

__all__ = ["Throttle", "Throttled", "TokenBuckets"]

SWEEP_EVERY = 4096
"""Takes between two sweeps of full buckets."""


class Throttled(ThrottlingError):
    """``ThrottlingException`` with the seconds after which a retry will be accepted."""

    def __init__(self, message: str, *, retry_after: float, service_code: str = "") -> None:
        super().__init__(message, quotaCode="RateLimit", serviceCode=service_code or None,
                         RetryAfterSeconds=max(1, math.ceil(retry_after)))
        self.retry_after = max(1, math.ceil(retry_after))
        """Whole seconds, as HTTP ``Retry-After`` carries them."""


class TokenBuckets:
    """One token bucket per key, all with the same rate and size."""

    def __init__(self, *, rate: float, burst: float, what: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._burst = max(burst, 1.0)
        self._what = what
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        """key → (tokens, when they were counted)."""
        self._takes = 0

    def take(self, key: str, *, service_code: str = "") -> None:
        """Take a token for ``key``.

        Raises:
            Throttled: the bucket is empty.
        """
        now = self._clock()
        tokens, then = self._buckets.get(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - then) * self._rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) / self._rate
            raise Throttled(f"Rate exceeded: {self._what} makes more than "
                            f"{self._rate:g} calls a second; retry after {math.ceil(wait)} s",
                            retry_after=wait, service_code=service_code)
        self._buckets[key] = (tokens - 1.0, now)
        self._takes += 1
        if self._takes % SWEEP_EVERY == 0:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        full = [k for k, (tokens, then) in self._buckets.items()
                if tokens + (now - then) * self._rate >= self._burst]
        for key in full:
            del self._buckets[key]


class Throttle:
    """The throttling step of the gateway's pipeline (outermost: a throttled call costs
    nothing further, not even an audit record).

    A signed caller is counted by its principal; a webhook sender by its integration key
    (a fingerprint of it); a caller without credential (acknowledgement links, provider
    callbacks, chat commands) by its source address.
    """

    def __init__(self, *, principals: TokenBuckets, integration_keys: TokenBuckets) -> None:
        self._principals = principals
        self._keys = integration_keys

    async def __call__(self, call: Call, proceed: Proceed) -> Any:
        principal = call.principal
        if principal.arn:
            self._principals.take(principal.arn, service_code=call.api)
        elif principal.kind is PrincipalKind.INTEGRATION_KEY:
            key = call.params.get("integrationKey") if isinstance(call.params, dict) else None
            fingerprint = hashlib.sha256(str(key or call.source_ip).encode()).hexdigest()
            self._keys.take(fingerprint, service_code=call.api)
        else:
            self._principals.take(f"address:{call.source_ip}", service_code=call.api)
        return await proceed(call)
