"""OpsItems as the ``ssm`` API shapes them: the rules of their members (pure: no I/O).

An action item is an OpsItem of type ``/aws/issue``: status ``Open``, ``InProgress`` or
``Resolved``; ``PlannedEndTime`` is its due date. Requests use the API's PascalCase members.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

import msgspec

from tocsin.shared.errors import OpsItemInvalidParameter
from tocsin.shared.timestamps import Epoch

__all__ = ["ISSUE", "STATUSES", "AssociateRelatedItem", "CreateOpsItem", "DescribeOpsItems",
           "GetOpsItem", "ListRelatedItems", "OpsItemFilter", "UpdateOpsItem", "check_create",
           "check_update", "new_id"]

JSON = dict[str, Any]

ISSUE = "/aws/issue"
STATUSES = ("Open", "InProgress", "Resolved")
"""The statuses of an ``/aws/issue`` OpsItem (the others belong to Change Manager)."""

SOURCE = "Tocsin Incident Manager"
"""The ``Source`` of the OpsItems Tocsin makes itself (never containing ``aws``)."""

ID = re.compile(r"oi-[0-9a-f]{12}")
_RESERVED = ("amazon", "aws", "amzn", "ssm", "/amazon", "/aws", "/amzn", "/ssm")
_ALLOWED_RESERVED = ("/aws/resources", "/aws/automations", "/aws/dedup")


def new_id() -> str:
    """``oi-`` and 12 hexadecimal digits."""
    return f"oi-{secrets.token_hex(6)}"


class _In(msgspec.Struct, rename="pascal", kw_only=True):
    """An ssm request: PascalCase, unknown members ignored."""


class DataValue(_In):
    value: str | None = None
    type: str | None = None


class RelatedOpsItem(_In):
    ops_item_id: str


class CreateOpsItem(_In):
    description: str
    source: str
    title: str
    ops_item_type: str | None = None
    operational_data: dict[str, DataValue] | None = None
    notifications: list[JSON] | None = None
    priority: int | None = None
    related_ops_items: list[RelatedOpsItem] | None = None
    tags: list[JSON] | None = None
    category: str | None = None
    severity: str | None = None
    actual_start_time: Epoch | None = None
    actual_end_time: Epoch | None = None
    planned_start_time: Epoch | None = None
    planned_end_time: Epoch | None = None
    account_id: str | None = None


class GetOpsItem(_In):
    ops_item_id: str
    ops_item_arn: str | None = None


class UpdateOpsItem(_In):
    ops_item_id: str
    description: str | None = None
    operational_data: dict[str, DataValue] | None = None
    operational_data_to_delete: list[str] | None = None
    notifications: list[JSON] | None = None
    priority: int | None = None
    related_ops_items: list[RelatedOpsItem] | None = None
    status: str | None = None
    title: str | None = None
    category: str | None = None
    severity: str | None = None
    actual_start_time: Epoch | None = None
    actual_end_time: Epoch | None = None
    planned_start_time: Epoch | None = None
    planned_end_time: Epoch | None = None
    ops_item_arn: str | None = None


class OpsItemFilter(_In):
    key: str
    values: list[str]
    operator: str


class DescribeOpsItems(_In):
    ops_item_filters: list[OpsItemFilter] | None = None
    max_results: Annotated[int, msgspec.Meta(ge=1, le=50)] | None = None
    next_token: str | None = None


class AssociateRelatedItem(_In):
    ops_item_id: str
    association_type: str
    resource_type: str
    resource_uri: str


class RelatedItemsFilter(_In):
    key: str
    values: list[str]
    operator: str


class ListRelatedItems(_In):
    ops_item_id: str | None = None
    filters: list[RelatedItemsFilter] | None = None
    max_results: Annotated[int, msgspec.Meta(ge=1, le=50)] | None = None
    next_token: str | None = None


def _bad(member: str, why: str) -> OpsItemInvalidParameter:
    return OpsItemInvalidParameter(f"{member} {why}", parameter_names=[member])


def check_id(ops_item_id: str) -> None:
    if not ID.fullmatch(ops_item_id):
        raise _bad("OpsItemId", "must match oi-[0-9a-f]{12}")


def _text(member: str, value: str | None, longest: int, *, blank_ok: bool = False) -> None:
    if value is None:
        return
    if not 1 <= len(value) <= longest or (not blank_ok and not value.strip()):
        raise _bad(member, f"must be 1 to {longest} characters and not blank")


def _data(data: dict[str, DataValue] | None) -> None:
    for key, item in (data or {}).items():
        if not 1 <= len(key) <= 128:
            raise _bad("OperationalData", f"key {key!r} must be 1 to 128 characters")
        if key.lower().startswith(_RESERVED) and key not in _ALLOWED_RESERVED:
            raise _bad("OperationalData", f"key {key!r} may not start with amazon, aws, "
                                          "amzn or ssm (with or without a leading /)")
        if item.type not in (None, "SearchableString", "String"):
            raise _bad("OperationalData", f"{key}.Type must be SearchableString or String")
        if item.value is not None and len(item.value.encode()) > 20_480:
            raise _bad("OperationalData", f"{key}.Value is longer than 20 KB")


def _common(cmd: CreateOpsItem | UpdateOpsItem) -> None:
    _text("Description", cmd.description, 2048)
    _text("Title", cmd.title, 1024)
    _text("Category", cmd.category, 64)
    _text("Severity", cmd.severity, 64)
    if cmd.priority is not None and not 1 <= cmd.priority <= 5:
        raise _bad("Priority", "must be between 1 and 5")
    _data(cmd.operational_data)
    for related in cmd.related_ops_items or []:
        if not ID.fullmatch(related.ops_item_id):
            raise _bad("RelatedOpsItems", f"{related.ops_item_id!r} is not an OpsItem id")


def check_create(cmd: CreateOpsItem) -> None:
    """Raise OpsItemInvalidParameter for a member that breaks the model's rules."""
    _common(cmd)
    _text("Source", cmd.source, 128)
    if any(word in cmd.source.lower() for word in ("aws", "amazon", "amzn")):
        raise _bad("Source", "may not contain aws, amazon or amzn")
    if cmd.ops_item_type not in (None, ISSUE):
        raise _bad("OpsItemType", f"{cmd.ops_item_type!r} is not served by Tocsin (only "
                                  f"{ISSUE})")


def check_update(cmd: UpdateOpsItem) -> None:
    """Raise OpsItemInvalidParameter for a member that breaks the model's rules."""
    check_id(cmd.ops_item_id)
    _common(cmd)
    if cmd.status is not None and cmd.status not in STATUSES:
        raise _bad("Status", f"must be one of {', '.join(STATUSES)} for an {ISSUE} OpsItem")


def data_json(data: dict[str, DataValue] | None) -> JSON:
    """OperationalData as stored: key → {Value, Type} (Type defaults to String)."""
    return {k: {"Value": v.value or "", "Type": v.type or "String"}
            for k, v in (data or {}).items()}
