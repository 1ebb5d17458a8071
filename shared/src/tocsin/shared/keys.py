"""Where the data key comes from: key-encryption keys, wrapped data keys, the key ring.

The incidents service owns the replication set and with it the set's data key, stored only
**wrapped** (``data_key`` in its schema). The replication set's ``SseKmsKeyId`` names the
key-encryption key (KEK) that wraps it:

- ``DefaultKey`` (what a set gets when none is named): the deployment's own KEK: the
  master key file (``TOCSIN_MASTER_KEY_FILE``) when one is configured, otherwise Vault's
  Transit key ``TOCSIN_VAULT_TRANSIT_KEY``;
- anything else names a Vault Transit key (on ``TOCSIN_VAULT_ADDR``, token from
  ``VAULT_TOKEN`` as Vault's own tools read it): its last ``/``-separated segment, so a
  KMS-style ARN ``.../key/<name>`` or ``alias/<name>`` works as well as a bare name.

Every other service asks the incidents service for the wrapped keys once
(``tocsin.rpc.incidents.GetDataKeys``, :func:`remote_key_ring`), unwraps them with its own
access to the KEK and keeps the data key in memory: the KEK never travels, and NATS only
ever carries the wrapped form. The other regions of the set receive each region's keys in
that form too (``DataKeyShared``, :mod:`tocsin.incidents.data_keys`), so the key ring of
every service holds every region's keys and opens what any region sealed: the regions of
a set share their KEK by configuration. A key that
cannot be unwrapped (missing or wrong master key, Vault unreachable or refusing) is a
:class:`~tocsin.shared.errors.DataEncryptionError`: the operation fails, nothing is lost,
and it works again once the KEK is back.

A master key file holds one key per line (base64 of 32 random bytes). The first line wraps;
every line unwraps, recognised by its fingerprint, so ``python -m tocsin.keys rotate``
(which puts a new key first and re-wraps every data key under it) needs no restart and
no downtime: running services keep their data key, new ones unwrap with either key until
the old line is removed.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

import msgspec

from tocsin.shared import crypto
from tocsin.shared.errors import DataEncryptionError
from tocsin.shared.logging import get_logger

__all__ = [
    "DATA_KEYS_STATUS",
    "DEFAULT_KEY",
    "GET_DATA_KEYS",
    "DataKeys",
    "Kek",
    "Keks",
    "KeyRing",
    "MasterKeyFile",
    "VaultTransit",
    "WrappedKey",
    "keks_from",
    "new_master_key_line",
    "no_keys",
    "remote_key_ring",
    "write_master_key_file",
]

log = get_logger(__name__)

DATA_KEYS_STATUS = "dataKeys"
"""The ping metadata member naming the data keys that do not unwrap in this instance."""

DEFAULT_KEY = "DefaultKey"
"""The ``SseKmsKeyId`` of a replication set that names no key: the deployment's own KEK."""

_VAULT_TIMEOUT = 5.0
"""Seconds one call to Vault may take."""

_FILE, _TRANSIT = "file", "transit"


class WrappedKey(msgspec.Struct, rename="camel", frozen=True, kw_only=True):
    """A data key as it is stored and sent: never in plaintext."""

    key_id: str
    wrapped: str
    """``file:<master key fingerprint>:<base64>`` or ``transit:<key name>:<Vault ciphertext>``."""
    current: bool = False
    """Whether new values are sealed under it."""
    region: str | None = None
    """The region of the replication set whose key it is (it reached this region wrapped,
    in that region's ``DataKeyShared`` event); None for this region's own."""


class Kek(Protocol):
    """A key-encryption key: wraps and unwraps data keys."""

    name: str

    async def wrap(self, key: crypto.DataKey) -> str: ...

    async def unwrap(self, key_id: str, wrapped: str) -> bytes: ...


def _aad(key_id: str) -> bytes:
    return b"tocsin data key " + key_id.encode()


def new_master_key_line() -> str:
    """A fresh master key as a line of a master key file."""
    return base64.b64encode(os.urandom(32)).decode()


def write_master_key_file(path: Path, lines: Iterable[str]) -> None:
    """Write a master key file readable by its owner only, atomically (mode 0600 from the
    start: the key never sits in a wider file)."""
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("# Tocsin master key (key-encryption key). The first line wraps data keys;\n"
                "# every line unwraps them. Keep it secret, keep a backup.\n")
        f.writelines(line + "\n" for line in lines)
    os.replace(tmp, path)


