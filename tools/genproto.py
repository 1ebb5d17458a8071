"""``make proto``: regenerate the ``.proto`` files and the Python modules compiled from them.

1. ``tools/protogen.py`` writes the ``.proto`` files that mirror the AWS models.
2. ``grpc_tools.protoc`` compiles every ``.proto`` under ``proto/`` into ``proto/src``
   (``_pb2.py``, ``_pb2.pyi``, ``_pb2_grpc.py``), with ``-I proto`` so the generated imports
   are ``tocsin.proto....`` and with grpc_tools' bundled well-known types
   (``google/protobuf/timestamp.proto``).
3. Every generated folder from ``tocsin/proto`` down gets an ``__init__.py``; ``tocsin``
   itself never does, because it is a namespace package shared by several distributions.

Stale generated modules are removed first, so a deleted ``.proto`` leaves nothing behind.
"""

from __future__ import annotations

import importlib.resources
import sys
from pathlib import Path

import protogen  # tools/protogen.py: the script's own folder is on sys.path
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO = ROOT / "proto"
OUT = PROTO / "src"
PACKAGE_ROOT = OUT / "tocsin" / "proto"
GENERATED = ("*_pb2.py", "*_pb2.pyi", "*_pb2_grpc.py")


def main() -> int:
    if protogen.main([]) != 0:
        return 1
    for pattern in GENERATED:
        for stale in PACKAGE_ROOT.rglob(pattern):
            stale.unlink()
    sources = sorted(str(p.relative_to(PROTO)) for p in (PROTO / "tocsin").rglob("*.proto"))
    include = importlib.resources.files("grpc_tools") / "_proto"
    status = protoc.main(
        [
            "grpc_tools.protoc",
            f"-I{PROTO}",
            f"-I{include}",
            f"--python_out={OUT}",
            f"--pyi_out={OUT}",
            f"--grpc_python_out={OUT}",
            *(str(PROTO / s) for s in sources),
        ]
    )
    if status != 0:
        print(f"protoc failed with status {status}", file=sys.stderr)
        return 1
    folders = {PACKAGE_ROOT}
    for pattern in GENERATED:
        for module in PACKAGE_ROOT.rglob(pattern):
            folder = module.parent
            while folder != PACKAGE_ROOT:
                folders.add(folder)
                folder = folder.parent
    for folder in sorted(folders):
        init = folder / "__init__.py"
        if not init.exists():
            init.write_text("", encoding="utf-8")
    namespace_init = OUT / "tocsin" / "__init__.py"
    if namespace_init.exists():
        print(
            f"{namespace_init.relative_to(ROOT)} must not exist: tocsin is a namespace package",
            file=sys.stderr,
        )
        return 1
    print(f"compiled {len(sources)} file(s) into {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
