"""``python -m tocsin.notifications``: run one notifications instance."""

from tocsin.notifications.app import lifespan
from tocsin.notifications.settings import Settings
from tocsin.shared.runner import run


def main() -> None:
    """Serve until SIGINT/SIGTERM."""
    run(lifespan, Settings, service="notifications")


if __name__ == "__main__":
    main()
