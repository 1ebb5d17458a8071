"""Signed principals: a service trusts ``Tocsin-Principal`` only from an identity allowed to
act for callers.

A NATS message's headers prove nothing about its sender: any identity allowed to request
``tocsin.rpc.contacts.AcceptPage`` could set ``Tocsin-Principal`` to anyone. NATS
permissions cannot help either, as they judge subjects, not headers, and several services
must call the same operations without a principal. So the identities that act for callers
(the gateway, and the services that carry a caller's principal on: runbooks'
``aws:executeAwsApi``, incidents' ingestion and runbook starts, notifications' Slack
commands: ``asserts_principals`` in :mod:`.identities`) sign the header with an Ed25519
key of their own, over the request's subject, the principal and the time::

    Tocsin-Principal-Signature: <signer>;<unix seconds>;<base64 signature>

Services hold only the signers' *public* keys (``TOCSIN_PRINCIPAL_SIGNERS``), so a service
that merely verifies cannot forge a principal — which a shared HMAC key would allow. The
subject in the signature keeps it from being replayed to another operation, the time to
:data:`MAX_AGE` seconds. A request whose principal is not signed by a known signer is
refused with ``AccessDeniedException``. With no signers configured (an open bus: tests,
small set-ups) the header is trusted as before, and the service says so at start-up.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

__all__ = ["MAX_AGE", "SIGNATURE_HEADER", "KeyPair", "Signer", "Verifier", "generate",
           "parse_signers", "public_key"]

SIGNATURE_HEADER = "Tocsin-Principal-Signature"
MAX_AGE = 300.0
"""Seconds a signature stays good (and how far ahead a signer's clock may run)."""


@dataclass(frozen=True)
class KeyPair:
    """A signer's keys, base64: the private one for it, the public one for everyone."""

    private: str
    public: str


def generate() -> KeyPair:
    """A new Ed25519 signing key."""
    key = Ed25519PrivateKey.generate()
    raw_public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    raw_private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return KeyPair(base64.b64encode(raw_private).decode(), base64.b64encode(raw_public).decode())


def _message(subject: str, principal: str, at: int) -> bytes:
    return f"{subject}\n{principal}\n{at}".encode()


def _key_text(value: str) -> str:
    """A key given inline, or the path of a file holding it."""
    value = value.strip()
    try:
        return Path(value).read_text().strip() if value and Path(value).is_file() else value
    except OSError:  # a key itself, too long or odd for a file name
        return value


class Signer:
    """Signs the principals one identity sends."""

    def __init__(self, name: str, private_key: str) -> None:
        try:
            raw = base64.b64decode(_key_text(private_key), validate=True)
            self._key = Ed25519PrivateKey.from_private_bytes(raw)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"TOCSIN_PRINCIPAL_SIGNING_KEY is no Ed25519 key: {exc}") from None
        self.name = name

    def sign(self, subject: str, principal: str, *, now: float | None = None) -> str:
        """The signature header's value for ``principal`` requesting ``subject``."""
        at = int(time.time() if now is None else now)
        signature = self._key.sign(_message(subject, principal, at))
        return f"{self.name};{at};{base64.b64encode(signature).decode()}"


class Verifier:
    """Checks signed principals against the signers' public keys."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey]) -> None:
        self._keys = dict(keys)

    def check(self, subject: str, principal: str, header: str | None, *,
              now: float | None = None) -> str | None:
        """None if ``header`` signs ``principal`` for ``subject`` by a known signer, in
        time; else why not (for the log: the caller only learns it was refused)."""
        if not header:
            return "the principal is not signed"
        signer, _, rest = header.partition(";")
        at_text, _, signature = rest.partition(";")
        key = self._keys.get(signer)
        if key is None:
            return f"{signer!r} may not act for callers"
        try:
            at = int(at_text)
            key.verify(base64.b64decode(signature, validate=True),
                       _message(subject, principal, at))
        except (ValueError, binascii.Error, InvalidSignature):
            return f"the signature of {signer!r} does not match"
        clock = time.time() if now is None else now
        if abs(clock - at) > MAX_AGE:
            return f"the signature of {signer!r} is {clock - at:.0f}s old"
        return None


def parse_signers(value: str) -> Verifier | None:
    """``gateway=<base64 public key>,runbooks=...`` (``TOCSIN_PRINCIPAL_SIGNERS``); None when
    empty (an open bus: principals are trusted unsigned).

    Raises:
        ValueError: an entry that is not ``name=key`` with a 32-byte Ed25519 public key.
    """
    keys: dict[str, Ed25519PublicKey] = {}
    for entry in _key_text(value).split(","):
        entry = entry.strip()
        if not entry:
            continue
        name, sep, text = entry.partition("=")
        try:
            if not sep:
                raise ValueError("not name=key")
            raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
            keys[name.strip()] = Ed25519PublicKey.from_public_bytes(raw)
        except (ValueError, binascii.Error) as exc:
            raise ValueError(f"TOCSIN_PRINCIPAL_SIGNERS: {entry[:40]!r}: {exc}") from None
    return Verifier(keys) if keys else None


def public_key(private_key: str) -> str:
    """The base64 public key of a base64 private one (what ``TOCSIN_PRINCIPAL_SIGNERS``
    lists)."""
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(_key_text(private_key)))
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
