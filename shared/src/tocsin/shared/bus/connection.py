"""The NATS connection every Tocsin process holds, and the calls made over it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import nats
import nats.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import PubAck

from tocsin.shared import codec, errors
from tocsin.shared.logging import context_headers, get_logger

__all__ = ["Bus", "connect"]

log = get_logger(__name__)

ERROR_CODE_HEADER = "Nats-Service-Error-Code"
PRINCIPAL_HEADER = "Tocsin-Principal"
"""Who is calling: the ARN of the authenticated caller, set by the gateway."""


class Bus:
    """A connected NATS client with JetStream, as Tocsin uses it."""

    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream()
        self._reconnected = asyncio.Event()

    def reconnection(self) -> asyncio.Event:
        """Set at the next reconnection to NATS. A pull request sent before it may have
        gone to a server that is gone: a fetch waiting for it asks again at once rather
        than after its timeout."""
        return self._reconnected

    def _on_reconnect(self) -> None:
        event, self._reconnected = self._reconnected, asyncio.Event()
        event.set()

    async def publish(self, subject: str, data: bytes, *, msg_id: str,
                      headers: Mapping[str, str] | None = None) -> PubAck:
        """Publish to a stream and wait for its acknowledgement.

        ``msg_id`` becomes ``Nats-Msg-Id``: a second publish of the same id inside the
        stream's duplicate window is acknowledged with ``duplicate=True`` and not stored.
        """
        hdrs = {**(headers or {}), "Nats-Msg-Id": msg_id}
        ack: PubAck = await self.js.publish(subject, data, headers=hdrs)
        return ack

    async def request(self, subject: str, payload: Any, *, timeout: float = 10.0,
                      headers: Mapping[str, str] | None = None) -> bytes:
        """Call a request/reply endpoint and return the reply body.

        Raises:
            TocsinError: the error the service replied with, rebuilt from the wire;
                :class:`~tocsin.shared.errors.ServiceUnavailable` when no instance
                answers in time, or at once while NATS is unreachable;
                :class:`~tocsin.shared.errors.ValidationError` when the request is larger
                than a NATS message may be.
        """
        data = payload if isinstance(payload, bytes) else codec.encode(payload)
        hdrs = {**context_headers(), **(headers or {})}
        _check_payload(self.nc, subject, data)
        if not self.nc.is_connected:
            # nats-py would buffer the request and send it once reconnected, perhaps long
            # after the caller gave up: a write the caller was told failed could then take
            # effect. Refused here, nothing is sent, and trying again is safe.
            raise errors.ServiceUnavailable(
                f"NATS is unreachable, so {subject} was not sent (nothing was done); "
                "try again")
        # A request sent to a server that then went away is never answered: on the
        # reconnection the caller learns at once, not after its whole timeout.
        call = asyncio.ensure_future(
            self.nc.request(subject, data, timeout=timeout, headers=hdrs or None))
        lost = asyncio.ensure_future(self._reconnected.wait())
        try:
            await asyncio.wait((call, lost), return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
            if not call.done():
                call.cancel()
        if call.cancelled() or not call.done():
            raise errors.ServiceUnavailable(
                f"the connection to NATS was lost while waiting for {subject}; try again")
        try:
            msg = call.result()
        except nats.errors.NoRespondersError:
            raise errors.ServiceUnavailable(
                f"no instance of the service behind {subject} is running") from None
        except nats.errors.TimeoutError:
            raise errors.ServiceUnavailable(
                f"the service behind {subject} did not answer within {timeout:g}s") from None
        if msg.headers and ERROR_CODE_HEADER in msg.headers:
            try:
                body = codec.decode(msg.data, dict[str, Any]) if msg.data else {}
            except msgspec.DecodeError:  # not a JSON object: the headers say enough
                body = {}
            body.setdefault("code", msg.headers[ERROR_CODE_HEADER])
            body.setdefault("message", msg.headers.get("Nats-Service-Error", ""))
            raise errors.from_wire(body)
        return msg.data


def _check_payload(nc: Client, subject: str, data: bytes) -> None:
    """Refuse a request the server would not carry (nats-py's ``MaxPayloadError``) as the
    caller's error, naming the limit, instead of letting it surface as a crash."""
    limit = nc.max_payload
    if limit and len(data) > limit:
        raise errors.ValidationError(
            f"The request is too large: {len(data)} bytes, more than the {limit} bytes a "
            f"message to {subject.rsplit('.', 1)[-1]} may carry", reason="OTHER")


@asynccontextmanager
async def connect(servers: list[str], *, name: str) -> AsyncIterator[Bus]:
    """Connect to NATS, reconnecting forever; drain the connection on exit.

    Draining lets in-flight replies and publishes go out before the socket closes,
    which ``Client.__aexit__`` alone does not do.
    """

    async def on_error(exc: Exception) -> None:
        log.warning("nats.error", error=repr(exc))

    async def on_disconnect() -> None:
        log.warning("nats.disconnected")

    async def on_reconnect() -> None:
        log.info("nats.reconnected", server=str(nc.connected_url.netloc if nc.connected_url
                                                  else ""))
        for bus in buses:
            bus._on_reconnect()

    buses: list[Bus] = []

    nc = await nats.connect(
        servers=servers,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        allow_reconnect=True,
        error_cb=on_error,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
    )
    buses.append(Bus(nc))
    try:
        yield buses[0]
    finally:
        if not nc.is_closed:
            try:
                await nc.drain()
            except (nats.errors.ConnectionClosedError, nats.errors.FlushTimeoutError,
                    nats.errors.ConnectionReconnectingError, nats.errors.DrainTimeoutError):
                # Stopping while the server is gone: nothing more can go out.
                await nc.close()
