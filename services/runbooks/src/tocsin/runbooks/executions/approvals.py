"""Approvers who are contacts are paged: an ``aws:approve`` step that waits engages each
contact among its ``Approvers`` through the contacts service (``StartEngagement``), which
pages them on their channels by their engagement plan, with the step's ``Message`` and how
to answer.

It runs when the engine consumes the step's ``Waiting`` event, so it happens once the wait
has committed; the engagement's idempotency token is the step's attempt, so a redelivered
event pages nobody twice. A contact approves or rejects as the principal whose user or role
name is the contact's alias (``arn:...:user/alice`` for ``contact/alice``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import asyncpg

from tocsin.runbooks.executions.store import ExecutionStore
from tocsin.shared.bus import Bus, rpc_subject
from tocsin.shared.contracts.runbooks import Waiting

__all__ = ["ApprovalPager", "is_contact"]

SENDER = "Tocsin runbooks"


def is_contact(arn: str) -> bool:
    """Whether an approver is a contact (``arn:<partition>:ssm-contacts:...:contact/x``)."""
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[2] == "ssm-contacts" and parts[5].startswith("contact/")


@dataclass(frozen=True)
class ApprovalPager:
    """Engages an approval's contact approvers."""

    bus: Bus
    pool: asyncpg.Pool
    timeout: float = 10.0

    async def on_waiting(self, event: Waiting) -> int:
        """Page the contact approvers of the approval ``event`` announces; how many."""
        if event.action != "aws:approve":
            return 0
        async with self.pool.acquire() as conn:
            steps = await ExecutionStore.steps(conn, event.execution_id)
        step = next((s for s in reversed(steps) if s.name == event.step_name
                     and s.action == "aws:approve"), None)
        if step is None or step.status != "Waiting":
            return 0  # decided (or stopped) already
        contacts = [a for a in step.state.get("approvers") or [] if is_contact(a)]
        message = str(step.state.get("message") or "")
        answer = (f"Approve or reject with SendAutomationSignal (AutomationExecutionId "
                  f"{event.execution_id}, SignalType Approve or Reject).")
        for contact in contacts:
            token = hashlib.sha256(f"{step.id}:{step.attempt}:{contact}".encode()).hexdigest()
            params = {"ContactId": contact, "Sender": SENDER,
                      "Subject": f"Approval needed: runbook step {step.name}",
                      "Content": f"{message}\n\n{answer}" if message else answer,
                      "IdempotencyToken": token}
            if event.incident_arn:
                params["IncidentId"] = event.incident_arn
            await self.bus.request(rpc_subject("contacts", "StartEngagement"), params,
                                   timeout=self.timeout)
        return len(contacts)
