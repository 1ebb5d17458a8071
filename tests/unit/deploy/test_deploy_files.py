"""The production topology in ``deploy/`` is valid as written: each region's NATS
configuration passes ``nats-server -t``, the compose file parses and runs only real Tocsin
commands with variables Tocsin reads, and the Kubernetes manifests validate against the
Kubernetes API schemas (``kubernetes-validate``, offline)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import msgspec
import pytest
import yaml

from tocsin.local.servers import find_nats_server
from tocsin.shared.bus import identities as table
from tocsin.shared.config import load
from tocsin.shared.services import BACKEND_SERVICES

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
REGIONS = ("eu-west-1", "eu-central-1")
SERVICES = (*BACKEND_SERVICES, "gateway")
KUBERNETES = "1.33"
"""The Kubernetes version whose API the manifests are checked against."""
NOT_YET_READ = {"TOCSIN_REGION_TAKEOVER_SECONDS"}
"""ARCHITECTURE Part 1 variables the deployment sets before any service reads them."""


def setting_names(service: str) -> set[str]:
    """The ``TOCSIN_*`` variables ``service`` reads: its settings' fields and its own NATS
    credentials."""
    settings = importlib.import_module(f"tocsin.{service}.settings").Settings
    names = {f"TOCSIN_{f.name.upper()}" for f in msgspec.structs.fields(settings)}
    return names | {f"TOCSIN_NATS_CREDENTIALS_{service.upper()}"} | NOT_YET_READ


def starts_with(service: str, env: dict[str, str]) -> None:
    """``service``'s settings load from ``env`` (a bad value, or a combination it refuses
    such as a public plaintext address, stops a process at start-up), and ``env`` names no
    variable it does not read."""
    assert set(env) <= setting_names(service), set(env) - setting_names(service)
    settings = importlib.import_module(f"tocsin.{service}.settings").Settings
    load(settings, env)


def interpolated(value: str) -> str:
    """A compose value with each ``${NAME}`` as it would be given: its default if it has
    one, else a stand-in (access keys as ``KEYID:SECRET``)."""
    def one(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(3)
        if default is not None and match.group(2) == ":-":
            return default
        return "TOCSINKEYID:secret" if name == "TOCSIN_ACCESS_KEYS" else f"secret-{name}"
    return re.sub(r"\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}", one, value)


def runs_tocsin(command: list[str]) -> str:
    """The service a ``python -m tocsin.<service>`` command starts (its module exists)."""
    assert command[:2] == ["python", "-m"] and len(command) == 3, command
    module = command[2]
    assert module.startswith("tocsin."), command
    assert importlib.util.find_spec(f"{module}.__main__") is not None, command
    return module.removeprefix("tocsin.")


# --- NATS ---------------------------------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
def test_each_regions_nats_configuration_is_valid(region: str) -> None:
    """nats-server accepts the node configuration with its permissions included, given the
    variables the README names."""
    env = {**os.environ, "NATS_SERVER_NAME": f"{region}-a",
           "NATS_ROUTE_USER": "route", "NATS_ROUTE_PASSWORD": "p",
           "NATS_LEAF_USER": "leaf", "NATS_LEAF_PASSWORD": "p",
           "NATS_LEAF_REMOTE_EU_WEST_1": "nats-leaf://leaf:p@nats-eu-west-1:7422"}
    env.update({f"NATS_ROUTE_{i}": f"nats-route://route:p@{region}-{n}:6222"
                for i, n in enumerate("abc", 1)})
    env.update({"TOCSIN_NATS_PASSWORD_" + name.upper().replace("-", "_"): "p"
                for name in table.all_identities()})
    conf = DEPLOY / "nats" / region / "nats.conf"
    done = subprocess.run([find_nats_server(), "-t", "-c", str(conf)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    text = conf.read_text()
    assert f"domain: {region}" in text and "no_advertise: true" in text


# --- compose ------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())
    return loaded


def test_compose_runs_two_complete_regions() -> None:
    """Each region: three NATS nodes of its own cluster, its PostgreSQL, every service and
    the gateway, each a real ``python -m tocsin.<service>`` given only variables it reads,
    the region's three NATS URLs and streams on three replicas."""
    services = compose()["services"]
    for region in REGIONS:
        nats = [s for name, s in services.items() if name.startswith(f"nats-{region}-")]
        assert len(nats) == 3
        for node in nats:
            folder = node["volumes"][0].split(":")[0]
            assert (DEPLOY / "compose" / folder / "nats.conf").is_file()
            assert (DEPLOY / "compose" / folder / "permissions.conf").is_file()
        assert f"postgres-{region}" in services
        started = set()
        for name, spec in services.items():
            if not name.endswith(f"-{region}") or "command" not in spec or \
                    name.startswith(("nats-", "postgres-")):
                continue
            service = runs_tocsin(spec["command"])
            assert name == f"{service}-{region}"
            started.add(service)
            env = {k: interpolated(str(v)) for k, v in spec["environment"].items()}
            starts_with(service, env)
            assert env["TOCSIN_REGION"] == region
            assert len(env["TOCSIN_NATS_URL"].split(",")) == 3
            assert env["TOCSIN_STREAM_REPLICAS"] == "3"
        assert started == set(SERVICES)


