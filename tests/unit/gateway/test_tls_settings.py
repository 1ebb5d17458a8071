"""The gateway's TLS settings: no plaintext on an address other machines reach unless the
operator says a proxy terminates TLS; certificate and key go together."""

from __future__ import annotations

import pytest

from tocsin.gateway.settings import Settings
from tocsin.shared import config


def load(**env: str) -> Settings:
    return config.load(Settings, {f"TOCSIN_{k.upper()}": v for k, v in env.items()})


@pytest.mark.parametrize("addr", ["0.0.0.0:8080", "10.1.2.3:8080", "[::]:8080",
                                  "tocsin.example.com:8080"])
def test_a_reachable_address_without_tls_is_refused(addr: str) -> None:
    with pytest.raises(config.ConfigError, match=r"TOCSIN_HTTP_ADDR .* TLS is off"):
        load(http_addr=addr)
    assert load(http_addr=addr, allow_plaintext="1").link_base == f"http://{addr}"


@pytest.mark.parametrize("addr", ["127.0.0.1:8080", "[::1]:8080", "localhost:8080",
                                  "127.0.0.2:0"])
def test_loopback_may_be_plain(addr: str) -> None:
    assert not load(http_addr=addr).tls


def test_tls_needs_both_files_and_makes_links_https() -> None:
    with pytest.raises(config.ConfigError, match="go together"):
        load(tls_cert="/etc/tocsin/cert.pem")
    settings = load(http_addr="0.0.0.0:8443", grpc_addr="0.0.0.0:50051",
                    tls_cert="/c.pem", tls_key="/k.pem")
    assert settings.tls and settings.link_base == "https://0.0.0.0:8443"
