"""``python -m tocsin.runbooks``: run one runbooks instance."""

from tocsin.runbooks.app import lifespan
from tocsin.runbooks.settings import Settings
from tocsin.shared.runner import run


def main() -> None:
    """Serve until SIGINT/SIGTERM."""
    run(lifespan, Settings, service="runbooks")


if __name__ == "__main__":
    main()
