"""The key-encryption key ``make run`` protects personal data with: ``TOCSIN_MASTER_KEY_FILE``
when set (or Vault Transit, ``TOCSIN_VAULT_ADDR``), else ``<data dir>/master.key``, generated
once (mode 0600, beside the credentials) and reused on every later start: losing it makes
the stored channel addresses unreadable, so it belongs in the same backups as the database.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from pathlib import Path

from tocsin.shared.keys import MasterKeyFile, new_master_key_line, write_master_key_file

__all__ = ["FILENAME", "MasterKeyError", "resolve"]

FILENAME = "master.key"


class MasterKeyError(Exception):
    """The master key file exists but cannot be used; the message says how to fix it."""


def resolve(data_dir: Path, environ: Mapping[str, str]) -> tuple[Path | None, bool]:
    """The master key file the services get, and whether it was generated now; no file
    when the environment names a key already (a file of its own, or Vault).

    Raises:
        MasterKeyError: ``<data dir>/master.key`` is readable by others, or not a key file.
    """
    if environ.get("TOCSIN_MASTER_KEY_FILE") or environ.get("TOCSIN_VAULT_ADDR"):
        return None, False
    path = data_dir / FILENAME
    if not path.exists():
        write_master_key_file(path, [new_master_key_line()])
        return path, True
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise MasterKeyError(f"{path} is readable by other users; `chmod 600 {path}` and "
                             "start again (and consider the key exposed: rotate it)")
    try:
        MasterKeyFile(path)
    except Exception as exc:
        raise MasterKeyError(str(exc)) from None
    return path, False
