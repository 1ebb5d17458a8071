"""The NATS identities and principal signing keys ``make run`` generates, and the embedded
NATS's configuration that admits those identities and nobody else.

Everything lives in ``<data dir>/identities/`` (mode 0700, each file 0600) and is reused on
every later start: ``<name>.nats`` holds ``<name>:<password>`` for each identity of
:mod:`tocsin.shared.bus.identities` (every service, ``dashboard`` and
``alarm-publisher``), ``<name>.signing`` the Ed25519 key of each identity that acts for
callers. ``nats.conf`` beside the store gives each user the permissions the table derives,
and no anonymous access.

Each service is handed only its own credentials and signing key (as file paths), and
every service the signers' public keys.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tocsin.shared.bus import identities as table
from tocsin.shared.bus import principals

__all__ = ["Identities", "leaf_url", "leafnodes", "nats_config", "parse_remotes",
           "postgres_password", "prepare", "private_folder", "write_private"]

FOLDER = "identities"


def private_folder(path: Path) -> Path:
    """``path`` made if missing, and readable by its owner only (0700)."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def write_private(path: Path, text: str) -> None:
    """Write ``path`` whole, mode 0600 from its first byte on, replacing it atomically."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _kept(path: Path, make: str) -> str:
    """The secret in ``path``; ``make`` written there first if there is none."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        text = ""
    if not text:
        write_private(path, make + "\n")
        return make
    os.chmod(path, 0o600)
    return text


@dataclass(frozen=True)
class Identities:
    """What one deployment's identities are, and where their secrets lie."""

    folder: Path
    passwords: Mapping[str, str]
    """Identity → its NATS password."""
    signing_keys: Mapping[str, Path]
    """Identity that acts for callers → the file of its private key."""
    signers: str
    """``TOCSIN_PRINCIPAL_SIGNERS``: every signer's public key."""

    def credentials_file(self, name: str) -> Path:
        return self.folder / f"{name}.nats"

    def url(self, name: str, nats_url: str) -> str:
        """``nats_url`` with identity ``name``'s user and password in it (for tools)."""
        scheme, sep, rest = nats_url.partition("://")
        return f"{scheme}{sep}{name}:{self.passwords[name]}@{rest}" if sep else nats_url

    def env(self, service: str) -> dict[str, str]:
        """The variables that make ``service`` connect and sign as itself."""
        env = {f"TOCSIN_NATS_CREDENTIALS_{service.upper()}": str(self.credentials_file(service))}
        if service in self.signing_keys:
            env["TOCSIN_PRINCIPAL_SIGNING_KEY"] = str(self.signing_keys[service])
        return env


def prepare(data_dir: Path) -> Identities:
    """Every identity's password and every signer's key, made if missing, kept if not."""
    folder = private_folder(data_dir / FOLDER)
    passwords: dict[str, str] = {}
    for name in table.all_identities():
        text = _kept(folder / f"{name}.nats", f"{name}:{secrets.token_urlsafe(32)}")
        passwords[name] = text.partition(":")[2]
    keys: dict[str, Path] = {}
    public: list[str] = []
    for name, row in table.IDENTITIES.items():
        if row.asserts_principals:
            path = folder / f"{name}.signing"
            private = _kept(path, principals.generate().private)
            keys[name] = path
            public.append(f"{name}={principals.public_key(private)}")
    return Identities(folder, passwords, keys, ",".join(public))


