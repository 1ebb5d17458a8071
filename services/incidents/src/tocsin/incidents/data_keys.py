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

The keys travel to the other regions of the set, wrapped: each of this region's keys is
published as ``DataKeyShared`` when it is made or re-wrapped and when another region
joins the set (:func:`share_keys`); the inbox stores the other regions' keys beside this
region's own (:func:`store_shared`, ``region`` naming whose), and ``GetDataKeys`` serves
them all, so every service here opens what any region of the set sealed. The regions of a
set share their KEK by configuration; one that cannot unwrap another's key keeps it
(nothing is lost), says so, and answers ``DataEncryptionException`` for what it sealed.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg

from tocsin.shared import crypto
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.contracts import incidents as c
from tocsin.shared.errors import DataEncryptionError
from tocsin.shared.events import emit
from tocsin.shared.keys import DataKeys, Kek, Keks, KeyRing, WrappedKey
from tocsin.shared.logging import get_logger
from tocsin.shared.runner import pause

__all__ = ["DataKeyStore", "ensure_data_key", "local_key_ring", "make_data_key_later", "rewrap",
           "serve_data_keys", "share_keys", "store_shared"]

log = get_logger(__name__)


class DataKeyStore:
    """The ``data_key`` table."""

    @staticmethod
    async def all(conn: asyncpg.Connection | asyncpg.Pool, *, lock: bool = False,
                  own: bool = False) -> list[WrappedKey]:
        """Every key (``own``: this region's only), the oldest first."""
        rows = await conn.fetch(
            "SELECT key_id, wrapped, current, region FROM data_key"
            + (" WHERE region IS NULL" if own else "") + " ORDER BY created_at"
            + (" FOR UPDATE" if lock else ""))
        return [WrappedKey(key_id=r["key_id"], wrapped=r["wrapped"], current=r["current"],
                           region=r["region"]) for r in rows]

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


async def ensure_data_key(pool: asyncpg.Pool, keks: Keks, *, region: str) -> bool:
    """Create the data key if there is none yet (the first instance's start-up); False when
    the key-encryption key could not wrap it (Vault down or refusing the token): then
    :func:`make_data_key_later` tries again.

    Without any key-encryption key configured there is nothing to wrap it with: the service
    starts, says so, and whatever needs personal data sealed fails with
    ``DataEncryptionException`` until one is.
    """
    if await pool.fetchval("SELECT true FROM data_key WHERE current"):
        return True
    if not keks.configured:
        log.warning("data_key.no_kek", hint="set TOCSIN_MASTER_KEY_FILE, or TOCSIN_VAULT_ADDR"
                    " and TOCSIN_VAULT_TRANSIT_KEY; personal data cannot be stored until then")
        return True
    key = crypto.new_data_key()
    try:
        kek = keks.for_kms_key_id(await _kms_key_id(pool, region))
        wrapped = WrappedKey(key_id=key.id, wrapped=await kek.wrap(key), current=True)
    except DataEncryptionError as exc:
        log.warning("data_key.not_created_yet", error=exc.message,
                    hint="personal data cannot be stored until the key-encryption key "
                    "answers; trying again")
        return False
    async with pool.acquire() as conn, conn.transaction():
        if await DataKeyStore.insert_current(conn, wrapped):
            await share_keys(conn, region=region)
            log.info("data_key.created", key_id=key.id, kek=kek.name)
    return True


async def make_data_key_later(pool: asyncpg.Pool, keks: Keks, stop: asyncio.Event, *,
                              region: str) -> None:
    """A worker, when start-up could not make the data key: the service serves meanwhile
    (what needs no personal data works), and the key is made once the KEK answers. Ends
    at ``stop``, as every worker does (one returning sooner would stop the service)."""
    attempt = 0
    while not await ensure_data_key(pool, keks, region=region):
        attempt += 1
        if await pause(stop, min(30.0, 0.5 * 2 ** min(attempt, 6))):
            return
    await stop.wait()


async def share_keys(conn: asyncpg.Connection, *, region: str) -> None:
    """Publish this region's data keys, as they are wrapped now, to the other regions of
    the set (``DataKeyShared``, in the caller's transaction); nothing while this region is
    in no set with another region (the keeper shares them when one joins)."""
    doc = await conn.fetchval("SELECT doc FROM replication_set")
    members = set((doc or {}).get("regionMap") or {})
    if region not in members or not members - {region}:
        return
    own = await DataKeyStore.all(conn, own=True)
    await emit(conn, [c.DataKeyShared(key_id=k.key_id, wrapped=k.wrapped) for k in own],
               region=region, now=datetime.now(UTC))


async def rewrap(conn: asyncpg.Connection, keks: Keks, kek: Kek, *,
                 region: str) -> list[str]:
    """Re-wrap every data key under ``kek`` on ``conn`` (in the caller's transaction):
    unwrapped with whichever KEK wrapped it, wrapped anew; this region's keys are shared
    again as they are now wrapped. Returns the key ids re-wrapped. Another region's key
    that does not unwrap here is left as it is (it is that region's to re-wrap).

    Raises:
        DataEncryptionError: one of this region's keys cannot be unwrapped, or ``kek``
            cannot wrap (nothing changes then).
    """
    done = []
    for wrapped in await DataKeyStore.all(conn, lock=True):
        try:
            key = await keks.unwrap(wrapped)
        except DataEncryptionError as exc:
            if wrapped.region is None:
                raise
            log.warning("data_key.not_rewrapped", key_id=wrapped.key_id,
                        region=wrapped.region, error=exc.message)
            continue
        await DataKeyStore.set_wrapped(conn, key.id, await kek.wrap(key))
        done.append(key.id)
    await share_keys(conn, region=region)
    return done


async def store_shared(conn: asyncpg.Connection, keks: Keks, key: WrappedKey, *,
                       hlc: int) -> None:
    """Keep another region's data key (``key.region``), as its ``DataKeyShared`` of stamp
    ``hlc`` has it wrapped: a later wrapping replaces an earlier one, unless the earlier
    one unwraps here and the later does not (a KEK rotated there but not yet here), so
    that a region never loses the use of a key it had."""
    row = await conn.fetchrow(
        "SELECT wrapped, hlc, region FROM data_key WHERE key_id = $1 FOR UPDATE", key.key_id)
    if row is None:
        await conn.execute(
            "INSERT INTO data_key (key_id, wrapped, current, region, hlc)"
            " VALUES ($1, $2, false, $3, $4) ON CONFLICT (key_id) DO NOTHING",
            key.key_id, key.wrapped, key.region, hlc)
        log.info("data_key.received", key_id=key.key_id, region=key.region)
        return
    if row["region"] is None or (row["hlc"] or 0) >= hlc or row["wrapped"] == key.wrapped:
        return  # this region's own key, or a wrapping no later than the one held
    if not await _unwraps(keks, key) and await _unwraps(
            keks, WrappedKey(key_id=key.key_id, wrapped=row["wrapped"])):
        log.warning("data_key.rewrap_not_usable_here", key_id=key.key_id, region=key.region,
                    hint="the regions of a replication set share their key-encryption key:"
                    " give this region the master key file (or Vault key) region "
                    f"{key.region} wraps with now")
        return
    await conn.execute("UPDATE data_key SET wrapped = $2, hlc = $3, wrapped_at = now()"
                       " WHERE key_id = $1", key.key_id, key.wrapped, hlc)


async def _unwraps(keks: Keks, key: WrappedKey) -> bool:
    try:
        await keks.unwrap(key)
    except DataEncryptionError:
        return False
    return True


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
