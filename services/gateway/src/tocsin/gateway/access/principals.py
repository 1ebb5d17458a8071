"""Who may call: access keys and their principals.

Two sources, merged into one :class:`Directory`:

- ``TOCSIN_ACCESS_KEYS`` (and the key ``make run`` generates): each key is an administrator
  of the deployment's account (:data:`~.policy.ADMINISTRATOR`), acting as
  ``arn:<partition>:iam::<account>:user/<KEYID>`` as before.
- ``TOCSIN_POLICY_FILE``: principals with their own ARN (of any account), access keys and
  identity policies::

      {"principals": [
        {"arn": "arn:tocsin:iam::000000000000:user/responder",
         "accessKeys": [{"id": "AKIDRESPONDER0001", "secret": "..."},
                        {"id": "AKIDRESPONDER0002", "secretEnv": "RESPONDER_SECRET"}],
         "policies": [{"Version": "2012-10-17", "Statement": [...]}]}]}

  The file is read again when it changes (its modification time or size, looked at no more
  than once a second); a file that cannot be read or parsed leaves the last good one in
  force and is logged, so a typo never locks everyone out.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from tocsin.gateway import sigv4
from tocsin.gateway.access import policy
from tocsin.gateway.access.call import Principal
from tocsin.shared import arns
from tocsin.shared.logging import get_logger

__all__ = ["Directory", "PolicyFileError", "load_policy_file"]

log = get_logger(__name__)

RELOAD_INTERVAL = 1.0
"""Seconds between looks at the policy file's modification time."""


class PolicyFileError(ValueError):
    """``TOCSIN_POLICY_FILE`` is not a valid policy file; the message says where."""


@dataclass(frozen=True, slots=True)
class _Key:
    secret: str
    principal: Principal


def load_policy_file(text: bytes, environ: Mapping[str, str]) -> dict[str, _Key]:
    """Access key id → its secret and principal, from a policy file's content.

    Raises:
        PolicyFileError: not JSON, not of the documented shape, a malformed policy, a
            ``secretEnv`` variable that is not set, or one key id given twice.
    """
    try:
        document = msgspec.json.decode(text)
    except msgspec.DecodeError as exc:
        raise PolicyFileError(f"not JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("principals"), list):
        raise PolicyFileError('must be an object with a list "principals"')
    keys: dict[str, _Key] = {}
    for index, entry in enumerate(document["principals"]):
        where = f"principals[{index}]"
        if not isinstance(entry, dict):
            raise PolicyFileError(f"{where} must be an object")
        arn = entry.get("arn")
        parsed = arns.parse(arn) if isinstance(arn, str) else None
        assert parsed is None or isinstance(arn, str)
        if parsed is None or parsed.service != "iam" or not parsed.account:
            raise PolicyFileError(f"{where}.arn must be an IAM ARN "
                                  f"(arn:<partition>:iam::<account>:user/<name>), got {arn!r}")
        try:
            policies = tuple(policy.parse(p) for p in _list(entry, "policies", where))
        except policy.MalformedPolicy as exc:
            raise PolicyFileError(f"{where}.policies: {exc}") from None
        for k, key in enumerate(_list(entry, "accessKeys", where)):
            at = f"{where}.accessKeys[{k}]"
            key_id, secret = _key(key, at, environ)
            if key_id in keys:
                raise PolicyFileError(f"{at}: access key {key_id} is given twice")
            keys[key_id] = _Key(secret, Principal(arn=str(arn), account=parsed.account,
                                                  access_key_id=key_id, policies=policies))
    return keys


def _list(entry: Mapping[str, Any], name: str, where: str) -> list[Any]:
    value = entry.get(name, [])
    if not isinstance(value, list):
        raise PolicyFileError(f"{where}.{name} must be a list")
    return value


def _key(key: Any, at: str, environ: Mapping[str, str]) -> tuple[str, str]:
    if not isinstance(key, dict) or not isinstance(key.get("id"), str) or not key["id"]:
        raise PolicyFileError(f'{at} must be {{"id": ..., "secret" or "secretEnv": ...}}')
    if isinstance(key.get("secret"), str) and key["secret"]:
        return key["id"], key["secret"]
    variable = key.get("secretEnv")
    if isinstance(variable, str) and variable:
        secret = environ.get(variable, "")
        if not secret:
            raise PolicyFileError(f"{at}: the variable {variable} (secretEnv) is not set")
        return key["id"], secret
    raise PolicyFileError(f'{at} needs "secret" or "secretEnv"')


class Directory:
    """Access key id → secret and principal; what authentication looks keys up in."""

    def __init__(self, admin_keys: Mapping[str, str], *, account: str, partition: str,
                 policy_file: str = "", environ: Mapping[str, str] | None = None) -> None:
        self._admins = {
            key_id: _Key(secret, Principal(
                arn=sigv4.principal_arn(account, key_id, partition=partition),
                account=account, access_key_id=key_id, policies=(policy.ADMINISTRATOR,)))
            for key_id, secret in admin_keys.items()}
        self._path = Path(policy_file) if policy_file else None
        self._environ = environ if environ is not None else os.environ
        self._file_keys: dict[str, _Key] = {}
        self._stamp: tuple[int, int] | None = None
        self._checked = 0.0
        if self._path is not None:
            self._file_keys = load_policy_file(self._path.read_bytes(), self._environ)
            self._stamp = self._file_stamp()

    def secrets(self) -> Mapping[str, str]:
        """Access key id → secret, for :func:`~tocsin.gateway.sigv4.verify`."""
        self._maybe_reload()
        return _Secrets(self)

    def lookup(self, key_id: str) -> _Key | None:
        # TOCSIN_ACCESS_KEYS win: their holders stay administrators whatever the file says.
        return self._admins.get(key_id) or self._file_keys.get(key_id)

    def principal(self, key_id: str) -> Principal:
        """The principal of a key :func:`sigv4.verify` accepted."""
        found = self.lookup(key_id)
        assert found is not None, "verified keys are known"
        return found.principal

    def _file_stamp(self) -> tuple[int, int] | None:
        assert self._path is not None
        try:
            stat = self._path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _maybe_reload(self) -> None:
        if self._path is None:
            return
        now = time.monotonic()
        if now - self._checked < RELOAD_INTERVAL:
            return
        self._checked = now
        stamp = self._file_stamp()
        if stamp == self._stamp or stamp is None:
            return
        self._stamp = stamp
        try:
            self._file_keys = load_policy_file(self._path.read_bytes(), self._environ)
        except (OSError, PolicyFileError) as exc:
            log.error("access.policy_file_rejected", path=str(self._path), error=str(exc))
            return
        log.info("access.policy_file_loaded", path=str(self._path),
                 keys=len(self._file_keys))


class _Secrets(Mapping[str, str]):
    """The directory's keys as the mapping SigV4 verification reads."""

    def __init__(self, directory: Directory) -> None:
        self._directory = directory

    def __getitem__(self, key_id: str) -> str:
        found = self._directory.lookup(key_id)
        if found is None:
            raise KeyError(key_id)
        return found.secret

    def __iter__(self) -> Any:
        return iter({**self._directory._file_keys, **self._directory._admins})

    def __len__(self) -> int:
        return len({**self._directory._file_keys, **self._directory._admins})
