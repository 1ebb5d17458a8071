"""The workspace installs one namespace, ``tocsin``, and nothing generic."""

from __future__ import annotations

import importlib
import importlib.util

import pytest

import tocsin


class TestNamespace:
    @pytest.mark.parametrize("name", ["shared", "services", "proto", "deploy"])
    def test_folders_are_not_importable(self, name: str) -> None:
        """The folders of the repository do not leak as top-level packages."""
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(name)

    def test_tocsin_is_a_namespace_over_every_distribution(self) -> None:
        """No portion has a tocsin/__init__.py that would hide the others."""
        assert tocsin.__spec__ is not None and tocsin.__spec__.origin is None
        for part in ("shared", "proto", "local", "gateway", "incidents", "contacts"):
            assert importlib.util.find_spec(f"tocsin.{part}") is not None
