"""The NATS connection every Tocsin process holds, and the calls made over it."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import ssl
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
import nats
import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import PubAck

from tocsin.shared import codec, errors
from tocsin.shared.bus.identities import Identity, NotInTable, identity, inbox_prefix, may_call
from tocsin.shared.bus.principals import SIGNATURE_HEADER, Signer
from tocsin.shared.config import BaseSettings
from tocsin.shared.logging import context_headers, get_logger

__all__ = ["Bus", "NatsCredentials", "Outgoing", "connect", "connect_as"]

log = get_logger(__name__)

ERROR_CODE_HEADER = "Nats-Service-Error-Code"
PRINCIPAL_HEADER = "Tocsin-Principal"
"""Who is calling: the ARN of the authenticated caller, set by the gateway."""


class Outgoing(msgspec.Struct, frozen=True):
    """One message of :meth:`Bus.publish_batch`."""

    subject: str
    data: bytes
    msg_id: str
    headers: Mapping[str, str] = {}


class Bus:
    """A connected NATS client with JetStream, as Tocsin uses it."""

    def __init__(self, nc: Client, *, identity: Identity | None = None,
                 signer: Signer | None = None) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream()
        self.identity = identity
        """The row of :mod:`.identities` this connection acts as (None: a tool or a test,
        unchecked)."""
        self.signer = signer
        """Signs the principals this identity sends on a caller's behalf (None: unsigned)."""
        self.open = False
        """Connected without credentials (an open bus: :data:`OPEN_BUS`)."""
        self._reconnected = asyncio.Event()
        self._requests: set[asyncio.Future[Msg]] = set()
        """Requests waiting for their reply: a reconnection cancels them."""

    def reconnection(self) -> asyncio.Event:
        """Set at the next reconnection to NATS. A pull request sent before it may have
        gone to a server that is gone: a fetch waiting for it asks again at once rather
        than after its timeout."""
        return self._reconnected

    def _on_reconnect(self) -> None:
        event, self._reconnected = self._reconnected, asyncio.Event()
        event.set()
        for call in list(self._requests):
            call.cancel()

    async def publish(self, subject: str, data: bytes, *, msg_id: str,
                      headers: Mapping[str, str] | None = None) -> PubAck:
        """Publish to a stream and wait for its acknowledgement.

        ``msg_id`` becomes ``Nats-Msg-Id``: a second publish of the same id inside the
        stream's duplicate window is acknowledged with ``duplicate=True`` and not stored.
        """
        hdrs = {**(headers or {}), "Nats-Msg-Id": msg_id}
        ack: PubAck = await self.js.publish(subject, data, headers=hdrs)
        return ack

    async def publish_batch(self, messages: Sequence[Outgoing], *,
                            timeout: float = 10.0) -> list[PubAck]:
        """Publish ``messages`` to streams in order and wait for their acknowledgements
        together: one reply subscription and one timer for the batch, not a request each.

        As :meth:`publish`, each message's ``msg_id`` becomes ``Nats-Msg-Id``. Raises the
        first refusal, or ``nats.errors.TimeoutError`` when the acknowledgements are not
        all in within ``timeout`` (those still awaited are given up); a message sent may
        then be stored or not, so the caller sends the batch again (the ids make the
        copies harmless).
        """
        acks = [await self.js.publish_async(m.subject, m.data,
                                            headers={**m.headers, "Nats-Msg-Id": m.msg_id})
                for m in messages]
        try:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for, itself cancelled,
            # leaves the cancelled gather's outcome unread (logged as never retrieved).
            async with asyncio.timeout(timeout):
                return list(await asyncio.gather(*acks))
        except TimeoutError:
            raise nats.errors.TimeoutError from None
        finally:
            for ack in acks:  # a refusal leaves the others: none may stay awaited
                ack.cancel()

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
        if self.identity is not None and not may_call(self.identity, subject):
            raise NotInTable(f"{self.identity.name} may not call {subject}: add it to its "
                             "row of tocsin.shared.bus.identities")
        principal = hdrs.get(PRINCIPAL_HEADER)
        if principal and self.signer is not None:
            hdrs[SIGNATURE_HEADER] = self.signer.sign(subject, principal)
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
        # (One task per request, cancelled by the reconnection: no watcher task of its own.)
        call = asyncio.ensure_future(
            self.nc.request(subject, data, timeout=timeout, headers=hdrs or None))
        self._requests.add(call)
        try:
            msg = await call  # the caller cancelled: so is the request
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            raise errors.ServiceUnavailable(
                f"the connection to NATS was lost while waiting for {subject}; try again"
            ) from None
        except nats.errors.NoRespondersError:
            raise errors.ServiceUnavailable(
                f"no instance of the service behind {subject} is running") from None
        except nats.errors.TimeoutError:
            raise errors.ServiceUnavailable(
                f"the service behind {subject} did not answer within {timeout:g}s") from None
        finally:
            self._requests.discard(call)
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