class MasterKeyFile:
    """The KEK of ``TOCSIN_MASTER_KEY_FILE``: AES-256-GCM key wrap with the file's keys."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            text = self.path.read_text()
        except OSError as exc:
            raise DataEncryptionError(
                f"The master key file {self.path} cannot be read: {exc.strerror}") from None
        self.keys: list[bytes] = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                key = base64.b64decode(line, validate=True)
            except ValueError:
                key = b""
            if len(key) != 32:
                raise DataEncryptionError(
                    f"The master key file {self.path} holds a line that is not a key "
                    "(base64 of 32 bytes)")
            self.keys.append(key)
        if not self.keys:
            raise DataEncryptionError(f"The master key file {self.path} holds no key")
        self.name = f"{_FILE}:{self.fingerprint(self.keys[0])}"

    @staticmethod
    def fingerprint(key: bytes) -> str:
        """What names a master key beside what it wrapped (it gives nothing of the key)."""
        return hashlib.sha256(b"tocsin master key fingerprint" + key).hexdigest()[:16]

    async def wrap(self, key: crypto.DataKey) -> str:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(12)
        sealed = nonce + AESGCM(self.keys[0]).encrypt(nonce, key.secret, _aad(key.id))
        return f"{self.name}:{base64.b64encode(sealed).decode()}"

    async def unwrap(self, key_id: str, wrapped: str) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        _, fingerprint, payload = wrapped.split(":", 2)
        key = next((k for k in self.keys if self.fingerprint(k) == fingerprint), None)
        if key is None:
            raise DataEncryptionError(
                f"Data key {key_id} is wrapped by master key {fingerprint}, which the master "
                f"key file {self.path} does not hold")
        sealed = base64.b64decode(payload)
        try:
            return AESGCM(key).decrypt(sealed[:12], sealed[12:], _aad(key_id))
        except InvalidTag:
            raise DataEncryptionError(f"Data key {key_id} does not unwrap: altered") from None


class VaultTransit:
    """A KEK held by HashiCorp Vault's Transit engine: the key never leaves Vault."""

    def __init__(self, addr: str, key_name: str, *, mount: str = "transit") -> None:
        if ":" in key_name or not key_name:
            raise DataEncryptionError(f"{key_name!r} is not a Vault Transit key name")
        self.addr, self.key_name, self.mount = addr, key_name, mount
        self.name = f"{_TRANSIT}:{key_name}"

    def _client(self) -> Any:
        import hvac  # type: ignore[import-untyped]  # imported on use: most never need it

        # The token: VAULT_TOKEN, as Vault's tools read it. A Vault that hangs fails the
        # call well within a caller's request timeout rather than after hvac's 30 s.
        return hvac.Client(url=self.addr, timeout=_VAULT_TIMEOUT)

    def _call_once(self, fn: Callable[[Any], Any]) -> Any:
        client = self._client()
        try:
            return fn(client.secrets.transit)
        finally:
            client.adapter.close()  # its connection: Vault is called seldom, keep none open

    async def _call(self, what: str, fn: Callable[[Any], Any]) -> Any:
        try:
            return await asyncio.to_thread(self._call_once, fn)
        except Exception as exc:  # hvac's errors, requests' connection errors
            # Vault's own reasons ("permission denied", "encryption key not found") say
            # what the operator must fix; a connection error's class says Vault is away.
            reasons = getattr(exc, "errors", None)
            raise DataEncryptionError(
                f"Vault Transit key {self.key_name} at {self.addr} did not {what}: "
                f"{'; '.join(reasons) if reasons else type(exc).__name__}") from None

    async def wrap(self, key: crypto.DataKey) -> str:
        plaintext = base64.b64encode(key.secret).decode()
        reply = await self._call("wrap a data key", lambda t: t.encrypt_data(
            self.key_name, plaintext=plaintext, mount_point=self.mount))
        return f"{self.name}:{reply['data']['ciphertext']}"

    async def unwrap(self, key_id: str, wrapped: str) -> bytes:
        ciphertext = wrapped.split(":", 2)[2]
        reply = await self._call(f"unwrap data key {key_id}", lambda t: t.decrypt_data(
            self.key_name, ciphertext=ciphertext, mount_point=self.mount))
        return base64.b64decode(reply["data"]["plaintext"])

    async def rotate(self) -> None:
        """Make a new version of the Vault key the one that wraps."""
        await self._call("rotate", lambda t: t.rotate_key(self.key_name,
                                                           mount_point=self.mount))

    async def rewrap(self, wrapped: str) -> str:
        """``wrapped`` re-wrapped by Vault under the key's newest version."""
        ciphertext = wrapped.split(":", 2)[2]
        reply = await self._call("re-wrap a data key", lambda t: t.rewrap_data(
            self.key_name, ciphertext=ciphertext, mount_point=self.mount))
        return f"{self.name}:{reply['data']['ciphertext']}"


