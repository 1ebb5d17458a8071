"""Documents in PostgreSQL (the ``document`` and ``document_version`` tables)."""

from __future__ import annotations

from typing import Any

import asyncpg

from tocsin.runbooks.documents.domain import Document, Version, missing
from tocsin.runbooks.errors import (
    DocumentAlreadyExists,
    DuplicateDocumentVersionName,
)

__all__ = ["DocumentStore"]

_VERSION_COLUMNS = ("v.version, v.content, v.format, v.parsed, v.hash, v.created_at,"
                    " v.display_name, v.version_name, v.target_type")


def _version(row: asyncpg.Record) -> Version:
    return Version(version=row["version"], content=row["content"], format=row["format"],
                   parsed=row["parsed"], hash=row["hash"], created_at=row["created_at"],
                   display_name=row["display_name"], version_name=row["version_name"],
                   target_type=row["target_type"])


def _document(row: asyncpg.Record) -> Document:
    return Document(name=row["name"], document_type=row["document_type"], owner=row["owner"],
                    default_version=row["default_version"],
                    latest_version=row["latest_version"], created_at=row["doc_created_at"],
                    version=_version(row), tags=dict(row["tags"]))


_LATEST = "(SELECT max(lv.version) FROM document_version lv WHERE lv.name = d.name)"
"""The latest version: the highest one held (versions made in other regions of the set
arrive apart from the document's own attributes)."""
_DEFAULT = ("coalesce((SELECT dv.version FROM document_version dv WHERE dv.name = d.name"
            f" AND dv.version = d.default_version), {_LATEST})")
"""The default version, or the latest when it is gone (deleted in another region of the
set while this one, unaware, made it the default: the deletion wins)."""
_HEAD = (f"SELECT d.name, d.document_type, d.owner, {_DEFAULT} AS default_version,"
         f" {_LATEST} AS latest_version, d.created_at, d.tags FROM document d")

_SELECT = (f"SELECT d.name, d.document_type, d.owner, {_DEFAULT} AS default_version,"
           f" {_LATEST} AS latest_version,"
           f" d.created_at AS doc_created_at, d.tags, {_VERSION_COLUMNS}"
           " FROM document d JOIN document_version v ON v.name = d.name")


class DocumentStore:
    """The SQL of documents; every call runs on the caller's connection."""

    @staticmethod
    async def create(conn: asyncpg.Connection, *, name: str, document_type: str, owner: str,
                     version: Version, tags: dict[str, str]) -> None:
        """Insert a document with its first version.

        Raises:
            DocumentAlreadyExists: the name is taken.
        """
        inserted = await conn.fetchval(
            "INSERT INTO document (name, document_type, owner, default_version, latest_version,"
            " created_at, tags) VALUES ($1, $2, $3, 1, 1, $4, $5)"
            " ON CONFLICT (name) DO NOTHING RETURNING true",
            name, document_type, owner, version.created_at, tags)
        if not inserted:
            raise DocumentAlreadyExists(f"Document with name {name} already exists")
        await DocumentStore._insert_version(conn, name, version)

    @staticmethod
    async def _insert_version(conn: asyncpg.Connection, name: str, version: Version) -> None:
        try:
            await conn.execute(
                "INSERT INTO document_version (name, version, content, format, parsed, hash,"
                " display_name, version_name, target_type, created_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                name, version.version, version.content, version.format, version.parsed,
                version.hash, version.display_name, version.version_name, version.target_type,
                version.created_at)
        except asyncpg.UniqueViolationError:
            raise DuplicateDocumentVersionName(
                f"Document {name} already has a version named {version.version_name!r}"
            ) from None

    @staticmethod
    async def add_version(conn: asyncpg.Connection, name: str, version: Version) -> None:
        """Add the next version (the caller holds the document row lock)."""
        await DocumentStore._insert_version(conn, name, version)
        await conn.execute("UPDATE document SET latest_version = $2 WHERE name = $1",
                           name, version.version)

    @staticmethod
    async def lock(conn: asyncpg.Connection, name: str) -> asyncpg.Record:
        """The document row, locked for a change.

        Raises:
            InvalidDocument: no such document.
        """
        row = await conn.fetchrow(f"{_HEAD} WHERE d.name = $1 FOR UPDATE", name)
        if row is None:
            raise missing(name)
        return row

    @staticmethod
    async def versions(conn: asyncpg.Connection, name: str) -> dict[str, int]:
        """Version name → number (unnamed versions as their number)."""
        rows = await conn.fetch(
            "SELECT version, version_name FROM document_version WHERE name = $1", name)
        out = {str(r["version"]): r["version"] for r in rows}
        out.update({r["version_name"]: r["version"] for r in rows if r["version_name"]})
        return out

    @staticmethod
    async def head(conn: asyncpg.Connection, name: str) -> asyncpg.Record | None:
        return await conn.fetchrow(f"{_HEAD} WHERE d.name = $1", name)

    @staticmethod
    async def get(conn: asyncpg.Connection, name: str, version: int) -> Document:
        row = await conn.fetchrow(f"{_SELECT} AND v.version = $2 WHERE d.name = $1",
                                  name, version)
        if row is None:
            raise missing(name)
        return _document(row)

    @staticmethod
    async def all_versions(conn: asyncpg.Connection, name: str, *, after: int,
                           limit: int) -> list[Version]:
        rows = await conn.fetch(
            f"SELECT {_VERSION_COLUMNS} FROM document_version v"
            " WHERE v.name = $1 AND v.version > $2 ORDER BY v.version LIMIT $3",
            name, after, limit)
        return [_version(r) for r in rows]

    @staticmethod
    async def set_default(conn: asyncpg.Connection, name: str, version: int) -> None:
        await conn.execute("UPDATE document SET default_version = $2 WHERE name = $1",
                           name, version)

    @staticmethod
    async def delete(conn: asyncpg.Connection, name: str, version: int | None) -> None:
        """Delete one version, or the whole document when ``version`` is None."""
        if version is None:
            await conn.execute("DELETE FROM document WHERE name = $1", name)
            return
        await conn.execute("DELETE FROM document_version WHERE name = $1 AND version = $2",
                           name, version)

    @staticmethod
    async def listing(conn: asyncpg.Connection, *, after: str, limit: int,
                      where: list[str], args: list[Any]) -> list[Document]:
        """Documents (each at its default version) by name after ``after``, filtered by SQL
        conditions over ``d`` and ``v`` whose parameters start at ``$3``."""
        conditions = " AND ".join(["d.name > $1", *where])
        rows = await conn.fetch(
            f"{_SELECT} AND v.version = {_DEFAULT} WHERE {conditions}"
            " ORDER BY d.name LIMIT $2", after, limit, *args)
        return [_document(r) for r in rows]

    @staticmethod
    async def ensure_builtin(conn: asyncpg.Connection, *, name: str, document_type: str,
                             owner: str, version: Version) -> None:
        """Insert or refresh a built-in document (one version, the shipped content)."""
        await conn.execute(
            "INSERT INTO document (name, document_type, owner, default_version, latest_version,"
            " created_at) VALUES ($1, $2, $3, 1, 1, $4) ON CONFLICT (name) DO NOTHING",
            name, document_type, owner, version.created_at)
        await conn.execute(
            "INSERT INTO document_version (name, version, content, format, parsed, hash,"
            " display_name, created_at) VALUES ($1, 1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (name, version) DO UPDATE SET content = excluded.content,"
            " parsed = excluded.parsed, hash = excluded.hash, format = excluded.format",
            name, version.content, version.format, version.parsed, version.hash,
            version.display_name, version.created_at)

