"""Typed settings read from the ``TOCSIN_*`` environment variables.

Every service declares a frozen ``msgspec.Struct`` deriving from :class:`BaseSettings`;
:func:`load` builds it once at start-up from an injectable mapping, so a bad value
stops the process with a message naming the variable instead of failing on first use.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, TypeVar

import msgspec
from msgspec import Meta

from tocsin.shared.arns import Arns, check_partition

__all__ = ["PREFIX", "BaseSettings", "ConfigError", "Secret", "ServiceSettings", "load"]

PREFIX = "TOCSIN_"


class ConfigError(Exception):
    """A ``TOCSIN_*`` variable has a value the service cannot run with."""


class Secret(str):
    """A string whose ``repr`` hides the value, so secrets never reach a log line."""

    def __repr__(self) -> str:
        return "Secret('**********')"


_SIZE = re.compile(r"([0-9]+)([KMGT]?)", re.IGNORECASE)


class BaseSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Settings every Tocsin process shares."""

    nats_url: str = "nats://127.0.0.1:4222"
    """NATS server URL(s), comma separated."""
    database_url: str = "postgresql://127.0.0.1:5432/postgres"
    """PostgreSQL DSN."""
    region: str = "local-1"
    """This deployment's region name; it names the event stream and subjects."""
    account: str = "000000000000"
    """Account id used in ARNs."""
    arn_partition: str = "tocsin"
    """The partition of every ARN this deployment issues and accepts (:mod:`tocsin.shared.arns`):
    ``tocsin``, or ``aws`` for tooling that builds ``arn:aws:`` ARNs."""
    schema_prefix: str = ""
    """Prefix of each service's PostgreSQL schema name (tests isolate themselves with it)."""
    log_level: str = "info"
    """Minimum level of log lines: debug, info, warning or error."""
    log_json: bool | None = None
    """JSON lines (true) or console rendering (false); unset means JSON unless on a terminal."""
    shutdown_grace: float = 10.0
    """Seconds in-flight work may take to finish after SIGTERM before it is cancelled."""
    clock_scale: float = 1.0
    """How many seconds of plan time pass per real second."""
    nats_credentials: Secret = Secret("")
    """This process's NATS identity (``user:password`` or a credentials file); a service's
    own ``TOCSIN_NATS_CREDENTIALS_<SERVICE>`` comes first. Empty: connect anonymously, as
    the server allows (an open bus, which the start-up log and ``/healthz`` point out)."""
    nats_ca_file: str = ""
    """The CA that signs the NATS servers' certificates, for ``tls://`` URLs (empty: the
    system's)."""
    principal_signing_key: Secret = Secret("")
    """The Ed25519 key (base64, or a file holding it) this identity signs the principals it
    acts for with (:mod:`tocsin.shared.bus.principals`)."""
    principal_signers: str = ""
    """``name=<base64 public key>`` pairs, comma separated (or a file holding them): whose
    signed principals a service trusts. Empty: ``Tocsin-Principal`` is trusted unsigned."""
    clock_epoch: float | None = None
    """Unix seconds at which plan time equals real time when ``clock_scale`` is not 1; the
    same for every process of a deployment (see :class:`tocsin.shared.clock.ScaledClock`).
    Unset: each process's own start."""
    master_key_file: str = ""
    """The key-encryption key of personal data at rest (:mod:`tocsin.shared.keys`): a file
    of base64 keys, mode 0600. ``make run`` generates one in the data directory."""
    vault_addr: str = ""
    """HashiCorp Vault, whose Transit engine may hold the key-encryption key instead."""
    vault_transit_key: str = ""
    """The Vault Transit key that ``SseKmsKeyId`` ``DefaultKey`` names when there is no
    master key file."""
    metrics_addr: str = ""
    """``host:port`` where this process serves its Prometheus metrics (port 0 picks a free
    one); empty: none. One per process: ``make run`` gives each instance its own."""
    stream_replicas: Annotated[int, Meta(ge=1, le=5)] = 1
    """On how many servers of the JetStream cluster each stream this process declares is
    kept (``TOCSIN_STREAM_REPLICAS``): 1 on one server, 3 in production."""
    stream_max_bytes: str = ""
    """Byte limits of streams by kind, ``events=64G,audit=16G`` (suffixes K, M, G, T of
    1024; ``TOCSIN_STREAM_MAX_BYTES``); a stream not named is bounded by age alone. See
    :func:`tocsin.shared.bus.streams.sized`."""

    def __post_init__(self) -> None:
        if not self.region or not all(c.isalnum() or c == "-" for c in self.region):
            raise ValueError("TOCSIN_REGION must be letters, digits and '-'")
        if len(self.account) != 12 or not self.account.isdigit():
            raise ValueError("TOCSIN_ACCOUNT must be 12 digits")
        check_partition(self.arn_partition)
        if self.clock_scale <= 0:
            raise ValueError("TOCSIN_CLOCK_SCALE must be positive")
        if self.log_level.lower() not in ("debug", "info", "warning", "error"):
            raise ValueError("TOCSIN_LOG_LEVEL must be debug, info, warning or error")
        _ = self.stream_byte_limits  # parsed here too, so that a bad value stops start-up
        if self.metrics_addr:
            _, sep, port = self.metrics_addr.rpartition(":")
            if not sep or not port.isdigit() or int(port) > 65535:
                raise ValueError(f"TOCSIN_METRICS_ADDR must be host:port, got "
                                 f"{self.metrics_addr!r}")

    @property
    def arns(self) -> Arns:
        """The ARNs this deployment issues: its partition, region and account."""
        return Arns(partition=self.arn_partition, region=self.region, account=self.account)

    @property
    def stream_byte_limits(self) -> dict[str, int]:
        """``TOCSIN_STREAM_MAX_BYTES`` as stream kind (``EVENTS``) → bytes."""
        limits: dict[str, int] = {}
        for pair in filter(None, (p.strip() for p in self.stream_max_bytes.split(","))):
            kind, _, size = pair.partition("=")
            match = _SIZE.fullmatch(size.strip())
            if not kind.strip() or not match:
                raise ValueError("TOCSIN_STREAM_MAX_BYTES must be kind=size pairs, comma "
                                 f"separated (events=64G,audit=16G), got {pair!r}")
            number, unit = match.groups()
            power = " KMGT".index(unit.upper() or " ")
            limits[kind.strip().upper()] = int(number) * 1024 ** power
        return limits

    @property
    def nats_servers(self) -> list[str]:
        """The NATS URLs as a list."""
        return [u.strip() for u in self.nats_url.split(",") if u.strip()]


