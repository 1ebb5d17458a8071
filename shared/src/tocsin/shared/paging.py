"""Opaque pagination tokens: a keyset position, JSON-encoded as unpadded base64url.

The AWS models allow any opaque string (ssm-contacts restricts it to
``[\\\\/a-zA-Z0-9_+=-]``, which base64url without padding satisfies).
"""

from __future__ import annotations

import base64
from typing import Any

import msgspec

from tocsin.shared import codec
from tocsin.shared.errors import ValidationError

__all__ = ["make_token", "read_token"]


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