def nats_config(ids: Identities | None, *, region: str, leaf_listen: str = "",
                leaf_remotes: Sequence[str] = ()) -> str:
    """The embedded nats-server's configuration: each identity with its password and the
    permissions :mod:`tocsin.shared.bus.identities` derives; monitoring on loopback only.
    (nats-server reads JSON as its own format.) Without ``ids``, each password is the
    environment variable ``TOCSIN_NATS_PASSWORD_<NAME>``, which nats-server reads at start,
    and the monitoring port is left to the configuration that includes it (the form
    ``deploy/nats`` shows).

    With ``ids`` (``make run``) JetStream's domain is ``region``, and the server joins the
    other regions (:func:`leafnodes`): ``leaf_listen`` (``host:port``) accepts their leaf
    connections, ``leaf_remotes`` are theirs to dial."""
    def password(name: str) -> str:
        if ids is not None:
            return ids.passwords[name]
        return "$TOCSIN_NATS_PASSWORD_" + name.upper().replace("-", "_")

    users = [{"user": name, "password": password(name),
              "permissions": table.permissions(name, region),
              "allowed_connection_types": table.connection_types(name)}
             for name in table.all_identities()]
    config: dict[str, Any] = {"authorization": {"users": users}}
    if ids is not None:
        # Monitoring stays off (port 0) unless asked for, and then on loopback only. (The
        # example is included in an operator's configuration, which says where it is.)
        config = {"http": "127.0.0.1:0", **config}
        config["jetstream"] = {"domain": region}
        if leaf_listen or leaf_remotes:
            config["leafnodes"] = leafnodes(leaf_listen, leaf_remotes)
    text = json.dumps(config, indent=2) + "\n"
    # A variable reference is a bare $NAME: unquote those of the passwords.
    return re.sub(r'"(\$TOCSIN_NATS_PASSWORD_[A-Z_]+)"', r"\1", text)


def leafnodes(listen: str, remotes: Sequence[str]) -> dict[str, Any]:
    """The ``leafnodes`` block joining this region's NATS to the others'.

    ``listen`` (``host:port``, empty: none) accepts other regions' leaf connections; they
    authenticate as :data:`~tocsin.shared.bus.identities.REGION_LEAF`, whose permissions
    keep :data:`~tocsin.shared.bus.identities.LEAF_DENIED` out both ways, and are told no
    other address of ours (``no_advertise``), so they dial the one they were given.
    ``remotes`` (``nats-leaf://[user:password@]host:port``) are dialled, with the same
    subjects denied on our side of each link."""
    block: dict[str, Any] = {"reconnect": "1s"}
    if listen:
        block.update(listen=listen, no_advertise=True)
    if remotes:
        denied = list(table.LEAF_DENIED)
        block["remotes"] = [{"urls": [url], "deny_imports": denied, "deny_exports": denied}
                            for url in remotes]
    return block


def leaf_url(ids: Identities, listen: str) -> str:
    """The ``TOCSIN_NATS_LEAF_REMOTES`` entry another region gives to join this one, which
    accepts leaf connections on ``listen``."""
    host, _, port = listen.rpartition(":")
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    return f"nats-leaf://{table.REGION_LEAF}:{ids.passwords[table.REGION_LEAF]}@{host}:{port}"


def parse_remotes(value: str) -> list[str]:
    """``TOCSIN_NATS_LEAF_REMOTES``: comma-separated ``nats-leaf://`` URLs.

    Raises:
        ValueError: an entry is not a ``nats-leaf://host:port`` URL.
    """
    remotes = [u.strip() for u in value.split(",") if u.strip()]
    for url in remotes:
        if not re.fullmatch(r"nats-leaf://([^@/\s]+@)?[^:/@\s]+:\d+", url):
            raise ValueError("TOCSIN_NATS_LEAF_REMOTES must be nats-leaf://host:port URLs "
                             f"(comma separated), got {url!r}")
    return remotes


def postgres_password(ids: Identities) -> str:
    """The embedded PostgreSQL's password (``postgres.password``, made if missing)."""
    return _kept(ids.folder / "postgres.password", secrets.token_urlsafe(32))


def main(argv: list[str] | None = None) -> None:
    """``python -m tocsin.local.identities FOLDER [--region R]``: the identities, signing
    keys and nats-server configuration of a deployment whose NATS is the operator's own
    (``deploy/nats/README.md``); ``--example`` prints the configuration with each password
    an environment variable instead."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tocsin.local.identities")
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--region", default="local-1")
    parser.add_argument("--example", action="store_true")
    args = parser.parse_args(argv)
    if args.example or args.folder is None:
        print(nats_config(None, region=args.region), end="")
        return
    ids = prepare(private_folder(args.folder))
    write_private(ids.folder / "nats.conf", nats_config(ids, region=args.region))
    print(f"wrote {ids.folder}/nats.conf (include its authorization in your nats-server's)")
    print(f"every service: TOCSIN_PRINCIPAL_SIGNERS={ids.signers}")
    for name in table.IDENTITIES:
        print(f"{name}: " + " ".join(f"{k}={v}" for k, v in ids.env(name).items()))


if __name__ == "__main__":
    main()
