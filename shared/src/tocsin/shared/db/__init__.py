"""PostgreSQL for Tocsin's services: a pool per service schema, migrations, outbox, inbox.

Each service owns one schema (``<prefix><service>``) and no service reads another's
tables. Every connection of a service's pool has ``search_path`` set to its schema, so
the SQL in ``store`` modules names tables without a schema.
"""

from tocsin.shared.db.inbox import already_processed, newly_processed
from tocsin.shared.db.migrate import apply_migrations
from tocsin.shared.db.outbox import (
    OutboxRelay,
    watch_backlog,
    write_event,
    write_events,
    write_message,
)
from tocsin.shared.db.pool import create_pool, transaction

__all__ = [
    "OutboxRelay",
    "already_processed",
    "apply_migrations",
    "create_pool",
    "newly_processed",
    "transaction",
    "watch_backlog",
    "write_event",
    "write_events",
    "write_message",
]
