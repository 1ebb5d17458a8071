"""The error tree and its wire form."""

from __future__ import annotations

from tocsin.shared import errors


class TestWire:
    def test_round_trip_keeps_class_message_and_fields(self) -> None:
        """An error sent as a NATS reply comes back as the same class with its fields."""
        sent = errors.NotFoundError("plan p does not exist", resource_type="RESPONSE_PLAN",
                                    resource_id="arn:x")
        back = errors.from_wire(sent.to_wire())
        assert type(back) is errors.NotFoundError
        assert back.message == "plan p does not exist"
        assert back.fields == {"resourceType": "RESPONSE_PLAN", "resourceIdentifier": "arn:x"}

    def test_unknown_code_is_internal(self) -> None:
        """A code no class claims becomes an InternalError, not a crash."""
        assert type(errors.from_wire({"code": "Nope", "message": "m"})) is errors.InternalError

    def test_each_error_maps_to_aws_http_and_grpc(self) -> None:
        """Every error names its AWS code, HTTP status and gRPC status in one place."""
        assert (errors.ValidationError.aws_code, errors.ValidationError.http_status,
                errors.ValidationError.grpc_code) == ("ValidationException", 400,
                                                      "INVALID_ARGUMENT")
        assert errors.ConflictError.http_status == 409
        assert errors.UnsupportedOperation.grpc_code == "UNIMPLEMENTED"
