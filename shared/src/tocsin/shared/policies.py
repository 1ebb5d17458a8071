"""Resource policies: the IAM-style JSON documents that share a resource with another
account (response plans in ssm-incidents, contacts in ssm-contacts).

Tocsin stores them and checks their shape; enforcing them comes with authorization.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tocsin.shared.errors import ValidationError

__all__ = ["VERSIONS", "check_policy"]

VERSIONS = ("2012-10-17", "2008-10-17")
"""The policy-language versions IAM accepts."""


def check_policy(document: str, *, shares: str, required: Sequence[str]) -> None:
    """Check that ``document`` is a sharing policy Tocsin can store.

    It must be a JSON object with a known ``Version`` and a ``Statement`` (an object or a
    non-empty list of them); each statement has ``Effect`` ``Allow`` and every member of
    ``required``. ``shares`` names what the policy shares, for the messages.

    Raises:
        ValidationError: naming the first thing that is wrong. ``Deny`` statements are
            refused: policies that deny access to shared resources are not supported.
    """
    try:
        doc = json.loads(document)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"policy is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ValidationError("policy must be a JSON object")
    if "Version" not in doc:
        raise ValidationError(f"policy has no Version; use {VERSIONS[0]}")
    if doc["Version"] not in VERSIONS:
        raise ValidationError(
            f"policy Version {doc['Version']!r} is not one of {', '.join(VERSIONS)}")
    statements = doc.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise ValidationError(
            "policy Statement must be a statement object or a non-empty list of them")
    for i, statement in enumerate(statements):
        _check_statement(f"policy Statement[{i}]", statement, shares, required)


def _check_statement(where: str, statement: Any, shares: str,
                     required: Sequence[str]) -> None:
    if not isinstance(statement, dict):
        raise ValidationError(f"{where} must be a JSON object")
    effect = statement.get("Effect")
    if effect == "Deny":
        raise ValidationError(
            f"{where} has Effect Deny: policies that deny access to shared resources are not "
            f"supported; share {shares} with Allow statements only")
    if effect != "Allow":
        raise ValidationError(f"{where} Effect must be Allow or Deny, not {effect!r}")
    missing = [m for m in required if statement.get(m) in (None, "", [], {})]
    if missing:
        raise ValidationError(f"{where} has no {' and no '.join(missing)}")
