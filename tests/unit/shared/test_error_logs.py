"""The suite's ERROR-line check (``error_logs`` in ``tests/conftest.py``): it sees structlog
and stdlib ERROR lines, and lets a test declare the ones it provokes."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tocsin.shared.logging import get_logger


def test_structlog_and_stdlib_error_lines_are_recorded(error_logs: Any) -> None:
    error_logs.expect(r"demo\.failed", r"stdlib says no")
    get_logger("demo").info("demo.fine")
    get_logger("demo").warning("demo.odd")
    get_logger("demo").error("demo.failed", detail=1)
    logging.getLogger("demo").error("stdlib says no")
    assert [line["event"] for line in error_logs.lines] == ["demo.failed", "stdlib says no"]
    assert error_logs.unexpected() == []


@pytest.mark.expected_error_logs(r"demo\.crashed")
def test_an_exception_line_carries_its_traceback(error_logs: Any) -> None:
    try:
        raise KeyError("bug")
    except KeyError:
        get_logger("demo").exception("demo.crashed")
    [line] = error_logs.lines
    assert "KeyError: 'bug'" in line["traceback"]


def test_an_undeclared_line_is_unexpected(error_logs: Any) -> None:
    error_logs.expect(r"demo\.known")
    get_logger("demo").error("demo.surprise")
    assert [line["event"] for line in error_logs.unexpected()] == ["demo.surprise"]
    error_logs.lines.clear()  # this test checks the check; it must not fail itself
