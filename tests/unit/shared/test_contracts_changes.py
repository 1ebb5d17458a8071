"""The body of changes.<source> messages: both kinds, both time formats, default ids."""

from __future__ import annotations

import msgspec
import pytest

from tocsin.shared import codec
from tocsin.shared.contracts.changes import ChangeReported, stack_update_id

STACK = "arn:aws:cloudformation:eu-west-1:111122223333:stack/web/1"


def decode(body: object) -> ChangeReported:
    return codec.decode(codec.encode(body), ChangeReported)


class TestChangeReported:
    def test_deployment_id_is_the_default_id(self) -> None:
        """A CodeDeploy change without an id is the finding named by its deploymentId."""
        change = decode({"codeDeployDeployment": {
            "deploymentGroupArn": "g", "deploymentId": "d-1", "startTime": 1700000000}})
        assert change.finding_id == "d-1"
        assert decode({"id": "mine", "codeDeployDeployment": {
            "deploymentGroupArn": "g", "deploymentId": "d-1",
            "startTime": 1700000000}}).finding_id == "mine"

    def test_stack_update_id_is_stable_across_time_formats(self) -> None:
        """Epoch seconds, UTC ISO-8601, an offset and a naive (UTC) time name one stack update."""
        ids = {decode({"cloudFormationStackUpdate": {"stackArn": STACK, "startTime": t}}
                      ).finding_id
               for t in (1700000000, 1700000000.0, "2023-11-14T22:13:20Z",
                         "2023-11-15T00:13:20+02:00", "2023-11-14T22:13:20")}
        assert ids == {stack_update_id(STACK, 1700000000)}
        assert next(iter(ids)).startswith("cfn-") and len(next(iter(ids))) == 36

    @pytest.mark.parametrize("body", [
        {},
        {"id": "x"},
        {"codeDeployDeployment": {"deploymentGroupArn": "g", "deploymentId": "d",
                                  "startTime": 1},
         "cloudFormationStackUpdate": {"stackArn": STACK, "startTime": 1}},
        {"codeDeployDeployment": {"deploymentGroupArn": "g", "startTime": 1}},
        {"cloudFormationStackUpdate": {"stackArn": STACK, "startTime": "yesterday"}},
        {"cloudFormationStackUpdate": {"stackArn": STACK, "startTime": 1e300}},
        {"cloudFormationStackUpdate": {"stackArn": STACK, "startTime": 10, "endTime": 5}},
        {"id": "", "cloudFormationStackUpdate": {"stackArn": STACK, "startTime": 1}},
        {"id": "x" * 129, "cloudFormationStackUpdate": {"stackArn": STACK, "startTime": 1}},
    ])
    def test_bodies_outside_the_contract_do_not_decode(self, body: object) -> None:
        """Neither or both kinds, missing members, bad times and bad ids fail to decode."""
        with pytest.raises(msgspec.ValidationError):
            decode(body)
