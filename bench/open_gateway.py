"""``python -m bench.open_gateway``: the gateway with parts of access taken out, for the
bench's comparison figures only (``start_incident_grpc_access_*``).

It is the real gateway process (``tocsin.gateway.__main__``) with pieces replaced in this
process alone, as ``BENCH_ACCESS`` says:

- ``off``: the gRPC interceptor passes every call through unverified, acting as one
  administrator, and the pipeline has no steps (no throttling, audit or authorization);
- ``authorization``: signatures are verified and the pipeline has its authorization step
  alone (no throttling, no audit).

Nothing in Tocsin itself can switch access off.
"""

from __future__ import annotations

import os
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


def _only(kept: tuple[type, ...]) -> Callable[..., access.Access]:
    def build(settings: Settings, client: Any, *args: Any, **kwargs: Any) -> access.Access:
        built = _build_access(settings, client, *args, **kwargs)
        steps = [s for s in built.gate.steps if isinstance(s, kept)]
        return access.Access(built.authenticator, access.Gate(client, steps),
                             account=built.account)

    return build


def main() -> None:
    mode = os.environ.get("BENCH_ACCESS", "off")
    if mode == "off":
        grpcauth.SigV4Interceptor = _Unverified  # type: ignore[misc]
        grpcauth.caller = lambda: PRINCIPAL
        app.build_access = _only(())
    elif mode == "authorization":
        app.build_access = _only((access.Authorization,))
    else:
        raise SystemExit(f"BENCH_ACCESS must be off or authorization, not {mode!r}")
    gateway_main.main()


if __name__ == "__main__":
    main()
