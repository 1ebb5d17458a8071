"""How a reported change becomes the API's FindingDetails."""

from __future__ import annotations

from tocsin.incidents.findings.domain import details
from tocsin.shared import codec
from tocsin.shared.contracts.changes import ChangeReported

STACK = "arn:aws:cloudformation:eu-west-1:111122223333:stack/web/1"


def decode(body: object) -> ChangeReported:
    return codec.decode(codec.encode(body), ChangeReported)


class TestDetails:
    def test_details_are_the_api_union_in_epoch_seconds(self) -> None:
        """Details carry the kind's members, times as epoch seconds, endTime only when known."""
        change = decode({"cloudFormationStackUpdate": {
            "stackArn": STACK, "startTime": "2023-11-14T22:13:20.5Z", "endTime": 1700000100}})
        assert details(change) == {"cloudFormationStackUpdate": {
            "stackArn": STACK, "startTime": 1700000000.5, "endTime": 1700000100.0}}
        running = decode({"codeDeployDeployment": {
            "deploymentGroupArn": "g", "deploymentId": "d-1", "startTime": 1700000000}})
        assert details(running) == {"codeDeployDeployment": {
            "deploymentGroupArn": "g", "deploymentId": "d-1", "startTime": 1700000000.0}}
