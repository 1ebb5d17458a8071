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


def test_make_run_s_nats_is_the_region_s_domain_joined_by_leaf_links(tmp_path: Path) -> None:
    """JetStream's domain is the region; the leaf listener advertises nothing else of
    ours; every remote, and the region-leaf identity that other regions connect as,
    deny what must stay in a region, both ways; no client credential opens a leaf link."""
    import json

    from tocsin.local import identities

    ids = identities.prepare(identities.private_folder(tmp_path / "data"))
    remote = "nats-leaf://region-leaf:pw@10.0.0.2:7422"
    conf = json.loads(nats_config(ids, region="east", leaf_listen="127.0.0.1:7422",
                                  leaf_remotes=[remote]))
    assert conf["jetstream"] == {"domain": "east"}
    leaf = conf["leafnodes"]
    assert leaf["listen"] == "127.0.0.1:7422" and leaf["no_advertise"] is True
    (entry,) = leaf["remotes"]
    assert entry["urls"] == [remote]
    for rules in (entry["deny_imports"], entry["deny_exports"]):
        assert {"alarms.>", "changes.>", "tocsin.>", "deliveries.>", "audit.>",
                "events.>", "$SRV.>"} <= set(rules)
    users = {u["user"]: u for u in conf["authorization"]["users"]}
    region_leaf = users[table.REGION_LEAF]
    assert region_leaf["allowed_connection_types"] == ["LEAFNODE"]
    assert region_leaf["permissions"]["publish"]["deny"] == list(table.LEAF_DENIED)
    assert region_leaf["permissions"]["subscribe"]["deny"] == list(table.LEAF_DENIED)
    assert all(u["allowed_connection_types"] == ["STANDARD"] for name, u in users.items()
               if name != table.REGION_LEAF)
    assert "leafnodes" not in json.loads(nats_config(ids, region="east"))
    url = identities.leaf_url(ids, "0.0.0.0:7422")
    assert url == f"nats-leaf://region-leaf:{ids.passwords['region-leaf']}@127.0.0.1:7422"
    assert identities.parse_remotes(f" {url} ,nats-leaf://h:1") == [url, "nats-leaf://h:1"]
    with pytest.raises(ValueError, match="TOCSIN_NATS_LEAF_REMOTES"):
        identities.parse_remotes("nats://h:1")


def test_the_keeper_of_mirrors_reads_them_and_deletes_none_of_its_own() -> None:
    incidents = table.identity("incidents")
    assert table.may_consume(incidents, "EVENTS_WEST", "incidents-replication-set", "west")
    assert not table.may_consume(incidents, "EVENTS_WEST", "incidents-other", "west")
    perms = table.permissions("incidents", "east")
    assert "$JS.API.STREAM.DELETE.*" in perms["publish"]["allow"]
    assert "$JS.API.STREAM.DELETE.EVENTS_EAST" in perms["publish"]["deny"]
    assert "$JS.east.API.>" in perms["publish"]["deny"]
    assert "$JS.API.STREAM.LIST" in table.permissions("gateway", "east")["publish"]["allow"]
