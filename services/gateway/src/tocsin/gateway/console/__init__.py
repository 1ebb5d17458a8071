"""The console: the web pages responders run an incident from, under ``/console/``.

Server-rendered (Jinja) pages that read without JavaScript, htmx to spare reloads, and a
live incident list fed over Server-Sent Events by the same event-stream consumer as
``WatchEvents``. Sign-in is with an access key pair; each page and action is a call of the
AWS-modelled operations as that key's principal (:mod:`.calls`).

- :mod:`.sessions`: the signed session cookie and its CSRF token.
- :mod:`.calls`: the one door to the services, the gateway's access point.
- :mod:`.listing`: the list's filters and tiles (pure).
- :mod:`.live`: the Server-Sent Events feed.
- :mod:`.views`: the pages and actions.
"""

from __future__ import annotations

from aiohttp import web

from tocsin.gateway.access import Access
from tocsin.gateway.console.calls import Calls
from tocsin.gateway.console.live import Feed
from tocsin.gateway.console.views import Console
from tocsin.gateway.settings import Settings
from tocsin.shared.bus import Bus

__all__ = ["add_routes"]


def add_routes(app: web.Application, settings: Settings, access: Access,
               bus: Bus) -> Console:
    """Serve the console under ``/console/`` from the gateway's HTTP ``app``."""
    console = Console(settings, Calls(settings, access), Feed(bus, settings.region))
    console.add_routes(app)
    return console
