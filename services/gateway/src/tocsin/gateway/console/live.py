"""The incident list's live feed: Server-Sent Events from the region's event stream.

Each open list holds one ``EventSource`` on ``/console/live``. The gateway reads
``EVENTS_<REGION>`` for it with the very consumer ``WatchEvents`` uses
(:class:`~tocsin.gateway.watch.OrderedConsumer`, filtered by a
:class:`~tocsin.gateway.watch.Watch` on the incident record events), reads the changed record
back as the signed-in principal (so the feed shows only what the viewer may read), and sends
its tile's HTML as an ``incident`` event; the page's script puts it in place. An incident's
page holds one on ``/console/incident/live``, told of every event about that incident.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp_sse import sse_response

from tocsin.gateway.watch import OrderedConsumer, Watch
from tocsin.proto.events.v1 import events_pb2
from tocsin.shared import errors
from tocsin.shared.bus import Bus, events_stream
from tocsin.shared.logging import bound, get_logger

__all__ = ["INCIDENT_EVENTS", "Feed"]

log = get_logger(__name__)

INCIDENT_EVENTS = ("IncidentRecordCreated", "IncidentRecordUpdated", "IncidentRecordResolved",
                   "IncidentRecordDeleted")
"""The incidents service's events that change a tile."""
PING = 10.0
"""Seconds between SSE comments that keep proxies from closing an idle feed (and tell the
gateway that the browser has gone)."""

Render = Callable[[str, str], Awaitable[str | None]]
"""``(incident ARN, event type)`` → the tile's HTML as the viewer sees it, or ``None``
when it does not belong on the viewer's list."""


class Feed:
    """Streams what changes to every open list and incident page until the browser leaves
    or the gateway stops."""

    def __init__(self, bus: Bus, region: str) -> None:
        self._bus = bus
        self._region = region
        self._stream = events_stream(region).name or ""
        self.stopping = asyncio.Event()
        """Set when the gateway shuts down: every feed ends."""

    async def tiles(self, request: web.Request, render: Render) -> web.StreamResponse:
        """Send an ``incident`` event with the tile of each incident record that changes
        from now on."""
        return await self._serve(request, events_pb2.WatchEventsRequest(
            services=["incidents"], event_types=list(INCIDENT_EVENTS)), render, "incident")

    async def changes(self, request: web.Request, incident_arn: str) -> web.StreamResponse:
        """Send a ``changed`` event (its data the event's type) whenever any service reports
        something about the incident ``incident_arn``: its page refreshes itself. Only the
        type goes to the browser; the page reads the rest as its viewer."""
        async def name(arn: str, event_type: str) -> str:
            return event_type

        return await self._serve(request, events_pb2.WatchEventsRequest(
            incident_arns=[incident_arn]), name, "changed")

    async def _serve(self, request: web.Request, wanted: events_pb2.WatchEventsRequest,
                     render: Render, event_name: str) -> web.StreamResponse:
        watch = Watch.from_request(wanted, self._region)
        feed_id = uuid.uuid4().hex[:12]
        stop = asyncio.Event()
        consumer = OrderedConsumer(self._bus, self._stream, watch.subjects,
                                   description=f"console feed {feed_id}")
        with bound(None, feed=feed_id):
            async with sse_response(request, ping_interval=PING) as response:
                gone = asyncio.ensure_future(response.wait())
                stopping = asyncio.ensure_future(self.stopping.wait())
                gone.add_done_callback(lambda _: stop.set())
                stopping.add_done_callback(lambda _: stop.set())
                try:
                    await consumer.open(watch, stop)
                    await response.send("", event="ready")
                    while (item := await consumer.next()) is not None:
                        event = watch.event(*item)
                        if event is None:
                            continue
                        data = await render(event.incident_arn, event.type)
                        if data is not None:
                            await response.send(data, event=event_name,
                                                id=str(event.sequence))
                except errors.ServiceUnavailable as exc:
                    log.warning("console.feed_unavailable", error=exc.message)
                except (ConnectionResetError, TimeoutError):
                    pass  # the browser left, or stopped reading: its EventSource reconnects
                finally:
                    for task in (gone, stopping):
                        task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await asyncio.gather(gone, stopping, return_exceptions=True)
                    await consumer.close()
        return response
