"""The canary: Tocsin pages about itself, and raises an incident when its page does not get
through (the "confirmed delivery" its peers lack).

On a schedule (``TOCSIN_CANARY_INTERVAL``) a test page goes to a configured contact
(``TOCSIN_CANARY_CONTACT``) through the contacts service's normal engagement path, so it
crosses everything a real page crosses: the contact's plan, the notifications service,
the provider. ``TOCSIN_CANARY_WINDOW`` later the round's check asks the contacts service for
the page's receipts; without one that confirms delivery, an incident opens in the
configured response plan (``TOCSIN_CANARY_RESPONSE_PLAN``), the one place an operator
already watches, whose engagements then page people by their other channels.

It lives in the incidents service, as a worker on the shared durable timers, because its
outcome is an incident record in a response plan (this service's own resource) and it
needs no state beyond its timers; the engagement and the receipts it looks at are the
contacts service's, asked for as any client would.

- :mod:`.domain`: rounds and what confirms a delivery (pure);
- :mod:`.store`: the ``canary_timer`` table;
- :mod:`.handlers`: the worker that sends, checks and raises.
"""