class ServiceSettings(BaseSettings, frozen=True, kw_only=True):
    """Settings of a service that keeps state: its schema, pool, requests and outbox."""

    service: ClassVar[str]
    """The service's name; its PostgreSQL schema is ``<schema_prefix><service>``."""

    outbox_relay: bool = True
    """Publish this service's outbox from this instance (one instance relays at a time)."""
    outbox_poll_interval: float = 1.0
    """Seconds between outbox scans when no commit has signalled new events."""
    rpc_concurrency: int = 256
    """Requests one instance works on at once."""
    pool_max: int = 20
    """Most PostgreSQL connections one instance holds."""
    inbox_rescan: float = 10.0
    """Seconds between two looks for mirrors of other regions' events (a region added to
    the replication set is read from then on; :mod:`tocsin.shared.replication.inbox`)."""
    inbox_retention_days: float = 31.0
    """Days the inbox keeps a consumed event's id (at least the 30 days ``EVENTS_<REGION>``
    keeps the event: :mod:`tocsin.shared.db.retention`)."""
    client_token_retention_days: float = 31.0
    """Days an idempotent call's token and result are kept for a retry."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.inbox_retention_days < 30:
            raise ValueError("TOCSIN_INBOX_RETENTION_DAYS must be at least 30 (EVENTS_<REGION> "
                             "keeps events 30 days; a redelivered one must still be known)")
        if self.client_token_retention_days <= 0:
            raise ValueError("TOCSIN_CLIENT_TOKEN_RETENTION_DAYS must be positive")

    @property
    def schema(self) -> str:
        return f"{self.schema_prefix}{self.service}"


S = TypeVar("S", bound=BaseSettings)


def load(cls: type[S], environ: Mapping[str, str] | None = None) -> S:
    """Build ``cls`` from the ``TOCSIN_*`` variables in ``environ`` (default ``os.environ``).

    Raises:
        ConfigError: naming the variable whose value does not fit its field.
    """
    env = os.environ if environ is None else environ
    fields = {f.name for f in msgspec.structs.fields(cls)}
    raw: dict[str, Any] = {}
    for key, value in env.items():
        if key.startswith(PREFIX):
            name = key[len(PREFIX) :].lower()
            if name in fields and value != "":
                raw[name] = value
    try:
        return msgspec.convert(raw, cls, strict=False, dec_hook=_decode)
    except msgspec.ValidationError as exc:
        raise ConfigError(_explain(str(exc))) from None


def _decode(tp: type, value: Any) -> Any:
    if tp is Secret and isinstance(value, str):
        return Secret(value)
    raise TypeError(f"no decoder for {tp}")


def _explain(message: str) -> str:
    """Turn msgspec's ``... - at `$.pool_max``` into a message naming the variable."""
    text, sep, where = message.rpartition(" - at `$.")
    if sep:
        return f"{PREFIX}{where.rstrip('`').upper()}: {text}"
    return message
