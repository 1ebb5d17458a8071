"""``python -m tocsin.gateway``: run one gateway instance."""

from tocsin.gateway.app import lifespan
from tocsin.gateway.settings import Settings
from tocsin.shared.runner import run


def main() -> None:
    """Serve gRPC and HTTP until SIGINT/SIGTERM."""
    run(lifespan, Settings, service="gateway")


if __name__ == "__main__":
    main()
