"""Tests for tocsin.local.credentials: the key pair ``make run`` generates, keeps and shows."""

from __future__ import annotations

import configparser
import re
import stat
from pathlib import Path

import pytest

from tocsin.local import credentials
from tocsin.local.credentials import PROFILE, Credentials, CredentialsError, resolve


def read_profile(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    assert parser.read(path) == [str(path)]
    return parser[PROFILE]


class TestGenerate:
    def test_key_id_and_secret_shape(self) -> None:
        """A key id is TOCSIN and 14 upper-case alphanumerics; a secret is 40 alphanumerics."""
        key = credentials.generate()
        assert re.fullmatch(r"TOCSIN[A-Z0-9]{14}", key.key_id)
        assert re.fullmatch(r"[A-Za-z0-9]{40}", key.secret)
        assert key.pair == f"{key.key_id}:{key.secret}"

    def test_each_key_is_new(self) -> None:
        """Two generated key pairs share neither id nor secret."""
        a, b = credentials.generate(), credentials.generate()
        assert a.key_id != b.key_id and a.secret != b.secret

    def test_secret_is_hidden_from_repr(self) -> None:
        """The secret never shows in a repr, so it cannot leak into a log line."""
        key = credentials.generate()
        assert key.secret not in repr(key)


class TestResolve:
    def test_generates_a_shared_credentials_file(self, tmp_path: Path) -> None:
        """Without TOCSIN_ACCESS_KEYS a pair is written under [tocsin] and handed to services."""
        creds = resolve(tmp_path / "data", {})
        assert creds.generated and creds.path == (tmp_path / "data" / "credentials")
        profile = read_profile(creds.path)
        assert creds.access_keys == (f"{profile['aws_access_key_id']}:"
                                     f"{profile['aws_secret_access_key']}")
        assert set(profile) == {"aws_access_key_id", "aws_secret_access_key"}

    def test_file_is_private(self, tmp_path: Path) -> None:
        """The generated file is readable and writable by its owner only (0600)."""
        creds = resolve(tmp_path, {})
        assert creds.path is not None
        assert stat.S_IMODE(creds.path.stat().st_mode) == 0o600
        assert [p.name for p in tmp_path.iterdir()] == ["credentials"]

    def test_reuses_the_file_on_the_next_start(self, tmp_path: Path) -> None:
        """A second start reads the existing file instead of generating new keys."""
        first = resolve(tmp_path, {})
        second = resolve(tmp_path, {})
        assert second.access_keys == first.access_keys
        assert not second.generated and second.path == first.path

    def test_environment_keys_win_and_write_nothing(self, tmp_path: Path) -> None:
        """With TOCSIN_ACCESS_KEYS set, those keys are used and no file is written."""
        creds = resolve(tmp_path, {"TOCSIN_ACCESS_KEYS": "AKID:secret,OTHER:s2"})
        assert creds == Credentials(creds.access_keys, None)
        assert creds.access_keys == "AKID:secret,OTHER:s2"
        assert list(tmp_path.iterdir()) == []

    def test_empty_environment_value_counts_as_unset(self, tmp_path: Path) -> None:
        """An empty TOCSIN_ACCESS_KEYS generates a pair like an unset one."""
        assert resolve(tmp_path, {"TOCSIN_ACCESS_KEYS": ""}).generated

    def test_permissive_file_is_tightened(self, tmp_path: Path) -> None:
        """A reused file that others could read is set back to 0600."""
        path = resolve(tmp_path, {}).path
        assert path is not None
        path.chmod(0o644)
        resolve(tmp_path, {})
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    @pytest.mark.parametrize("text", [
        "",
        "[default]\naws_access_key_id = A\naws_secret_access_key = B\n",
        "[tocsin]\naws_access_key_id = A\n",
        "[tocsin]\naws_access_key_id = A:B\naws_secret_access_key = C\n",
        "not an ini file",
    ])
    def test_unusable_file_says_how_to_fix_it(self, tmp_path: Path, text: str) -> None:
        """A file without a usable [tocsin] pair is an error naming the file and the fix."""
        (tmp_path / "credentials").write_text(text)
        with pytest.raises(CredentialsError, match="delete it"):
            resolve(tmp_path, {})

    def test_a_file_written_meanwhile_is_kept(self, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
        """When another start writes the file first, its keys are used, not overwritten."""
        other = resolve(tmp_path / "other", {})
        assert other.path is not None
        winner = other.path.read_text()
        real_write = credentials._write_new

        def racing_write(path: Path, key: credentials.AccessKey) -> bool:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(winner)
            return real_write(path, key)

        monkeypatch.setattr(credentials, "_write_new", racing_write)
        creds = resolve(tmp_path / "this", {})
        assert creds.access_keys == other.access_keys and not creds.generated
        assert [p.name for p in (tmp_path / "this").iterdir()] == ["credentials"]
