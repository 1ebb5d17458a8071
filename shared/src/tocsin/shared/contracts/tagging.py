"""The tagging events every service with taggable resources publishes, defined once.

Each service's contracts derive its own ``ResourceTagged`` / ``ResourceUntagged`` from
these together with its event base, adding nothing but the producing service: the members
are the same everywhere, while the tag (the class name) sits in that service's tagged
union and the subject is ``events.<region>.<service>.ResourceTagged``.
"""

from __future__ import annotations

from tocsin.shared.contracts.base import Change

__all__ = ["ResourceTagged", "ResourceUntagged"]


class ResourceTagged(Change, frozen=True):
    """Tags were added to or changed on a resource."""

    resource_arn: str
    resource_type: str
    tags: dict[str, str]
    """The tags added or changed (key → value); the resource's other tags are unchanged."""


class ResourceUntagged(Change, frozen=True):
    """Tags were removed from a resource."""

    resource_arn: str
    resource_type: str
    tag_keys: list[str]
