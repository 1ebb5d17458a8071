"""``python -m tocsin.incidents``: run one incidents instance."""

from tocsin.incidents.app import lifespan
from tocsin.incidents.settings import Settings
from tocsin.shared.runner import run


def main() -> None:
    """Serve until SIGINT/SIGTERM."""
    run(lifespan, Settings, service="incidents")


if __name__ == "__main__":
    main()
