"""``python -m tocsin.contacts``: run one contacts instance."""

from tocsin.contacts.app import lifespan
from tocsin.contacts.settings import Settings
from tocsin.shared.runner import run


def main() -> None:
    """Serve until SIGINT/SIGTERM."""
    run(lifespan, Settings, service="contacts")


if __name__ == "__main__":
    main()
