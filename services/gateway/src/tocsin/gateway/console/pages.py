"""What every console page and action shares: the session guard, the call as the signed-in
principal, rendering, and the answer to a refused action.

Every page is whole HTML that reads without JavaScript; htmx (``hx-boost``) only spares
the reload. Every action is a POST form carrying the session's CSRF token, answered with a
redirect back to the page it came from (post/redirect/get), or with the refusal page and the
service's error when the call was refused. Every call goes through :class:`Calls` as the
session's principal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from tocsin.gateway.access import Principal
from tocsin.gateway.console import listing, sessions
from tocsin.gateway.console.calls import Calls
from tocsin.gateway.console.sessions import CSRF_FIELD, Session, Sessions
from tocsin.gateway.settings import Settings
from tocsin.shared.errors import TocsinError
from tocsin.shared.logging import get_logger

__all__ = ["CONTACTS", "INCIDENTS", "PREFIX", "SSM", "TABS", "TOCSIN", "Handler", "Pages",
           "Route", "analysis_url", "form_int", "form_time", "incident_url", "local"]

log = get_logger(__name__)

PREFIX = "/console"
INCIDENTS = "ssm-incidents"
CONTACTS = "ssm-contacts"
TOCSIN = "tocsin"
SSM = "ssm"
TABS = ("overview", "metrics", "timeline", "runbook", "engagements", "related", "properties")
"""The incident page's tabs, in the guide's order."""
SESSION_LIFETIME = 12 * 3600.0
"""Seconds a sign-in lasts: a night's shift."""
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
}

_SESSION = web.RequestKey("tocsin.console.session", Session)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Route = tuple[str, str, Handler]
"""``(method, path under /console, handler)``."""


class Pages:
    """The console's shared machinery, one per gateway."""

    def __init__(self, settings: Settings, calls: Calls) -> None:
        self.settings = settings
        self.call = calls
        """Calls as a principal, through the gateway's access point."""
        self.sessions = Sessions(calls.secrets, lifetime=SESSION_LIFETIME)
        self._templates = jinja2.Environment(
            loader=jinja2.PackageLoader("tocsin.gateway.console", "templates"),
            autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
            lstrip_blocks=True)
        self._templates.filters.update(when=when, local_input=local_input, words=words,
                                       hour=hour,
                                       duration=listing.duration,
                                       event_text=event_text, plan_name=listing.plan_name,
                                       incident_id=listing.incident_id)

    def template(self, name: str) -> jinja2.Template:
        return self._templates.get_template(name)

    def signed_in(self, handler: Handler) -> Handler:
        """``handler`` for a live session only; a POST must carry the session's CSRF token.
        A call the gate or a service refuses becomes the refusal page."""
        async def guarded(request: web.Request) -> web.StreamResponse:
            session = self.sessions.check(request.cookies.get(sessions.COOKIE))
            if session is None:
                if request.method == "GET":
                    target = "" if request.path.endswith("/live") else request.path_qs
                    raise web.HTTPSeeOther(f"{PREFIX}/sign-in?" + urlencode(
                        {"next": target} if target else {}))
                return self.refuse(request, 401, "Your session has ended: sign in again.")
            request[_SESSION] = session
            if request.method == "POST":
                form = await request.post()
                if not sessions.csrf_ok(session.csrf, request, form):
                    log.warning("console.csrf_refused", path=request.path,
                                key_id=session.key_id)
                    return self.refuse(request, 403,
                                       "This form is missing its CSRF token, or it is stale: "
                                       "reload the page and try again.")
            try:
                return await handler(request)
            except TocsinError as exc:
                log.info("console.refused", path=request.path, code=exc.aws_code,
                         error=exc.message)
                return self.refuse(request, exc.http_status, exc.message, code=exc.aws_code)

        return guarded

    def session(self, request: web.Request) -> Session:
        """The session :meth:`signed_in` checked for ``request``."""
        return request[_SESSION]

    def principal(self, request: web.Request) -> Principal:
        """The principal of the request's session."""
        principal = self.call.principal(request[_SESSION].key_id)
        if principal is None:  # the key went away since the session was checked
            raise web.HTTPSeeOther(f"{PREFIX}/sign-in")
        return principal

    async def act(self, request: web.Request, api: str, operation: str,
                  params: dict[str, Any], *, back: str) -> dict[str, Any] | web.Response:
        """The output of an action, or the page that says why it was refused."""
        try:
            return await self.call(request, self.principal(request), api, operation, params)
        except TocsinError as exc:
            log.info("console.action_refused", operation=operation, code=exc.aws_code)
            return self.refuse(request, exc.http_status, exc.message, code=exc.aws_code,
                               back=back)

    async def act_then(self, request: web.Request, api: str, operation: str,
                       params: dict[str, Any], *, back: str) -> web.StreamResponse:
        """Run an action, then send the browser ``back`` (or show the refusal)."""
        output = await self.act(request, api, operation, params, back=back)
        if isinstance(output, web.StreamResponse):
            return output
        raise web.HTTPSeeOther(back)

    async def act_and_return(self, request: web.Request, api: str, operation: str,
                             params: dict[str, Any], arn: str, tab: str) -> web.StreamResponse:
        """Run an action on an incident, then show the incident's ``tab``."""
        back = incident_url(arn, tab if tab in TABS else "overview")
        return await self.act_then(request, api, operation, params, back=back)

    def refuse(self, request: web.Request, status: int, message: str, *, code: str = "",
               back: str = "") -> web.Response:
        """The refusal page: the AWS error code and message, and a way back."""
        return self.render("error.html", request, status=status, message=message, code=code,
                           back=back or f"{PREFIX}/")

    def render(self, name: str, request: web.Request, *, status: int = 200,
               **context: Any) -> web.Response:
        """Template ``name`` as a page, with the request's session (if any) and its CSRF
        token for the page's forms."""
        session = request.get(_SESSION)
        html = self.template(name).render(
            session=session, csrf_field=CSRF_FIELD, csrf=session.csrf if session else "",
            prefix=PREFIX, path=request.path_qs, region=self.settings.region, **context)
        response = web.Response(text=html, status=status, content_type="text/html")
        response.headers.update(SECURITY_HEADERS)
        return response