class NatsCredentials:
    """How one identity proves itself to NATS: ``user:password``, or the path of a file
    holding that, a NATS ``.creds`` file (JWT and nkey seed) or an nkey seed (``SU...``)."""

    def __init__(self, value: str) -> None:
        self._value = value.strip()

    def __repr__(self) -> str:  # never the secret in a log line
        return "NatsCredentials(**********)"

    def options(self) -> dict[str, Any]:
        """The keyword arguments of ``nats.connect`` that present these credentials."""
        value = self._value
        if not value:
            return {}
        path = Path(value)
        try:
            is_file = path.is_file()
        except OSError:  # no file name at all: the credentials themselves
            is_file = False
        if is_file:
            text = path.read_text().strip()
            if "BEGIN NATS USER JWT" in text or text.startswith("SU"):
                if importlib.util.find_spec("nkeys") is None:  # nats-py signs with it
                    raise ValueError(f"{path} holds an nkey: install the nkeys package "
                                     "(nats-py[nkeys]) to use it, or give user:password")
                if text.startswith("SU"):
                    return {"nkeys_seed": str(path)}
                return {"user_credentials": str(path)}
            value = text
        user, sep, password = value.partition(":")
        if not sep or not user or not password:
            raise ValueError("NATS credentials must be user:password, or a file holding "
                             "them, a .creds file or an nkey seed")
        return {"user": user, "password": password}


def tls_context(ca_file: str) -> ssl.SSLContext | None:
    """The TLS context for ``tls://`` NATS URLs signed by a CA of one's own (None: the
    system's CAs, which nats-py uses for ``tls://`` by itself)."""
    return ssl.create_default_context(cafile=ca_file) if ca_file else None


@asynccontextmanager
async def connect(servers: list[str], *, name: str, identity: Identity | None = None,
                  credentials: NatsCredentials | None = None, signer: Signer | None = None,
                  tls_ca_file: str = "") -> AsyncIterator[Bus]:
    """Connect to NATS, reconnecting forever; drain the connection on exit.

    Draining lets in-flight replies and publishes go out before the socket closes,
    which ``Client.__aexit__`` alone does not do. ``identity`` (a row of
    :mod:`.identities`) gives the connection its own inbox prefix, which that identity's
    permissions allow it to read, and has its requests checked against the row.
    ``tls://`` URLs are reached over TLS (``tls_ca_file``: the CA to trust).
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
        **({"inbox_prefix": inbox_prefix(identity.name)} if identity else {}),
        **(credentials.options() if credentials else {}),
        **({"tls": tls} if (tls := tls_context(tls_ca_file)) else {}),
    )
    buses.append(Bus(nc, identity=identity, signer=signer))
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


OPEN_BUS = ("the NATS bus is open: this process connected without credentials, so any "
            "client the server lets in may publish events and request operations; set "
            "TOCSIN_NATS_CREDENTIALS_<SERVICE> (see deploy/nats)")
"""What the start-up log and ``/healthz`` say when a service reaches NATS anonymously."""


@asynccontextmanager
async def connect_as(settings: BaseSettings, service: str, *, name: str | None = None,
                     environ: Mapping[str, str] | None = None) -> AsyncIterator[Bus]:
    """:func:`connect` as ``service``'s identity: its credentials
    (``TOCSIN_NATS_CREDENTIALS_<SERVICE>``, else ``TOCSIN_NATS_CREDENTIALS``), its row of
    :mod:`.identities` and, if it acts for callers, its principal signing key."""
    env = os.environ if environ is None else environ
    who = identity(service)
    secret = (env.get(f"TOCSIN_NATS_CREDENTIALS_{service.upper()}", "")
              or str(settings.nats_credentials))
    credentials = NatsCredentials(secret) if secret.strip() else None
    key = str(settings.principal_signing_key)
    signer = Signer(service, key) if key and who.asserts_principals else None
    if credentials is None:
        log.warning("nats.open_bus", detail=OPEN_BUS)
    async with connect(settings.nats_servers, name=name or f"tocsin-{service}", identity=who,
                       credentials=credentials, signer=signer,
                       tls_ca_file=settings.nats_ca_file) as bus:
        bus.open = credentials is None
        yield bus
