"""Where an analysis's template comes from: the built-in one, or a custom template stored
by the runbooks service as an SSM document of type ``ProblemAnalysisTemplate`` (read over
``tocsin.rpc.runbooks.GetDocument``, the ``ssm`` ``GetDocument`` shape).

The runbooks service validates a template at ``CreateDocument`` by asking this service
(``ValidateAnalysisTemplate``), so the schema lives in one place
(:mod:`tocsin.analysis.templates`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from tocsin.analysis import templates
from tocsin.shared import codec, errors
from tocsin.shared.bus import Bus, RpcRequest, rpc_subject
from tocsin.shared.bus.rpc import Handler

__all__ = ["TemplateSource", "operations"]

DOCUMENT_TYPE = "ProblemAnalysisTemplate"


class _Document(msgspec.Struct, rename="pascal"):
    content: str
    document_type: str | None = None
    document_version: str | None = None
    name: str | None = None


class TemplateSource:
    """Resolves ``templateName`` to the template an analysis pins."""

    def __init__(self, bus: Bus) -> None:
        self._bus = bus

    async def resolve(self, name: str | None) -> tuple[str, str, templates.Template]:
        """(name, version, template).

        Raises:
            ValidationError: no such template, or a document that is not one.
        """
        if name is None or name == templates.BUILTIN_NAME:
            return templates.BUILTIN_NAME, templates.BUILTIN_VERSION, templates.BUILTIN
        try:
            reply = await self._bus.request(rpc_subject("runbooks", "GetDocument"),
                                            {"Name": name, "DocumentFormat": "JSON"},
                                            timeout=10)
        except (errors.ServiceUnavailable, errors.ThrottlingError):
            raise
        except errors.TocsinError as exc:
            # The runbooks service's own error (InvalidDocument for a name it does not
            # hold) reaches here under its message.
            raise errors.ValidationError(f"templateName {name!r}: {exc.message}") from None
        document = codec.decode(reply, _Document)
        if document.document_type not in (None, DOCUMENT_TYPE):
            raise errors.ValidationError(f"templateName {name!r} is a "
                                         f"{document.document_type} document, not a "
                                         f"{DOCUMENT_TYPE}")
        return name, document.document_version or "1", templates.parse(document.content)


class _Validate(msgspec.Struct, rename="camel"):
    content: str


async def validate_template(req: RpcRequest) -> dict[str, Any]:
    """``ValidateAnalysisTemplate{content}`` → ``{}``, or the ValidationError saying what
    breaks the schema."""
    cmd: _Validate = req.decode(_Validate)
    if len(cmd.content.encode()) > 64 * 1024:
        raise errors.ValidationError("A ProblemAnalysisTemplate is at most 64 KB")
    templates.parse(cmd.content)
    return {}


def operations() -> Mapping[str, Handler]:
    return {"ValidateAnalysisTemplate": validate_template}
