"""IAM-style policies and AWS's evaluation logic, pure: no I/O, no clock (the current time
is part of the request's context).

A decision on one action on one resource (:func:`decide`):

1. An explicit ``Deny`` in any policy that applies wins.
2. A principal of the resource's own account is allowed when an identity policy *or* the
   resource's policy allows it (the union).
3. A principal of another account is allowed only when its identity policies *and* the
   resource's policy both allow it: an account shares a resource by its resource policy
   (``PutResourcePolicy`` on a response plan, ``PutContactPolicy`` on a contact), and the
   other account decides which of its principals may use the share.
4. Otherwise the default: denied.

Supported: ``Action`` / ``NotAction`` (case-insensitive, ``*`` and ``?`` wildcards),
``Resource`` / ``NotResource`` (case-sensitive wildcards), ``Principal`` / ``NotPrincipal``
in resource policies (``"*"``, ``{"AWS": ARN | account id | [..]}``), and the conditions
``StringEquals``, ``StringNotEquals``, ``StringEqualsIgnoreCase``, ``StringLike``,
``StringNotLike``, ``ArnEquals``, ``ArnLike``, ``ArnNotEquals``, ``ArnNotLike``, ``Bool``,
``IpAddress``, ``NotIpAddress``, ``DateEquals``, ``DateNotEquals``, ``DateLessThan``,
``DateLessThanEquals``, ``DateGreaterThan``, ``DateGreaterThanEquals`` (each also with
``IfExists``), on single-valued keys such as ``aws:PrincipalArn``, ``aws:SourceIp``,
``aws:CurrentTime``, ``aws:SecureTransport`` and ``tocsin:AcceptCodeValidation``.
Within a statement every operator and every key must hold; of a key's values any one.
A key the request lacks fails its condition (``...IfExists`` and the negated operators
hold then).
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ADMINISTRATOR",
    "Decision",
    "MalformedPolicy",
    "Policy",
    "Request",
    "Statement",
    "decide",
    "evaluate",
    "parse",
]

VERSIONS = ("2012-10-17", "2008-10-17")


class MalformedPolicy(ValueError):
    """A policy document that is not a policy; the message says what is wrong."""


class Decision(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"
    """An explicit ``Deny`` applies."""
    NOT_APPLICABLE = "not-applicable"
    """No statement applies: denied by default."""


@dataclass(frozen=True, slots=True)
class Condition:
    operator: str
    """Without ``IfExists``, e.g. ``StringLike``."""
    if_exists: bool
    key: str
    """Lower-cased: condition keys are case-insensitive."""
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    allow: bool
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    principals: tuple[str, ...] | None
    """Resource policies: ``*``, ARNs or account ids; None in identity policies."""
    not_principal: bool
    conditions: tuple[Condition, ...]
    sid: str = ""


@dataclass(frozen=True, slots=True)
class Policy:
    statements: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class Request:
    """One action on one resource by one principal, with the condition context."""

    action: str
    resource: str
    principal_arn: str
    principal_account: str
    context: Mapping[str, str]
    """Condition keys, lower-cased, to their value (``aws:sourceip`` → ``127.0.0.1``)."""


ADMINISTRATOR = Policy((Statement(allow=True, actions=("*",), not_action=False,
                                  resources=("*",), not_resource=False, principals=None,
                                  not_principal=False, conditions=()),))
"""What keys in ``TOCSIN_ACCESS_KEYS`` hold: everything in their own account."""


# --- parsing --------------------------------------------------------------------------------


def parse(document: Any, *, resource_policy: bool = False) -> Policy:
    """A policy from its JSON document (already decoded).

    Raises:
        MalformedPolicy: not a policy, or one using what Tocsin does not evaluate.
    """
    if not isinstance(document, dict):
        raise MalformedPolicy("A policy must be a JSON object")
    version = document.get("Version", VERSIONS[0])
    if version not in VERSIONS:
        raise MalformedPolicy(f"Version must be one of {', '.join(VERSIONS)}, got {version!r}")
    raw = document.get("Statement")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise MalformedPolicy("Statement must be an object or a non-empty list of objects")
    return Policy(tuple(_statement(s, i, resource_policy) for i, s in enumerate(raw)))


def _statement(raw: Any, index: int, resource_policy: bool) -> Statement:
    where = f"Statement {index}"
    if not isinstance(raw, dict):
        raise MalformedPolicy(f"{where} must be an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise MalformedPolicy(f"{where}: Effect must be Allow or Deny, got {effect!r}")
    actions, not_action = _one_of(raw, "Action", "NotAction", where)
    resources: tuple[str, ...]
    if resource_policy and "Resource" not in raw and "NotResource" not in raw:
        resources, not_resource = ("*",), False  # a contact's policy: the contact itself
    else:
        resources, not_resource = _one_of(raw, "Resource", "NotResource", where)
    principals: tuple[str, ...] | None = None
    not_principal = False
    if "Principal" in raw or "NotPrincipal" in raw:
        if not resource_policy:
            raise MalformedPolicy(f"{where}: an identity policy names no Principal")
        key = "Principal" if "Principal" in raw else "NotPrincipal"
        not_principal = key == "NotPrincipal"
        principals = _principals(raw[key], where)
    elif resource_policy:
        raise MalformedPolicy(f"{where}: a resource policy must name a Principal")
    return Statement(allow=effect == "Allow", actions=actions, not_action=not_action,
                     resources=resources, not_resource=not_resource, principals=principals,
                     not_principal=not_principal,
                     conditions=_conditions(raw.get("Condition", {}), where),
                     sid=str(raw.get("Sid", "")))


def _one_of(raw: Mapping[str, Any], name: str, negated: str,
            where: str) -> tuple[tuple[str, ...], bool]:
    if (name in raw) == (negated in raw):
        raise MalformedPolicy(f"{where} must have exactly one of {name} and {negated}")
    key = name if name in raw else negated
    return _strings(raw[key], f"{where}: {key}"), key == negated


def _strings(value: Any, where: str) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values \
            or not all(isinstance(v, str) and v for v in values):
        raise MalformedPolicy(f"{where} must be a string or a non-empty list of strings")
    return tuple(values)


def _principals(value: Any, where: str) -> tuple[str, ...]:
    if value == "*":
        return ("*",)
    if not isinstance(value, dict) or not value:
        raise MalformedPolicy(f'{where}: Principal must be "*" or {{"AWS": ...}}')
    found: list[str] = []
    for kind, names in value.items():
        if kind != "AWS":
            raise MalformedPolicy(f"{where}: Principal {kind!r} is not supported; use AWS")
        found.extend(_strings(names, f"{where}: Principal.AWS"))
    return tuple(found)


_OPERATORS: dict[str, Callable[[str, str], bool]] = {}


def _conditions(raw: Any, where: str) -> tuple[Condition, ...]:
    if not isinstance(raw, dict):
        raise MalformedPolicy(f"{where}: Condition must be an object")
    found: list[Condition] = []
    for operator, keys in raw.items():
        base = operator.removesuffix("IfExists")
        if base not in _OPERATORS:
            raise MalformedPolicy(f"{where}: condition operator {operator!r} is not supported")
        if not isinstance(keys, dict) or not keys:
            raise MalformedPolicy(f"{where}: {operator} must map condition keys to values")
        for key, values in keys.items():
            listed = values if isinstance(values, list) else [values]
            if not listed or not all(isinstance(v, str | bool | int | float) for v in listed):
                raise MalformedPolicy(f"{where}: {operator} {key} needs string values")
            texts = tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in listed)
            found.append(Condition(base, operator != base, str(key).lower(), texts))
    return tuple(found)


# --- evaluation -----------------------------------------------------------------------------


def decide(identity: Iterable[Policy], resource_policies: Iterable[Policy],
           resource_account: str, request: Request) -> Decision:
    """AWS's decision for ``request`` (see the module docstring)."""
    identity_decision = evaluate(identity, request)
    resource_decision = evaluate(resource_policies, request, resource_policy=True)
    if Decision.DENY in (identity_decision, resource_decision):
        return Decision.DENY
    if request.principal_account == resource_account or resource_account in ("", "*"):
        allowed = Decision.ALLOW in (identity_decision, resource_decision)
    else:
        allowed = identity_decision is resource_decision is Decision.ALLOW
    return Decision.ALLOW if allowed else Decision.NOT_APPLICABLE


