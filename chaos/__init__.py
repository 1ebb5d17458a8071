"""The chaos suite (``make chaos``; a reduced run in ``tests/e2e/test_chaos.py``): the whole
of Tocsin as ``make run`` starts it, under load and random faults, held to the promise that
no alarm, incident or page is lost or repeated.

- :mod:`chaos.system`: NATS and PostgreSQL (``tocsin.local.servers``), the supervisor
  (``python -m tocsin.local``, every service its own process, two instances of each), a
  real SMTP server (aiosmtpd), the local SMS provider (the generic signed webhook) and the
  runbooks' webhook receiver, and the faults: a service process SIGKILLed every 1-3 s, one
  NATS restart, one PostgreSQL restart.
- :mod:`chaos.flows`: the load: alarms → incidents → engagements → pages, half of them
  acknowledged at a random moment with the code from the mail, half escalating to a
  second stage by SMS; some plans run a runbook of webhook steps.
- :mod:`chaos.audit`: what happened, read back through the API, the event stream and
  what the providers received, as figures and failures.
"""
