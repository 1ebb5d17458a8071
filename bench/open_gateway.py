"""``python -m bench.open_gateway``: the gateway with access taken out, for the bench's
"without" figure only (``start_incident_grpc_access_off_*``).

It is the real gateway process (``tocsin.gateway.__main__``) with two pieces replaced in
this process alone: the gRPC interceptor passes every call through unverified, acting as
one administrator, and the pipeline has no steps (no throttling, audit or authorization).
Nothing in Tocsin itself can switch access off.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from tocsin.gateway import __main__ as gateway_main
from tocsin.gateway import access, app, grpcauth
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


_build_access = app.build_access


def _without_steps(settings: Settings, client: Any, *args: Any, **kwargs: Any) -> access.Access:
    built = _build_access(settings, client)
    return access.Access(built.authenticator, access.Gate(client, []), account=built.account)


def main() -> None:
    grpcauth.SigV4Interceptor = _Unverified  # type: ignore[assignment,misc]
    grpcauth.caller = lambda: PRINCIPAL
    app.build_access = _without_steps  # type: ignore[assignment]
    gateway_main.main()


if __name__ == "__main__":
    main()
