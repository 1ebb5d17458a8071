"""A stand-in for HashiCorp Vault's Transit engine, for the tests: Vault itself cannot be
installed on this machine (no registry it reaches has it).

It serves, on loopback, the part of Vault's HTTP API that Tocsin's
:class:`tocsin.shared.keys.VaultTransit` uses, as ``hvac`` calls it, so that the real
client code runs unchanged against it:

- every request carries ``X-Vault-Token``; a missing or unknown one is ``403
  {"errors":["permission denied"]}``, as Vault answers it;
- ``POST /v1/transit/encrypt/<name>`` (creates the key on first use, as Vault's upsert
  does), ``/decrypt/<name>``, ``/rewrap/<name>`` and ``/keys/<name>/rotate``, with Vault's
  request and response bodies;
- ciphertext is Vault's ``vault:v<N>:<base64 of nonce | AES-256-GCM ciphertext and tag>``
  under the key's version ``N``: real encryption, under a random key per version, which
  never leaves the stand-in (as keys never leave Vault);
- errors are ``400 {"errors":[...]}`` with Vault's own messages ("encryption key not
  found", "invalid ciphertext: no prefix", "cipher: message authentication failed", ...).

Nothing else of Vault is here (no policies, leases, other engines, batch input, key
versions asked for or associated data). The
tests stop and start it (same port, same keys) to make Vault unreachable, and change its
token to make it refuse the one Tocsin holds.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
import uuid
from typing import Any

from aiohttp import web
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tocsin.local.servers import free_port

__all__ = ["VaultTransitStandIn"]

_PREFIX = "vault:v"


class _VaultError(Exception):
    """An error Vault answers with ``{"errors": [message]}``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def _json(body: dict[str, Any], *, status: int = 200) -> web.Response:
    # Vault's Content-Type is exactly this (no charset), which is what hvac looks for
    # before it reads the errors of a reply.
    return web.Response(body=json.dumps(body).encode(), status=status,
                        headers={"Content-Type": "application/json"})


class _Key:
    """A Transit key of type ``aes256-gcm96``: one AES-256 key per version."""

    def __init__(self) -> None:
        self.versions: list[bytes] = []
        self.created: list[int] = []
        self.rotate()

    @property
    def latest(self) -> int:
        return len(self.versions)

    def rotate(self) -> None:
        self.versions.append(AESGCM.generate_key(bit_length=256))
        self.created.append(int(time.time()))

    def encrypt(self, plaintext: bytes) -> str:
        """Under the latest version, as Vault does when no ``key_version`` is asked for."""
        nonce = os.urandom(12)
        sealed = nonce + AESGCM(self.versions[-1]).encrypt(nonce, plaintext, None)
        return f"{_PREFIX}{self.latest}:{base64.b64encode(sealed).decode()}"

    def decrypt(self, ciphertext: str) -> bytes:
        if not ciphertext.startswith(_PREFIX):
            raise _VaultError("invalid ciphertext: no prefix")
        fields = ciphertext[len(_PREFIX):].split(":", 1)
        if len(fields) != 2:
            raise _VaultError("invalid ciphertext: wrong number of fields")
        try:
            version = max(int(fields[0]), 1)  # Vault reads v0 as v1
        except ValueError:
            raise _VaultError("invalid ciphertext: version number could not be decoded") \
                from None
        if version > self.latest:
            raise _VaultError("invalid ciphertext: version is too new")
        try:
            sealed = base64.b64decode(fields[1], validate=True)
        except binascii.Error:
            raise _VaultError("invalid ciphertext: could not decode base64") from None
        try:
            return AESGCM(self.versions[version - 1]).decrypt(sealed[:12], sealed[12:], None)
        except (InvalidTag, ValueError):
            raise _VaultError("cipher: message authentication failed") from None

    def info(self, name: str) -> dict[str, Any]:
        """The key's description, which Vault's rotation answers with."""
        return {"name": name, "type": "aes256-gcm96", "latest_version": self.latest,
                "min_decryption_version": 1, "min_encryption_version": 0,
                "keys": {str(v + 1): t for v, t in enumerate(self.created)},
                "deletion_allowed": False, "derived": False, "exportable": False,
                "allow_plaintext_backup": False, "supports_encryption": True,
                "supports_decryption": True, "supports_derivation": True,
                "supports_signing": False, "imported_key": False, "auto_rotate_period": 0}


class VaultTransitStandIn:
    """Vault's Transit engine at ``url`` (mounted at ``transit``), accepting ``token``.

    ``keys`` holds the Transit keys by name, kept across :meth:`stop` and :meth:`start`.
    """

    def __init__(self, token: str | None = None) -> None:
        self.token = token or f"hvs.{uuid.uuid4().hex}"
        self.keys: dict[str, _Key] = {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(middlewares=[self._vault_errors])
        app.router.add_post("/v1/transit/encrypt/{name}", self._encrypt)
        app.router.add_post("/v1/transit/decrypt/{name}", self._decrypt)
        app.router.add_post("/v1/transit/rewrap/{name}", self._rewrap)
        app.router.add_post("/v1/transit/keys/{name}/rotate", self._rotate)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Vault goes away: connections to its port are refused until :meth:`start`."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> VaultTransitStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- Vault's HTTP API ---------------------------------------------------------------

    @web.middleware
    async def _vault_errors(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            if request.headers.get("X-Vault-Token") != self.token:
                raise _VaultError("permission denied", status=403)
            return await handler(request)
        except _VaultError as exc:
            return _json({"errors": [exc.message]}, status=exc.status)
        except web.HTTPNotFound:
            return _json({"errors": []}, status=404)

    @staticmethod
    def _reply(data: dict[str, Any]) -> web.Response:
        return _json({
            "request_id": str(uuid.uuid4()), "lease_id": "", "renewable": False,
            "lease_duration": 0, "data": data, "wrap_info": None, "warnings": None,
            "auth": None, "mount_type": "transit"})

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json() if request.can_read_body else {}
        except ValueError:
            raise _VaultError("error parsing JSON") from None
        return body if isinstance(body, dict) else {}

    def _key(self, request: web.Request, *, missing: str) -> _Key:
        key = self.keys.get(request.match_info["name"])
        if key is None:
            raise _VaultError(missing)
        return key

    async def _encrypt(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if "plaintext" not in body or body["plaintext"] is None:
            raise _VaultError("missing plaintext to encrypt")
        try:
            plaintext = base64.b64decode(body["plaintext"], validate=True)
        except (binascii.Error, TypeError):
            raise _VaultError("failed to base64-decode plaintext") from None
        key = self.keys.setdefault(request.match_info["name"], _Key())  # Vault's upsert
        return self._reply({"ciphertext": key.encrypt(plaintext), "key_version": key.latest})

    async def _decrypt(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not body.get("ciphertext"):
            raise _VaultError("missing ciphertext to decrypt")
        key = self._key(request, missing="encryption key not found")
        plaintext = key.decrypt(body["ciphertext"])
        return self._reply({"plaintext": base64.b64encode(plaintext).decode()})

    async def _rewrap(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not body.get("ciphertext"):
            raise _VaultError("missing ciphertext to decrypt")
        key = self._key(request, missing="encryption key not found")
        return self._reply({"ciphertext": key.encrypt(key.decrypt(body["ciphertext"])),
                            "key_version": key.latest})

    async def _rotate(self, request: web.Request) -> web.Response:
        key = self._key(request, missing="key not found")
        key.rotate()
        return self._reply(key.info(request.match_info["name"]))
