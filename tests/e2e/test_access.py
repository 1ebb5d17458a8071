"""Access through the whole system (issue 16): principals of ``TOCSIN_POLICY_FILE`` with
IAM-style policies, enforced by the gateway for boto3, the gRPC stub and raw HTTP alike;
resource policies sharing a response plan with another account; signatures that cannot be
left off or replayed."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import boto3
import botocore.exceptions
import grpc
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tocsin.gateway.grpcsign import SigV4Signer
from tocsin.proto.incidents.v1 import incidents_pb2 as pb
from tocsin.proto.incidents.v1 import incidents_pb2_grpc as pb_grpc
from tocsin.shared.testing import wait_for

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
A, B = "000000000000", "111111111111"
RESPONDER = ("AKIDRESPONDER0001", "responder-secret")
CAREFUL = ("AKIDCAREFUL0001", "careful-secret")
PARTNER = ("AKIDPARTNER0001", "partner-secret")
PARTNER_ARN = f"arn:tocsin:iam::{B}:user/partner"
START = "ssm-incidents:StartIncident"

POLICY_FILE = {"principals": [
    {"arn": f"arn:tocsin:iam::{A}:user/responder",
     "accessKeys": [{"id": RESPONDER[0], "secret": RESPONDER[1]}],
     "policies": [{"Version": "2012-10-17", "Statement": [
         {"Effect": "Allow", "Action": ["ssm-incidents:Get*", "ssm-incidents:List*",
                                        "ssm-contacts:AcceptPage"], "Resource": "*"}]}]},
    {"arn": f"arn:tocsin:iam::{A}:user/careful",
     "accessKeys": [{"id": CAREFUL[0], "secret": CAREFUL[1]}],
     "policies": [{"Version": "2012-10-17", "Statement": [
         {"Effect": "Allow", "Action": "ssm-incidents:*", "Resource": "*"},
         {"Effect": "Deny", "Action": START,
          "Resource": f"arn:tocsin:ssm-incidents::{A}:response-plan/payments"}]}]},
    {"arn": PARTNER_ARN,
     "accessKeys": [{"id": PARTNER[0], "secretEnv": "TOCSIN_TEST_PARTNER_SECRET"}],
     "policies": [{"Version": "2012-10-17", "Statement": [
         {"Effect": "Allow", "Action": [START, "ssm-incidents:GetIncidentRecord"],
          "Resource": "*"}]}]},
]}


@pytest.fixture
def tocsin_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("TOCSIN_TEST_PARTNER_SECRET", PARTNER[1])
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(POLICY_FILE))
    return {"gateway": {"policy_file": str(path)}}


def boto(service: str, tocsin: dict[str, Any], key: tuple[str, str] = (KEY_ID, SECRET)) -> Any:
    return boto3.client(service, endpoint_url=tocsin["http"], region_name=tocsin["region"],
                        aws_access_key_id=key[0], aws_secret_access_key=key[1])


def refusal(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call(**kwargs)
    response = info.value.response
    return (response["Error"]["Code"], response["Error"]["Message"],
            response["ResponseMetadata"]["HTTPStatusCode"])


async def plan(tocsin: dict[str, Any], name: str = "payments", **extra: Any) -> str:
    incidents = boto("ssm-incidents", tocsin)

    def create() -> str:
        if not incidents.list_replication_sets()["replicationSetArns"]:
            incidents.create_replication_set(regions={tocsin["region"]: {}})
        arn: str = incidents.create_response_plan(
            name=name, incidentTemplate={"title": f"{name} failing", "impact": 2},
            **extra)["arn"]
        return arn

    return await asyncio.to_thread(create)


class TestResponder:
    async def test_lists_and_accepts_a_page_but_may_not_start_or_delete(
            self, tocsin: dict[str, Any], deliveries: Any) -> None:
        admin_contacts = boto("ssm-contacts", tocsin)

        def contact() -> tuple[str, str]:
            alice = admin_contacts.create_contact(Alias="alice", Type="PERSONAL",
                                                  Plan={"Stages": []})["ContactArn"]
            channel = admin_contacts.create_contact_channel(
                ContactId=alice, Name="mail", Type="EMAIL",
                DeliveryAddress={"SimpleAddress": "alice@example.com"})["ContactChannelArn"]
            return alice, channel

        alice, channel = await asyncio.to_thread(contact)
        await wait_for(lambda: channel in deliveries.codes)

        def engage() -> None:
            admin_contacts.activate_contact_channel(ContactChannelId=channel,
                                                    ActivationCode=deliveries.codes[channel])
            admin_contacts.update_contact(ContactId=alice, Plan={"Stages": [{
                "DurationInMinutes": 0, "Targets": [{"ChannelTargetInfo": {
                    "ContactChannelId": channel, "RetryIntervalInMinutes": 1}}]}]})

        await asyncio.to_thread(engage)
        plan_arn = await plan(tocsin, engagements=[alice])
        incident = await asyncio.to_thread(
            lambda: boto("ssm-incidents", tocsin).start_incident(
                responsePlanArn=plan_arn)["incidentRecordArn"])
        await wait_for(lambda: any(p.contact_arn == alice for p in deliveries.pages),
                       timeout=15)
        page = next(p for p in deliveries.pages if p.contact_arn == alice)

        incidents = boto("ssm-incidents", tocsin, RESPONDER)
        contacts = boto("ssm-contacts", tocsin, RESPONDER)
        listed = await asyncio.to_thread(incidents.list_incident_records)
        assert [r["arn"] for r in listed["incidentRecordSummaries"]] == [incident]
        await asyncio.to_thread(contacts.accept_page, PageId=page.page_arn,
                                AcceptType="READ", AcceptCode=page.accept_code)

        code, message, status = await asyncio.to_thread(
            refusal, incidents.start_incident, responsePlanArn=plan_arn)
        assert (code, status) == ("AccessDeniedException", 403)
        assert message == (f"User: arn:tocsin:iam::{A}:user/responder is not authorized to "
                           f"perform: {START} on resource: {plan_arn}")
        replication = (await asyncio.to_thread(
            boto("ssm-incidents", tocsin).list_replication_sets))["replicationSetArns"][0]
        code, message, _ = await asyncio.to_thread(
            refusal, incidents.delete_replication_set, arn=replication)
        assert code == "AccessDeniedException"
        assert "ssm-incidents:DeleteReplicationSet" in message and replication in message
        # Still there: the refusal happened in the gateway.
        assert (await asyncio.to_thread(incidents.list_replication_sets))[
            "replicationSetArns"] == [replication]

    async def test_grpc_refusal_is_permission_denied(self, tocsin: dict[str, Any]) -> None:
        plan_arn = await plan(tocsin)
        signer = SigV4Signer(*RESPONDER, region=tocsin["region"])
        async with grpc.aio.insecure_channel(tocsin["grpc"],
                                             interceptors=signer.interceptors()) as channel:
            stub = pb_grpc.IncidentsStub(channel)
            await stub.ListIncidentRecords(pb.ListIncidentRecordsRequest())
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await stub.StartIncident(pb.StartIncidentRequest(response_plan_arn=plan_arn))
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert dict(info.value.trailing_metadata() or ())["aws-error-code"] == \
            "AccessDeniedException"
        assert START in (info.value.details() or "")


class TestExplicitDeny:
    async def test_deny_beats_allow(self, tocsin: dict[str, Any]) -> None:
        payments, web = await plan(tocsin, "payments"), await plan(tocsin, "web")
        careful = boto("ssm-incidents", tocsin, CAREFUL)
        code, _, _ = await asyncio.to_thread(refusal, careful.start_incident,
                                             responsePlanArn=payments)
        assert code == "AccessDeniedException"
        started = await asyncio.to_thread(careful.start_incident, responsePlanArn=web)
        assert started["incidentRecordArn"].startswith(
            f"arn:tocsin:ssm-incidents::{A}:incident-record/web/")
        assert (await asyncio.to_thread(careful.get_response_plan, arn=payments))["name"] == \
            "payments"


class TestSharing:
    async def test_other_account_starts_only_once_the_plan_is_shared(
            self, tocsin: dict[str, Any]) -> None:
        plan_arn = await plan(tocsin)
        partner = boto("ssm-incidents", tocsin, PARTNER)
        code, message, _ = await asyncio.to_thread(refusal, partner.start_incident,
                                                   responsePlanArn=plan_arn)
        assert code == "AccessDeniedException" and PARTNER_ARN in message

        admin = boto("ssm-incidents", tocsin)
        incidents_of_plan = plan_arn.replace("response-plan", "incident-record") + "/*"
        share = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": B},
            "Action": [START, "ssm-incidents:GetIncidentRecord"],
            "Resource": [plan_arn, incidents_of_plan]}]}
        await asyncio.to_thread(admin.put_resource_policy, resourceArn=plan_arn,
                                policy=json.dumps(share))
        started = await asyncio.to_thread(partner.start_incident, responsePlanArn=plan_arn)
        incident = started["incidentRecordArn"]
        record = await asyncio.to_thread(partner.get_incident_record, arn=incident)
        assert record["incidentRecord"]["incidentRecordSource"]["createdBy"] == PARTNER_ARN
        # Shared is not owned: what the policy does not grant stays refused.
        code, _, _ = await asyncio.to_thread(refusal, partner.update_incident_record,
                                             arn=incident, title="mine now")
        assert code == "AccessDeniedException"


class TestSignatures:
    async def test_unsigned_and_wrongly_signed_grpc_is_unauthenticated(
            self, tocsin: dict[str, Any]) -> None:
        request = pb.ListResponsePlansRequest()
        wrong = SigV4Signer(KEY_ID, "not-the-secret", region=tocsin["region"])
        for interceptors in ((), wrong.interceptors()):
            async with grpc.aio.insecure_channel(tocsin["grpc"],
                                                 interceptors=interceptors) as channel:
                with pytest.raises(grpc.aio.AioRpcError) as info:
                    await pb_grpc.IncidentsStub(channel).ListResponsePlans(request)
            assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED

    async def test_signature_replayed_with_another_target_is_refused(
            self, tocsin: dict[str, Any]) -> None:
        """A signed ListContacts sent again as DeleteContact: the signature covers
        X-Amz-Target, so the replay fails; a signature that leaves the target out is
        refused outright."""
        url = f"{tocsin['http']}/"

        def sign(target: str, *, cover_target: bool = True) -> dict[str, str]:
            headers = {"Content-Type": "application/x-amz-json-1.1"}
            if cover_target:
                headers["X-Amz-Target"] = target
            request = AWSRequest(method="POST", url=url, data=b"{}", headers=headers)
            SigV4Auth(Credentials(KEY_ID, SECRET), "ssm-contacts",
                      tocsin["region"]).add_auth(request)
            signed = dict(request.headers.items())
            signed["X-Amz-Target"] = target
            return signed

        async with aiohttp.ClientSession() as session:
            headers = sign("SSMContacts.ListContacts")
            async with session.post(url, data=b"{}", headers=headers) as response:
                assert response.status == 200
            headers["X-Amz-Target"] = "SSMContacts.DeleteContact"
            async with session.post(url, data=b"{}", headers=headers) as response:
                body = json.loads(await response.read())
                assert (response.status, body["__type"]) == (403, "InvalidSignatureException")
            headers = sign("SSMContacts.ListContacts", cover_target=False)
            async with session.post(url, data=b"{}", headers=headers) as response:
                body = json.loads(await response.read())
                assert (response.status, body["__type"]) == (403, "InvalidSignatureException")
                assert "x-amz-target" in body["Message"]
