"""Personal data at rest and in flight: a data key's AES-GCM seal and its keyed blind index.

Envelope encryption: one random 256-bit **data key** per replication set seals every
personal value (channel addresses, delivery requests, contact names); only its wrapped
form, under a key-encryption key, is ever stored or sent (:mod:`tocsin.shared.keys`).
Two keys are derived from it with HKDF-SHA256, so the seal and the index never share a
key:

- the **seal** is AES-256-GCM with a fresh 96-bit nonce per value; the bytes are
  ``0x01 | key id (16) | nonce (12) | ciphertext and tag``. The key id says which data key
  opens it, so data keys can be replaced while old values stay readable. The associated
  data is the value's *context* (the column and the row's ARN, say): a sealed value copied
  into another row or column does not open there;
- the **blind index** is HMAC-SHA256 of a purpose and a value: a row can be found by a phone
  number or an accept code checked without either being stored, and unlike a plain hash
  the index cannot be brute-forced from a stolen table (a phone number or a six-digit code
  has far too few possibilities for that) without the data key.

Pure: no I/O.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tocsin.shared.errors import DataEncryptionError

__all__ = ["DataKey", "is_sealed_text", "key_id_of", "new_data_key", "sealed_bytes", "sealed_text"]

_VERSION = b"\x01"
_ID_SIZE, _NONCE_SIZE = 16, 12
_HEADER = 1 + _ID_SIZE + _NONCE_SIZE
_TEXT_PREFIX = "tse1."
"""The prefix of a seal as text (:meth:`DataKey.seal_text`)."""


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"tocsin " + purpose).derive(secret)


def new_data_key() -> DataKey:
    """A fresh data key from the operating system's secure random source."""
    return DataKey(uuid.uuid4().hex, os.urandom(32))


def is_sealed_text(value: str) -> bool:
    """Whether ``value`` is a :meth:`DataKey.seal_text` result rather than plaintext."""
    return value.startswith(_TEXT_PREFIX)


class DataKey:
    """One plaintext data key, in memory only: seals, opens and indexes."""

    __slots__ = ("_aead", "_id", "_mac", "id", "secret")

    def __init__(self, key_id: str, secret: bytes) -> None:
        if len(secret) != 32:
            raise ValueError("a data key is 32 bytes")
        self.id = key_id
        """The key's id: 32 hex digits."""
        self.secret = secret
        """The raw key: wrap it, never store or send it."""
        self._id = bytes.fromhex(key_id)
        self._aead = AESGCM(_derive(secret, b"aes-gcm seal"))
        self._mac = _derive(secret, b"hmac blind index")

    def __repr__(self) -> str:
        return f"DataKey({self.id!r})"

    # --- seal -----------------------------------------------------------------------------

    def seal(self, plaintext: bytes | str, *, context: str) -> bytes:
        """``plaintext`` sealed under this key, bound to ``context``."""
        data = plaintext.encode() if isinstance(plaintext, str) else plaintext
        nonce = os.urandom(_NONCE_SIZE)
        return (_VERSION + self._id + nonce
                + self._aead.encrypt(nonce, data, context.encode()))

    def open(self, sealed: bytes, *, context: str) -> bytes:
        """The plaintext of a :meth:`seal` made with this key and ``context``.

        Raises:
            DataEncryptionError: not sealed by this key, for another context, or altered.
        """
        if len(sealed) < _HEADER + 16 or sealed[:1] != _VERSION:
            raise DataEncryptionError("The value is not sealed data")
        if sealed[1:1 + _ID_SIZE] != self._id:
            raise DataEncryptionError(f"The value was sealed by another data key than {self.id}")
        try:
            return self._aead.decrypt(sealed[1 + _ID_SIZE:_HEADER], sealed[_HEADER:],
                                      context.encode())
        except InvalidTag:
            raise DataEncryptionError(
                "The sealed value does not open: altered, or sealed for another record"
            ) from None

    def seal_text(self, plaintext: str, *, context: str) -> str:
        """:meth:`seal` as text (for JSON members and ``text`` columns)."""
        return sealed_text(self.seal(plaintext, context=context))

    def open_text(self, sealed: str, *, context: str) -> str:
        """The plaintext of a :meth:`seal_text`.

        Raises:
            DataEncryptionError: as :meth:`open`, or not a sealed text at all.
        """
        return self.open(sealed_bytes(sealed), context=context).decode()

    # --- blind index ----------------------------------------------------------------------

    def index(self, value: str, *, purpose: str) -> bytes:
        """The keyed blind index of ``value`` for ``purpose`` (32 bytes): equal values give
        equal indexes under one data key, and nothing else can compute or invert them."""
        return hmac.new(self._mac, purpose.encode() + b"\x00" + value.encode(),
                        hashlib.sha256).digest()


def key_id_of(sealed: bytes) -> str:
    """The id of the data key that sealed ``sealed``.

    Raises:
        DataEncryptionError: not sealed data.
    """
    if len(sealed) < _HEADER or sealed[:1] != _VERSION:
        raise DataEncryptionError("The value is not sealed data")
    return sealed[1:1 + _ID_SIZE].hex()


def sealed_bytes(sealed: str) -> bytes:
    """The bytes of a :meth:`DataKey.seal_text`.

    Raises:
        DataEncryptionError: not a sealed text.
    """
    if not is_sealed_text(sealed):
        raise DataEncryptionError("The value is not sealed data")
    try:
        return base64.urlsafe_b64decode(sealed[len(_TEXT_PREFIX):])
    except ValueError:
        raise DataEncryptionError("The value is not sealed data") from None


def sealed_text(sealed: bytes) -> str:
    """A :meth:`DataKey.seal` as text (what :meth:`DataKey.seal_text` gives): how a sealed
    column travels in an event."""
    return _TEXT_PREFIX + base64.urlsafe_b64encode(sealed).decode()
