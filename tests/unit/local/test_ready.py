"""Tests for tocsin.local.ready: what ``make run`` prints once Tocsin answers."""

from __future__ import annotations

from pathlib import Path

from tocsin.local.credentials import resolve
from tocsin.local.ready import ALARM_EXAMPLE, Endpoints, ready_block

REPO = Path(__file__).resolve().parents[3]
AT = Endpoints(http="http://127.0.0.1:8080", grpc="127.0.0.1:50051",
               nats="nats://127.0.0.1:4223", region="local-1")


def block(tmp_path: Path, **options: object) -> str:
    kwargs: dict[str, object] = {"took": 1.0, "running": "1 gateway", "at": AT,
                                 "creds": resolve(tmp_path, {}), "smtp_configured": True,
                                 "repo": REPO, **options}
    return ready_block(**kwargs)  # type: ignore[arg-type]


class TestReadyBlock:
    def test_names_only_what_exists(self, tmp_path: Path) -> None:
        """HTTP, the console, gRPC and NATS addresses."""
        text = block(tmp_path)
        assert "Tocsin is ready" in text
        assert "http://127.0.0.1:8080" in text and "127.0.0.1:50051" in text
        assert "nats://127.0.0.1:4223" in text
        assert "Console http://127.0.0.1:8080/console/" in text

    def test_first_call_creates_the_replication_set(self, tmp_path: Path) -> None:
        """The first command shown works on a fresh install: create-replication-set, with
        the credentials file and profile, then a list."""
        creds = resolve(tmp_path, {})
        text = block(tmp_path, creds=creds)
        assert f"export AWS_SHARED_CREDENTIALS_FILE={creds.path} AWS_PROFILE=tocsin" in text
        create = text.index("ssm-incidents create-replication-set --regions "
                            "'{\"local-1\": {}}' --endpoint-url http://127.0.0.1:8080 "
                            "--region local-1")
        assert create < text.index("ssm-incidents list-response-plans")
        assert 'boto3.Session(profile_name="tocsin")' in text

    def test_alarm_example_names_the_nats_url_and_the_sample_file(self, tmp_path: Path
                                                                  ) -> None:
        text = block(tmp_path)
        assert (REPO / ALARM_EXAMPLE).exists()
        assert f"--nats nats://127.0.0.1:4223 --plan api-outage {REPO / ALARM_EXAMPLE}" in text
        assert ("nats pub --server nats://127.0.0.1:4223 alarms.cloudwatch "
                "-H 'Tocsin-Response-Plan: api-outage'") in text

    def test_warns_when_no_smtp_is_configured(self, tmp_path: Path) -> None:
        assert "TOCSIN_SMTP_HOST" not in block(tmp_path, smtp_configured=True)
        assert "Warning: no SMTP server configured (TOCSIN_SMTP_HOST)" in block(
            tmp_path, smtp_configured=False)

    def test_never_prints_a_secret(self, tmp_path: Path) -> None:
        """Neither a generated secret nor one from the environment appears."""
        generated = resolve(tmp_path, {})
        from_env = resolve(tmp_path, {"TOCSIN_ACCESS_KEYS": "AKID:hush"})
        for creds in (generated, from_env):
            secret = str(creds.access_keys).partition(":")[2]
            assert secret not in block(tmp_path, creds=creds)
