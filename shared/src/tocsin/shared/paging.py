"""Pages of a list operation: their size, and opaque pagination tokens (a keyset
position, JSON-encoded as unpadded base64url).

The AWS models allow any opaque string (ssm-contacts restricts it to
``[\\\\/a-zA-Z0-9_+=-]``, which base64url without padding satisfies).
"""

from __future__ import annotations

import base64
from typing import Any

import msgspec

from tocsin.shared import codec
from tocsin.shared.errors import ValidationError

__all__ = ["DEFAULT_PAGE", "make_token", "page_size", "read_token"]

DEFAULT_PAGE = 100
"""Items in a page when ``MaxResults`` (``maxResults``) is absent (or 0)."""


def page_size(max_results: int | None) -> int:
    """Items per page: ``MaxResults``, or :data:`DEFAULT_PAGE` when it is absent or 0.

    0 is read as "the default" rather than "nothing": an empty page with a token would
    never end a paginator.
    """
    return max_results or DEFAULT_PAGE


def make_token(position: Any) -> str:
    """A token for a keyset position (anything msgspec encodes)."""
    return base64.urlsafe_b64encode(codec.encode(position)).decode().rstrip("=")


def read_token(token: str, tp: Any, *, member: str = "nextToken") -> Any:
    """The position in a token :func:`make_token` made, as ``tp``.

    Raises:
        ValidationError: the token is not one of ours (``member`` names it).
    """
    try:
        return codec.decode(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)), tp)
    except (ValueError, msgspec.DecodeError):
        raise ValidationError(f"{member} is not a token this operation returned") from None
