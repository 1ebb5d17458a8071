"""The eight document operations of the ``ssm`` API.

Requests arrive as the gateway normalised them against botocore's ``ssm`` model (members
PascalCase, constraints already checked); what is checked here is what the model cannot
say: the content (``tocsin.runbooks.documents.validate``), versions and ownership.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from tocsin.runbooks.documents import content as contents
from tocsin.runbooks.documents.builtin import BUILTIN_DOCUMENTS
from tocsin.runbooks.documents.domain import (
    AMAZON,
    Document,
    Version,
    check_new_name,
    check_type,
    content_hash,
    description,
    identifier,
    missing,
    name_of,
    pick_version,
    version_info,
)
from tocsin.runbooks.documents.store import DocumentStore
from tocsin.runbooks.documents.validate import validate
from tocsin.runbooks.errors import (
    DuplicateDocumentContent,
    InvalidDocumentOperation,
    InvalidDocumentVersion,
    InvalidFilterKey,
    MaxDocumentSizeExceeded,
)
from tocsin.shared import errors
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.clock import Clock
from tocsin.shared.contracts import runbooks as rc
from tocsin.shared.db import transaction
from tocsin.shared.events import emit
from tocsin.shared.paging import make_token, read_token

__all__ = ["DocumentHandlers", "load_document"]

MAX_CONTENT = 64 * 1024
"""The most a document's content may hold (AWS's limit for Automation documents)."""

DEFAULT_LIST_PAGE = 50


class _Tag(msgspec.Struct, rename="pascal"):
    key: str
    value: str


class _Create(msgspec.Struct, rename="pascal", kw_only=True):
    content: str
    name: str
    document_type: str = "Command"
    document_format: str = "JSON"
    display_name: str | None = None
    version_name: str | None = None
    target_type: str | None = None
    tags: list[_Tag] = []


class _Update(msgspec.Struct, rename="pascal", kw_only=True):
    content: str
    name: str
    document_version: str | None = None
    document_format: str = "JSON"
    display_name: str | None = None
    version_name: str | None = None
    target_type: str | None = None


class _Get(msgspec.Struct, rename="pascal", kw_only=True):
    name: str
    document_version: str | None = None
    version_name: str | None = None
    document_format: str | None = None


class _Default(msgspec.Struct, rename="pascal", kw_only=True):
    name: str
    document_version: str


class _Delete(msgspec.Struct, rename="pascal", kw_only=True):
    name: str
    document_version: str | None = None
    version_name: str | None = None
    force: bool = False


class _Filter(msgspec.Struct, rename="pascal"):
    key: str
    values: list[str] = []


class _OldFilter(msgspec.Struct):
    key: str
    value: str


class _List(msgspec.Struct, rename="pascal", kw_only=True):
    filters: list[_Filter] = []
    document_filter_list: list[_OldFilter] = []
    max_results: int | None = None
    next_token: str | None = None


class _Versions(msgspec.Struct, rename="pascal", kw_only=True):
    name: str
    max_results: int | None = None
    next_token: str | None = None


async def load_document(conn: asyncpg.Connection, name_or_arn: str,
                        document_version: str | None = None,
                        version_name: str | None = None) -> Document:
    """The version of a document a request names (the default one when it names none).

    Raises:
        InvalidDocument: no such document.
        InvalidDocumentVersion: no such version.
    """
    name = name_of(name_or_arn)
    head = await DocumentStore.head(conn, name)
    if head is None:
        raise missing(name)
    versions = await DocumentStore.versions(conn, name)
    number = pick_version(name, head["latest_version"], head["default_version"], versions,
                          document_version, version_name)
    return await DocumentStore.get(conn, name, number)


def _version_part(version: Version) -> rc.DocumentVersion:
    return rc.DocumentVersion(
        version=version.version, content=version.content, format=version.format,
        hash=version.hash, created_at=version.created_at.timestamp(),
        display_name=version.display_name, version_name=version.version_name,
        target_type=version.target_type)


def _head(doc: Document) -> dict[str, Any]:
    """The document's own attributes, as its events carry them."""
    return {"name": doc.name, "document_type": doc.document_type, "owner": doc.owner,
            "default_version": doc.default_version, "latest_version": doc.latest_version,
            "created_at": doc.created_at.timestamp(), "tags": dict(doc.tags)}


