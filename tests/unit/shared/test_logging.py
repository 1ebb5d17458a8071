"""Log context carried between services in NATS headers."""

from __future__ import annotations

import structlog
from structlog.testing import capture_logs

from tocsin.shared.logging import bind, bound, context_headers, get_logger


class TestContext:
    def test_headers_bind_and_travel_on(self) -> None:
        """Context from incoming headers is on every log line and in outgoing headers."""
        incoming = {"Tocsin-Request-Id": "req-1", "Other": "x"}
        with bound(incoming, operation="StartIncident"), capture_logs() as logs:
            bind(incident_arn="arn:tocsin:ssm-incidents::000000000000:incident-record/p/1")
            get_logger().info("incident.opened")
            outgoing = context_headers()
        assert logs[0]["event"] == "incident.opened"
        assert outgoing == {
            "Tocsin-Request-Id": "req-1",
            "Tocsin-Incident-Arn": "arn:tocsin:ssm-incidents::000000000000:incident-record/p/1"}

    def test_context_ends_with_the_message(self) -> None:
        """What a message bound is gone once its handling ends."""
        with bound({"Tocsin-Request-Id": "req-2"}):
            pass
        assert "request_id" not in structlog.contextvars.get_contextvars()
