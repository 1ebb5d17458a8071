"""Console sessions: a signed cookie for a signed-in access key, and its CSRF token.

The gateway keeps nothing durable, and several gateways may serve one deployment, so the
session lives in the cookie: ``<key id>.<expiry>.<nonce>`` and an HMAC over it keyed by the
access key's secret. Any gateway that knows the key checks it; rotating the key's secret
ends its sessions. Signing out revokes the session (until it would have expired anyway) in
every gateway (:mod:`.signins` carries it through the audit trail) and deletes the cookie
from the browser.

The CSRF token of a session is another HMAC of its nonce, put in every form as
:data:`CSRF_FIELD` and checked on every POST. The sign-in form, before any session, uses a
double-submit token: a random cookie whose value the form repeats.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

__all__ = ["COOKIE", "CSRF_FIELD", "Session", "Sessions"]

COOKIE = "tocsin_console"
"""The session cookie's name."""
LOGIN_COOKIE = "tocsin_console_login"
"""The sign-in form's double-submit CSRF cookie."""
CSRF_FIELD = "csrf_token"
"""The form field (and ``X-CSRF-Token`` header) that carries the CSRF token."""
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in access key."""

    key_id: str
    expires: int
    """Epoch seconds after which the session is refused."""
    nonce: str
    csrf: str
    """The token every form of this session carries."""

    @property
    def id(self) -> str:
        """What names the session in the audit trail: a digest of its nonce (the nonce
        itself stays in the cookie)."""
        return hashlib.sha256(f"session.{self.nonce}".encode()).hexdigest()[:32]


class Sessions:
    """Issues and checks session cookies for the gateway's access keys."""

    def __init__(self, credentials: Callable[[], Mapping[str, str]], *,
                 lifetime: float) -> None:
        self._credentials = credentials
        """The keys now (a policy file's keys may come and go while the gateway runs)."""
        self._lifetime = lifetime
        self._revoked: dict[str, int] = {}
        """Signed-out sessions' ids and when they would have expired."""

    def sign_in(self, key_id: str, secret: str) -> Session | None:
        """A new session when ``secret`` is the secret of access key ``key_id``."""
        known = self._credentials().get(key_id)
        # Compare anyway on an unknown key, so timing tells nothing about which keys exist.
        if not hmac.compare_digest((known or "\0").encode(), secret.encode()) or not known:
            return None
        expires = int(time.time() + self._lifetime)
        nonce = secrets.token_urlsafe(18)
        return self._session(key_id, expires, nonce)

    def cookie(self, session: Session) -> str:
        """The cookie value that carries ``session``."""
        payload = f"{session.key_id}.{session.expires}.{session.nonce}"
        mac = hmac.new(self._key(session.key_id), payload.encode(), hashlib.sha256).digest()
        return f"{_b64(payload.encode())}.{_b64(mac)}"

    def check(self, value: str | None) -> Session | None:
        """The live session a cookie value carries, or ``None`` (forged, expired, revoked,
        or its key is gone)."""
        if not value:
            return None
        encoded, _, mac = value.partition(".")
        try:
            payload = base64.urlsafe_b64decode(_pad(encoded)).decode()
            given = base64.urlsafe_b64decode(_pad(mac))
        except (ValueError, UnicodeDecodeError):
            return None
        key_id, _, rest = payload.partition(".")
        expires_text, _, nonce = rest.partition(".")
        if key_id not in self._credentials() or not expires_text.isdigit() or not nonce:
            return None
        expected = hmac.new(self._key(key_id), payload.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, given):
            return None
        session = self._session(key_id, int(expires_text), nonce)
        if session.expires <= time.time() or session.id in self._revoked:
            return None
        return session

    def sign_out(self, session: Session) -> None:
        """Refuse ``session`` from now on in this gateway."""
        self.revoke(session.id, session.expires)

    def revoke(self, session_id: str, expires: int) -> None:
        """Refuse the session :attr:`Session.id` names (until it would have expired)."""
        now = time.time()
        if expires <= now:
            return
        self._revoked = {n: e for n, e in self._revoked.items() if e > now}
        self._revoked[session_id] = expires

    def _session(self, key_id: str, expires: int, nonce: str) -> Session:
        csrf = hmac.new(self._key(key_id), f"csrf.{nonce}".encode(), hashlib.sha256).digest()
        return Session(key_id=key_id, expires=expires, nonce=nonce, csrf=_b64(csrf))

    def _key(self, key_id: str) -> bytes:
        return hmac.new(self._credentials()[key_id].encode(), b"tocsin-console-session",
                        hashlib.sha256).digest()


def csrf_ok(expected: str, request: web.Request, form: Mapping[str, object]) -> bool:
    """Whether the request carries ``expected`` as its form field or header."""
    given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(
        given.encode(), expected.encode())


def login_token() -> str:
    """A fresh double-submit token for the sign-in form."""
    return secrets.token_urlsafe(18)


def secure(request: web.Request) -> bool:
    """Whether the browser reached us over TLS (directly or through a proxy that says so)."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _pad(text: str) -> str:
    return text + "=" * (-len(text) % 4)
