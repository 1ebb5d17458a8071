"""The notifications service's requests, on ``tocsin.rpc.notifications.<Operation>``
(:mod:`tocsin.shared.contracts.notifications`): the inbound webhooks and acknowledgement
links the gateway forwards, Slack commands (:mod:`tocsin.notifications.slack`), and
``DescribeDelivery`` for operators and tests. Answering at
all is what puts an instance in ``/healthz``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
import msgspec

from tocsin.notifications.inbound import InboundHandlers
from tocsin.notifications.slack import SlackCommands
from tocsin.notifications.store import DeliveryStore
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.contracts import notifications as nc
from tocsin.shared.errors import NotFoundError

__all__ = ["operations"]


class _DeliveryId(msgspec.Struct, rename="pascal", kw_only=True):
    delivery_id: str


def operations(pool: asyncpg.Pool, inbound: InboundHandlers,
               slack: SlackCommands) -> Mapping[str, Handler]:
    """Operation name → handler, for the request/reply server."""

    async def describe_delivery(req: RpcRequest) -> Any:
        cmd: _DeliveryId = req.decode(_DeliveryId)
        r = await DeliveryStore.get(pool, cmd.delivery_id)
        if r is None:
            raise NotFoundError(f"Delivery {cmd.delivery_id} is not known",
                                resource_type="DELIVERY", resource_id=cmd.delivery_id)
        return nc.DeliveryStatus(
            delivery_id=r.id, kind=r.kind, channel_type=r.channel_type, state=r.state.upper(),
            attempts=r.attempts, provider=r.provider, delay_reason=r.delay_reason,
            expected_send_at=r.expected_send_at.timestamp() if r.expected_send_at else None,
            sent_at=r.sent_at.timestamp() if r.sent_at else None, last_error=r.last_error,
            priority=r.priority)

    return {"DescribeDelivery": describe_delivery, "SlackCommand": slack.handle,
            **inbound.operations()}