@dataclass(frozen=True)
class DocumentHandlers:
    """The document operations of one instance."""

    pool: asyncpg.Pool
    clock: Clock
    account: str
    region: str

    def operations(self) -> Mapping[str, Handler]:
        return {"CreateDocument": self.create, "GetDocument": self.get,
                "DescribeDocument": self.describe, "ListDocuments": self.list,
                "UpdateDocument": self.update,
                "UpdateDocumentDefaultVersion": self.update_default,
                "DeleteDocument": self.delete, "ListDocumentVersions": self.list_versions}

    def _version(self, number: int, text: str, fmt: str, document_type: str,
                 display_name: str | None, version_name: str | None,
                 target_type: str | None, now: datetime) -> Version:
        if len(text.encode()) > MAX_CONTENT:
            raise MaxDocumentSizeExceeded(
                f"The content exceeds the maximum document size of {MAX_CONTENT} bytes")
        parsed = contents.parse(text, fmt)
        check_type(document_type, parsed)
        validate(parsed, document_type)
        return Version(version=number, content=text, format=fmt, parsed=parsed,
                       hash=content_hash(text), created_at=now, display_name=display_name,
                       version_name=version_name, target_type=target_type)

    async def create(self, req: RpcRequest) -> dict[str, Any]:
        cmd: _Create = req.decode(_Create)
        check_new_name(cmd.name)
        now = self.clock.now()
        version = self._version(1, cmd.content, cmd.document_format, cmd.document_type,
                                cmd.display_name, cmd.version_name, cmd.target_type, now)
        tags = {t.key: t.value for t in cmd.tags}
        async with transaction(self.pool) as conn:
            await DocumentStore.create(conn, name=cmd.name, document_type=cmd.document_type,
                                       owner=self.account, version=version, tags=tags)
            doc = await DocumentStore.get(conn, cmd.name, 1)
            await self._emit(conn, rc.DocumentCreated(
                **_head(doc), first_version=_version_part(version)), now)
        return {"DocumentDescription": description(doc)}

    async def get(self, req: RpcRequest) -> dict[str, Any]:
        cmd: _Get = req.decode(_Get)
        async with self.pool.acquire() as conn:
            doc = await load_document(conn, cmd.name, cmd.document_version, cmd.version_name)
        v = doc.version
        fmt = cmd.document_format or v.format
        if fmt not in ("JSON", "YAML"):  # TEXT: for document types Tocsin does not store
            raise errors.ValidationError(
                f"DocumentFormat {fmt} does not fit a {doc.document_type} document: ask for "
                "JSON or YAML")
        text = v.content if fmt == v.format else contents.render(v.parsed, fmt)
        out: dict[str, Any] = {
            "Name": doc.name, "CreatedDate": v.created_at.timestamp(),
            "DocumentVersion": str(v.version), "Status": "Active", "Content": text,
            "DocumentType": doc.document_type, "DocumentFormat": fmt}
        if v.display_name:
            out["DisplayName"] = v.display_name
        if v.version_name:
            out["VersionName"] = v.version_name
        return out

    async def describe(self, req: RpcRequest) -> dict[str, Any]:
        cmd: _Get = req.decode(_Get)
        async with self.pool.acquire() as conn:
            doc = await load_document(conn, cmd.name, cmd.document_version, cmd.version_name)
        return {"Document": description(doc)}

    async def update(self, req: RpcRequest) -> dict[str, Any]:
        cmd: _Update = req.decode(_Update)
        now = self.clock.now()
        async with transaction(self.pool) as conn:
            head = await DocumentStore.lock(conn, cmd.name)
            if head["owner"] == AMAZON:
                raise InvalidDocumentOperation(
                    f"Document {cmd.name} is owned by Amazon and cannot be changed; copy its "
                    "content into a document of your own")
            latest = head["latest_version"]
            if cmd.document_version not in (None, "$LATEST", str(latest)):
                raise InvalidDocumentVersion(
                    f"The document version {cmd.document_version} is not the latest version "
                    f"({latest}) of {cmd.name}; only the latest version can be updated")
            previous = await DocumentStore.get(conn, cmd.name, latest)
            version = self._version(
                latest + 1, cmd.content, cmd.document_format, head["document_type"],
                cmd.display_name if cmd.display_name is not None
                else previous.version.display_name,
                cmd.version_name, cmd.target_type or previous.version.target_type, now)
            if version.hash == previous.version.hash:
                raise DuplicateDocumentContent(
                    "The content of the document is the same as its latest version")
            await DocumentStore.add_version(conn, cmd.name, version)
            doc = await DocumentStore.get(conn, cmd.name, latest + 1)
            await self._emit(conn, rc.DocumentUpdated(
                **_head(doc), added=_version_part(version)), now)
        return {"DocumentDescription": description(doc)}

    async def update_default(self, req: RpcRequest) -> dict[str, Any]:
        cmd: _Default = req.decode(_Default)
        async with transaction(self.pool) as conn:
            head = await DocumentStore.lock(conn, cmd.name)
            if head["owner"] == AMAZON:
                raise InvalidDocumentOperation(
                    f"Document {cmd.name} is owned by Amazon and cannot be changed")
            doc = await load_document(conn, cmd.name, cmd.document_version)
            await DocumentStore.set_default(conn, cmd.name, doc.version.version)
            await self._emit(conn, rc.DocumentUpdated(**_head(
                await DocumentStore.get(conn, cmd.name, doc.version.version))),
                self.clock.now())
        out: dict[str, Any] = {"Name": doc.name,
                               "DefaultVersion": str(doc.version.version)}
        if doc.version.version_name:
            out["DefaultVersionName"] = doc.version.version_name
        return {"Description": out}

    async def delete(self, req: RpcRequest) -> dict[str, Any]:
        cmd: _Delete = req.decode(_Delete)
        async with transaction(self.pool) as conn:
            head = await DocumentStore.lock(conn, cmd.name)
            if head["owner"] == AMAZON:
                raise InvalidDocumentOperation(
                    f"Document {cmd.name} is owned by Amazon and cannot be deleted")
            if cmd.document_version is None and cmd.version_name is None:
                await DocumentStore.delete(conn, cmd.name, None)
                await self._emit(conn, rc.DocumentDeleted(name=cmd.name), self.clock.now())
                return {}
            doc = await load_document(conn, cmd.name, cmd.document_version, cmd.version_name)
            number = doc.version.version
            if number == head["default_version"]:
                raise InvalidDocumentOperation(
                    f"Version {number} is the default version of {cmd.name} and cannot be "
                    "deleted; make another version the default first, or delete the whole "
                    "document")
            await DocumentStore.delete(conn, cmd.name, number)
            if number == head["latest_version"]:
                await conn.execute(
                    "UPDATE document SET latest_version = (SELECT max(version) FROM"
                    " document_version WHERE name = $1) WHERE name = $1", cmd.name)
            await self._emit(conn, rc.DocumentVersionDeleted(
                **_head(await DocumentStore.get(conn, cmd.name, head["default_version"])),
                deleted_version=number), self.clock.now())
        return {}

    async def _emit(self, conn: asyncpg.Connection, event: rc.RunbooksEvent,
                    now: datetime) -> None:
        await emit(conn, event, region=self.region, now=now)

    async def list(self, req: RpcRequest) -> dict[str, Any]:
        cmd: _List = req.decode(_List)
        where: list[str] = []
        args: list[Any] = []

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args) + 2}"

        filters = [(f.key, f.values) for f in cmd.filters]
        filters += [(f.key, [f.value]) for f in cmd.document_filter_list]
        for key, values in filters:
            if key == "Owner":
                owners = {AMAZON if v in ("Amazon", "Public") else
                          self.account if v in ("Self", "Private") else "" for v in values}
                where.append(f"d.owner = ANY({arg(sorted(owners))}::text[])")
            elif key == "Name":
                where.append(f"starts_with(d.name, {arg(values[0] if values else '')})")
            elif key == "DocumentType":
                where.append(f"d.document_type = ANY({arg(values)}::text[])")
            elif key == "TargetType":
                where.append(f"v.target_type = ANY({arg(values)}::text[])")
            elif key == "PlatformTypes":
                continue  # every Automation document runs on every platform
            elif key.startswith("tag:") and len(key) > 4:
                tag = arg(key[4:])
                where.append(f"d.tags ? {tag}" if not values
                             else f"d.tags ->> {tag} = ANY({arg(values)}::text[])")
            else:
                raise InvalidFilterKey(
                    f"The filter key {key!r} is not valid: use Owner, Name, DocumentType, "
                    "TargetType, PlatformTypes or tag:<key>")
        after = read_token(cmd.next_token, str, member="NextToken") if cmd.next_token else ""
        limit = cmd.max_results or DEFAULT_LIST_PAGE
        async with self.pool.acquire() as conn:
            docs = await DocumentStore.listing(conn, after=after, limit=limit + 1,
                                               where=where, args=args)
        out: dict[str, Any] = {"DocumentIdentifiers": [identifier(d) for d in docs[:limit]]}
        if len(docs) > limit:
            out["NextToken"] = make_token(docs[limit - 1].name)
        return out

    async def list_versions(self, req: RpcRequest) -> dict[str, Any]:
        cmd: _Versions = req.decode(_Versions)
        name = name_of(cmd.name)
        after = read_token(cmd.next_token, int, member="NextToken") if cmd.next_token else 0
        limit = cmd.max_results or DEFAULT_LIST_PAGE
        async with self.pool.acquire() as conn:
            doc = await load_document(conn, name)
            versions = await DocumentStore.all_versions(conn, name, after=after,
                                                        limit=limit + 1)
        out: dict[str, Any] = {"DocumentVersions": [version_info(doc, v)
                                                    for v in versions[:limit]]}
        if len(versions) > limit:
            out["NextToken"] = make_token(versions[limit - 1].version)
        return out

    async def install_builtins(self) -> None:
        """Insert (or refresh) the built-in read-only documents."""
        now = self.clock.now()
        async with transaction(self.pool) as conn:
            for name, (document_type, parsed) in BUILTIN_DOCUMENTS.items():
                text = contents.render(parsed, "JSON")
                version = Version(version=1, content=text, format="JSON", parsed=parsed,
                                  hash=content_hash(text), created_at=now)
                await DocumentStore.ensure_builtin(conn, name=name, document_type=document_type,
                                                   owner=AMAZON, version=version)
