#!/bin/sh
# Writes what compose.yaml reads, once: .env (passwords, signing keys, access keys) and
# secrets/master.key, from Tocsin's own generators (the identities of
# tocsin.shared.bus.identities, the principal signing keys, a master key). Keeps an
# existing .env. PYTHON: a Python with Tocsin installed (default: the repository's .venv).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-$here/../../.venv/bin/python}
if [ -e "$here/.env" ]; then
    echo "$here/.env exists: kept" >&2
    exit 0
fi
umask 077
"$python" - "$here" <<'PY'
import secrets
import sys
from pathlib import Path

from tocsin.local.identities import prepare, private_folder, write_private
from tocsin.shared.bus import identities as table
from tocsin.shared.keys import new_master_key_line, write_master_key_file

here = Path(sys.argv[1])
folder = private_folder(here / "secrets")
ids = prepare(folder)
key_file = folder / "master.key"
if not key_file.exists():
    write_master_key_file(key_file, [new_master_key_line()])
lines = [f"TOCSIN_NATS_PASSWORD_{name.upper().replace('-', '_')}={ids.passwords[name]}"
         for name in table.all_identities()]
lines += [f"TOCSIN_SIGNING_KEY_{name.upper()}={path.read_text().strip()}"
          for name, path in ids.signing_keys.items()]
lines += [f"TOCSIN_PRINCIPAL_SIGNERS={ids.signers}",
          f"NATS_ROUTE_PASSWORD={secrets.token_urlsafe(32)}",
          f"NATS_LEAF_PASSWORD={secrets.token_urlsafe(32)}",
          f"POSTGRES_PASSWORD={secrets.token_urlsafe(32)}",
          f"TOCSIN_ACCESS_KEYS=TOCSIN{secrets.token_hex(8).upper()}:{secrets.token_urlsafe(30)}"]
write_private(here / ".env", "\n".join(lines) + "\n")
print(f"wrote {here}/.env and {folder}/master.key; the image runs as uid 10001: "
      f"chown 10001 {folder}/master.key")
PY
