"""The part of AWS's ``ssm`` API the gateway serves: the model keeps exactly the routed
operations, with AWS's shapes and errors, and nothing else of ssm's 150 operations."""

from __future__ import annotations

import pytest

from tocsin.gateway import awsmodel, clients
from tocsin.shared.errors import ValidationError

SSM = awsmodel.load("ssm")


def test_the_model_serves_exactly_the_routed_operations() -> None:
    assert set(SSM.operations) == set(clients.SSM_OWNERS)
    assert (SSM.protocol, SSM.signing_name, SSM.target_prefix) == ("json", "ssm", "AmazonSSM")
    assert clients.owner("ssm", "StartAutomationExecution") == "runbooks"
    assert clients.owner("ssm", "CreateOpsItem") == "analysis"


def test_the_operations_keep_their_modelled_errors() -> None:
    create = SSM.operations["CreateDocument"]
    assert "InvalidDocumentContent" in create.error_shapes
    shape = SSM.error_shape("InvalidDocumentContent")
    assert shape is not None and set(shape.members) == {"Message"}


def test_an_operation_tocsin_does_not_serve_is_unknown() -> None:
    with pytest.raises(ValidationError) as caught:
        awsmodel.validate_input(SSM, "SendCommand", {})
    assert caught.value.fields["reason"] == "UNKNOWN_OPERATION"


def test_inputs_are_checked_against_the_ssm_model() -> None:
    with pytest.raises(ValidationError) as caught:
        awsmodel.validate_input(SSM, "GetAutomationExecution",
                                {"AutomationExecutionId": "too-short"})
    assert "at 'automationExecutionId'" in caught.value.message or \
        "AutomationExecutionId" in caught.value.message
