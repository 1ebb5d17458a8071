"""``python -m tocsin.gateway``: run one gateway instance."""

from tocsin.gateway.app import lifespan
from tocsin.gateway.settings import Settings
from tocsin.shared.listen import exit_when_cannot_listen
from tocsin.shared.runner import run


def main() -> None:
    """Serve gRPC and HTTP until SIGINT/SIGTERM."""
    # grpc.aio polls its completion queue from a thread of its own and hands results to
    # the loop; measured with uvloop, that hand-off made calls slower, not faster.
    with exit_when_cannot_listen("gateway"):
        run(lifespan, Settings, service="gateway", loop_factory=None)


if __name__ == "__main__":
    main()
