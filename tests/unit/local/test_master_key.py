"""``make run``'s master key: generated once beside the credentials, mode 0600, reused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tocsin.local import master_key
from tocsin.shared.keys import MasterKeyFile


def test_generated_once_owner_only_and_reused(tmp_path: Path) -> None:
    path, generated = master_key.resolve(tmp_path, {})
    assert generated and path == tmp_path / "master.key"
    assert path.stat().st_mode & 0o777 == 0o600
    first = MasterKeyFile(path).name
    again, generated = master_key.resolve(tmp_path, {})
    assert (again, generated) == (path, False)
    assert MasterKeyFile(path).name == first


def test_a_configured_key_is_used_as_it_is(tmp_path: Path) -> None:
    assert master_key.resolve(tmp_path, {"TOCSIN_MASTER_KEY_FILE": "/k"}) == (None, False)
    assert master_key.resolve(tmp_path, {"TOCSIN_VAULT_ADDR": "http://v"}) == (None, False)
    assert not (tmp_path / "master.key").exists()


def test_a_key_others_can_read_is_refused(tmp_path: Path) -> None:
    path, _ = master_key.resolve(tmp_path, {})
    assert path is not None
    os.chmod(path, 0o644)
    with pytest.raises(master_key.MasterKeyError, match="chmod 600"):
        master_key.resolve(tmp_path, {})
    os.chmod(path, 0o600)
    path.write_text("not a key\n")
    with pytest.raises(master_key.MasterKeyError, match="not a key"):
        master_key.resolve(tmp_path, {})
