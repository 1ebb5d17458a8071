"""Documents and their versions as the ``ssm`` API shows them: pure, no I/O, no clock.

A document is a name with numbered versions (1, 2, ...), a default version (what
``$DEFAULT`` and an execution without ``DocumentVersion`` run) and a latest one. The
content is kept as the caller sent it, with its parsed form beside it; ``GetDocument``
converts it to the format asked for.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tocsin.runbooks.errors import (
    InvalidDocument,
    InvalidDocumentContent,
    InvalidDocumentSchemaVersion,
    InvalidDocumentVersion,
)
from tocsin.shared.errors import ValidationError

__all__ = [
    "AMAZON",
    "SUPPORTED_TYPES",
    "Document",
    "Version",
    "check_new_name",
    "check_type",
    "content_hash",
    "description",
    "identifier",
    "missing",
    "name_of",
    "pick_version",
    "version_info",
]

AMAZON = "Amazon"
"""The owner of the built-in documents (``AWSIncidents-...``), which are read-only."""

SUPPORTED_TYPES = frozenset({"Automation", "ProblemAnalysisTemplate"})
"""The document types Tocsin stores: runbooks, and post-incident analysis templates (the
analysis service reads them with GetDocument)."""

RESERVED_PREFIXES = ("aws", "amazon", "amzn")
"""Name prefixes (any case) AWS keeps for its own documents; ``AWSEC2``,
``AWSConfigRemediation`` and ``AWSSupport`` start with ``aws`` already."""

SCHEMA_VERSIONS = {"Automation": "0.3"}


@dataclass(frozen=True, slots=True)
class Version:
    """One version of a document."""

    version: int
    content: str
    format: str
    parsed: dict[str, Any]
    hash: str
    created_at: datetime
    display_name: str | None = None
    version_name: str | None = None
    target_type: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A document: its identity and the version in hand."""

    name: str
    document_type: str
    owner: str
    default_version: int
    latest_version: int
    created_at: datetime
    version: Version
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def read_only(self) -> bool:
        return self.owner == AMAZON


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def name_of(name_or_arn: str) -> str:
    """A document name from a name or an ARN (``arn:...:document/<name>`` or
    ``...:automation-definition/<name>:<version>``)."""
    if not name_or_arn.startswith("arn:"):
        return name_or_arn
    resource = name_or_arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    if kind == "automation-definition":
        rest = rest.split(":", 1)[0]
    return rest


def check_new_name(name: str) -> None:
    """Refuse a name AWS keeps for its own documents."""
    if name.lower().startswith(RESERVED_PREFIXES):
        raise ValidationError(
            f"Document name {name!r} is not valid: names that start with 'aws', 'amazon' "
            "or 'amzn' (in any case) are reserved for documents that Amazon owns")


def check_type(document_type: str, parsed: dict[str, Any]) -> None:
    """The document type is one Tocsin stores and the content's schemaVersion fits it."""
    if document_type not in SUPPORTED_TYPES:
        raise InvalidDocumentContent(
            f"DocumentType {document_type!r} is not supported: Tocsin stores Automation "
            "runbooks and ProblemAnalysisTemplate documents")
    wanted = SCHEMA_VERSIONS.get(document_type)
    if wanted is not None and str(parsed.get("schemaVersion")) != wanted:
        raise InvalidDocumentSchemaVersion(
            f"{document_type} documents must have schemaVersion '{wanted}', not "
            f"{parsed.get('schemaVersion')!r}")


def pick_version(name: str, latest: int, default: int, versions: dict[str, int],
                 document_version: str | None, version_name: str | None) -> int:
    """The version number a request names: ``DocumentVersion`` (a number, ``$LATEST``,
    ``$DEFAULT``) and/or ``VersionName``; the default version when it names none.

    Raises:
        InvalidDocumentVersion: the number or name is not one of the document's.
    """
    number: int | None = None
    if document_version in (None, "", "$DEFAULT"):
        number = None if version_name else default
    elif document_version == "$LATEST":
        number = latest
    else:
        try:
            number = int(str(document_version))
        except ValueError:
            raise InvalidDocumentVersion(
                f"The document version {document_version!r} is not valid") from None
        if number not in versions.values():
            raise InvalidDocumentVersion(
                f"Document {name} has no version {document_version}")
    if version_name:
        by_name = versions.get(version_name)
        if by_name is None or (number is not None and number != by_name):
            raise InvalidDocumentVersion(
                f"Document {name} has no version named {version_name!r}"
                + (f" with version {number}" if number is not None else ""))
        number = by_name
    assert number is not None
    return number


def missing(name: str) -> InvalidDocument:
    return InvalidDocument(f"Document {name} does not exist")


def _parameters(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for pname, spec in (parsed.get("parameters") or {}).items():
        if not isinstance(spec, dict):
            continue
        item: dict[str, Any] = {"Name": pname, "Type": spec.get("type", "String")}
        if spec.get("description"):
            item["Description"] = str(spec["description"])
        if "default" in spec:
            default = spec["default"]
            item["DefaultValue"] = default if isinstance(default, str) else json.dumps(default)
        out.append(item)
    return out


def description(doc: Document) -> dict[str, Any]:
    """``DocumentDescription`` of the version in hand."""
    v = doc.version
    out: dict[str, Any] = {
        "Sha1": v.hash, "Hash": v.hash, "HashType": "Sha256", "Name": doc.name,
        "Owner": doc.owner, "CreatedDate": v.created_at.timestamp(), "Status": "Active",
        "DocumentVersion": str(v.version), "Parameters": _parameters(v.parsed),
        "PlatformTypes": ["Windows", "Linux", "MacOS"], "DocumentType": doc.document_type,
        "SchemaVersion": str(v.parsed.get("schemaVersion", "")),
        "LatestVersion": str(doc.latest_version), "DefaultVersion": str(doc.default_version),
        "DocumentFormat": v.format,
        "Tags": [{"Key": k, "Value": val} for k, val in sorted(doc.tags.items())],
    }
    if isinstance(v.parsed.get("description"), str):
        out["Description"] = v.parsed["description"]
    for key, value in (("DisplayName", v.display_name), ("VersionName", v.version_name),
                       ("TargetType", v.target_type)):
        if value:
            out[key] = value
    return out


def identifier(doc: Document) -> dict[str, Any]:
    """``DocumentIdentifier`` (ListDocuments lists the default version)."""
    v = doc.version
    out: dict[str, Any] = {
        "Name": doc.name, "CreatedDate": doc.created_at.timestamp(), "Owner": doc.owner,
        "PlatformTypes": ["Windows", "Linux", "MacOS"], "DocumentVersion": str(v.version),
        "DocumentType": doc.document_type,
        "SchemaVersion": str(v.parsed.get("schemaVersion", "")), "DocumentFormat": v.format,
        "Tags": [{"Key": k, "Value": val} for k, val in sorted(doc.tags.items())],
    }
    for key, value in (("DisplayName", v.display_name), ("VersionName", v.version_name),
                       ("TargetType", v.target_type)):
        if value:
            out[key] = value
    return out


def version_info(doc: Document, v: Version) -> dict[str, Any]:
    """``DocumentVersionInfo``."""
    out: dict[str, Any] = {
        "Name": doc.name, "DocumentVersion": str(v.version),
        "CreatedDate": v.created_at.timestamp(),
        "IsDefaultVersion": v.version == doc.default_version, "DocumentFormat": v.format,
        "Status": "Active"}
    if v.display_name:
        out["DisplayName"] = v.display_name
    if v.version_name:
        out["VersionName"] = v.version_name
    return out