class Keks:
    """The key-encryption keys this process can reach, chosen by ``SseKmsKeyId``."""

    def __init__(self, *, master_key_file: str = "", vault_addr: str = "",
                 vault_transit_key: str = "") -> None:
        self.master_key_file = master_key_file
        self.vault_addr = vault_addr
        self.vault_transit_key = vault_transit_key

    @property
    def configured(self) -> bool:
        return bool(self.master_key_file or (self.vault_addr and self.vault_transit_key))

    def master(self) -> MasterKeyFile:
        """The master key file, read afresh (so a rotated file is seen without restart)."""
        if not self.master_key_file:
            raise DataEncryptionError("No master key is configured (TOCSIN_MASTER_KEY_FILE)")
        return MasterKeyFile(self.master_key_file)

    def vault(self, key_name: str) -> VaultTransit:
        if not self.vault_addr:
            raise DataEncryptionError(
                f"Key {key_name} is a Vault Transit key, and TOCSIN_VAULT_ADDR is not set")
        return VaultTransit(self.vault_addr, key_name)

    def for_kms_key_id(self, sse_kms_key_id: str | None) -> Kek:
        """The KEK a replication set's ``SseKmsKeyId`` names."""
        if not sse_kms_key_id or sse_kms_key_id == DEFAULT_KEY:
            if self.master_key_file:
                return self.master()
            if self.vault_transit_key:
                return self.vault(self.vault_transit_key)
            raise DataEncryptionError(
                "No key-encryption key is configured: set TOCSIN_MASTER_KEY_FILE, or "
                "TOCSIN_VAULT_ADDR and TOCSIN_VAULT_TRANSIT_KEY")
        return self.vault(sse_kms_key_id.rstrip("/").rpartition("/")[2])

    def for_wrapped(self, wrapped: str) -> Kek:
        """The KEK that wrapped ``wrapped``."""
        kind, _, rest = wrapped.partition(":")
        if kind == _FILE:
            return self.master()
        if kind == _TRANSIT:
            return self.vault(rest.partition(":")[0])
        raise DataEncryptionError(f"Unknown key wrapping {kind!r}")

    async def unwrap(self, key: WrappedKey) -> crypto.DataKey:
        """Raises DataEncryptionError when ``key`` cannot be unwrapped here."""
        secret = await self.for_wrapped(key.wrapped).unwrap(key.key_id, key.wrapped)
        if len(secret) != 32:
            raise DataEncryptionError(f"Data key {key.key_id} unwrapped to something else")
        return crypto.DataKey(key.key_id, secret)


def keks_from(settings: Any) -> Keks:
    """The KEKs a service's settings (``master_key_file``, ``vault_*``) name."""
    return Keks(master_key_file=settings.master_key_file, vault_addr=settings.vault_addr,
                vault_transit_key=settings.vault_transit_key)


