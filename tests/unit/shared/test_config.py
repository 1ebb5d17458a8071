"""Settings from TOCSIN_* variables."""

from __future__ import annotations

import pytest

from tocsin.shared.config import BaseSettings, ConfigError, Secret, load


class Settings(BaseSettings, frozen=True, kw_only=True):
    pool_max: int = 20
    token: Secret = Secret("")


class TestLoad:
    def test_defaults_and_conversion(self) -> None:
        """Unset variables take their defaults; set ones are converted to the field type."""
        s = load(Settings, {"TOCSIN_POOL_MAX": "7", "TOCSIN_REGION": "eu-1", "OTHER": "x"})
        assert (s.pool_max, s.region, s.account) == (7, "eu-1", "000000000000")

    def test_bad_type_names_the_variable(self) -> None:
        """A value of the wrong type stops start-up with the variable's name."""
        with pytest.raises(ConfigError, match="TOCSIN_POOL_MAX"):
            load(Settings, {"TOCSIN_POOL_MAX": "many"})

    def test_bad_value_names_the_variable(self) -> None:
        """A value the service can't run with is refused naming the variable."""
        with pytest.raises(ConfigError, match="TOCSIN_ACCOUNT"):
            load(Settings, {"TOCSIN_ACCOUNT": "12"})

    def test_metrics_address(self) -> None:
        """TOCSIN_METRICS_ADDR is host:port, or unset (no metrics endpoint)."""
        assert load(Settings, {}).metrics_addr == ""
        assert load(Settings, {"TOCSIN_METRICS_ADDR": "127.0.0.1:0"}).metrics_addr \
            == "127.0.0.1:0"
        with pytest.raises(ConfigError, match="TOCSIN_METRICS_ADDR must be host:port"):
            load(Settings, {"TOCSIN_METRICS_ADDR": "9400"})

    def test_stream_replicas_and_byte_limits(self) -> None:
        """Streams are kept on one server, bounded by age alone, unless the deployment says
        on how many servers and how many bytes each kind of stream may hold."""
        s = load(Settings, {})
        assert (s.stream_replicas, s.stream_byte_limits) == (1, {})
        s = load(Settings, {"TOCSIN_STREAM_REPLICAS": "3",
                            "TOCSIN_STREAM_MAX_BYTES": "events=64G, audit=512m,alarms=1024"})
        assert s.stream_replicas == 3
        assert s.stream_byte_limits == {"EVENTS": 64 * 2**30, "AUDIT": 512 * 2**20,
                                        "ALARMS": 1024}
        with pytest.raises(ConfigError, match="TOCSIN_STREAM_MAX_BYTES must be kind=size"):
            load(Settings, {"TOCSIN_STREAM_MAX_BYTES": "events=lots"})
        with pytest.raises(ConfigError, match="TOCSIN_STREAM_REPLICAS"):
            load(Settings, {"TOCSIN_STREAM_REPLICAS": "0"})

    def test_comma_separated_nats_urls(self) -> None:
        """TOCSIN_NATS_URL may list several servers."""
        s = load(Settings, {"TOCSIN_NATS_URL": "nats://a:4222, nats://b:4222"})
        assert s.nats_servers == ["nats://a:4222", "nats://b:4222"]

    def test_secrets_stay_out_of_repr(self) -> None:
        """A secret's value never appears in the settings' repr, hence in a log line."""
        s = load(Settings, {"TOCSIN_TOKEN": "hunter2"})
        assert s.token == "hunter2"
        assert "hunter2" not in repr(s)
