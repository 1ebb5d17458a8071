"""Sealing and blind indexes under a data key, and data keys wrapped by a master key file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tocsin.shared import crypto
from tocsin.shared.errors import DataEncryptionError
from tocsin.shared.keys import (
    Keks,
    KeyRing,
    MasterKeyFile,
    WrappedKey,
    new_master_key_line,
    write_master_key_file,
)


def test_a_seal_opens_only_under_its_key_and_context() -> None:
    key = crypto.new_data_key()
    sealed = key.seal("+442071234567", context="contact_channel.address|arn:a")
    assert b"442071234567" not in sealed
    assert key.open(sealed, context="contact_channel.address|arn:a") == b"+442071234567"
    with pytest.raises(DataEncryptionError):
        key.open(sealed, context="contact_channel.address|arn:b")  # moved to another row
    with pytest.raises(DataEncryptionError):
        crypto.new_data_key().open(sealed, context="contact_channel.address|arn:a")
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(DataEncryptionError):
        key.open(tampered, context="contact_channel.address|arn:a")
    text = key.seal_text("alice@example.com", context="x")
    assert crypto.is_sealed_text(text) and "alice" not in text
    assert key.open_text(text, context="x") == "alice@example.com"
    assert key.seal("same", context="x") != key.seal("same", context="x")  # fresh nonces


def test_the_blind_index_is_keyed_and_separates_purposes() -> None:
    key = crypto.new_data_key()
    assert key.index("+15550001111", purpose="phone") == key.index("+15550001111",
                                                                   purpose="phone")
    assert key.index("+15550001111", purpose="phone") != key.index("+15550001111",
                                                                   purpose="code")
    assert key.index("+15550001111", purpose="phone") != crypto.new_data_key().index(
        "+15550001111", purpose="phone")


def _key_file(path: Path, *lines: str) -> str:
    write_master_key_file(path, lines)
    assert path.stat().st_mode & 0o777 == 0o600
    return str(path)


async def test_a_wrong_master_key_gives_data_encryption_exception(tmp_path: Path) -> None:
    right = _key_file(tmp_path / "right.key", new_master_key_line())
    wrong = _key_file(tmp_path / "wrong.key", new_master_key_line())
    key = crypto.new_data_key()
    wrapped = [WrappedKey(key_id=key.id, wrapped=await MasterKeyFile(right).wrap(key),
                          current=True)]

    async def load() -> list[WrappedKey]:
        return wrapped

    sealed = key.seal("alice@example.com", context="c")
    ring = KeyRing(Keks(master_key_file=right), load)
    assert await ring.open(sealed, context="c") == b"alice@example.com"
    with pytest.raises(DataEncryptionError, match="does not hold"):
        await KeyRing(Keks(master_key_file=wrong), load).open(sealed, context="c")
    with pytest.raises(DataEncryptionError, match="No master key"):
        await KeyRing(Keks(), load).current()
    with pytest.raises(DataEncryptionError, match="cannot be read"):
        await KeyRing(Keks(master_key_file=str(tmp_path / "missing.key")), load).current()


async def test_a_master_key_file_with_an_old_line_still_unwraps(tmp_path: Path) -> None:
    old_line, new_line = new_master_key_line(), new_master_key_line()
    path = tmp_path / "master.key"
    key = crypto.new_data_key()
    wrapped = await MasterKeyFile(_key_file(path, old_line)).wrap(key)
    _key_file(path, new_line, old_line)
    keks = Keks(master_key_file=str(path))
    assert keks.master().name != wrapped.rsplit(":", 1)[0]  # the new line wraps now
    unwrapped = await keks.unwrap(WrappedKey(key_id=key.id, wrapped=wrapped))
    assert unwrapped.secret == key.secret


async def test_requests_arriving_together_on_a_cold_ring_load_the_keys_once(
        tmp_path: Path) -> None:
    """A storm's first requests, just after a start, all miss the key at once: one load
    serves them all, and a key made after that load is still loaded when asked for."""
    path = _key_file(tmp_path / "master.key", new_master_key_line())
    first, second = crypto.new_data_key(), crypto.new_data_key()
    wrapped = [WrappedKey(key_id=first.id, wrapped=await MasterKeyFile(path).wrap(first),
                          current=True)]
    loads = 0

    async def load() -> list[WrappedKey]:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.01)  # a round trip to the incidents service
        return list(wrapped)

    ring = KeyRing(Keks(master_key_file=path), load)
    sealed = first.seal("alice@example.com", context="c")
    opened = await asyncio.gather(*(ring.open(sealed, context="c") for _ in range(200)))
    assert opened == [b"alice@example.com"] * 200
    assert loads == 1
    # A key rotated in later: the next value sealed under it loads again, once.
    wrapped.append(WrappedKey(key_id=second.id, wrapped=await MasterKeyFile(path).wrap(second)))
    later = second.seal("bob@example.com", context="c")
    assert await asyncio.gather(*(ring.open(later, context="c") for _ in range(50))) == [
        b"bob@example.com"] * 50
    assert loads == 2
