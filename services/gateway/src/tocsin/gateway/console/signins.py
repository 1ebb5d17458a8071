"""Console sign-ins in the audit trail, and sign-outs that reach every gateway.

Signing in, failing to, and signing out are console actions like any other, so each is a
CloudTrail record in ``AUDIT_<REGION>``, written before the browser gets its answer:
``ConsoleLogin`` (``eventSource`` ``signin.amazonaws.com``, ``eventType``
``AwsConsoleSignIn``, ``responseElements`` ``{"ConsoleLogin": "Success"}`` or
``"Failure"`` with ``errorMessage`` ``Failed authentication``, as AWS writes them) and
``ConsoleLogout``.

Several gateways serve one deployment and a session is a signed cookie any of them
accepts, so a sign-out must reach them all. The trail already is the durable, shared log
of sign-outs: each gateway follows the ``ConsoleLogout`` records of the last
:data:`~tocsin.gateway.console.pages.SESSION_LIFETIME` (older sessions have expired
anyway) and refuses the sessions they name. A record names its session by
:attr:`~tocsin.gateway.console.sessions.Session.id`, a digest of its nonce, never the
nonce or the cookie. A gateway reads the sign-outs already recorded before it serves its
first page, so one started after a sign-out refuses that session too.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import nats.errors
from aiohttp import web
from nats.js.api import ConsumerConfig, DeliverPolicy

from tocsin.gateway.access import Call, Face, Principal, PrincipalKind
from tocsin.gateway.audit import AuditTrail
from tocsin.gateway.audit_batches import records_in
from tocsin.gateway.console.sessions import Session, Sessions
from tocsin.shared.bus import Bus, audit_subject
from tocsin.shared.errors import TocsinError
from tocsin.shared.logging import get_logger

__all__ = ["EVENT_SOURCE", "SignInTrail"]

log = get_logger(__name__)

API = "signin"
"""The API token of the records (``signin.amazonaws.com``, ``audit.<region>.signin.*``)."""
EVENT_SOURCE = "signin.amazonaws.com"
LOGIN, LOGOUT = "ConsoleLogin", "ConsoleLogout"
CATCH_UP_TIMEOUT = 10.0
"""Seconds a starting gateway waits to read the sign-outs already recorded."""


class _FailedAuthentication(TocsinError):
    aws_code = "FailedAuthentication"
    http_status = 401


class _Logout(msgspec.Struct):
    requestParameters: dict[str, Any]


_LOGOUT = msgspec.json.Decoder(_Logout)


class SignInTrail:
    """Records a gateway's sign-ins and sign-outs, and follows every gateway's sign-outs
    into its :class:`Sessions`."""

    def __init__(self, trail: AuditTrail | None, bus: Bus, region: str, sessions: Sessions,
                 *, lifetime: float) -> None:
        self._trail = trail
        self._bus = bus
        self._region = region
        self._sessions = sessions
        self._lifetime = lifetime
        self._follower: asyncio.Task[None] | None = None
        self._sub: Any = None

    async def signed_in(self, request: web.Request, principal: Principal | None, key_id: str,
                        session: Session | None) -> None:
        """Record a sign-in (``session``) or a refused one (``None``) with key ``key_id``."""
        if self._trail is None:
            return
        who = principal or Principal(arn="", account="", kind=PrincipalKind.ANONYMOUS)
        call = self._call(request, LOGIN, who, {"accessKeyId": key_id[:128]})
        if session is None:
            record = self._trail.make(call, error=_FailedAuthentication(
                "Failed authentication"))
            outcome = "Failure"
        else:
            record = self._trail.make(call, response={"sessionId": session.id})
            outcome = "Success"
        await self._trail.write(msgspec.structs.replace(
            record, eventType="AwsConsoleSignIn", errorCode=None,
            responseElements={"ConsoleLogin": outcome}))

    async def signed_out(self, request: web.Request, principal: Principal | None,
                         session: Session) -> None:
        """Record a sign-out: every gateway following the trail refuses ``session`` once
        it reads the record (this one at once)."""
        self._sessions.sign_out(session)
        if self._trail is None:
            return
        who = principal or Principal(arn="", account="", kind=PrincipalKind.ANONYMOUS)
        call = self._call(request, LOGOUT, who, {"sessionId": session.id,
                                                  "sessionExpires": session.expires})
        await self._trail.write(msgspec.structs.replace(
            self._trail.make(call, response={"ConsoleLogout": "Success"}),
            eventType="AwsConsoleSignIn"))

    async def start(self, _: web.Application | None = None) -> None:
        """Read the sign-outs of the sessions that may still be alive, then follow new
        ones in the background."""
        if self._trail is None:
            return
        since = datetime.now(UTC) - timedelta(seconds=self._lifetime)
        try:
            self._sub = await self._bus.js.subscribe(
                audit_subject(self._region, API, LOGOUT), stream=self._trail.stream,
                ordered_consumer=True, config=ConsumerConfig(
                    deliver_policy=DeliverPolicy.BY_START_TIME,
                    opt_start_time=since))
            info = await self._sub.consumer_info()
            # The messages recorded so far: those the server has yet to send, and those it
            # already pushed to this subscription before the question was answered.
            sent = info.delivered.consumer_seq if info.delivered is not None else 0
            for _pending in range((info.num_pending or 0) + sent):
                self._revoke(await self._sub.next_msg(timeout=CATCH_UP_TIMEOUT))
        except (nats.errors.Error, TimeoutError) as exc:
            # Signing out still works on this gateway; others' sign-outs arrive once the
            # follower reads them.
            log.error("console.signouts_unread", error=repr(exc))
        if self._sub is not None:
            self._follower = asyncio.create_task(self._follow(), name="console-signouts")

    async def stop(self, _: web.Application | None = None) -> None:
        if self._follower is not None:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower
        if self._sub is not None:
            with contextlib.suppress(nats.errors.Error):
                await self._sub.unsubscribe()

    async def _follow(self) -> None:
        assert self._sub is not None
        while True:
            try:
                self._revoke(await self._sub.next_msg(timeout=None))
            except nats.errors.ConnectionClosedError:
                return
            except nats.errors.Error as exc:
                log.warning("console.signouts_interrupted", error=repr(exc))
                await asyncio.sleep(1.0)

    def _revoke(self, msg: Any) -> None:
        """Refuse the sessions of one message of sign-outs (several when they were
        recorded at the same time: :mod:`~tocsin.gateway.audit_batches`)."""
        try:
            records = records_in(msg.data)
        except msgspec.DecodeError:
            log.warning("console.signout_unreadable", subject=msg.subject)
            return
        for data in records:
            try:
                params = _LOGOUT.decode(data).requestParameters
                self._sessions.revoke(str(params["sessionId"]), int(params["sessionExpires"]))
            except (msgspec.DecodeError, KeyError, TypeError, ValueError):
                log.warning("console.signout_unreadable", subject=msg.subject)

    def _call(self, request: web.Request, operation: str, principal: Principal,
              params: dict[str, Any]) -> Call:
        return Call(face=Face.CONSOLE, api=API, operation=operation, principal=principal,
                    params=params, request_id=str(uuid.uuid4()),
                    source_ip=request.remote or "",
                    user_agent=request.headers.get("User-Agent", ""),
                    secure_transport=request.secure)
