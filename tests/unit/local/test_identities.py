"""The bus identities table: the permissions derive from it, the committed example for an
operator's NATS is its output, and the run-time checks follow the same rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tocsin.local.identities import nats_config
from tocsin.shared.bus import identities as table
from tocsin.shared.bus.principals import Signer, generate, parse_signers

REPO = Path(__file__).resolve().parents[3]


def test_the_example_in_deploy_is_the_tables_output() -> None:
    """``deploy/nats/tocsin-permissions.conf`` is regenerated, never edited by hand."""
    committed = (REPO / "deploy" / "nats" / "tocsin-permissions.conf").read_text()
    assert committed == nats_config(None, region="local-1"), (
        "regenerate: python -m tocsin.local.identities --example "
        "> deploy/nats/tocsin-permissions.conf")


@pytest.mark.parametrize("region", ["eu-west-1", "eu-central-1"])
def test_each_regions_permissions_in_deploy_are_the_tables_output(region: str) -> None:
    """The permissions that each region's cluster configuration includes
    (``deploy/nats/<region>/permissions.conf``) are regenerated too."""
    committed = (REPO / "deploy" / "nats" / region / "permissions.conf").read_text()
    assert committed == nats_config(None, region=region), (
        f"regenerate: python -m tocsin.local.identities --example --region {region} "
        f"> deploy/nats/{region}/permissions.conf")


def test_every_backend_service_has_a_row() -> None:
    from tocsin.shared.services import BACKEND_SERVICES
    assert set(BACKEND_SERVICES) | {"gateway"} == set(table.IDENTITIES)


def test_calls_and_consumers_are_checked_against_the_row() -> None:
    notifications = table.identity("notifications")
    assert table.may_call(notifications, "tocsin.rpc.contacts.AcceptPage")
    assert not table.may_call(notifications, "tocsin.rpc.contacts.DeleteContact")
    assert table.may_call(table.identity("gateway"), "tocsin.rpc.escalation.Anything")
    assert table.may_consume(notifications, "DELIVERIES_LOCAL-1", "t1_notifications-deliveries",
                             "local-1")
    assert not table.may_consume(table.identity("contacts"), "DELIVERIES_LOCAL-1",
                                 "contacts-deliveries", "local-1")
    with pytest.raises(table.NotInTable):
        table.identity("billing")


def test_a_signature_holds_for_its_subject_and_signer_only() -> None:
    keys = generate()
    signer = Signer("gateway", keys.private)
    verifier = parse_signers(f"gateway={keys.public}")
    assert verifier is not None
    header = signer.sign("tocsin.rpc.contacts.AcceptPage", "arn:user/a", now=1000)
    assert verifier.check("tocsin.rpc.contacts.AcceptPage", "arn:user/a", header,
                          now=1001) is None
    assert verifier.check("tocsin.rpc.contacts.StartEngagement", "arn:user/a", header,
                          now=1001) is not None
    assert verifier.check("tocsin.rpc.contacts.AcceptPage", "arn:user/b", header,
                          now=1001) is not None
    assert verifier.check("tocsin.rpc.contacts.AcceptPage", "arn:user/a", header,
                          now=2000) is not None  # too old
    assert verifier.check("tocsin.rpc.contacts.AcceptPage", "arn:user/a",
                          header.replace("gateway;", "incidents;"), now=1001) is not None
    assert parse_signers("") is None
