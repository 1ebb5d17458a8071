"""Contact channels and the rules of their activation. Pure: no I/O, no clock.

A channel belongs to one ``PERSONAL`` contact and is ``NOT_ACTIVATED`` until its owner
proves they receive it: a six-digit **activation code** is sent to the address (on
creation unless ``DeferActivation``, on ``SendActivationCode``, and whenever
``UpdateContactChannel`` changes the address, which also makes the channel
``NOT_ACTIVATED`` again) and ``ActivateContactChannel`` with that code activates it. Only
an ``ACTIVATED`` channel is ever engaged (the ``activation_status`` column of
``contact_channel``).

The rules of a code, all in plan time (the service's clock):

- it is stored only as a salted scrypt digest, so neither the table nor a backup gives it
  away; the only plaintext copy is the delivery request for the notifications service
  (``deliveries.<region>.activation-code``, :mod:`tocsin.shared.contracts.deliveries`),
  written to the outbox in the same transaction. Events on ``EVENTS_<REGION>`` carry
  neither the code nor the address, and nothing here logs either;
- it expires :data:`CODE_TTL` after it was sent; a new code replaces the pending one;
- after :data:`MAX_ATTEMPTS` wrong codes it is void and a new one must be sent;
- at most :data:`SENDS_PER_WINDOW` codes are sent to a channel per :data:`SEND_WINDOW`,
  counting every send; one more is a ``ServiceQuotaExceededException`` (quota code
  :data:`SEND_QUOTA_CODE`) that says when the next one may go. An address change over the
  limit is refused the same way, and changes nothing.

A wrong, expired, void or missing code is a ``ValidationException`` that says which; the
count of wrong attempts is committed even though the call fails.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from tocsin.shared.contracts import deliveries
from tocsin.shared.errors import ValidationError

if TYPE_CHECKING:
    from tocsin.contacts.channels.requests import ContactChannelAddress

__all__ = [
    "ACTIVATED",
    "CODE_TTL",
    "MAX_ATTEMPTS",
    "NOT_ACTIVATED",
    "SENDS_PER_WINDOW",
    "SEND_QUOTA_CODE",
    "SEND_WINDOW",
    "Channel",
    "PendingCode",
    "check_address",
    "code_digest",
    "new_code",
]

JSON = dict[str, Any]

CODE_TTL = timedelta(minutes=15)
"""How long an activation code activates its channel."""
MAX_ATTEMPTS = 5
"""Wrong codes after which the pending code is void."""
SENDS_PER_WINDOW = 5
"""Most activation codes sent to one channel per :data:`SEND_WINDOW`."""
SEND_WINDOW = timedelta(hours=1)
SEND_QUOTA_CODE = "ActivationCodesPerChannelPerHour"
"""``QuotaCode`` of the send limit; AWS publishes none, so this one is Tocsin's."""

ChannelType = deliveries.ChannelType
ACTIVATED, NOT_ACTIVATED = "ACTIVATED", "NOT_ACTIVATED"

# The usual "valid email address" subset of RFC 5321: a dot-atom local part and a domain of
# at least two LDH labels. Quoted local parts and IP literals are refused.
_EMAIL = re.compile(
    r"^(?=.{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
# E.164: "+", a country code that does not start with 0, 8 to 15 digits in all.
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")

# scrypt's interactive-login cost (about 16 MiB, tens of milliseconds): a stolen digest
# takes far longer than the code's 15 minutes to brute-force over the 10^6 codes.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


# --- rules ------------------------------------------------------------------------------


def check_address(channel_type: str, address: ContactChannelAddress) -> str:
    """The ``SimpleAddress`` of ``address``, once it fits ``channel_type``.

    The message never repeats the address: it is personal data, and error messages may be
    logged.

    Raises:
        ValidationError: no address, or not an email address (``EMAIL``) / an E.164 phone
            number (``SMS``, ``VOICE``).
    """
    value = address.simple_address
    if not value:
        raise ValidationError("DeliveryAddress.SimpleAddress is required")
    if channel_type == "EMAIL":
        if not _EMAIL.match(value):
            raise ValidationError(
                "DeliveryAddress.SimpleAddress is not an email address (name@example.com)")
    elif not _E164.match(value):
        raise ValidationError(
            f"DeliveryAddress.SimpleAddress of a {channel_type} channel must be a phone "
            "number in E.164 format: '+', the country code and the number, 8 to 15 digits "
            "in all (+442079460000)")
    return value


def new_code() -> str:
    """A fresh six-digit activation code, from the operating system's secure random
    source."""
    return f"{secrets.randbelow(10**6):06d}"


def code_digest(code: str, salt: bytes) -> bytes:
    """The stored form of ``code``: scrypt under ``salt``."""
    return hashlib.scrypt(code.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P,
                          dklen=32)


# --- entities ---------------------------------------------------------------------------


class Channel(msgspec.Struct, frozen=True, kw_only=True):
    """A row of ``contact_channel``."""

    arn: str
    contact_arn: str
    name: str
    type: ChannelType
    address: str
    activation_status: str
    version: int = 1
    """Counts the channel's changes."""

    def output(self) -> JSON:
        """The ``ContactChannel`` shape (and the ``GetContactChannel`` output)."""
        return {"ContactArn": self.contact_arn, "ContactChannelArn": self.arn,
                "Name": self.name, "Type": self.type,
                "DeliveryAddress": {"SimpleAddress": self.address},
                "ActivationStatus": self.activation_status}

    def state(self, *, by: str) -> JSON:
        """The members of a channel event: the channel without its address, its version
        and who changed it."""
        return {"contact_channel_arn": self.arn, "contact_arn": self.contact_arn,
                "name": self.name, "type": self.type,
                "activation_status": self.activation_status,
                "resource_version": self.version, "principal": by}

    @property
    def contact_alias(self) -> str:
        return self.contact_arn.rpartition("/")[2]


class PendingCode(msgspec.Struct, frozen=True, kw_only=True):
    """A row of ``activation_code``."""

    salt: bytes
    digest: bytes
    expires_at: datetime
    failed_attempts: int

