"""The escalation service's composition root: its table for the service kernel."""

from __future__ import annotations

from datetime import timedelta

from tocsin.escalation import api
from tocsin.escalation.handlers import Plans, plan_consumers, timer_worker
from tocsin.escalation.regions import RegionWatch
from tocsin.escalation.settings import Settings
from tocsin.shared.bus import events_stream
from tocsin.shared.clock import clock_for
from tocsin.shared.kernel import Kernel, Opened, Service
from tocsin.shared.runner import after

__all__ = ["KERNEL", "lifespan"]


async def table(opened: Opened[Settings]) -> Service:
    """The request server, the timer worker, the contacts and incidents events consumers,
    and the watch of the other regions (standby timers, takeover)."""
    settings, pool = opened.settings, opened.pool
    clock = clock_for(settings.clock_scale, settings.clock_epoch)
    timers = timer_worker(pool, clock, region=settings.region, batch=settings.timer_batch,
                          max_sleep=settings.timer_max_sleep,
                          retention=timedelta(hours=settings.timer_retention_hours))
    plans = Plans(pool, clock, region=settings.region, repeats=settings.escalation_repeats,
                  ack_timeout=timedelta(minutes=settings.ack_timeout_minutes)
                  if settings.ack_timeout_minutes else None)
    watch = RegionWatch(pool, opened.bus, plans, clock, region=settings.region,
                        schema=settings.schema,
                        takeover_seconds=settings.region_takeover_seconds,
                        interval=settings.region_check_interval)
    return Service(
        operations=api.operations(pool),
        consumers=plan_consumers(plans, region=settings.region, schema=settings.schema),
        # After a start, nothing fires before the other regions' events are caught up
        # with: a takeover of this region's engagements is known first.
        timers=[after(watch.ready, timers.run)],
        workers=[watch.run],
    )


KERNEL = Kernel[Settings](
    name="escalation",
    description="Tocsin escalation: durable stage timers",
    streams=lambda settings: [events_stream(settings.region)],
    table=table,
)
lifespan = KERNEL.lifespan
