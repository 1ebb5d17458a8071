"""The gateway's settings."""

from __future__ import annotations

import ipaddress
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
    rpc_timeout: float = 10.0
    """Seconds to wait for a service to answer a request."""
    tls_cert: str = ""
    """PEM certificate (chain) file: with ``tls_key``, HTTPS and gRPC over TLS."""
    tls_key: str = ""
    """PEM private key file of ``tls_cert``."""
    allow_plaintext: bool = False
    """Serve without TLS on an address other machines reach (behind a TLS-terminating
    proxy, say); otherwise refused."""

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