def evaluate(policies: Iterable[Policy], request: Request, *,
             resource_policy: bool = False) -> Decision:
    """What ``policies`` alone say of ``request``: an explicit Deny, an Allow, or nothing."""
    allowed = False
    for policy in policies:
        for statement in policy.statements:
            if not _applies(statement, request, resource_policy):
                continue
            if not statement.allow:
                return Decision.DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.NOT_APPLICABLE


def _applies(statement: Statement, request: Request, resource_policy: bool) -> bool:
    if resource_policy:
        if statement.principals is None:
            return False
        if _principal_matches(statement.principals, request) == statement.not_principal:
            return False
    if _any_match(statement.actions, request.action, ignore_case=True) == statement.not_action:
        return False
    if _any_match(statement.resources, request.resource) == statement.not_resource:
        return False
    return all(_holds(c, request.context) for c in statement.conditions)


def _principal_matches(principals: Sequence[str], request: Request) -> bool:
    for name in principals:
        if name == "*" or name == request.principal_account \
                or name == request.principal_arn:
            return True
        # arn:<partition>:iam::<account>:root stands for the whole account.
        parts = name.split(":")
        if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root" \
                and parts[4] == request.principal_account:
            return True
    return False


def _any_match(patterns: Sequence[str], value: str, *, ignore_case: bool = False) -> bool:
    return any(_wildcard(p, ignore_case).fullmatch(value) is not None for p in patterns)


