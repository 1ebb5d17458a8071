"""Publish an alarm event file to Tocsin's NATS, as an alerting tool would.

    python docs/examples/publish_alarm.py --nats nats://127.0.0.1:4223 --plan api-outage \\
        docs/examples/cloudwatch-alarm.json

The event gets a fresh ``id`` (Tocsin ingests each id once) and the current ``time`` (and,
for a CloudWatch alarm, state timestamp) unless ``--as-is``. It goes to the JetStream
stream ``ALARMS`` on ``alarms.<source>`` (``aws.cloudwatch`` → ``alarms.cloudwatch``), with
the header ``Tocsin-Response-Plan`` when ``--plan`` is given (else the event rules route
it); the stream's acknowledgement is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats


def refreshed(event: dict[str, Any]) -> dict[str, Any]:
    """``event`` with a new id and the current time."""
    now = datetime.now(UTC)
    event = {**event, "id": str(uuid.uuid4()), "time": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
    state = event.get("detail", {}).get("state")
    if isinstance(state, dict) and "timestamp" in state:
        state["timestamp"] = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now:%f}"[:3] + "+0000"
    return event


async def publish(url: str, plan: str | None, event: dict[str, Any]) -> None:
    subject = "alarms." + str(event.get("source", "custom")).removeprefix("aws.")
    headers = {"Tocsin-Response-Plan": plan} if plan else None
    nc = await nats.connect(url)
    try:
        ack = await nc.jetstream().publish(subject, json.dumps(event).encode(),
                                           headers=headers)
        print(f"published {event['id']} to {subject} (stream {ack.stream}, seq {ack.seq})")
    finally:
        await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path, help="an EventBridge-shaped event (JSON)")
    parser.add_argument("--nats", default="nats://127.0.0.1:4223", help="NATS URL")
    parser.add_argument("--plan", help="response plan name or ARN (else: event rules)")
    parser.add_argument("--as-is", action="store_true", help="keep the file's id and time")
    args = parser.parse_args()
    event = json.loads(args.file.read_text())
    asyncio.run(publish(args.nats, args.plan, event if args.as_is else refreshed(event)))


if __name__ == "__main__":
    main()
