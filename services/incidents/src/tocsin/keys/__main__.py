"""``python -m tocsin.keys rotate``: re-wrap the replication set's data keys under a new
key-encryption key, without downtime.

With a master key file (``TOCSIN_MASTER_KEY_FILE``), ``rotate`` writes a fresh key as the
file's first line, keeps the old lines, and re-wraps every data key under the new one in
one transaction. Running services keep the data key they unwrapped and notice nothing;
services started afterwards unwrap with the new line. Once you have checked
``python -m tocsin.keys status``, ``retire`` drops the old lines (it refuses while any data
key is still wrapped by one of them). With Vault Transit (``SseKmsKeyId`` naming a Vault
key, or ``TOCSIN_VAULT_TRANSIT_KEY``), ``rotate`` asks Vault for a new version of the key
and has Vault re-wrap every data key under it.

The data key itself does not change, so nothing it sealed is rewritten and every blind
index stays valid. Reads the incidents service's settings (``TOCSIN_DATABASE_URL``,
``TOCSIN_SCHEMA_PREFIX``, the key variables) from the environment.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import asyncpg

from tocsin.incidents.data_keys import DataKeyStore, rewrap, share_keys
from tocsin.incidents.settings import Settings
from tocsin.shared.config import load
from tocsin.shared.db import create_pool
from tocsin.shared.errors import DataEncryptionError
from tocsin.shared.keys import (
    Keks,
    MasterKeyFile,
    VaultTransit,
    keks_from,
    new_master_key_line,
    write_master_key_file,
)

__all__ = ["main", "retire", "rotate", "status"]


async def status(pool: asyncpg.Pool, keks: Keks) -> list[str]:
    """A line per data key: its id, what wraps it, and whether it unwraps here."""
    lines = []
    for key in await DataKeyStore.all(pool):
        kek = key.wrapped.rsplit(":", 1)[0]
        try:
            await keks.unwrap(key)
            ok = "unwraps"
        except DataEncryptionError as exc:
            ok = f"DOES NOT UNWRAP: {exc.message}"
        whose = f"region {key.region}'s" if key.region else \
            ("current" if key.current else "old")
        lines.append(f"{key.key_id} {whose} wrapped by {kek}: {ok}")
    return lines


async def rotate(pool: asyncpg.Pool, keks: Keks, *, region: str) -> str:
    """Re-wrap every data key under a new KEK; what was done, in a sentence. This region's
    keys, re-wrapped, are published to the other regions of the set (``DataKeyShared``,
    through the outbox the running incidents service relays)."""
    wrapped = await DataKeyStore.all(pool)
    if not wrapped:
        return "There is no data key yet: nothing to rotate."
    kek = keks.for_wrapped(next(w.wrapped for w in wrapped if w.current))
    if isinstance(kek, VaultTransit):
        await kek.rotate()
        async with pool.acquire() as conn, conn.transaction():
            done = 0
            for key in await DataKeyStore.all(conn, lock=True):
                if key.wrapped.startswith(kek.name + ":"):
                    await DataKeyStore.set_wrapped(conn, key.key_id,
                                                   await kek.rewrap(key.wrapped))
                    done += 1
            await share_keys(conn, region=region)
        return (f"Vault key {kek.key_name} has a new version; {done} data key(s) "
                "re-wrapped under it.")
    assert isinstance(kek, MasterKeyFile)
    old = [line for line in kek.path.read_text().splitlines()
           if line.strip() and not line.startswith("#")]
    write_master_key_file(kek.path, [new_master_key_line(), *old])
    new = keks.master()
    async with pool.acquire() as conn, conn.transaction():
        done_ids = await rewrap(conn, keks, new, region=region)
    return (f"{kek.path} has a new first key ({new.name}); {len(done_ids)} data key(s) "
            "re-wrapped under it. Running services are unaffected. The old key lines still "
            "unwrap until `python -m tocsin.keys retire` removes them. The other regions of "
            "the replication set need the new key line too (they share this master key "
            "file).")


async def retire(pool: asyncpg.Pool, keks: Keks) -> str:
    """Drop the master key file's old lines once no data key needs them."""
    current = keks.master()
    retired = tuple(f"file:{current.fingerprint(k)}:" for k in current.keys[1:])
    # This region's keys must all be wrapped by the first line; another region's key only
    # matters here when a line about to go is what unwraps it.
    stale = [k.key_id for k in await DataKeyStore.all(pool)
             if (k.region is None and not k.wrapped.startswith(current.name + ":"))
             or k.wrapped.startswith(retired)]
    if stale:
        raise DataEncryptionError(f"Data key(s) {', '.join(stale)} are not wrapped by "
                                  f"{current.name} yet: run `rotate` first")
    lines = [line for line in current.path.read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    write_master_key_file(current.path, lines[:1])
    return f"{current.path} holds only {current.name} now."


async def _run(command: str) -> int:
    settings = load(Settings)
    keks = keks_from(settings)
    async with create_pool(settings.database_url, schema=settings.schema, min_size=1,
                           max_size=2) as pool:
        try:
            if command == "status":
                print("\n".join(await status(pool, keks)) or "There is no data key yet.")
            elif command == "rotate":
                print(await rotate(pool, keks, region=settings.region))
            else:
                print(await retire(pool, keks))
        except DataEncryptionError as exc:
            print(f"DataEncryptionException: {exc.message}", file=sys.stderr)
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tocsin.keys", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["status", "rotate", "retire"])
    args = parser.parse_args(argv)
    return asyncio.run(_run(args.command))


if __name__ == "__main__":
    sys.exit(main())
