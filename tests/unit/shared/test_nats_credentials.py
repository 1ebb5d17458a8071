"""How a service's NATS credentials are read: inline, from a file, or refused with a reason."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tocsin.shared.bus.connection import NatsCredentials


def test_user_and_password_inline_or_in_a_file(tmp_path: Path) -> None:
    assert NatsCredentials("incidents:s3cret").options() == {
        "user": "incidents", "password": "s3cret"}
    path = tmp_path / "incidents.nats"
    path.write_text("incidents:from-file\n")
    assert NatsCredentials(str(path)).options() == {
        "user": "incidents", "password": "from-file"}
    assert "s3cret" not in repr(NatsCredentials("incidents:s3cret"))


def test_a_creds_file_goes_to_nats_py(tmp_path: Path) -> None:
    path = tmp_path / "user.creds"
    path.write_text("-----BEGIN NATS USER JWT-----\neyJ...\n------END NATS USER JWT------\n")
    if importlib.util.find_spec("nkeys") is None:
        with pytest.raises(ValueError, match="install the nkeys package"):
            NatsCredentials(str(path)).options()
    else:
        assert NatsCredentials(str(path)).options() == {"user_credentials": str(path)}


def test_anything_else_is_refused() -> None:
    with pytest.raises(ValueError, match="user:password"):
        NatsCredentials("just-a-name").options()
    assert NatsCredentials("").options() == {}
