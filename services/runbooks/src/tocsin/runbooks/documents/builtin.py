"""The built-in, read-only documents Tocsin ships (Owner ``Amazon``), refreshed at start-up.

``AWSIncidents-CriticalIncidentRunbookTemplate`` is the incident lifecycle as four manual
steps (Triage, Diagnosis, Mitigation, Recovery): the name and step names AWS uses, so
response plans brought over from AWS find it, with instructions that point at Tocsin's own
incident tabs. Copy its content into a document of your own to customise it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BUILTIN_DOCUMENTS", "CRITICAL_INCIDENT_TEMPLATE"]

_DESCRIPTION = """\
# Critical incident runbook template

This document is a template for an incident response runbook. Copy its content into a
new Automation document, customise it, and name it in a response plan: it then starts
automatically when an incident is created from that plan.

Make it yours:
* give each step guidance and links specific to your application;
* automate triage and diagnosis telemetry with `aws:executeAwsApi` steps against Tocsin's
  own API (`ssm-incidents`, `ssm-contacts`);
* automate mitigation with `aws:executeScript`, `aws:invokeWebhook` or
  `aws:executeAutomation` steps.

Each step below is manual: read it, do it, then choose **Next step** (SendAutomationSignal
`Resume` with the step's name).
"""

_TRIAGE = """\
# Triage
**Determine customer impact.** Open the incident's **Metrics** tab and your dashboards for
the key performance indicators of the affected application.

**Communicate customer impact.** Update the incident's **Title**, **Summary** and **Impact**:
* 1 - Critical impact: full application failure that impacts many to all customers.
* 2 - High impact: partial application failure with impact to many customers.
* 3 - Medium impact: the application is providing reduced service to many customers.
* 4 - Low impact: the application is providing reduced service to few customers.
* 5 - No impact: customers are not currently impacted but urgent action is needed to
  avoid impact.
"""

_DIAGNOSIS = """\
# Diagnosis
**Roll back.** Look for recent changes (deployments, configuration) and engage the team
that owns them from the incident's **Contacts** tab; roll back if you can.

**Locate the failure.** Review the application's metrics and alarms and add the useful ones
to **Metrics**; link related tickets, dashboards and other incidents in **Related items**.
Avoid going too deep into the cause: focus on how to mitigate. Add a **Timeline** entry
when you find a diagnosis.
"""

_MITIGATION = """\
# Mitigation
**Collaborate.** Share findings in the incident's chat channel; engage more contacts
through their engagement and escalation plans from the **Contacts** tab.

**Mitigate.** Re-route or throttle traffic, roll back, or run a runbook that does it
(Start runbook on the incident). Add a **Timeline** entry when a mitigation is identified
and when it is applied.
"""

_RECOVERY = """\
# Recovery
**Watch customer impact.** Follow the key indicators in **Metrics** and update **Impact**
as impact falls or ends; resolve the incident when it is over.

**Note the action items.** Add **Timeline** entries for key decisions and temporary
mitigations, and create a post-incident analysis once the incident is resolved to track
the follow-up work.
"""


def _step(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "action": "aws:pause", "description": description, "inputs": {}}


CRITICAL_INCIDENT_TEMPLATE: dict[str, Any] = {
    "schemaVersion": "0.3",
    "description": _DESCRIPTION,
    "mainSteps": [_step("Triage", _TRIAGE), _step("Diagnosis", _DIAGNOSIS),
                  _step("Mitigation", _MITIGATION), _step("Recovery", _RECOVERY)],
}

BUILTIN_DOCUMENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "AWSIncidents-CriticalIncidentRunbookTemplate": ("Automation", CRITICAL_INCIDENT_TEMPLATE),
}
"""Name → (document type, content)."""
