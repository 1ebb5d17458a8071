"""The one door through which the console calls Tocsin's services.

Every page and every action of the console is a call of an AWS-modelled operation as the
signed-in key's principal: checked against the model like an API request, sent with
:class:`~tocsin.gateway.clients.ServiceClient`, its output shaped as the API answers it.
When the gateway gains its authorization point, this module is what switches to it, so that
the console is authorised and audited exactly like boto3.
"""

from __future__ import annotations

import uuid
from typing import Any

from tocsin.gateway import awsmodel
from tocsin.gateway.clients import ServiceClient
from tocsin.gateway.settings import Settings
from tocsin.shared.logging import bound, get_logger

__all__ = ["Calls"]

log = get_logger(__name__)


class Calls:
    """Calls of ``ssm-incidents``, ``ssm-contacts`` and ``tocsin`` operations for a principal."""

    def __init__(self, settings: Settings, client: ServiceClient) -> None:
        self._client = client
        self._models = {api: awsmodel.load(api, settings.arn_partition)
                        for api in ("ssm-incidents", "ssm-contacts", "tocsin")}

    async def __call__(self, principal: str, api: str, operation: str,
                       params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The output of ``operation`` of ``api`` called by ``principal``.

        Raises:
            TocsinError: the input does not fit the model, or what the service answered.
        """
        model = self._models[api]
        params = dict(params or {})
        awsmodel.validate_input(model, operation, params)
        params = awsmodel.normalize_input(model, operation, params)
        request_id = str(uuid.uuid4())
        with bound(request_id=request_id, operation=operation, face="console"):
            output = await self._client.call(model.api, operation, params,
                                             principal=principal, request_id=request_id)
            log.info("console.call", principal=principal)
        return awsmodel.serialize_output(model, operation, output)

    def allowed(self, principal: str, api: str, operation: str) -> bool:
        """Whether the console should offer ``operation`` to ``principal``: every
        operation for an access key of the gateway, until the authorization point
        answers it per principal."""
        return True
