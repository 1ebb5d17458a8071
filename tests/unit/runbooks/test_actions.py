"""Which actions are work actions, and how the engine hands them over."""

from __future__ import annotations

from typing import Any

import pytest

from tocsin.runbooks.actions import (
    WORK_ACTIONS,
    ActionContext,
    Webhook,
    run_action,
    script_user,
)
from tocsin.runbooks.catalogue import ACTIONS, CONTROL_ACTIONS, INFRASTRUCTURE_ACTIONS
from tocsin.shared.config import ConfigError


def test_every_action_is_run_by_the_engine_or_by_run_action_never_both() -> None:
    assert not WORK_ACTIONS & CONTROL_ACTIONS
    assert set(ACTIONS) == WORK_ACTIONS | CONTROL_ACTIONS
    assert INFRASTRUCTURE_ACTIONS <= WORK_ACTIONS


async def test_a_control_action_is_not_run_here() -> None:
    ctx: Any = ActionContext(execution_id="x", step_name="s", attempt=1, principal="p",
                             timeout_seconds=1, deps=None)
    with pytest.raises(ValueError, match="aws:pause is not a work action"):
        await run_action("aws:pause", {}, ctx)


def test_webhook_secrets_stay_out_of_logs() -> None:
    hook = Webhook(name="ops", url="https://chat.example/h", secret="s3cret",
                   headers={"Authorization": "Bearer t0ken"})
    assert "s3cret" not in repr(hook)
    assert "t0ken" not in repr(hook)


def test_an_unknown_script_user_stops_the_service() -> None:
    assert script_user("") is None
    with pytest.raises(ConfigError, match="there is no user 'no-such-user-here'"):
        script_user("no-such-user-here")
