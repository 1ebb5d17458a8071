"""The gateway's settings."""

from __future__ import annotations

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

    def __post_init__(self) -> None:
        super().__post_init__()
        for name, addr in (("TOCSIN_GRPC_ADDR", self.grpc_addr),
                           ("TOCSIN_HTTP_ADDR", self.http_addr)):
            host, sep, port = addr.rpartition(":")
            if not sep or not host or not port.isdigit() or int(port) > 65535:
                raise ValueError(f"{name} must be host:port, got {addr!r}")
        self.credentials  # noqa: B018 - validates TOCSIN_ACCESS_KEYS at start-up

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
    def link_base(self) -> str:
        """The base URL of links Tocsin sends to people."""
        return (self.public_url or f"http://{self.http_addr}").rstrip("/")
