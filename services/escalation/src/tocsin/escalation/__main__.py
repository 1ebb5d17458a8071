"""``python -m tocsin.escalation``: run one escalation instance."""

from tocsin.escalation.app import lifespan
from tocsin.escalation.settings import Settings
from tocsin.shared.runner import run


def main() -> None:
    """Serve until SIGINT/SIGTERM."""
    run(lifespan, Settings, service="escalation")


if __name__ == "__main__":
    main()
