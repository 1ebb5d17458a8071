"""Signing in to the console with an access key pair, and out."""

from __future__ import annotations

from aiohttp import web

from tocsin.gateway.console import sessions
from tocsin.gateway.console.pages import PREFIX, SESSION_LIFETIME, Pages, local
from tocsin.gateway.console.signins import SignInTrail
from tocsin.shared.logging import get_logger

__all__ = ["SignIn"]

log = get_logger(__name__)


class SignIn:
    """Signing in with an access key pair, and out."""

    def __init__(self, pages: Pages, trail: SignInTrail) -> None:
        self._pages = pages
        self._sessions = pages.sessions
        self._trail = trail

    def add_routes(self, app: web.Application) -> None:
        """The sign-in page and form (before any session), and sign-out (with one)."""
        app.router.add_get(f"{PREFIX}", self._to_list)
        app.router.add_get(f"{PREFIX}/sign-in", self._sign_in_page)
        app.router.add_post(f"{PREFIX}/sign-in", self._sign_in)
        app.router.add_post(f"{PREFIX}/sign-out", self._pages.signed_in(self._sign_out))

    async def _to_list(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(f"{PREFIX}/")

    async def _sign_in_page(self, request: web.Request) -> web.StreamResponse:
        return self._sign_in_form(request, status=200, error="")

    def _sign_in_form(self, request: web.Request, *, status: int, error: str) -> web.Response:
        token = sessions.login_token()
        response = self._pages.render("sign_in.html", request, status=status, error=error,
                                      login_token=token, next=local(request.query.get("next", "")))
        response.set_cookie(sessions.LOGIN_COOKIE, token, path=f"{PREFIX}/sign-in",
                            httponly=True, samesite="Strict", secure=sessions.secure(request),
                            max_age=3600)
        return response

    async def _sign_in(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        expected = request.cookies.get(sessions.LOGIN_COOKIE, "")
        if not sessions.csrf_ok(expected, request, form):
            return self._sign_in_form(request, status=403, error=(
                "The sign-in form is missing its CSRF token, or it is stale: try again."))
        key_id, secret = str(form.get("access_key_id", "")), str(form.get("secret", ""))
        key_id = key_id.strip()
        session = self._sessions.sign_in(key_id, secret.strip())
        await self._trail.signed_in(request, self._pages.call.principal(key_id), key_id,
                                    session)
        if session is None:
            log.warning("console.sign_in_refused", key_id=key_id[:40])
            return self._sign_in_form(request, status=401, error=(
                "That access key ID and secret access key do not match a key of this "
                "Tocsin."))
        log.info("console.signed_in", key_id=session.key_id)
        response = web.HTTPSeeOther(local(str(form.get("next", ""))) or f"{PREFIX}/")
        response.set_cookie(sessions.COOKIE, self._sessions.cookie(session), path=PREFIX,
                            httponly=True, samesite="Strict", secure=sessions.secure(request),
                            max_age=int(SESSION_LIFETIME))
        response.del_cookie(sessions.LOGIN_COOKIE, path=f"{PREFIX}/sign-in")
        raise response

    async def _sign_out(self, request: web.Request) -> web.StreamResponse:
        session = self._pages.session(request)
        await self._trail.signed_out(request, self._pages.call.principal(session.key_id),
                                     session)
        log.info("console.signed_out", key_id=session.key_id)
        response = web.HTTPSeeOther(f"{PREFIX}/sign-in")
        response.del_cookie(sessions.COOKIE, path=PREFIX)
        raise response