# --- Kubernetes ---------------------------------------------------------------------


def manifests() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        if path.name in ("nats-values.yaml", "kustomization.yaml"):
            continue
        found += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def test_the_kubernetes_manifests_validate_offline() -> None:
    """Every manifest is a valid object of the Kubernetes API (strict: no unknown field)."""
    checked = manifests()
    assert {doc["kind"] for _, doc in checked} >= {
        "Deployment", "Service", "ConfigMap", "Secret", "PodDisruptionBudget", "Namespace"}
    for name, doc in checked:
        try:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name}: {doc['kind']} {doc['metadata']['name']}: {exc.message}")


def test_one_deployment_per_service_with_probes_and_metrics() -> None:
    """Each service is a Deployment of its own (scaled alone) running its real command,
    with readiness and liveness probes and its metrics port; the variables it is given
    (its own, and those of the ConfigMap all share) are ones it reads (or, for the shared
    ones, some service reads); the kustomization lists them."""
    docs = manifests()
    config = next(d for _, d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"]
                  == "tocsin")["data"]
    secrets = {d["metadata"]["name"]: d["stringData"] for _, d in docs if d["kind"] == "Secret"}
    deployments = {d["metadata"]["name"]: d for _, d in docs if d["kind"] == "Deployment"}
    assert set(deployments) == {f"tocsin-{s}" for s in SERVICES}
    for name, deployment in deployments.items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        service = runs_tocsin(container["command"])
        assert name == f"tocsin-{service}"
        assert container["readinessProbe"] and container["livenessProbe"]
        assert {"name": "metrics", "containerPort": 9400} in container["ports"]
        env = dict(config)
        for var in container["env"]:
            if "value" in var:
                env[var["name"]] = var["value"]
            else:  # every key a container reads is in the example Secret
                ref = var["valueFrom"]["secretKeyRef"]
                env[var["name"]] = secrets[ref["name"]][ref["key"]]
        starts_with(service, {k: v for k, v in env.items()
                              if k in setting_names(service)})
        own = {e["name"] for e in container["env"]}
        assert own <= setting_names(service), own - setting_names(service)
    read = set().union(*(setting_names(s) for s in SERVICES))
    assert set(config) <= read, set(config) - read
    assert config["TOCSIN_STREAM_REPLICAS"] == "3"
    assert len(config["TOCSIN_NATS_URL"].split(",")) == 3
    kustomization = yaml.safe_load((DEPLOY / "kubernetes" / "kustomization.yaml").read_text())
    assert {f"{s}.yaml" for s in SERVICES} <= set(kustomization["resources"])
    for resource in kustomization["resources"]:
        assert (DEPLOY / "kubernetes" / resource).is_file()


def test_the_nats_helm_values_make_a_jetstream_cluster_of_three() -> None:
    values = yaml.safe_load((DEPLOY / "kubernetes" / "nats-values.yaml").read_text())
    config = values["config"]
    assert config["cluster"] == {"enabled": True, "replicas": 3,
                                 "merge": {"name": "eu-west-1"}}
    assert config["jetstream"]["enabled"] and config["jetstream"]["fileStore"]["enabled"]
    assert config["jetstream"]["merge"]["domain"] == "eu-west-1"
    assert config["leafnodes"]["enabled"]
    assert values["container"]["image"]["tag"] >= "2.15"
