"""Documents through the runbooks service: versions, formats, listing and refusals."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.integration.runbooks.conftest import Ssm
from tocsin.shared.errors import TocsinError

YAML_DOC = """\
schemaVersion: '0.3'
description: Restart the web tier
parameters:
  Target: {type: String, default: web}
mainSteps:
- name: Confirm
  action: aws:pause
  inputs: {}
- name: Wait
  action: aws:sleep
  inputs: {Duration: PT1S}
"""


async def refused(ssm: Ssm, code: str, operation: str, **params: object) -> str:
    with pytest.raises(TocsinError) as caught:
        await ssm(operation, **params)
    assert caught.value.aws_code == code, caught.value.message
    return caught.value.message


async def test_versions_formats_and_default(ssm: Ssm) -> None:
    created = (await ssm("CreateDocument", Name="Restart", Content=YAML_DOC,
                         DocumentType="Automation", DocumentFormat="YAML",
                         Tags=[{"Key": "team", "Value": "web"}]))["DocumentDescription"]
    assert (created["DocumentVersion"], created["SchemaVersion"], created["Owner"]) == \
        ("1", "0.3", "000000000000")
    assert created["Parameters"] == [{"Name": "Target", "Type": "String",
                                      "DefaultValue": "web"}]
    as_json = await ssm("GetDocument", Name="Restart", DocumentFormat="JSON")
    assert json.loads(as_json["Content"]) == yaml.safe_load(YAML_DOC)
    as_yaml = await ssm("GetDocument", Name="Restart")
    assert as_yaml["Content"] == YAML_DOC and as_yaml["DocumentFormat"] == "YAML"
    message = await refused(ssm, "ValidationException", "GetDocument", Name="Restart",
                            DocumentFormat="TEXT")  # an Automation runbook has no TEXT form
    assert "DocumentFormat TEXT" in message

    await refused(ssm, "DocumentAlreadyExists", "CreateDocument", Name="Restart",
                  Content=YAML_DOC, DocumentType="Automation", DocumentFormat="YAML")
    await refused(ssm, "DuplicateDocumentContent", "UpdateDocument", Name="Restart",
                  Content=YAML_DOC, DocumentFormat="YAML", DocumentVersion="$LATEST")
    second = YAML_DOC.replace("PT1S", "PT2S")
    updated = (await ssm("UpdateDocument", Name="Restart", Content=second,
                         DocumentFormat="YAML", DocumentVersion="1",
                         VersionName="slower"))["DocumentDescription"]
    assert (updated["DocumentVersion"], updated["DefaultVersion"],
            updated["LatestVersion"]) == ("2", "1", "2")
    await refused(ssm, "InvalidDocumentVersion", "UpdateDocument", Name="Restart",
                  Content=second.replace("PT2S", "PT3S"), DocumentFormat="YAML",
                  DocumentVersion="1")
    assert "PT1S" in (await ssm("GetDocument", Name="Restart"))["Content"]
    by_name = await ssm("GetDocument", Name="Restart", VersionName="slower")
    assert by_name["DocumentVersion"] == "2"
    await ssm("UpdateDocumentDefaultVersion", Name="Restart", DocumentVersion="2")
    assert (await ssm("DescribeDocument", Name="Restart"))["Document"]["DefaultVersion"] == "2"
    versions = await ssm("ListDocumentVersions", Name="Restart")
    assert [(v["DocumentVersion"], v["IsDefaultVersion"]) for v in
            versions["DocumentVersions"]] == [("1", False), ("2", True)]
    await refused(ssm, "InvalidDocumentOperation", "DeleteDocument", Name="Restart",
                  DocumentVersion="2")
    await ssm("DeleteDocument", Name="Restart", DocumentVersion="1")
    await ssm("DeleteDocument", Name="Restart")
    await refused(ssm, "InvalidDocument", "GetDocument", Name="Restart")


async def test_listing_filters_and_pages(ssm: Ssm) -> None:
    for i in range(3):
        await ssm("CreateDocument", Name=f"Team-{i}", Content=YAML_DOC, DocumentFormat="YAML",
                  DocumentType="Automation", Tags=[{"Key": "team", "Value": f"t{i % 2}"}])
    mine = await ssm("ListDocuments", Filters=[{"Key": "Owner", "Values": ["Self"]}],
                     MaxResults=2)
    assert [d["Name"] for d in mine["DocumentIdentifiers"]] == ["Team-0", "Team-1"]
    rest = await ssm("ListDocuments", Filters=[{"Key": "Owner", "Values": ["Self"]}],
                     MaxResults=2, NextToken=mine["NextToken"])
    assert [d["Name"] for d in rest["DocumentIdentifiers"]] == ["Team-2"]
    tagged = await ssm("ListDocuments", Filters=[{"Key": "tag:team", "Values": ["t0"]}])
    assert [d["Name"] for d in tagged["DocumentIdentifiers"]] == ["Team-0", "Team-2"]
    builtin = await ssm("ListDocuments", Filters=[{"Key": "Name", "Values": ["AWSIncidents-"]},
                                                  {"Key": "Owner", "Values": ["Amazon"]}])
    assert [d["Name"] for d in builtin["DocumentIdentifiers"]] == \
        ["AWSIncidents-CriticalIncidentRunbookTemplate"]
    await refused(ssm, "InvalidFilterKey", "ListDocuments",
                  Filters=[{"Key": "Colour", "Values": ["red"]}])


async def test_the_built_in_template_is_read_only_and_runs(ssm: Ssm) -> None:
    name = "AWSIncidents-CriticalIncidentRunbookTemplate"
    template = json.loads((await ssm("GetDocument", Name=name))["Content"])
    assert [s["name"] for s in template["mainSteps"]] == \
        ["Triage", "Diagnosis", "Mitigation", "Recovery"]
    assert all(s["action"] == "aws:pause" for s in template["mainSteps"])
    await refused(ssm, "InvalidDocumentOperation", "DeleteDocument", Name=name)
    await refused(ssm, "ValidationException", "CreateDocument", Name="AWS-Mine",
                  Content=YAML_DOC, DocumentType="Automation", DocumentFormat="YAML")
    eid = await ssm.start(name)
    await ssm.waiting(eid, "Triage")


@pytest.mark.parametrize(("content", "needle"), [
    ({"schemaVersion": "0.3", "mainSteps": [
        {"name": "A", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}},
        {"name": "A", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}]}, "A"),
    ({"schemaVersion": "0.3", "mainSteps": [
        {"name": "A", "action": "aws:sleep", "nextStep": "Nowhere",
         "inputs": {"Duration": "PT1S"}}]}, "Nowhere"),
    ({"schemaVersion": "0.3", "mainSteps": [
        {"name": "A", "action": "aws:branch", "inputs": {"Choices": [
            {"NextStep": "A", "Variable": "x", "Bigger": 1}]}}]}, "Bigger"),
    ({"schemaVersion": "0.3", "mainSteps": [
        {"name": "A", "action": "aws:sleep", "inputs": {"Duration": "{{ Missing }}"}}]},
     "Missing"),
    ({"schemaVersion": "0.3", "mainSteps": [
        {"name": "A", "action": "aws:executeScript", "inputs": {"Runtime": "python3.11"}}]},
     "Handler"),
])
async def test_invalid_content_is_refused_naming_the_problem(
        ssm: Ssm, content: dict[str, object], needle: str) -> None:
    message = await refused(ssm, "InvalidDocumentContent", "CreateDocument", Name="Bad",
                            Content=json.dumps(content), DocumentType="Automation")
    assert needle in message


async def test_problem_analysis_templates_are_stored_for_the_analysis_service(
        ssm: Ssm) -> None:
    template = {"schemaVersion": "1.0", "sections": [
        {"id": "detection", "title": "Detection",
         "questions": [{"id": "q1", "text": "What happened?"}]}]}
    await ssm("CreateDocument", Name="PostIncident", Content=json.dumps(template),
              DocumentType="ProblemAnalysisTemplate")
    got = await ssm("GetDocument", Name="PostIncident")
    assert (got["DocumentType"], json.loads(got["Content"])) == \
        ("ProblemAnalysisTemplate", template)
    listed = await ssm("ListDocuments", Filters=[{"Key": "DocumentType",
                                                   "Values": ["ProblemAnalysisTemplate"]}])
    assert [d["Name"] for d in listed["DocumentIdentifiers"]] == ["PostIncident"]
    with pytest.raises(TocsinError) as not_runnable:
        await ssm.start("PostIncident")
    assert not_runnable.value.aws_code == "AutomationDefinitionNotFoundException"
