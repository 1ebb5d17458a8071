"""Authentication: the principal of a SigV4-signed HTTP request or gRPC call.

Both are verified by the same code (:func:`tocsin.gateway.sigv4.authenticate`) against the
same keys (:class:`~.principals.Directory`). A gRPC call is signed over ``POST <method
path>`` with the serialized request message as the body, its headers carried as metadata
(:mod:`tocsin.gateway.grpcsign` signs for clients).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from aiohttp import web

from tocsin.gateway import jsonapi, sigv4
from tocsin.gateway.access.call import Principal
from tocsin.gateway.access.principals import Directory

__all__ = ["Authenticator"]


class Authenticator:
    """Verifies signatures for one deployment (its keys, its region)."""

    def __init__(self, directory: Directory, *, region: str) -> None:
        self.directory = directory
        self._region = region

    def http(self, request: web.Request, body: bytes, *, service: str | Collection[str],
             must_sign: Iterable[str] = ()) -> Principal:
        """The principal of a signed HTTP request.

        Raises:
            AuthError: unsigned, or signed wrongly.
        """
        path, query = jsonapi.raw_target(request)
        key = sigv4.authenticate(method=request.method, path=path, query=query,
                                 headers=request.headers, body=body,
                                 credentials=self.directory.secrets(), service=service,
                                 region=self._region, must_sign=must_sign)
        return self.directory.principal(key)

    def grpc(self, method: str, metadata: Iterable[tuple[str, Any]], body: bytes, *,
             service: str | Collection[str]) -> Principal:
        """The principal of a signed gRPC call to ``method`` (``/pkg.Service/Method``).

        Raises:
            AuthError: unsigned, or signed wrongly.
        """
        key = sigv4.authenticate(method="POST", path=method, query="",
                                 headers=_Metadata(metadata), body=body,
                                 credentials=self.directory.secrets(), service=service,
                                 region=self._region)
        return self.directory.principal(key)


class _Metadata:
    """gRPC metadata as the multi-dict :func:`sigv4.authenticate` reads headers from."""

    def __init__(self, metadata: Iterable[tuple[str, Any]]) -> None:
        self._items = [(str(k), v) for k, v in metadata if isinstance(v, str)]

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)