@functools.lru_cache(maxsize=4096)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """``*`` any run of characters, ``?`` any one; everything else literal."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _holds(condition: Condition, context: Mapping[str, str]) -> bool:
    value = context.get(condition.key)
    negated = condition.operator.startswith(("StringNot", "ArnNot", "NotIp", "DateNot"))
    if value is None:
        return condition.if_exists or negated
    test = _OPERATORS[condition.operator]
    # "Not" operators hold when the value matches none of the listed values.
    combine = all if negated else any
    return combine(test(value, expected) for expected in condition.values)


def _date(text: str) -> datetime | None:
    try:
        if text.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(text), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date_test(compare: Callable[[datetime, datetime], bool]) -> Callable[[str, str], bool]:
    def test(value: str, expected: str) -> bool:
        left, right = _date(value), _date(expected)
        return left is not None and right is not None and compare(left, right)

    return test


def _ip_in(value: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _arn_like(value: str, pattern: str) -> bool:
    """ARN fields matched one by one, so ``*`` never reaches across a ``:`` of the first five."""
    got, want = value.split(":", 5), pattern.split(":", 5)
    return len(got) == len(want) == 6 and all(
        _wildcard(w, False).fullmatch(g) is not None for g, w in zip(got, want, strict=True))


_OPERATORS.update({
    "StringEquals": lambda v, e: v == e,
    "StringNotEquals": lambda v, e: v != e,
    "StringEqualsIgnoreCase": lambda v, e: v.casefold() == e.casefold(),
    "StringNotEqualsIgnoreCase": lambda v, e: v.casefold() != e.casefold(),
    "StringLike": lambda v, e: _wildcard(e, False).fullmatch(v) is not None,
    "StringNotLike": lambda v, e: _wildcard(e, False).fullmatch(v) is None,
    "ArnEquals": lambda v, e: v == e,
    "ArnNotEquals": lambda v, e: v != e,
    "ArnLike": _arn_like,
    "ArnNotLike": lambda v, e: not _arn_like(v, e),
    "Bool": lambda v, e: v.lower() == e.lower(),
    "IpAddress": _ip_in,
    "NotIpAddress": lambda v, e: not _ip_in(v, e),
    "DateEquals": _date_test(lambda a, b: a == b),
    "DateNotEquals": _date_test(lambda a, b: a != b),
    "DateLessThan": _date_test(lambda a, b: a < b),
    "DateLessThanEquals": _date_test(lambda a, b: a <= b),
    "DateGreaterThan": _date_test(lambda a, b: a > b),
    "DateGreaterThanEquals": _date_test(lambda a, b: a >= b),
})
