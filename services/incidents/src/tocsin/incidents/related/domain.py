"""Related items: resources, links, metrics and other incidents attached to an incident.

An item is identified by its type and value: adding one that is there already is a
conflict, and removal matches on type and value. Tocsin assigns each item its
``generatedId`` (``related-item/<TYPE>/<32 hex>``), which timeline events may reference.
Every change writes an automatic timeline event.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from tocsin.incidents.timeline import domain as timeline
from tocsin.shared.errors import ValidationError

__all__ = ["change_event", "item_key", "new_item"]

JSON = dict[str, Any]


def item_key(identifier: JSON) -> tuple[str, str]:
    """The (type, value) an item is known by; the value as canonical JSON."""
    try:
        kind, value = identifier["type"], identifier["value"]
    except (KeyError, TypeError):
        raise ValidationError("a related item's identifier needs a type and a value") from None
    return str(kind), msgspec.json.encode(value, order="sorted").decode()


def new_item(item: JSON) -> JSON:
    """The item as stored and listed, with a fresh ``generatedId``."""
    if "generatedId" in item:
        raise ValidationError("generatedId is assigned by Tocsin and must not be sent")
    kind, _ = item_key(item.get("identifier"))  # type: ignore[arg-type]
    return {**item, "generatedId": f"related-item/{kind}/{uuid.uuid4().hex.upper()}"}


def change_event(incident_arn: str, *, title: str, by: str, added: JSON | None = None,
                 removed: JSON | None = None, at: float) -> timeline.TimelineEvent:
    """The automatic timeline event of a related-item change."""
    change = {"itemToAdd": added} if added is not None else {"itemToRemove": removed}
    return timeline.automatic(incident_arn, timeline.RECORD_UPDATE, {
        "modifiedBy": by, "incidentTitle": title,
        "modifiedAttributes": [{"attributeName": "relatedItems",
                                "newValue": msgspec.json.encode(change).decode()}]}, at=at)
