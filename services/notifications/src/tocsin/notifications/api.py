"""The notifications service's requests, on ``tocsin.rpc.notifications.<Operation>``
(:mod:`tocsin.shared.contracts.notifications`): the inbound webhooks and acknowledgement
links the gateway forwards, Slack commands (:mod:`tocsin.notifications.chat.slack`), and
``DescribeDelivery`` (by ``DeliveryId``, or by ``PageArn`` for every request of a page: what
the gateway serves at ``GET /v1/deliveries?pageArn=``). Answering at
all is what puts an instance in ``/healthz``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
import msgspec

from tocsin.notifications.chat.slack import SlackCommands
from tocsin.notifications.delivery.store import DeliveryRecord, DeliveryStore
from tocsin.notifications.inbound.handlers import InboundHandlers
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.contracts import notifications as nc
from tocsin.shared.errors import NotFoundError, ValidationError

__all__ = ["operations"]


class _DescribeDelivery(msgspec.Struct, rename="pascal", kw_only=True):
    """One of the two: a delivery request's id, or a page's ARN (every request of it)."""

    delivery_id: str | None = None
    page_arn: str | None = None


def _status(r: DeliveryRecord) -> nc.DeliveryStatus:
    return nc.DeliveryStatus(
        delivery_id=r.id, kind=r.kind, channel_type=r.channel_type, state=r.state.upper(),
        attempts=r.attempts, provider=r.provider, delay_reason=r.delay_reason,
        expected_send_at=r.expected_send_at.timestamp() if r.expected_send_at else None,
        sent_at=r.sent_at.timestamp() if r.sent_at else None, last_error=r.last_error,
        priority=r.priority, channel_arn=r.channel_arn, page_arn=r.page_arn,
        resends=r.resends, received_at=r.received_at.timestamp())


def operations(pool: asyncpg.Pool, inbound: InboundHandlers,
               slack: SlackCommands) -> Mapping[str, Handler]:
    """Operation name → handler, for the request/reply server."""

    async def describe_delivery(req: RpcRequest) -> Any:
        cmd: _DescribeDelivery = req.decode(_DescribeDelivery)
        if (cmd.delivery_id is None) == (cmd.page_arn is None):
            raise ValidationError("DescribeDelivery takes one of DeliveryId and PageArn")
        if cmd.page_arn is not None:
            return nc.PageDeliveries(page_arn=cmd.page_arn, deliveries=[
                _status(r) for r in await DeliveryStore.of_page(pool, cmd.page_arn)])
        assert cmd.delivery_id is not None
        r = await DeliveryStore.get(pool, cmd.delivery_id)
        if r is None:
            raise NotFoundError(f"Delivery {cmd.delivery_id} is not known",
                                resource_type="DELIVERY", resource_id=cmd.delivery_id)
        return _status(r)

    return {"DescribeDelivery": describe_delivery, "SlackCommand": slack.handle,
            **inbound.operations()}
