"""IP addresses for ``{"cidr": ...}`` and for exact values that are IP literals.

EventBridge compares addresses, not their spelling: the exact value ``"2001:db8::1"`` matches
an event's ``"2001:DB8:0:0:0:0:0:1"``. Like the reference implementation, only text shaped
like an address is considered (four dotted decimal parts, or hex digits and colons), an IPv4
part with a leading zero is refused as ambiguous (octal or decimal?) as current JVMs refuse it,
an IPv4-mapped IPv6 address is the IPv4 address, and a CIDR must have fewer mask bits than the
address has (``/31`` and ``/127`` at most).
"""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple

__all__ = ["Address", "AddressRange", "cidr_range", "parse_address", "single_address"]

_IPV4_SHAPE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6_SHAPE = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")
_MASK = re.compile(r"[+-]?[0-9]+")


class Address(NamedTuple):
    """An address as its width in bits (32 or 128) and its value."""

    bits: int
    value: int


class AddressRange(NamedTuple):
    """The inclusive range of addresses of one width that a CIDR block covers."""

    bits: int
    low: int
    high: int

    def contains(self, address: Address) -> bool:
        return address.bits == self.bits and self.low <= address.value <= self.high


def parse_address(text: str) -> Address | None:
    """The address ``text`` spells, or None when it is not an IP address literal."""
    if _IPV4_SHAPE.fullmatch(text):
        try:
            return Address(32, int(ipaddress.IPv4Address(text)))
        except ValueError:
            return None
    if _IPV6_SHAPE.fullmatch(text):
        try:
            v6 = ipaddress.IPv6Address(text)
        except ValueError:
            return None
        if v6.ipv4_mapped is not None:
            return Address(32, int(v6.ipv4_mapped))
        return Address(128, int(v6))
    return None


def single_address(address: Address) -> AddressRange:
    return AddressRange(address.bits, address.value, address.value)


def cidr_range(text: str) -> AddressRange:
    """The range a CIDR block covers; ValueError with the reason when it is malformed."""
    parts = text.split("/")
    if len(parts) != 2:
        raise ValueError("malformed CIDR, one '/' required")
    if not _MASK.fullmatch(parts[1]):
        raise ValueError("malformed CIDR, mask bits must be an integer")
    mask = int(parts[1])
    if mask < 0:
        raise ValueError("malformed CIDR, mask bits must not be negative")
    address = parse_address(parts[0])
    if address is None:
        raise ValueError(f"invalid IP address: {parts[0]}")
    if mask >= address.bits:
        kind = "IPv4" if address.bits == 32 else "IPv6"
        raise ValueError(f"{kind} mask bits must be < {address.bits}")
    host_bits = address.bits - mask
    host_mask = (1 << host_bits) - 1
    low = address.value & ~host_mask
    return AddressRange(address.bits, low, low | host_mask)
