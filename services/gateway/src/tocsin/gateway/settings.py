"""The gateway's settings."""

from __future__ import annotations

import ipaddress
import json
import ssl
from pathlib import Path

from tocsin.shared.config import BaseSettings, Secret

__all__ = ["Settings"]


class Settings(BaseSettings, frozen=True, kw_only=True):
    """Where the gateway listens and whom it lets in."""

    grpc_addr: str = "127.0.0.1:50051"
    """gRPC listen address, ``host:port`` (port 0 picks a free one)."""
    http_addr: str = "127.0.0.1:8080"
    """HTTP listen address for the AWS-compatible API, webhooks, console and /healthz."""
    public_url: str = ""
    """Base of links sent to people; defaults to ``http://<http_addr>``."""
    access_keys: Secret = Secret("")
    """``KEYID:SECRET`` pairs, comma separated, that SigV4-signed requests are checked against."""
    policy_file: str = ""
    """``TOCSIN_POLICY_FILE``: principals, their access keys and identity policies (JSON,
    :mod:`tocsin.gateway.access.principals`); read again when it changes."""
    rpc_timeout: float = 10.0
    """Seconds to wait for a service to answer a request."""
    tls_cert: str = ""
    """PEM certificate (chain) file: with ``tls_key``, HTTPS and gRPC over TLS."""
    tls_key: str = ""
    """PEM private key file of ``tls_cert``."""
    allow_plaintext: bool = False
    """Serve without TLS on an address other machines reach (behind a TLS-terminating
    proxy, say); otherwise refused."""
    audit_retention_days: float = 90.0
    """How long the audit trail (``AUDIT_<REGION>``) keeps its CloudTrail records."""
    throttle_rate: float = 10_000.0
    """Calls per second one principal may make, on average (a token bucket)."""
    throttle_burst: float = 20_000.0
    """Calls one principal may make at once (the bucket's size)."""
    integration_key_rate: float = 200.0
    """Webhook calls per second one integration key may make, on average."""
    integration_key_burst: float = 1000.0
    """Webhook calls one integration key may make at once."""
    slack_users: str = ""
    """``TOCSIN_SLACK_USERS``: JSON, Slack user id → the ARN of the principal whose
    policies that user's Slack commands are authorised by (``{"U024BE7LH":
    "arn:tocsin:iam::000000000000:user/alice"}``); a Slack user not listed may only ask
    for help."""
    watch_limit: int = 32
    """Open ``WatchEvents`` streams one principal may hold on one gateway."""
    grpc_max_concurrent_rpcs: int = 2048
    """Calls the gRPC server runs at once; beyond it a call is refused RESOURCE_EXHAUSTED."""

    def __post_init__(self) -> None:
        super().__post_init__()
        for name, addr in (("TOCSIN_GRPC_ADDR", self.grpc_addr),
                           ("TOCSIN_HTTP_ADDR", self.http_addr)):
            host, sep, port = addr.rpartition(":")
            if not sep or not host or not port.isdigit() or int(port) > 65535:
                raise ValueError(f"{name} must be host:port, got {addr!r}")
            if not self.tls and not self.allow_plaintext and not _loopback(host):
                raise ValueError(
                    f"{name} is {addr}, which other machines reach, and TLS is off: set "
                    "TOCSIN_TLS_CERT and TOCSIN_TLS_KEY (or TOCSIN_ALLOW_PLAINTEXT=1 behind "
                    "a proxy that terminates TLS)")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("TOCSIN_TLS_CERT and TOCSIN_TLS_KEY go together")
        self.credentials  # noqa: B018 - validates TOCSIN_ACCESS_KEYS at start-up
        self.slack_principals  # noqa: B018 - and TOCSIN_SLACK_USERS
        if self.policy_file:  # a missing or broken policy file stops the start, named
            from tocsin.gateway.access.principals import check_policy_file

            check_policy_file(self.policy_file)
        for name, number in (("TOCSIN_AUDIT_RETENTION_DAYS", self.audit_retention_days),
                             ("TOCSIN_THROTTLE_RATE", self.throttle_rate),
                             ("TOCSIN_THROTTLE_BURST", self.throttle_burst),
                             ("TOCSIN_INTEGRATION_KEY_RATE", self.integration_key_rate),
                             ("TOCSIN_INTEGRATION_KEY_BURST", self.integration_key_burst),
                             ("TOCSIN_WATCH_LIMIT", self.watch_limit),
                             ("TOCSIN_GRPC_MAX_CONCURRENT_RPCS",
                              self.grpc_max_concurrent_rpcs)):
            if number <= 0:
                raise ValueError(f"{name} must be positive")

    @property
    def credentials(self) -> dict[str, str]:
        """Access key id → secret access key."""
        keys: dict[str, str] = {}
        for pair in self.access_keys.split(","):
            pair = pair.strip()
            if not pair:
                continue
            key_id, sep, secret = pair.partition(":")
            if not sep or not key_id or not secret:
                raise ValueError("TOCSIN_ACCESS_KEYS must be KEYID:SECRET pairs, comma separated")
            keys[key_id] = secret
        return keys

    @property
    def tls(self) -> bool:
        """Whether the gateway serves over TLS."""
        return bool(self.tls_cert and self.tls_key)

    def ssl_context(self) -> ssl.SSLContext | None:
        """The HTTPS server's TLS context (None: plain HTTP)."""
        if not self.tls:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.tls_cert, self.tls_key)
        return context

    def grpc_credentials(self) -> tuple[bytes, bytes] | None:
        """The gRPC server's (key, certificate chain) PEM bytes (None: plaintext)."""
        if not self.tls:
            return None
        return Path(self.tls_key).read_bytes(), Path(self.tls_cert).read_bytes()

    @property
    def slack_principals(self) -> dict[str, str]:
        """``TOCSIN_SLACK_USERS`` read: Slack user id → principal ARN."""
        if not self.slack_users.strip():
            return {}
        try:
            users = json.loads(self.slack_users)
        except ValueError as exc:
            raise ValueError(f"TOCSIN_SLACK_USERS is not JSON: {exc}") from None
        if not isinstance(users, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and v.startswith("arn:")
                for k, v in users.items()):
            raise ValueError("TOCSIN_SLACK_USERS must map Slack user ids to principal ARNs")
        return users

    @property
    def link_base(self) -> str:
        """The base URL of links Tocsin sends to people."""
        scheme = "https" if self.tls else "http"
        return (self.public_url or f"{scheme}://{self.http_addr}").rstrip("/")


def _loopback(host: str) -> bool:
    """Whether ``host`` (a listen address) is reached from this machine only."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything
