"""The services a complete Tocsin runs, behind its gateway.

One list for everything that needs it: ``make run`` starts each of them, and the gateway's
``/healthz`` is 200 only when each has an instance answering.
"""

__all__ = ["BACKEND_SERVICES"]

BACKEND_SERVICES: tuple[str, ...] = ("incidents", "contacts", "escalation", "notifications",
                                     "runbooks", "analysis")
"""Every service but the gateway, in the order they are started."""
