"""Verification of AWS Signature Version 4 on header-signed requests.

The recipe is AWS's (``Authorization: AWS4-HMAC-SHA256 Credential=KEYID/<date>/<region>/
<service>/aws4_request, SignedHeaders=..., Signature=...``), checked against the
gateway's ``KEYID → secret`` credentials with ``hmac``/``hashlib`` only. It is written
to agree byte for byte with what botocore's ``SigV4Auth`` signs:

- **Canonical URI**: the path exactly as sent (botocore has already percent-encoded it,
  ``/`` inside a label as ``%2F``), with dot segments and empty segments removed, then
  percent-encoded *again* (``quote(path, safe="/~")``): for every service but S3, AWS
  signs the doubly encoded path, and so does botocore.
- **Canonical query string**: ``key=value`` pairs, each side re-encoded with only
  ``-_.~`` left bare, sorted by key and then value.
- **Canonical headers**: the signed headers, lower-cased, values trimmed and inner
  whitespace collapsed, repeated headers joined with ``,``.
- **Payload hash**: ``x-amz-content-sha256`` when the request carries it (it must then
  match the body), else the SHA-256 of the body.

The signature must cover ``host`` and ``x-amz-date`` (and, where the caller says so,
``x-amz-target``: for AWS JSON 1.1 it names the operation, so a signature left without it
could be replayed as another one), and its credential scope must name the region served
and a signing name the caller accepts. Nothing a client sends makes verification raise:
bytes that are no UTF-8 and signatures of any length are refused like wrong ones.

Requests are accepted within :data:`MAX_SKEW` of the gateway's clock. Failures raise
subclasses of :class:`~tocsin.shared.errors.AccessDeniedError` carrying the codes AWS
itself returns, so botocore surfaces them as ``ClientError`` codes.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote

from tocsin.shared.arns import DEFAULT_PARTITION, Arns
from tocsin.shared.errors import AccessDeniedError

__all__ = [
    "ALGORITHM",
    "MAX_SKEW",
    "AuthError",
    "IncompleteSignature",
    "InvalidSignature",
    "MissingAuthentication",
    "UnrecognizedClient",
    "authenticate",
    "canonical_request",
    "check_region",
    "principal_arn",
    "scope_service",
    "verify",
]

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)
"""How far a request's ``X-Amz-Date`` may be from the gateway's clock, either way."""

_TIMESTAMP = "%Y%m%dT%H%M%SZ"
_TIMESTAMP_FORM = re.compile(r"[0-9]{8}T[0-9]{6}Z", re.ASCII)
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_HEX = frozenset("0123456789abcdef")


class AuthError(AccessDeniedError):
    """The request could not be authenticated; always answered with HTTP 403."""

    http_status = 403


class MissingAuthentication(AuthError):
    """The request is not signed at all."""

    aws_code = "AccessDeniedException"


class IncompleteSignature(AuthError):
    """The ``Authorization`` header is not a well-formed SigV4 header."""

    aws_code = "IncompleteSignatureException"


class UnrecognizedClient(AuthError):
    """The access key id is not one the gateway knows."""

    aws_code = "UnrecognizedClientException"


class InvalidSignature(AuthError):
    """The signature does not match, is for another service, or has expired."""

    aws_code = "InvalidSignatureException"


def principal_arn(account: str, access_key: str, *,
                  partition: str = DEFAULT_PARTITION) -> str:
    """The ARN the services see as the caller of a request signed with ``access_key``."""
    return Arns(partition=partition, region="", account=account).iam(f"user/{access_key}")


def verify(*, method: str, path: str, query: str, headers: Any, body: bytes,
           credentials: Mapping[str, str], account: str,
           service: str | Collection[str] | None = None, region: str | None = None,
           partition: str = DEFAULT_PARTITION, must_sign: Iterable[str] = (),
           now: datetime | None = None) -> str:
    """Check the SigV4 signature of a request and return the caller's principal ARN
    (``arn:<partition>:iam::<account>:user/<KEYID>``); see :func:`authenticate`."""
    key = authenticate(method=method, path=path, query=query, headers=headers, body=body,
                       credentials=credentials, service=service, region=region,
                       must_sign=must_sign, now=now)
    return principal_arn(account, key, partition=partition)


def authenticate(*, method: str, path: str, query: str, headers: Any, body: bytes,
                 credentials: Mapping[str, str],
                 service: str | Collection[str] | None = None, region: str | None = None,
                 must_sign: Iterable[str] = (), now: datetime | None = None) -> str:
    """Check the SigV4 signature of a request and return the access key id that signed it.

    ``host`` and ``x-amz-date`` must be among the signed headers (so neither can be
    swapped), and so must every header of ``must_sign`` (``x-amz-target`` for AWS JSON
    1.1, whose operation it names). Odd input (bytes that are no UTF-8, a signature of
    the wrong length) is refused, never raised.

    Args:
        method: the HTTP method.
        path: the raw request path as sent, still percent-encoded, without the query.
        query: the raw query string as sent, without ``?``.
        headers: the request headers; a multi-dict (``items()`` may repeat names) or a
            plain mapping; names are matched without regard to case.
        body: the request body.
        credentials: access key id → secret access key.
        service: when given, the signing name (or names) the credential scope must name
            (``ssm-incidents``, ``ssm-contacts``, ``tocsin``).
        region: when given, the region the credential scope must name: the one this
            deployment serves (see :func:`check_region`).
        must_sign: headers that must be signed besides ``host`` and ``x-amz-date``.
        now: the current time (tests); default the system clock.

    Raises:
        AuthError: ``AccessDeniedException`` (not signed), ``IncompleteSignatureException``,
            ``UnrecognizedClientException`` or ``InvalidSignatureException``.
    """
    lowered = _lower_headers(headers)
    authorization = _first(lowered, "authorization")
    if not authorization:
        raise MissingAuthentication(
            "Request is missing Authentication Token: sign it with AWS Signature Version 4 "
            f"({ALGORITHM}) using a Tocsin access key")
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignature(
            f"Unsupported Authorization algorithm {algorithm!r}; expected {ALGORITHM}")
    parts = _parse_authorization(rest)
    for name in ("Credential", "SignedHeaders", "Signature"):
        if not parts.get(name):
            raise IncompleteSignature(
                f"Authorization header requires '{name}' parameter. "
                f"Authorization={authorization}")
    scope = parts["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or not all(scope):
        raise IncompleteSignature(
            "Credential must have the form KEYID/YYYYMMDD/region/service/aws4_request, "
            f"got {parts['Credential']!r}")
    access_key, scope_date, scope_region, scope_service, _ = scope
    secret = credentials.get(access_key)
    if secret is None:
        raise UnrecognizedClient("The security token included in the request is invalid.")
    if service is not None:
        allowed = (service,) if isinstance(service, str) else tuple(service)
        if scope_service not in allowed:
            named = "' or '".join(allowed)
            raise InvalidSignature(
                f"Credential should be scoped to correct service: '{named}'.")
    if region is not None:
        check_region(scope_region, region)

    timestamp = _request_timestamp(lowered)
    if scope_date != timestamp[:8]:
        raise InvalidSignature(
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
            f"date from HTTP: '{scope_date}' != '{timestamp[:8]}', from '{timestamp}'.")
    _check_skew(timestamp, now or datetime.now(UTC))

    payload_hash = _payload_hash(lowered, body)
    signed = parts["SignedHeaders"].lower().split(";")
    unsigned = [h for h in ("host", "x-amz-date", *must_sign) if h not in signed]
    if unsigned:
        raise InvalidSignature(
            f"The request signature must cover the headers {', '.join(unsigned)} "
            f"(SignedHeaders={parts['SignedHeaders']})")
    missing = [h for h in signed if h not in lowered]
    if missing:
        raise InvalidSignature(
            f"The request signature names headers it does not carry: {', '.join(missing)}")
    creq = canonical_request(method, path, query,
                             [(h, lowered[h]) for h in signed], payload_hash)
    string_to_sign = "\n".join([
        ALGORITHM, timestamp, "/".join(scope[1:]),
        hashlib.sha256(_bytes(creq)).hexdigest()])
    key = _signing_key(secret, scope_date, scope_region, scope_service)
    expected = hmac.new(key, _bytes(string_to_sign), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(_bytes(expected), _bytes(parts["Signature"].strip().lower())):
        raise InvalidSignature(
            "The request signature we calculated does not match the signature you "
            "provided. Check your AWS Secret Access Key and signing method. Consult the "
            "service documentation for details.")
    return access_key


def check_region(scope_region: str, served: str) -> None:
    """Refuse a credential scoped to a region this deployment does not serve, as AWS does
    (``InvalidSignatureException``), naming the region it serves: a client configured for
    another region (``--region us-east-1``) would otherwise act on this one unawares.

    Raises:
        InvalidSignature: ``scope_region`` is not ``served``.
    """
    if scope_region != served:
        raise InvalidSignature(
            f"Credential should be scoped to a valid region, not '{scope_region}'. "
            f"This deployment serves the region '{served}': sign for it "
            f"(--region {served}, region_name='{served}').")


def scope_service(headers: Any) -> str | None:
    """The service a request's SigV4 credential scope names, unverified; None when the
    request carries no well-formed ``Authorization`` header. Only for telling a request
    meant for another AWS service apart from one badly signed for this one."""
    authorization = _first(_lower_headers(headers), "authorization").strip()
    algorithm, _, rest = authorization.partition(" ")
    if algorithm != ALGORITHM:
        return None
    scope = _parse_authorization(rest).get("Credential", "").split("/")
    return (scope[3] or None) if len(scope) == 5 else None


def canonical_request(method: str, path: str, query: str,
                      headers: Iterable[tuple[str, list[str]]], payload_hash: str) -> str:
    """The SigV4 canonical request of a non-S3 service (see the module docstring)."""
    names: list[str] = []
    lines: list[str] = []
    for name, values in sorted(headers):
        names.append(name)
        lines.append(f"{name}:{','.join(' '.join(v.split()) for v in values)}")
    return "\n".join([
        method.upper(),
        _canonical_uri(path),
        _canonical_query(query),
        "\n".join(lines) + "\n",
        ";".join(names),
        payload_hash,
    ])


@functools.lru_cache(maxsize=1024)
def _canonical_uri(path: str) -> str:
    """Remembered: the same paths (every gRPC method's) come back call after call."""
    return quote(_remove_dot_segments(path) or "/", safe="/~", errors="surrogatepass")


def _lower_headers(headers: Any) -> dict[str, list[str]]:
    lowered: dict[str, list[str]] = {}
    for name, value in headers.items():
        lowered.setdefault(name.lower(), []).append(value)
    return lowered


def _first(headers: Mapping[str, list[str]], name: str) -> str:
    values = headers.get(name)
    return values[0] if values else ""


def _parse_authorization(rest: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in rest.split(","):
        name, sep, value = item.strip().partition("=")
        if sep:
            parts[name.strip()] = value.strip()
    return parts


def _request_timestamp(headers: Mapping[str, list[str]]) -> str:
    amz_date = _first(headers, "x-amz-date").strip()
    if amz_date:
        try:
            _parse_timestamp(amz_date)
        except ValueError:
            raise IncompleteSignature(
                f"X-Amz-Date must be in the ISO-8601 basic format YYYYMMDD'T'HHMMSS'Z', "
                f"got {amz_date!r}") from None
        return amz_date
    date = _first(headers, "date").strip()
    if date:
        try:
            return parsedate_to_datetime(date).astimezone(UTC).strftime(_TIMESTAMP)
        except (TypeError, ValueError):
            raise IncompleteSignature(f"Date header is not an HTTP date: {date!r}") from None
    raise IncompleteSignature("Authorization requires an X-Amz-Date or Date header")


def _check_skew(timestamp: str, now: datetime) -> None:
    """``timestamp`` (already checked well-formed) within :data:`MAX_SKEW` of ``now``."""
    earliest, latest = _window(int(now.timestamp()))
    # Timestamps of this form sort as their moments do: no datetime on the common path.
    if earliest <= timestamp <= latest:
        return
    moment = _parse_timestamp(timestamp)
    now = now.astimezone(UTC).replace(microsecond=0)
    if moment < now - MAX_SKEW:
        raise InvalidSignature(
            f"Signature expired: {timestamp} is now earlier than "
            f"{(now - MAX_SKEW).strftime(_TIMESTAMP)} "
            f"({now.strftime(_TIMESTAMP)} - 15 min.)")
    if moment > now + MAX_SKEW:
        raise InvalidSignature(
            f"Signature not yet current: {timestamp} is still later than "
            f"{(now + MAX_SKEW).strftime(_TIMESTAMP)} "
            f"({now.strftime(_TIMESTAMP)} + 15 min.)")


@functools.lru_cache(maxsize=4)
def _window(second: int) -> tuple[str, str]:
    """The earliest and latest timestamps accepted at ``second`` (epoch), as text."""
    now = datetime.fromtimestamp(second, UTC)
    return (now - MAX_SKEW).strftime(_TIMESTAMP), (now + MAX_SKEW).strftime(_TIMESTAMP)


def _payload_hash(headers: Mapping[str, list[str]], body: bytes) -> str:
    actual = hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256
    declared = _first(headers, "x-amz-content-sha256").strip()
    if not declared:
        return actual
    # Unsigned payloads are an S3-over-TLS convenience; over plain HTTP they would let
    # anyone on the path swap the body, so only a hash that matches is accepted.
    if len(declared) != 64 or not set(declared.lower()) <= _HEX:
        raise InvalidSignature(
            f"x-amz-content-sha256 must be the hex SHA-256 of the body, got {declared!r}")
    if declared.lower() != actual:
        raise InvalidSignature(
            "The provided 'x-amz-content-sha256' header does not match what was computed.")
    return declared


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = []
    for item in query.split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        pairs.append((quote(unquote(key), safe="-_.~", errors="surrogatepass"),
                      quote(unquote(value), safe="-_.~", errors="surrogatepass")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, also dropping empty segments (as botocore does)."""
    if not path:
        return ""
    output: list[str] = []
    for segment in path.split("/"):
        if not segment or segment == ".":
            continue
        if segment == "..":
            if output:
                output.pop()
        else:
            output.append(segment)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and output else ""
    return first + "/".join(output) + last


def _parse_timestamp(text: str) -> datetime:
    """``YYYYMMDD'T'HHMMSS'Z'`` as a UTC datetime (``strptime`` costs more than the rest
    of a verification).

    Raises:
        ValueError: not of that form, or no such moment.
    """
    if not _TIMESTAMP_FORM.fullmatch(text):
        raise ValueError(text)
    return datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]),
                    int(text[11:13]), int(text[13:15]), tzinfo=UTC)


@functools.lru_cache(maxsize=1024)
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """Derived once per key, day, region and service, as AWS recommends."""
    key = hmac.new(_bytes(f"AWS4{secret}"), _bytes(date), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, _bytes(part), hashlib.sha256).digest()
    return key


def _bytes(text: str) -> bytes:
    """UTF-8 that never raises: header values aiohttp could not decode arrive holding lone
    surrogates, and must fail the signature check rather than crash it."""
    return text.encode("utf-8", "surrogatepass")
