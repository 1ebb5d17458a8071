"""Signing gRPC calls to Tocsin, for clients: every call must carry SigV4 (:mod:`.grpcauth`).

The signature covers the method path and the serialized request message, so it is made
by a client interceptor, which sees the message (a ``grpc.AuthMetadataPlugin`` sees only
the method name)::

    import grpc
    from tocsin.gateway.grpcsign import SigV4Signer
    from tocsin.proto.incidents.v1 import incidents_pb2, incidents_pb2_grpc

    signer = SigV4Signer("AKID...", "secret", region="local-1")
    async with grpc.aio.insecure_channel("127.0.0.1:50051",
                                         interceptors=signer.interceptors()) as channel:
        stub = incidents_pb2_grpc.IncidentsStub(channel)
        plans = await stub.ListResponsePlans(incidents_pb2.ListResponsePlansRequest())

Streaming responses (``WatchEvents``) are signed the same way. :meth:`SigV4Signer.metadata`
gives the metadata for one call, for clients that add it themselves (a blocking channel).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import grpc

from tocsin.gateway.sigv4 import ALGORITHM, canonical_request

__all__ = ["SIGNING_NAME", "SigV4Signer"]

SIGNING_NAME = "tocsin"
HOST = "tocsin"
"""The ``host`` the signature names; gRPC carries it as metadata, so any agreed value."""


class SigV4Signer:
    """Signs gRPC calls with one access key for one region."""

    def __init__(self, access_key_id: str, secret: str, *, region: str,
                 service: str = SIGNING_NAME,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._key_id = access_key_id
        self._secret = secret
        self._region = region
        self._service = service
        self._clock = clock
        self._keys: dict[str, bytes] = {}
        """Signing key by date: it changes once a day."""

    def metadata(self, method: str, request: bytes) -> tuple[tuple[str, str], ...]:
        """The metadata that signs a call of ``method`` (``/pkg.Service/Method``) whose
        serialized request message is ``request``."""
        now = self._clock().astimezone(UTC)
        timestamp, date = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        scope = f"{date}/{self._region}/{self._service}/aws4_request"
        creq = canonical_request("POST", method, "",
                                 [("host", [HOST]), ("x-amz-date", [timestamp])],
                                 hashlib.sha256(request).hexdigest())
        to_sign = f"{ALGORITHM}\n{timestamp}\n{scope}\n{hashlib.sha256(creq.encode()).hexdigest()}"
        signature = hmac.new(self._signing_key(date), to_sign.encode(),
                             hashlib.sha256).hexdigest()
        return (("host", HOST), ("x-amz-date", timestamp),
                ("authorization", f"{ALGORITHM} Credential={self._key_id}/{scope}, "
                                  f"SignedHeaders=host;x-amz-date, Signature={signature}"))

    def interceptors(self) -> Sequence[grpc.aio.ClientInterceptor]:
        """Client interceptors for ``grpc.aio.insecure_channel(..., interceptors=...)``."""
        return (_UnaryUnary(self), _UnaryStream(self))

    def _signing_key(self, date: str) -> bytes:
        key = self._keys.get(date)
        if key is None:
            key = hmac.new(f"AWS4{self._secret}".encode(), date.encode(), hashlib.sha256).digest()
            for part in (self._region, self._service, "aws4_request"):
                key = hmac.new(key, part.encode(), hashlib.sha256).digest()
            self._keys = {date: key}
        return key

    def _details(self, details: grpc.aio.ClientCallDetails, request: Any) -> Any:
        method = details.method.decode() if isinstance(details.method, bytes) \
            else str(details.method)
        body = request.SerializeToString() if hasattr(request, "SerializeToString") \
            else bytes(request)
        kept = [(k, v) for k, v in (details.metadata or ())
                if k not in ("host", "x-amz-date", "authorization")]
        return grpc.aio.ClientCallDetails(
            method=details.method, timeout=details.timeout,
            metadata=grpc.aio.Metadata(*kept, *self.metadata(method, body)),
            credentials=details.credentials, wait_for_ready=details.wait_for_ready)


class _UnaryUnary(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    def __init__(self, signer: SigV4Signer) -> None:
        self._signer = signer

    async def intercept_unary_unary(self, continuation: Any, details: Any,
                                    request: Any) -> Any:
        return await continuation(self._signer._details(details, request), request)


class _UnaryStream(grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[misc]
    def __init__(self, signer: SigV4Signer) -> None:
        self._signer = signer

    async def intercept_unary_stream(self, continuation: Any, details: Any,
                                     request: Any) -> Any:
        return await continuation(self._signer._details(details, request), request)