class KeyRing:
    """The data keys of this process, unwrapped once and kept in memory.

    ``load`` returns the wrapped keys (from the incidents service's table, or over RPC):
    this region's own and those the other regions of the set shared with it, so that a
    value sealed in any region of the set opens here (the key id is in the sealed value).
    It is called on first use, and again when a value names a key not seen yet.

    A key that does not unwrap here (another region's key wrapped by a KEK this region
    does not share) leaves the others usable: it is logged once, named in ``status`` (the
    instance's ``/healthz`` metadata), and what it sealed is a ``DataEncryptionException``
    until it does.
    """

    def __init__(self, keks: Keks, load: Callable[[], Awaitable[list[WrappedKey]]], *,
                 status: dict[str, str] | None = None) -> None:
        """``status``: the instance's ping metadata, where :data:`DATA_KEYS_STATUS` names
        the keys that do not unwrap here (``/healthz`` shows it)."""
        self._keks, self._load = keks, load
        self._keys: dict[str, crypto.DataKey] = {}
        self._current: crypto.DataKey | None = None
        self._broken: dict[str, DataEncryptionError] = {}
        self._status = status
        self._lock = asyncio.Lock()

    async def refresh(self, *, unless: Callable[[], bool] | None = None) -> None:
        """Load the wrapped keys again and unwrap those not held yet; not when ``unless``
        holds once this call's turn comes.

        Loads take turns, and a caller missing a key passes ``unless`` (the key is held
        now): a storm's first requests on a cold ring (a service just started) all miss
        the key at once, and a load for each, one after another, held each of them
        behind hundreds of round trips to the incidents service. The first load serves
        them all."""
        async with self._lock:
            if unless is not None and unless():
                return
            wrapped = await self._load()
            keys: dict[str, crypto.DataKey] = {}
            broken: dict[str, DataEncryptionError] = {}
            for w in wrapped:
                known = self._keys.get(w.key_id)
                if known is not None:
                    keys[w.key_id] = known
                    continue
                try:
                    keys[w.key_id] = await self._keks.unwrap(w)
                except DataEncryptionError as exc:
                    if w.key_id not in self._broken and not w.current:
                        # Said once per key; an error for another region's key (the regions
                        # of a set share their KEK, and this one does not). The current
                        # key's failure is raised instead.
                        (log.error if w.region else log.warning)(
                            "data_key.unusable", key_id=w.key_id,
                            region=w.region or "this region", error=exc.message)
                    broken[w.key_id] = exc
            current = next((w for w in wrapped if w.current), None)
            if current is not None and current.key_id in broken:
                raise broken[current.key_id]
            self._keys, self._broken = keys, broken
            self._report({w.key_id: w.region for w in wrapped if w.key_id in broken})
            self._current = keys[current.key_id] if current is not None else None

    def _report(self, broken: dict[str, str | None]) -> None:
        if self._status is None:
            return
        if broken:
            self._status[DATA_KEYS_STATUS] = "; ".join(
                f"data key {key_id} of {f'region {region}' if region else 'this region'}"
                " does not unwrap here" for key_id, region in sorted(broken.items()))
        else:
            self._status.pop(DATA_KEYS_STATUS, None)

    def forget(self) -> None:
        """Drop the keys: the next use loads and unwraps them again."""
        self._keys, self._current, self._broken = {}, None, {}

    async def current(self) -> crypto.DataKey:
        """The key new values are sealed under.

        Raises:
            DataEncryptionError: there is none, or it cannot be unwrapped.
            ServiceUnavailable: the incidents service did not answer.
        """
        if self._current is None:
            await self.refresh(unless=lambda: self._current is not None)
        if self._current is None:
            raise DataEncryptionError("The replication set has no data key yet")
        return self._current

    async def key(self, key_id: str) -> crypto.DataKey:
        """The data key ``key_id``; raises DataEncryptionError when there is none here or it
        does not unwrap here."""
        if key_id not in self._keys:
            await self.refresh(unless=lambda: key_id in self._keys)
        try:
            return self._keys[key_id]
        except KeyError:
            if key_id in self._broken:
                raise DataEncryptionError(
                    f"Data key {key_id} does not unwrap here: "
                    f"{self._broken[key_id].message}") from None
            raise DataEncryptionError(
                f"Data key {key_id} is unknown here (another region's key is known once its "
                "DataKeyShared event has been applied)") from None

    async def all(self) -> list[crypto.DataKey]:
        """Every data key usable here, the current one first: a blind index or an accept
        code written in any region of the set is looked up under each."""
        current = await self.current()
        return [current, *(k for k in self._keys.values() if k.id != current.id)]

    # --- shorthands -----------------------------------------------------------------------

    async def seal(self, plaintext: bytes | str, *, context: str) -> bytes:
        return (await self.current()).seal(plaintext, context=context)

    async def open(self, sealed: bytes, *, context: str) -> bytes:
        return (await self.key(crypto.key_id_of(sealed))).open(sealed, context=context)

    async def seal_text(self, plaintext: str, *, context: str) -> str:
        return (await self.current()).seal_text(plaintext, context=context)

    async def open_text(self, sealed: str, *, context: str) -> str:
        return (await self.open(crypto.sealed_bytes(sealed), context=context)).decode()

    async def index(self, value: str, *, purpose: str) -> bytes:
        return (await self.current()).index(value, purpose=purpose)

    async def indexes(self, value: str, *, purpose: str) -> list[bytes]:
        """The blind index of ``value`` under every usable key (what a lookup matches)."""
        return [k.index(value, purpose=purpose) for k in await self.all()]


def no_keys() -> KeyRing:
    """A key ring with no key at all (where a test builds a service without one): every
    use is a ``DataEncryptionException``."""

    async def load() -> list[WrappedKey]:
        return []

    return KeyRing(Keks(), load)


GET_DATA_KEYS = "GetDataKeys"
"""The incidents service's operation that returns the wrapped data keys."""


class DataKeys(msgspec.Struct, rename="camel", frozen=True, kw_only=True):
    """``GetDataKeys``'s reply."""

    keys: list[WrappedKey]


def remote_key_ring(bus: Any, keks: Keks, *, status: dict[str, str] | None = None) -> KeyRing:
    """The key ring of a service other than incidents: wrapped keys over RPC."""
    from tocsin.shared import codec
    from tocsin.shared.bus.rpc import rpc_subject

    async def load() -> list[WrappedKey]:
        reply = await bus.request(rpc_subject("incidents", GET_DATA_KEYS), {}, timeout=10)
        keys: list[WrappedKey] = codec.decode(reply, DataKeys).keys
        return keys

    return KeyRing(keks, load, status=status)

