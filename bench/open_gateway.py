"""``python -m bench.open_gateway``: the gateway with authentication, authorization,
throttling and the audit trail taken out, for the bench's "without" figure only
(``start_incident_grpc_access_off_*``).

It is the real gateway process (``tocsin.gateway.__main__``) with pieces replaced in this
process alone: the gRPC interceptor passes every call through unverified, acting as one
administrator, and the pipeline's authorization, throttling and audit steps let every call
proceed (nothing is recorded). Nothing in Tocsin itself can switch access or the audit
trail off.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from tocsin.gateway import __main__ as gateway_main
from tocsin.gateway import access, audit, grpcauth, limits
from tocsin.gateway.access import policy
from tocsin.gateway.settings import Settings

_settings = Settings()
PRINCIPAL = access.Principal(arn=_settings.arns.iam("user/BENCH"), account=_settings.account,
                             policies=(policy.ADMINISTRATOR,))


class _Unverified(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    async def intercept_service(self, continuation: Callable[[Any], Awaitable[Any]],
                                details: Any) -> Any:
        return await continuation(details)


class _AllowAll:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    async def __call__(self, call: access.Call, proceed: access.Proceed) -> Any:
        return await proceed(call)


def main() -> None:
    grpcauth.SigV4Interceptor = _Unverified  # type: ignore[assignment,misc]
    grpcauth.caller = lambda: PRINCIPAL
    access.Authorization = _AllowAll  # type: ignore[assignment,misc]
    audit.Audit = _AllowAll  # type: ignore[assignment,misc]
    limits.Throttle = _AllowAll  # type: ignore[assignment,misc]
    gateway_main.main()


if __name__ == "__main__":
    main()
