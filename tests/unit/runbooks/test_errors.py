"""The runbooks service's errors carry the ssm model's names."""

from __future__ import annotations

import gzip
import importlib.resources
import json

from tocsin.runbooks import errors
from tocsin.shared.errors import ConflictError, NotFoundError, ValidationError, from_wire


def test_every_code_is_an_exception_of_the_ssm_model_with_only_a_message() -> None:
    model = json.loads(gzip.decompress(
        (importlib.resources.files("botocore") / "data/ssm/2014-11-06/service-2.json.gz")
        .read_bytes()))
    for code, cls in errors.SSM_ERRORS.items():
        shape = model["shapes"][code]
        assert shape.get("exception"), code
        assert set(shape.get("members", {})) <= {"Message"}, code
        error = cls("boom")
        wire = error.to_wire()
        assert (wire["code"], wire["message"]) == (code, "boom")
        back = from_wire(wire)  # across NATS: the code and its kind both survive
        assert back.aws_code == code and back.http_status == error.http_status
        assert type(back).__mro__[1] in type(error).__mro__


def test_each_error_is_one_of_the_shared_kinds() -> None:
    assert isinstance(errors.InvalidDocumentContent("x"), ValidationError)
    assert isinstance(errors.InvalidDocument("x"), NotFoundError)
    assert isinstance(errors.AutomationExecutionNotFoundException("x"), NotFoundError)
    assert isinstance(errors.InvalidAutomationSignalException("x"), ConflictError)
    assert isinstance(errors.IdempotentParameterMismatch("x"), ConflictError)