# --- URLs and form values ----------------------------------------------------------------


def incident_url(arn: str, tab: str = "overview") -> str:
    query = {"arn": arn} if tab == "overview" else {"arn": arn, "tab": tab}
    return f"{PREFIX}/incident?{urlencode(query)}"


def analysis_url(arn: str) -> str:
    return f"{PREFIX}/analysis?{urlencode({'arn': arn})}"


def local(target: str) -> str:
    """``target`` when it is a console path of this site, else nothing (no open redirect)."""
    return target if target.startswith(f"{PREFIX}/") and "//" not in target \
        and "\\" not in target else ""


def form_int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0  # the model's validation names the field


def form_time(text: str) -> float:
    """A ``datetime-local`` field (UTC, as the forms say), or now when empty."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() if text \
            else datetime.now(UTC).timestamp()
    except ValueError:
        return datetime.now(UTC).timestamp()


# --- template filters --------------------------------------------------------------------


def when(epoch: object) -> str:
    """An epoch time as ``2026-12-06 18:47:03 UTC``."""
    if epoch in (None, ""):
        return ""
    return datetime.fromtimestamp(float(str(epoch)), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def hour(epoch: object) -> str:
    """An epoch time's hour of the day, ``09:00`` (UTC)."""
    moment = datetime.fromtimestamp(float(str(epoch)), UTC)
    return moment.strftime("%H:%M")


def words(name: str) -> str:
    """A camelCase name as words: ``timeToAcknowledge`` → ``Time to acknowledge``."""
    spaced = re.sub(r"(?<=[a-z0-9])([A-Z])", r" \1", name).lower()
    return spaced[:1].upper() + spaced[1:]


def local_input(epoch: object) -> str:
    """An epoch time as a ``datetime-local`` field's value (UTC, as the forms say)."""
    if epoch in (None, ""):
        return ""
    return datetime.fromtimestamp(float(str(epoch)), UTC).strftime("%Y-%m-%dT%H:%M:%S")


def event_text(data: object) -> str:
    """A timeline event's ``eventData`` as text: a JSON string's value, or a JSON object's
    members."""
    try:
        value = json.loads(str(data))
    except ValueError:
        return str(data)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)
