"""The API credentials ``make run`` runs with: ``TOCSIN_ACCESS_KEYS``, else a generated pair.

A generated pair lives in ``<data dir>/credentials`` in the AWS shared-credentials format
under the profile ``tocsin``, readable by its owner only, and is reused on every later
start, so the ``aws`` CLI and boto3 keep working across restarts::

    AWS_SHARED_CREDENTIALS_FILE=.tocsin/credentials AWS_PROFILE=tocsin aws ssm-incidents ...
"""

from __future__ import annotations

import configparser
import contextlib
import os
import secrets
import stat
import string
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tocsin.shared.config import Secret

__all__ = ["FILENAME", "PROFILE", "AccessKey", "Credentials", "CredentialsError",
           "generate", "resolve"]

FILENAME = "credentials"
"""The shared-credentials file's name inside the data folder."""
PROFILE = "tocsin"
"""The profile (section) the generated key pair is written under."""

_KEY_ID_PREFIX = "TOCSIN"
_KEY_ID_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits


class CredentialsError(Exception):
    """The credentials file exists but cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class AccessKey:
    """One access key pair, as the ``aws`` CLI and boto3 sign requests with."""

    key_id: str
    secret: Secret

    @property
    def pair(self) -> str:
        """``KEYID:SECRET``, one entry of ``TOCSIN_ACCESS_KEYS``."""
        return f"{self.key_id}:{self.secret}"


@dataclass(frozen=True)
class Credentials:
    """What the services are told to accept, and where a client finds it."""

    access_keys: Secret
    """The value of ``TOCSIN_ACCESS_KEYS`` handed to the gateway."""
    path: Path | None
    """The shared-credentials file, or None when the keys came from the environment."""
    generated: bool = False
    """Whether this start wrote a new key pair (False: reused, or from the environment)."""


def generate() -> AccessKey:
    """A new random key pair: ``TOCSIN`` + 14 upper-case alphanumerics, a 40-char secret."""
    key_id = _KEY_ID_PREFIX + "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(14))
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
    return AccessKey(key_id, Secret(secret))


def resolve(data_dir: Path, environ: Mapping[str, str]) -> Credentials:
    """``TOCSIN_ACCESS_KEYS`` if set; else the key pair in ``data_dir``, made if missing.

    Raises:
        CredentialsError: the file exists but holds no usable ``[tocsin]`` key pair.
    """
    configured = environ.get("TOCSIN_ACCESS_KEYS", "").strip()
    if configured:
        return Credentials(Secret(configured), None)
    path = (data_dir / FILENAME).absolute()
    if path.exists():
        return Credentials(Secret(_read(path).pair), path)
    key = generate()
    if not _write_new(path, key):  # another start wrote it first: use that one
        key = _read(path)
        return Credentials(Secret(key.pair), path)
    return Credentials(Secret(key.pair), path, generated=True)


def _read(path: Path) -> AccessKey:
    parser = configparser.ConfigParser(interpolation=None)
    fix = "fix it, or delete it to have a new key pair generated"
    try:
        parser.read_string(path.read_text(), source=str(path))
        key_id = parser.get(PROFILE, "aws_access_key_id").strip()
        secret = parser.get(PROFILE, "aws_secret_access_key").strip()
    except (OSError, configparser.Error) as exc:
        raise CredentialsError(f"{path}: {exc}; {fix}") from None
    if not key_id or not secret or any(c in key_id + secret for c in ":, \t"):
        raise CredentialsError(f"{path}: [{PROFILE}] needs aws_access_key_id and "
                               f"aws_secret_access_key without ':' ',' or spaces; {fix}")
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        os.chmod(path, 0o600)  # a secret key is for its owner's eyes only
    return AccessKey(key_id, Secret(secret))


def _write_new(path: Path, key: AccessKey) -> bool:
    """Create ``path`` holding ``key``, mode 0600; False if it appeared meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    text = (f"# Tocsin API credentials, generated {now} by `make run`.\n"
            f"# AWS_SHARED_CREDENTIALS_FILE={path} AWS_PROFILE={PROFILE}\n"
            f"[{PROFILE}]\n"
            f"aws_access_key_id = {key.key_id}\n"
            f"aws_secret_access_key = {key.secret}\n")
    # mkstemp creates the file 0600; linking it into place never replaces a file that
    # a concurrent start wrote, and nobody ever sees it half written.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{FILENAME}.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
