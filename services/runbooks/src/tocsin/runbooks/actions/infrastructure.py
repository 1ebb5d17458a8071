"""AWS-infrastructure actions (``aws:runCommand``, ``aws:createStack``, ...): accepted in
documents so AWS runbooks import unchanged, refused when a step reaches them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from tocsin.runbooks.actions.context import ActionContext, ActionFailed

__all__ = ["refuse"]

_NEEDS: Mapping[str, str] = {
    "aws:runCommand": "SSM Agent on managed instances",
    "aws:changeInstanceState": "Amazon EC2",
    "aws:runInstances": "Amazon EC2",
    "aws:createImage": "Amazon EC2",
    "aws:copyImage": "Amazon EC2",
    "aws:deleteImage": "Amazon EC2",
    "aws:createTags": "Amazon EC2",
    "aws:createStack": "AWS CloudFormation",
    "aws:deleteStack": "AWS CloudFormation",
    "aws:executeStateMachine": "AWS Step Functions",
    "aws:invokeLambdaFunction": "AWS Lambda",
}


def refuse(action: str, inputs: Mapping[str, Any], ctx: ActionContext) -> NoReturn:
    """Fail the step: ``FailureDetails{FailureStage: InputValidation, FailureType: Action}``."""
    del inputs, ctx
    needs = _NEEDS.get(action, "AWS infrastructure")
    raise ActionFailed(
        "InputValidation", "Action",
        f"{action} needs {needs}, which a self-hosted Tocsin does not have: the document is "
        "accepted so that AWS runbooks import unchanged, but this step cannot run here. Use "
        "aws:executeScript, aws:executeAwsApi (Tocsin's own APIs) or aws:invokeWebhook "
        "instead")
