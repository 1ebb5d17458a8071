"""``python -m tocsin.local.digest --data-dir``: the URL of a running make run's embedded
PostgreSQL, from its ``postmaster.pid`` and the password make run keeps; and the resource
types each replicating service declares."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tocsin.local.digest import database_url_of, replicated_resources
from tocsin.shared.services import BACKEND_SERVICES


def test_the_url_of_a_make_runs_postgresql(tmp_path: Path) -> None:
    (tmp_path / "postgres").mkdir()
    (tmp_path / "identities").mkdir()
    (tmp_path / "postgres" / "postmaster.pid").write_text(
        f"4242\n{tmp_path / 'postgres'}\n1765069200\n54321\n{tmp_path / 'postgres'}\n"
        "127.0.0.1\n")
    (tmp_path / "identities" / "postgres.password").write_text("s3cret\n")
    assert database_url_of(tmp_path) == "postgresql://postgres:s3cret@127.0.0.1:54321/postgres"


def test_no_running_postgresql_is_said_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"no PostgreSQL running on .*postgres"):
        database_url_of(tmp_path)


def test_every_service_with_an_inbox_declares_its_types() -> None:
    """A service that applies other regions' events (its ``replicas`` module, the inbox
    of its kernel table) says what of its store the digest compares."""
    found = replicated_resources()
    with_inbox = {s for s in BACKEND_SERVICES
                  if importlib.util.find_spec(f"tocsin.{s}.replicas") is not None}
    assert with_inbox <= set(found) and "incidents" in with_inbox
    for service, resources in found.items():
        kinds = [r.kind for r in resources]
        assert len(kinds) == len(set(kinds)), service
