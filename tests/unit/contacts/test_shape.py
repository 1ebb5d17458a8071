"""The contacts service keeps its shape: each capability's rules are pure (no database, no
bus, no clock), its SQL is in its store, and no asyncpg error reaches a handler."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tocsin.contacts

ROOT = Path(tocsin.contacts.__file__).parent
CAPABILITIES = ("directory", "channels", "rotations", "engagements")
IMPURE = ("asyncpg", "nats", "tocsin.shared.db", "tocsin.shared.bus", "tocsin.shared.clock",
          "tocsin.shared.events", "tocsin.contacts.usecases")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("capability", CAPABILITIES)
def test_each_capability_has_its_domain_store_and_handlers(capability: str) -> None:
    assert {"domain.py", "store.py", "handlers.py"} <= {
        p.name for p in (ROOT / capability).glob("*.py")}


@pytest.mark.parametrize("module", [f"{c}/domain.py" for c in CAPABILITIES]
                         + ["rotations/shifts.py"])
def test_domains_do_no_io(module: str) -> None:
    impure = {m for m in imports(ROOT / module) if m.startswith(IMPURE)}
    assert impure == set()


def test_only_stores_catch_database_errors() -> None:
    catching = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")
                      if p.name != "store.py"
                      and any("except" in line and "asyncpg." in line
                              for line in p.read_text().splitlines()))
    assert catching == []
