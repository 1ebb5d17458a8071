"""The rules of tags, resource policies and integration keys. Pure: no I/O, no clock."""

from __future__ import annotations

import hashlib
import re

from tocsin.shared import policies

__all__ = ["MAX_TAGS", "TAG_QUOTA_CODE", "check_policy", "digest", "resource_type_of"]

MAX_TAGS = 50
"""Most tags one resource carries."""

TAG_QUOTA_CODE = "TagsPerResource"
"""``quotaCode`` of the 50-tag quota; AWS publishes no code for it, so this one is Tocsin's."""

_KINDS = {"response-plan": "RESPONSE_PLAN", "incident-record": "INCIDENT_RECORD",
          "replication-set": "REPLICATION_SET"}
_KIND = re.compile(r"^arn:[^:]+:ssm-incidents:[^:]*:[^:]*:(?P<kind>[a-z-]+)/")


def resource_type_of(arn: str) -> str | None:
    """``RESPONSE_PLAN``, ``INCIDENT_RECORD`` or ``REPLICATION_SET`` by the ARN's shape, or
    None for an ARN that can name none of them (whether the resource exists is not looked
    at)."""
    m = _KIND.match(arn)
    return _KINDS.get(m["kind"]) if m else None


def check_policy(document: str) -> None:
    """Check a policy sharing a response plan (:func:`tocsin.shared.policies.check_policy`)."""
    policies.check_policy(document, shares="a response plan",
                          required=("Principal", "Action", "Resource"))


def digest(key: str) -> str:
    """What is stored of a key."""
    return hashlib.sha256(key.encode()).hexdigest()
