"""``python -m tocsin.analysis``: run one analysis instance."""

from tocsin.analysis.app import lifespan
from tocsin.analysis.settings import Settings
from tocsin.shared.runner import run


def main() -> None:
    """Serve until SIGINT/SIGTERM."""
    run(lifespan, Settings, service="analysis")


if __name__ == "__main__":
    main()
