"""The replication set's data key: created at start-up, served wrapped, re-wrapped.

The incidents service owns the replication set, so it owns the set's data key
(:mod:`tocsin.shared.keys`): the ``data_key`` table holds it wrapped by the
key-encryption key the set's ``SseKmsKeyId`` names (``DefaultKey`` before a set exists).
The first instance to start creates it; ``GetDataKeys`` gives the wrapped keys to the other
services (never a plaintext key: each unwraps with its own access to the KEK); a
replication set created with another ``SseKmsKeyId`` re-wraps it under that key, and
``python -m tocsin.keys rotate`` re-wraps it under a new master key. The data key itself
never changes in a re-wrap, so nothing sealed under it needs rewriting and no running
service notices.
"""

from __future__ import annotations

import asyncpg

from tocsin.shared import crypto
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.keys import DataKeys, Kek, Keks, KeyRing, WrappedKey
from tocsin.shared.logging import get_logger

__all__ = ["DataKeyStore", "ensure_data_key", "local_key_ring", "rewrap", "serve_data_keys"]

log = get_logger(__name__)


class DataKeyStore:
    """The ``data_key`` table."""

    @staticmethod
    async def all(conn: asyncpg.Connection | asyncpg.Pool, *,
                  lock: bool = False) -> list[WrappedKey]:
        rows = await conn.fetch("SELECT key_id, wrapped, current FROM data_key ORDER BY"
                                " created_at" + (" FOR UPDATE" if lock else ""))
        return [WrappedKey(key_id=r["key_id"], wrapped=r["wrapped"], current=r["current"])
                for r in rows]

    @staticmethod
    async def insert_current(conn: asyncpg.Connection, key: WrappedKey) -> bool:
        """False when another instance made the current key first."""
        return bool(await conn.fetchval(
            "INSERT INTO data_key (key_id, wrapped, current) VALUES ($1, $2, true)"
            " ON CONFLICT DO NOTHING RETURNING true", key.key_id, key.wrapped))

    @staticmethod
    async def set_wrapped(conn: asyncpg.Connection, key_id: str, wrapped: str) -> None:
        await conn.execute("UPDATE data_key SET wrapped = $2, wrapped_at = now()"
                           " WHERE key_id = $1", key_id, wrapped)


async def _kms_key_id(conn: asyncpg.Connection | asyncpg.Pool, region: str) -> str | None:
    """The ``SseKmsKeyId`` of this region in the replication set, if there is a set."""
    doc = await conn.fetchval("SELECT doc FROM replication_set")
    if not doc:
        return None
    info = (doc.get("regionMap") or {}).get(region) or {}
    return info.get("sseKmsKeyId")


async def ensure_data_key(pool: asyncpg.Pool, keks: Keks, *, region: str) -> None:
    """Create the data key if there is none yet (the first instance's start-up).

    Without any key-encryption key configured there is nothing to wrap it with: the service
    starts, says so, and whatever needs personal data sealed fails with
    ``DataEncryptionException`` until one is.
    """
    if await pool.fetchval("SELECT true FROM data_key WHERE current"):
        return
    if not keks.configured:
        log.warning("data_key.no_kek", hint="set TOCSIN_MASTER_KEY_FILE, or TOCSIN_VAULT_ADDR"
                    " and TOCSIN_VAULT_TRANSIT_KEY; personal data cannot be stored until then")
        return
    kek = keks.for_kms_key_id(await _kms_key_id(pool, region))
    key = crypto.new_data_key()
    wrapped = WrappedKey(key_id=key.id, wrapped=await kek.wrap(key), current=True)
    async with pool.acquire() as conn:
        if await DataKeyStore.insert_current(conn, wrapped):
            log.info("data_key.created", key_id=key.id, kek=kek.name)


async def rewrap(conn: asyncpg.Connection, keks: Keks, kek: Kek) -> list[str]:
    """Re-wrap every data key under ``kek`` on ``conn`` (in the caller's transaction):
    unwrapped with whichever KEK wrapped it, wrapped anew. Returns the key ids re-wrapped.

    Raises:
        DataEncryptionError: a key cannot be unwrapped, or ``kek`` cannot wrap (nothing
            changes then).
    """
    done = []
    for wrapped in await DataKeyStore.all(conn, lock=True):
        key = await keks.unwrap(wrapped)
        await DataKeyStore.set_wrapped(conn, key.id, await kek.wrap(key))
        done.append(key.id)
    return done


def local_key_ring(pool: asyncpg.Pool, keks: Keks) -> KeyRing:
    """The incidents service's own key ring: straight from its table."""

    async def load() -> list[WrappedKey]:
        return await DataKeyStore.all(pool)

    return KeyRing(keks, load)


def serve_data_keys(pool: asyncpg.Pool) -> Handler:
    """The ``GetDataKeys`` handler: the wrapped keys, for the other services to unwrap."""

    async def get_data_keys(req: RpcRequest) -> DataKeys:
        return DataKeys(keys=await DataKeyStore.all(pool))

    return get_data_keys
