"""Reading and writing a document's content in JSON and YAML."""

from __future__ import annotations

import json

import pytest

from tocsin.runbooks.documents.content import parse, render
from tocsin.runbooks.errors import InvalidDocumentContent

YAML_DOC = """\
schemaVersion: 0.3
description: |
  # Failover
  Two lines.
parameters:
  IncidentRecordArn: {type: String}
mainSteps:
- name: Wait
  action: aws:sleep
  inputs: {Timestamp: 2026-01-01T00:00:00Z}
- name: Script
  action: aws:executeScript
  inputs:
    Runtime: python3.11
    Handler: main
    Script: |
      def main(events, context):
          return {"ok": True}
"""


def test_unquoted_schema_version_stays_the_string_it_was_written_as() -> None:
    assert parse(YAML_DOC, "YAML")["schemaVersion"] == "0.3"
    assert parse("schemaVersion: 0.30\nmainSteps: []\n", "YAML")["schemaVersion"] == "0.30"


def test_yaml_timestamps_and_keys_stay_text() -> None:
    content = parse(YAML_DOC + "on: 1\n", "YAML")
    assert content["mainSteps"][0]["inputs"]["Timestamp"] == "2026-01-01T00:00:00Z"
    assert content["on"] == 1  # the key "on", not True


def test_yaml_and_json_round_trip_through_each_other() -> None:
    content = parse(YAML_DOC, "YAML")
    as_json = render(content, "JSON")
    assert json.loads(as_json) == content
    as_yaml = render(parse(as_json, "JSON"), "YAML")
    assert parse(as_yaml, "YAML") == content
    assert "schemaVersion: '0.3'" in as_yaml  # quoted: a YAML reader gets the string back
    assert "Script: |" in as_yaml  # scripts stay readable blocks


@pytest.mark.parametrize(("text", "fmt", "words"), [
    ("{", "JSON", "not valid JSON"),
    ("a: [", "YAML", "not valid YAML"),
    ("[1, 2]", "JSON", "not a list"),
    ("- 1", "YAML", "not a list"),
    ("", "YAML", "empty content"),
    ("3", "JSON", "single value 3"),
    ("{}", "TEXT", "use JSON or YAML"),
    ('{"a": NaN}', "JSON", "NaN is not a JSON number"),
    ("a: &a [*a]", "YAML", "too large or too deeply nested"),
    ("a: &a [1,2,3,4,5,6,7,8,9,10]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
     "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
     "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n", "YAML", "too large"),
])
def test_bad_content_is_refused_with_the_reason(text: str, fmt: str, words: str) -> None:
    with pytest.raises(InvalidDocumentContent, match=words) as caught:
        parse(text, fmt)
    assert caught.value.aws_code == "InvalidDocumentContent"
