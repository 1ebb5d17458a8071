"""The one door through which the console calls Tocsin's services: the gateway's access
point (:mod:`tocsin.gateway.access`).

Every page and every action of the console is a call of an AWS-modelled operation by the
signed-in key's principal, checked against the model like an API request and passed
through the gateway's gate as a :attr:`~tocsin.gateway.access.Face.CONSOLE` call: the same
authorization (and whatever steps the gate runs, the audit trail among them) as boto3. The
console also asks the authorization step before offering an action, so a responder is not
shown a button the gate would refuse.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from tocsin.gateway import awsmodel
from tocsin.gateway.access import Access, Authorization, Face, Principal
from tocsin.gateway.access.resources import resources_of
from tocsin.gateway.settings import Settings
from tocsin.shared.errors import AccessDeniedError
from tocsin.shared.logging import bound, get_logger

__all__ = ["Calls"]

log = get_logger(__name__)


class Calls:
    """Calls of ``ssm-incidents``, ``ssm-contacts``, ``tocsin`` and ``ssm`` operations for a
    principal."""

    def __init__(self, settings: Settings, access: Access) -> None:
        self._access = access
        self._models = {api: awsmodel.load(api, settings.arn_partition)
                        for api in ("ssm-incidents", "ssm-contacts", "tocsin", "ssm")}
        self._authorization = next(
            (s for s in access.gate.steps if isinstance(s, Authorization)), None)

    def secrets(self) -> Mapping[str, str]:
        """Access key id → secret: the keys a responder may sign in with."""
        return self._access.authenticator.directory.secrets()

    def principal(self, key_id: str) -> Principal | None:
        """The principal of access key ``key_id``, while the key exists."""
        found = self._access.authenticator.directory.lookup(key_id)
        return found.principal if found is not None else None

    async def __call__(self, request: web.Request, principal: Principal, api: str,
                       operation: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The output of ``operation`` of ``api`` called by ``principal`` from the browser
        that sent ``request``.

        Raises:
            TocsinError: the input does not fit the model, the gate refused the call, or
                what the service answered.
        """
        model = self._models[api]
        params = dict(params or {})
        awsmodel.validate_input(model, operation, params)
        params = awsmodel.normalize_input(model, operation, params)
        request_id = str(uuid.uuid4())
        with bound(request_id=request_id, operation=operation, face="console"):
            call = self._access.http_call(request, face=Face.CONSOLE, api=model.api,
                                          operation=operation, principal=principal,
                                          params=params, request_id=request_id)
            output = await self._access.gate(call)
        return awsmodel.serialize_output(model, operation, output)

    async def timeline_authors(self, principal: Principal, incident_arn: str,
                               event_ids: list[str]) -> dict[str, str]:
        """Event id → the principal who wrote it, of the custom events among ``event_ids``:
        the console offers Edit on the viewer's own. Asked only after ``principal`` read
        the same timeline through the gate (that call is the one authorised and
        audited)."""
        if not event_ids:
            return {}
        output = await self._access.gate.client.call(
            "ssm-incidents", "TimelineEventAuthors",
            {"incidentRecordArn": incident_arn, "eventIds": event_ids},
            principal=principal.arn, request_id=str(uuid.uuid4()))
        authors: dict[str, str] = output.get("authors", {})
        return authors

    async def allowed(self, request: web.Request, principal: Principal, api: str,
                      operation: str, params: dict[str, Any] | None = None) -> bool:
        """Whether the gate would let ``principal`` call ``operation`` with ``params`` (on
        the resources they name): the console offers only what this allows."""
        if self._authorization is None:
            return True
        call = self._access.http_call(request, face=Face.CONSOLE, api=api,
                                      operation=operation, principal=principal,
                                      params=dict(params or {}), request_id="")
        call.resources = resources_of(api, operation, call.params)
        try:
            await self._authorization.check(call)
        except AccessDeniedError:
            return False
        return True
