"""The console: the web pages responders run an incident from, under ``/console/``.

Server-rendered (Jinja) pages that read without JavaScript, htmx to spare reloads, and a
live incident list fed over Server-Sent Events by the same event-stream consumer as
``WatchEvents``. Sign-in is with an access key pair; each page and action is a call of the
AWS-modelled operations as that key's principal, through the gateway's access point.

- :mod:`.sessions`: the signed session cookie and its CSRF token.
- :mod:`.calls`: the one door to the services, the gateway's access point.
- :mod:`.pages`: what every page shares (the session guard, rendering, refusals).
- :mod:`.signins`: sign-ins and sign-outs in the audit trail, sign-outs for every gateway.
- :mod:`.signin`, :mod:`.incidents` (with :mod:`.listing`, pure, and :mod:`.live`, the
  Server-Sent Events feed), :mod:`.runbooks`, :mod:`.analyses`, :mod:`.oncall`,
  :mod:`.plans`: the pages and actions.
"""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from tocsin.gateway.access import Access
from tocsin.gateway.audit import AuditTrail
from tocsin.gateway.console.analyses import AnalysisPages
from tocsin.gateway.console.calls import Calls
from tocsin.gateway.console.incidents import IncidentPages
from tocsin.gateway.console.live import Feed
from tocsin.gateway.console.oncall import OnCallPages
from tocsin.gateway.console.pages import PREFIX, SESSION_LIFETIME, Pages
from tocsin.gateway.console.plans import PlanPages
from tocsin.gateway.console.runbooks import RunbookPages
from tocsin.gateway.console.signin import SignIn
from tocsin.gateway.console.signins import SignInTrail
from tocsin.gateway.settings import Settings
from tocsin.shared.bus import Bus

__all__ = ["add_routes"]


def add_routes(app: web.Application, settings: Settings, access: Access, bus: Bus,
               trail: AuditTrail | None = None) -> None:
    """Serve the console under ``/console/`` from the gateway's HTTP ``app``; its live
    feeds end when ``app`` shuts down. Sign-ins and sign-outs are recorded in ``trail``,
    and every gateway's sign-outs read back from it (without it, this gateway's only)."""
    pages = Pages(settings, Calls(settings, access))
    feed = Feed(bus, settings.region)
    signins = SignInTrail(trail, bus, settings.region, pages.sessions,
                          lifetime=SESSION_LIFETIME)
    app.on_startup.append(signins.start)
    app.on_cleanup.append(signins.stop)

    async def stop_feeds(_: web.Application) -> None:
        feed.stopping.set()

    app.on_shutdown.append(stop_feeds)
    static = resources.files("tocsin.gateway.console") / "static"
    app.router.add_static(f"{PREFIX}/static", str(static), append_version=False)
    SignIn(pages, signins).add_routes(app)
    for area in (IncidentPages(pages, feed), RunbookPages(pages), AnalysisPages(pages),
                 OnCallPages(pages), PlanPages(pages)):
        for method, path, handler in area.routes():
            app.router.add_route(method, f"{PREFIX}{path}", pages.signed_in(handler))
