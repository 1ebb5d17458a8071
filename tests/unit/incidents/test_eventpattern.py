"""The EventBridge event-pattern language of event rules: matching and validation.

The cases come from the Amazon EventBridge User Guide ("Creating event patterns", "Content
filtering in Amazon EventBridge event patterns", "Arrays in event patterns", "Null values and
empty strings") and from the README and tests of aws/event-ruler, the library EventBridge
matches with; each is marked with where it comes from.
"""

from __future__ import annotations

import itertools
import json
import re
import string
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tocsin.incidents.event_rules.eventpattern import MAX_WILDCARD_COMPLEXITY, compile_pattern
from tocsin.incidents.event_rules.eventpattern import wildcard as wc
from tocsin.shared.errors import ValidationError

EC2_EVENT: dict[str, Any] = {  # "Creating event patterns"
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"},
}

RULER_EVENT: dict[str, Any] = {  # event-ruler README, "Ruler by Example"
    "version": "0",
    "id": "ddddd4-aaaa-7777-4444-345dd43cc333",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "012345679012",
    "time": "2017-10-02T16:24:49Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
    "detail": {
        "c-count": 5, "d-count": 3, "x-limit": 301.8, "source-ip": "10.0.0.33",
        "instance-id": "i-000000aaaaaa00000", "state": "running",
    },
}


def detail(**fields: Any) -> dict[str, Any]:
    return {"source": "my.app", "detail": fields}


# (case id, pattern, event, whether the pattern matches the event)
MATCHING: list[tuple[str, Any, Mapping[str, Any], bool]] = [
    # --- exact values: "Creating event patterns", "Arrays", "Null values and empty strings"
    ("guide: EC2 terminated", {"source": ["aws.ec2"],
                               "detail-type": ["EC2 Instance State-change Notification"],
                               "detail": {"state": ["terminated"]}}, EC2_EVENT, True),
    ("guide: EC2 other state", {"source": ["aws.ec2"], "detail": {"state": ["running"]}},
     EC2_EVENT, False),
    ("guide: any listed value", {"detail": {"state": ["initializing", "terminated"]}},
     EC2_EVENT, True),
    ("exact is case-sensitive", {"source": ["AWS.EC2"]}, EC2_EVENT, False),
    ("missing field", {"detail": {"reason": ["x"]}}, EC2_EVENT, False),
    ("guide arrays: intersection of arrays",
     {"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
                    "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f"]},
     {"resources": ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x",
                    "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}, True),
    ("guide arrays: disjoint arrays", {"resources": ["a", "b"]}, {"resources": ["c", "d"]},
     False),
    ("empty event array matches nothing", {"resources": ["a"]}, {"resources": []}, False),
    ("nested event arrays", {"a": [3]}, {"a": [[1, 2], [3]]}, True),
    ("guide null: null value", {"detail": {"responseElements": [None]}},
     detail(responseElements=None), True),
    ("guide null: null is not a missing field", {"detail": {"responseElements": [None]}},
     detail(), False),
    ("guide null: null is not the empty string", {"detail": {"eventVersion": [""]}},
     detail(eventVersion=None), False),
    ("guide null: empty string", {"detail": {"eventVersion": [""]}}, detail(eventVersion=""),
     True),
    ("boolean true", {"detail": {"ok": [True]}}, detail(ok=True), True),
    ("boolean is not its string", {"detail": {"ok": [True]}}, detail(ok="true"), False),
    ("string is not the boolean", {"detail": {"ok": ["true"]}}, detail(ok=True), False),
    ("boolean is not a number", {"detail": {"ok": [1]}}, detail(ok=True), False),
    ("number equals the same double", {"detail": {"n": [5]}}, detail(n=5.0), True),
    ("number 3.018e2 is 301.8", {"detail": {"x-limit": [3.018e2]}}, RULER_EVENT, True),
    ("number is not its string", {"detail": {"n": [5]}}, detail(n="5"), False),
    ("string is not the number", {"detail": {"n": ["5"]}}, detail(n=5), False),
    ("account number beyond a double matches exactly",
     {"account": [123456789012345678901]}, {"account": 123456789012345678901}, True),
    ("account number beyond a double differs", {"account": [123456789012345678901]},
     {"account": 123456789012345678900}, False),
    ("exact IPv6 literal compares as an address", {"detail": {"ip": ["2001:db8::1"]}},
     detail(ip="2001:DB8:0:0:0:0:0:1"), True),
    ("exact IPv4 literal", {"detail": {"ip": ["10.0.0.1"]}}, detail(ip="10.0.0.2"), False),
    ("exactly keeps IP text literal", {"detail": {"ip": [{"exactly": "2001:db8::1"}]}},
     detail(ip="2001:DB8::1"), False),
    ("exactly", {"detail": {"state": [{"exactly": "running"}]}}, RULER_EVENT, True),
    ("object in pattern vs string in event", {"detail": {"state": {"name": ["x"]}}},
     detail(state="x"), False),
    ("dotted key is the nested path (ruler caveat)",
     {"detail": {"state": {"status": ["running"]}}},
     {"detail": {"state.status": "running"}}, True),
    # --- prefix: content filtering
    ("guide prefix", {"time": [{"prefix": "2017-10-02"}]},
     {"time": "2017-10-02T18:43:48Z"}, True),
    ("guide prefix other day", {"time": [{"prefix": "2017-10-02"}]},
     {"time": "2017-10-03T18:43:48Z"}, False),
    ("guide prefix: European regions", {"source": ["aws.autoscaling"],
                                        "region": [{"prefix": "eu-"}]},
     {"source": "aws.autoscaling", "region": "eu-west-1"}, True),
    ("prefix is case-sensitive", {"region": [{"prefix": "EU-"}]}, {"region": "eu-west-1"},
     False),
    ("prefix only matches strings", {"detail": {"n": [{"prefix": "12"}]}}, detail(n=123),
     False),
    ("guide prefix ignore case", {"detail": {"service": [
        {"prefix": {"equals-ignore-case": "EventB"}}]}}, detail(service="EVENTBRIDGE"), True),
    ("guide prefix ignore case lower", {"detail": {"service": [
        {"prefix": {"equals-ignore-case": "EventB"}}]}}, detail(service="eventbus"), True),
    ("prefix ignore case mismatch", {"detail": {"service": [
        {"prefix": {"equals-ignore-case": "EventB"}}]}}, detail(service="Event Bus"), False),
    # --- suffix
    ("guide suffix", {"FileName": [{"suffix": ".png"}]}, {"FileName": "image.png"}, True),
    ("suffix is case-sensitive", {"FileName": [{"suffix": ".png"}]}, {"FileName": "a.PNG"},
     False),
    ("suffix not at the end", {"FileName": [{"suffix": ".png"}]}, {"FileName": "a.png.txt"},
     False),
    ("guide suffix ignore case", {"detail": {"FileName": [
        {"suffix": {"equals-ignore-case": ".png"}}]}}, detail(FileName="IMAGE.PNG"), True),
    ("suffix ignore case mismatch", {"detail": {"FileName": [
        {"suffix": {"equals-ignore-case": ".png"}}]}}, detail(FileName="image.jpg"), False),
    # --- equals-ignore-case
    ("guide equals-ignore-case", {"detail": {"name": [{"equals-ignore-case": "alice"}]}},
     detail(name="ALICE"), True),
    ("equals-ignore-case is not prefix", {"detail": {"name": [
        {"equals-ignore-case": "alice"}]}}, detail(name="Alice Smith"), False),
    ("equals-ignore-case non-ASCII", {"detail": {"name": [
        {"equals-ignore-case": "ÉCOLE"}]}}, detail(name="école"), True),
    ("equals-ignore-case only matches strings", {"detail": {"n": [
        {"equals-ignore-case": "5"}]}}, detail(n=5), False),
    # --- wildcard
    ("guide wildcard: event bus ARN", {"EventBusArn": [
        {"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]},
     {"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"}, True),
    ("guide wildcard: other region", {"EventBusArn": [
        {"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]},
     {"EventBusArn": "arn:aws:events:eu-west-1:123456789012:event-bus/default"}, False),
    ("guide wildcard: dir/*.png", {"detail": {"FilePath": [{"wildcard": "dir/*.png"}]}},
     detail(FilePath="dir/sub/dir/a.png"), True),
    ("wildcard: dir/*.png vs jpg", {"detail": {"FilePath": [{"wildcard": "dir/*.png"}]}},
     detail(FilePath="dir/a.jpg"), False),
    ("ruler wildcard: Simple*Service", {"source": [{"wildcard": "Simple*Service"}]},
     {"source": "SimpleQueueService"}, True),
    ("wildcard matches empty", {"source": [{"wildcard": "a*b"}]}, {"source": "ab"}, True),
    ("wildcard without stars is exact", {"source": [{"wildcard": "ab"}]}, {"source": "abc"},
     False),
    ("wildcard escaped star is literal", {"k": [{"wildcard": "a\\*b"}]}, {"k": "a*b"}, True),
    ("wildcard escaped star is not a wildcard", {"k": [{"wildcard": "a\\*b"}]}, {"k": "axb"},
     False),
    ("wildcard escaped backslash", {"k": [{"wildcard": "a\\\\*"}]}, {"k": "a\\bc"}, True),
    ("wildcard overlapping segments", {"k": [{"wildcard": "*aba*aba"}]}, {"k": "abababa"},
     True),
    ("wildcard only matches strings", {"k": [{"wildcard": "1*"}]}, {"k": 12}, False),
    # --- anything-but
    ("guide anything-but string", {"detail": {"state": [{"anything-but": "initializing"}]}},
     RULER_EVENT, True),
    ("guide anything-but string excluded", {"detail": {"state": [
        {"anything-but": "running"}]}}, RULER_EVENT, False),
    ("anything-but needs the field", {"detail": {"reason": [{"anything-but": "x"}]}},
     RULER_EVENT, False),
    ("anything-but string matches numbers", {"detail": {"c-count": [{"anything-but": "5"}]}},
     RULER_EVENT, True),
    ("anything-but matches null", {"detail": {"v": [{"anything-but": "x"}]}}, detail(v=None),
     True),
    ("guide anything-but number", {"detail": {"x-limit": [{"anything-but": 123}]}},
     RULER_EVENT, True),
    ("anything-but number excluded as double", {"detail": {"x-limit": [
        {"anything-but": 3.018e2}]}}, RULER_EVENT, False),
    ("anything-but number matches its string", {"detail": {"v": [{"anything-but": 123}]}},
     detail(v="123"), True),
    ("guide anything-but strings", {"detail": {"state": [
        {"anything-but": ["stopped", "overloaded"]}]}}, RULER_EVENT, True),
    ("guide anything-but strings excluded", {"detail": {"state": [
        {"anything-but": ["stopped", "overloaded"]}]}}, detail(state="stopped"), False),
    ("guide anything-but numbers", {"detail": {"x-limit": [
        {"anything-but": [100, 200, 300]}]}}, RULER_EVENT, True),
    ("guide anything-but numbers excluded", {"detail": {"x-limit": [
        {"anything-but": [100, 200, 300]}]}}, detail(**{"x-limit": 200.0}), False),
    ("guide anything-but: not CloudTrail", {"detail-type": [
        {"anything-but": "AWS API Call via CloudTrail"}]}, EC2_EVENT, True),
    ("guide anything-but: not EC2 or S3", {"source": [
        {"anything-but": ["aws.ec2", "aws.s3"]}]}, EC2_EVENT, False),
    ("anything-but over an event array: one other element",
     {"detail": {"state": [{"anything-but": "stopped"}]}},
     detail(state=["stopped", "running"]), True),
    ("anything-but over an event array: all excluded",
     {"detail": {"state": [{"anything-but": "stopped"}]}}, detail(state=["stopped"]), False),
    ("guide anything-but prefix", {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}},
     RULER_EVENT, True),
    ("guide anything-but prefix excluded", {"detail": {"state": [
        {"anything-but": {"prefix": "init"}}]}}, detail(state="initializing"), False),
    ("guide anything-but prefix: own events", {"source": [{"anything-but": {"prefix": "aws."}}]},
     {"source": "my.app"}, True),
    ("ruler anything-but prefix list", {"detail": {"state": [
        {"anything-but": {"prefix": ["init", "error"]}}]}}, detail(state="error-7"), False),
    ("guide anything-but suffix", {"detail": {"FileName": [
        {"anything-but": {"suffix": ".txt"}}]}}, detail(FileName="notes.md"), True),
    ("guide anything-but suffix excluded", {"detail": {"FileName": [
        {"anything-but": {"suffix": ".txt"}}]}}, detail(FileName="notes.txt"), False),
    ("ruler anything-but suffix list", {"detail": {"instance-id": [
        {"anything-but": {"suffix": ["1234", "6789"]}}]}}, detail(**{"instance-id": "i-6789"}),
     False),
    ("guide anything-but ignore case", {"detail": {"state": [
        {"anything-but": {"equals-ignore-case": ["Stopped", "OverLoaded"]}}]}},
     detail(state="STOPPED"), False),
    ("guide anything-but ignore case other", {"detail": {"state": [
        {"anything-but": {"equals-ignore-case": "initializing"}}]}}, RULER_EVENT, True),
    ("guide anything-but wildcard", {"detail": {"FilePath": [
        {"anything-but": {"wildcard": "*/lib/*"}}]}}, detail(FilePath="/usr/lib/x.so"), False),
    ("guide anything-but wildcard other", {"detail": {"FilePath": [
        {"anything-but": {"wildcard": "*/lib/*"}}]}}, detail(FilePath="/usr/bin/x"), True),
    ("ruler anything-but wildcard list", {"detail": {"state": [
        {"anything-but": {"wildcard": ["*/bin/*.jar", "*/bin/*.class"]}}]}},
     detail(state="/opt/bin/app.class"), False),
    # --- numeric
    ("guide numeric all fields", {"detail": {
        "c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}],
        "x-limit": [{"numeric": ["=", 3.018e2]}]}}, RULER_EVENT, True),
    ("numeric upper bound is inclusive", {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}},
     detail(**{"c-count": 5}), True),
    ("numeric lower bound is exclusive", {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}},
     detail(**{"c-count": 0}), False),
    ("numeric >= bound", {"detail": {"n": [{"numeric": [">=", 0, "<", 1]}]}}, detail(n=0), True),
    ("numeric < bound", {"detail": {"n": [{"numeric": [">=", 0, "<", 1]}]}}, detail(n=1), False),
    ("numeric negatives and decimals", {"detail": {"n": [{"numeric": ["<=", -4e-6]}]}},
     detail(n=-0.5), True),
    ("numeric only matches numbers", {"detail": {"n": [{"numeric": [">", 0]}]}}, detail(n="5"),
     False),
    ("numeric never matches booleans", {"detail": {"n": [{"numeric": [">", 0]}]}},
     detail(n=True), False),
    ("numeric = form", {"detail": {"n": [{"numeric": ["=", 301.8]}]}}, detail(n=3.018e2), True),
    ("numeric over an event array", {"detail": {"n": [{"numeric": [">", 10]}]}},
     detail(n=[1, 2, 30]), True),
    ("numeric or exact in one field", {"detail": {"n": [{"numeric": [">", 10]}, "none"]}},
     detail(n="none"), True),
    # --- cidr
    ("guide cidr IPv4", {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}},
     detail(sourceIPAddress="10.0.0.255"), True),
    ("guide cidr IPv4 outside", {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}},
     detail(sourceIPAddress="10.0.1.0"), False),
    ("ruler cidr /8", {"detail": {"source-ip": [{"cidr": "10.0.0.0/8"}]}}, RULER_EVENT, True),
    ("cidr with host bits set", {"k": [{"cidr": "10.0.0.77/24"}]}, {"k": "10.0.0.1"}, True),
    ("guide cidr IPv6", {"detail": {"sourceIPAddress": [{"cidr": "2001:db8::/64"}]}},
     detail(sourceIPAddress="2001:db8::ff"), True),
    ("cidr IPv6 outside", {"detail": {"sourceIPAddress": [{"cidr": "2001:db8::/64"}]}},
     detail(sourceIPAddress="2001:db8:0:1::1"), False),
    ("cidr IPv4 never matches IPv6", {"k": [{"cidr": "0.0.0.0/0"}]}, {"k": "::1"}, False),
    ("cidr IPv4-mapped IPv6 is IPv4", {"k": [{"cidr": "10.0.0.0/8"}]}, {"k": "::ffff:a00:1"},
     True),
    ("cidr only matches address strings", {"k": [{"cidr": "10.0.0.0/8"}]}, {"k": "10.0.0.x"},
     False),
    ("cidr refuses ambiguous leading zeros", {"k": [{"cidr": "10.0.0.0/8"}]},
     {"k": "010.0.0.1"}, False),
    # --- exists: content filtering
    ("guide exists false: no c-count", {"detail": {"c-count": [{"exists": False}]}},
     {"detail-type": ["EC2 Instance State-change Notification"],
      "detail": {"state": ["initializing", "running"]}}, True),
    ("guide exists false: c-count is not a leaf", {"detail": {"c-count": [{"exists": False}]}},
     {"detail": {"state": ["initializing", "running"], "c-count": {"c1": 100}}}, True),
    ("exists false: present", {"detail": {"c-count": [{"exists": False}]}}, RULER_EVENT, False),
    ("guide exists true: description", {"detail": {"description": [{"exists": True}]}},
     detail(description="text"), True),
    ("exists true: absent", {"detail": {"c-count": [{"exists": True}]}}, detail(), False),
    ("exists true: intermediate node", {"detail": {"c-count": [{"exists": True}]}},
     detail(**{"c-count": {"c1": 100}}), False),
    ("exists true: null is a value", {"detail": {"v": [{"exists": True}]}}, detail(v=None),
     True),
    ("exists true: empty array has no value", {"detail": {"v": [{"exists": True}]}},
     detail(v=[]), False),
    ("exists false: empty array", {"detail": {"v": [{"exists": False}]}}, detail(v=[]), True),
    ("exists false: empty object", {"detail": {"v": [{"exists": False}]}}, detail(v={}), True),
    ("exists false: parent is a string", {"detail": {"v": [{"exists": False}]}},
     {"detail": "text"}, True),
    ("exists false or a value", {"detail": {"v": [{"exists": False}, "x"]}}, detail(v="x"),
     True),
    # --- complex example (content filtering, event-ruler README)
    ("guide complex example", {
        "time": [{"prefix": "2017-10-02"}],
        "detail": {"state": [{"anything-but": "initializing"}],
                   "c-count": [{"numeric": [">", 0, "<=", 5]}],
                   "d-count": [{"numeric": ["<", 10]}],
                   "x-limit": [{"anything-but": [100, 200, 300]}],
                   "source-ip": [{"cidr": "10.0.0.0/8"}]}}, RULER_EVENT, True),
    ("guide complex example, one field off", {
        "time": [{"prefix": "2017-10-02"}],
        "detail": {"state": [{"anything-but": "initializing"}],
                   "d-count": [{"numeric": ["<", 3]}]}}, RULER_EVENT, False),
    # --- $or: content filtering, event-ruler README
    ("guide $or numeric", {"detail": {"$or": [
        {"c-count": [{"numeric": [">", 0, "<=", 5]}]}, {"d-count": [{"numeric": ["<", 10]}]},
        {"x-limit": [{"numeric": ["=", 3.018e2]}]}]}}, detail(**{"d-count": 3}), True),
    ("guide $or numeric none", {"detail": {"$or": [
        {"c-count": [{"numeric": [">", 0, "<=", 5]}]}, {"d-count": [{"numeric": ["<", 10]}]}]}},
     detail(**{"c-count": 9, "d-count": 11}), False),
    ("ruler $or: source and (metricName or namespace)", {
        "source": ["aws.cloudwatch"], "$or": [
            {"metricName": ["CPUUtilization", "ReadLatency"]},
            {"namespace": ["AWS/EC2", "AWS/ES"]}]},
     {"source": "aws.cloudwatch", "namespace": "AWS/ES"}, True),
    ("ruler $or: source still required", {
        "source": ["aws.cloudwatch"], "$or": [
            {"metricName": ["CPUUtilization", "ReadLatency"]},
            {"namespace": ["AWS/EC2", "AWS/ES"]}]},
     {"source": "aws.ec2", "namespace": "AWS/ES"}, False),
    ("ruler $or: parallel", {
        "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}],
        "detail": {"$or": [{"source": ["aws.cloudwatch"]},
                           {"detail-type": ["CloudWatch Alarm State Change"]}]}},
     {"namespace": "AWS/EC2", "detail": {"detail-type": "CloudWatch Alarm State Change"}},
     True),
    ("ruler $or: parallel, second group fails", {
        "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}],
        "detail": {"$or": [{"source": ["aws.cloudwatch"]},
                           {"detail-type": ["CloudWatch Alarm State Change"]}]}},
     {"namespace": "AWS/EC2", "detail": {"detail-type": "Other"}}, False),
    ("ruler $or with an and inside", {
        "source": ["aws.cloudwatch"], "$or": [
            {"metricName": ["CPUUtilization"]},
            {"metricType": ["MetricType"], "namespace": ["AWS/EC2", "AWS/ES"]},
            {"scope": ["Service"]}]},
     {"source": "aws.cloudwatch", "metricType": "MetricType", "namespace": "AWS/ES"}, True),
    ("ruler $or with an and inside, half", {
        "source": ["aws.cloudwatch"], "$or": [
            {"metricName": ["CPUUtilization"]},
            {"metricType": ["MetricType"], "namespace": ["AWS/EC2", "AWS/ES"]}]},
     {"source": "aws.cloudwatch", "metricType": "MetricType"}, False),
    ("ruler nested $or", {
        "source": ["aws.cloudwatch"], "$or": [
            {"metricName": ["CPUUtilization"]},
            {"metricType": ["MetricType"], "namespace": ["AWS/EC2"],
             "$or": [{"metricId": [1234]}, {"spaceId": [1000]}]},
            {"scope": ["Service"]}]},
     {"source": "aws.cloudwatch", "metricType": "MetricType", "namespace": "AWS/EC2",
      "spaceId": 1000}, True),
    ("ruler nested $or, inner fails", {
        "source": ["aws.cloudwatch"], "$or": [
            {"metricName": ["CPUUtilization"]},
            {"metricType": ["MetricType"], "namespace": ["AWS/EC2"],
             "$or": [{"metricId": [1234]}, {"spaceId": [1000]}]}]},
     {"source": "aws.cloudwatch", "metricType": "MetricType", "namespace": "AWS/EC2",
      "spaceId": 7}, False),
    ("$or alternative overrides an earlier field", {
        "a": ["x"], "$or": [{"a": ["y"]}, {"b": ["z"]}]}, {"a": "y"}, True),
    # --- arrays of objects: event-ruler README, "JSON Array Matching"
    ("ruler arrays: field inside array elements",
     {"employees": {"firstName": ["Anna"]}},
     {"employees": [{"firstName": "John", "lastName": "Doe"},
                    {"firstName": "Anna", "lastName": "Smith"},
                    {"firstName": "Peter", "lastName": "Jones"}]}, True),
    ("ruler arrays: fields from different elements do not combine",
     {"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}},
     {"employees": [{"firstName": "John", "lastName": "Doe"},
                    {"firstName": "Anna", "lastName": "Smith"},
                    {"firstName": "Peter", "lastName": "Jones"}]}, False),
    ("ruler arrays: fields from the same element",
     {"employees": {"firstName": ["Anna"], "lastName": ["Smith"]}},
     {"employees": [{"firstName": "John", "lastName": "Doe"},
                    {"firstName": "Anna", "lastName": "Smith"}]}, True),
    ("ruler arrays: multi-level arrays",
     {"employees": {"firstName": ["Peter"], "lastName": ["Doe"]}},
     {"employees": [[{"firstName": "John", "lastName": "Doe"}],
                    [{"firstName": "Peter", "lastName": "Jones"}]]}, False),
    ("arrays: exists false within the chosen element",
     {"items": {"a": [1], "b": [{"exists": False}]}},
     {"items": [{"a": 1, "b": 2}, {"a": 1}]}, True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"),
                         [case[1:] for case in MATCHING], ids=[case[0] for case in MATCHING])
def test_matching(pattern: Any, event: Mapping[str, Any], expected: bool) -> None:
    """Each operator matches what EventBridge matches, and nothing else."""
    assert compile_pattern(pattern).matches(event) is expected
    assert compile_pattern(json.dumps(pattern)).matches(event) is expected


def test_pattern_text_and_mapping_are_the_same_pattern() -> None:
    """JSON text keeps exact decimals: 0.1 in text is the double 0.1, as in a mapping."""
    text = '{"detail": {"n": [0.1], "m": [{"numeric": [">", 1e-320, "<", 0.3]}]}}'
    event = detail(n=0.1, m=0.2)
    assert compile_pattern(text).matches(event)
    assert compile_pattern(json.loads(text)).matches(event)


def test_duplicate_keys_in_text_keep_the_last_value() -> None:
    """As in EventBridge, a field named twice takes its last match values."""
    pattern = compile_pattern('{"source": ["a"], "source": ["b"]}')
    assert pattern.matches({"source": "b"})
    assert not pattern.matches({"source": "a"})


def test_compiled_pattern_is_reusable() -> None:
    """One compiled pattern answers many events independently."""
    pattern = compile_pattern({"detail": {"state": [{"anything-but": "ok"}],
                                          "n": [{"numeric": [">", 1]}]}})
    events = [detail(state="ok", n=5), detail(state="alarm", n=5), detail(state="alarm", n=0)]
    assert [pattern.matches(event) for event in events] * 2 == [False, True, False] * 2
    assert pattern.paths == {"detail.state", "detail.n"}


# (case id, pattern, place named in the message, reason fragment)
INVALID: list[tuple[str, Any, str, str]] = [
    ("not JSON", '{"source": [', "", "not valid JSON"),
    ("NaN is not JSON", '{"n": [NaN]}', "", "not valid JSON"),
    ("top level array", "[1, 2, 3]", "", "must be a JSON object"),
    ("nested too deeply", '{"a": ' * 5000 + '["x"]' + "}" * 5000, "", "nested too deeply"),
    ("top level string", '"aws.ec2"', "", "must be a JSON object"),
    ("empty pattern", {}, "", "empty objects are not allowed"),
    ("value not in an array", {"a": 1}, "a", "must be an object or an array"),
    ("string leaf", {"detail": {"state": "running"}}, "detail.state",
     "must be an object or an array"),
    ("empty object", {"foo": {}}, "foo", "empty objects are not allowed"),
    ("empty array", {"detail": {"state": []}}, "detail.state", "empty arrays are not allowed"),
    ("nested array value", {"a": [["x"]]}, "a[0]", "match value must be"),
    ("unknown operator", {"a": [{"x": 2}]}, "a[0]", "unrecognized match type x"),
    ("empty match expression", {"a": [{}]}, "a[0]", "match expression name not found"),
    ("two operators", {"a": [{"prefix": "child", "foo": []}]}, "a[0]",
     "only one key allowed"),
    ("exactly number", {"a": [{"exactly": 33}]}, "a[0].exactly", "must be a string"),
    ("prefix number", {"a": [{"prefix": 3}]}, "a[0].prefix", "must be a string"),
    ("prefix array", {"a": [{"prefix": ["x"]}]}, "a[0].prefix", "must be a string"),
    ("prefix unknown form", {"a": [{"prefix": {"invalid-expression": ["abc"]}}]},
     "a[0].prefix", "unsupported prefix pattern"),
    ("prefix ignore case number", {"a": [{"prefix": {"equals-ignore-case": 5}}]},
     "a[0].prefix.equals-ignore-case", "must be a string"),
    ("prefix ignore case two keys", {"a": [{"prefix": {"equals-ignore-case": "abc",
                                                        "test": "def"}}]},
     "a[0].prefix", "only one key allowed"),
    ("suffix number", {"a": [{"suffix": 3}]}, "a[0].suffix", "must be a string"),
    ("suffix unknown form", {"a": [{"suffix": {"prefix": "x"}}]}, "a[0].suffix",
     "unsupported suffix pattern"),
    ("suffix ignore case array", {"a": [{"suffix": {"equals-ignore-case": ["abc"]}}]},
     "a[0].suffix.equals-ignore-case", "must be a string"),
    ("equals-ignore-case number", {"a": [{"equals-ignore-case": 5}]},
     "a[0].equals-ignore-case", "must be a string"),
    ("equals-ignore-case array", {"a": [{"equals-ignore-case": ["abc"]}]},
     "a[0].equals-ignore-case", "must be a string"),
    ("wildcard number", {"a": [{"wildcard": 5}]}, "a[0].wildcard", "must be a string"),
    ("wildcard array", {"a": [{"wildcard": ["abc"]}]}, "a[0].wildcard", "must be a string"),
    ("wildcard consecutive", {"a": [{"wildcard": "foo**bar"}]}, "a[0].wildcard",
     "consecutive wildcard characters at position 4"),
    ("wildcard trailing backslash", {"a": [{"wildcard": "foo*bar\\"}]}, "a[0].wildcard",
     "invalid escape character at position 7"),
    ("wildcard escaping a letter", {"a": [{"wildcard": "a\\b"}]}, "a[0].wildcard",
     "invalid escape character"),
    ("wildcard too complex", {"a": {"b": [{"wildcard": "*a" * 60 + "*"}]}}, "a.b",
     "rule is too complex"),
    ("anything-but wildcards too complex together",
     {"a": [{"anything-but": {"wildcard": ["*" + f"{c}*" * 20 for c in "xyz"]}}]}, "a",
     "rule is too complex"),
    ("anything-but second key", {"a": [{"anything-but": "child", "foo": []}]}, "a[0]",
     "only one key allowed"),
    ("anything-but mixed list", {"a": [{"anything-but": ["child0", 111, "child2"]}]},
     "a[0].anything-but", "mixed type is not supported"),
    ("anything-but empty list", {"a": [{"anything-but": []}]}, "a[0].anything-but",
     "either all values are number or string"),
    ("anything-but null", {"a": [{"anything-but": None}]}, "a[0].anything-but",
     "must be an array or single string/number value"),
    ("anything-but boolean", {"a": [{"anything-but": True}]}, "a[0].anything-but",
     "must be an array or single string/number value"),
    ("anything-but list with null", {"a": [{"anything-but": ["x", None]}]},
     "a[0].anything-but", "only strings and numbers"),
    ("anything-but huge number", '{"a": [{"anything-but": 2.0e422}]}', "a[0].anything-but",
     "cannot compare number"),
    ("anything-but unknown form", {"a": [{"anything-but": {"foo": 3}}]}, "a[0].anything-but",
     "unsupported anything-but pattern: foo"),
    ("anything-but empty form", {"a": [{"anything-but": {}}]}, "a[0].anything-but",
     "anything-but expression name not found"),
    ("anything-but prefix number", {"a": [{"anything-but": {"prefix": 27}}]},
     "a[0].anything-but.prefix", "must be a string"),
    ("anything-but empty prefix", {"a": [{"anything-but": {"prefix": ""}}]},
     "a[0].anything-but.prefix", "empty anything-but/prefix"),
    ("anything-but prefix two keys", {"a": [{"anything-but": {"prefix": "foo", "a": 1}}]},
     "a[0].anything-but", "only one key allowed"),
    ("anything-but prefix list with empty", {"a": [{"anything-but": {"prefix": ["1", ""]}}]},
     "a[0].anything-but.prefix[1]", "empty anything-but/prefix"),
    ("anything-but prefix numbers", {"a": [{"anything-but": {"prefix": [1, 2, 3]}}]},
     "a[0].anything-but.prefix[0]", "must be a string"),
    ("anything-but empty suffix", {"a": [{"anything-but": {"suffix": ""}}]},
     "a[0].anything-but.suffix", "empty anything-but/suffix"),
    ("anything-but ignore case numbers",
     {"a": [{"anything-but": {"equals-ignore-case": [1, 2, 3]}}]},
     "a[0].anything-but.equals-ignore-case[0]", "must be a string"),
    ("anything-but wildcard number", {"a": [{"anything-but": {"wildcard": 27}}]},
     "a[0].anything-but.wildcard", "must be a string"),
    ("anything-but wildcard consecutive",
     {"a": [{"anything-but": {"wildcard": ["1", "foo**bar"]}}]},
     "a[0].anything-but.wildcard", "consecutive wildcard characters"),
    ("numeric not an array", {"x": [{"numeric": 5}]}, "x[0].numeric", "must be an array"),
    ("numeric empty", {"x": [{"numeric": []}]}, "x[0].numeric", "invalid member"),
    ("numeric = boolean", {"x": [{"numeric": ["=", True]}]}, "x[0].numeric",
     "value of = must be numeric"),
    ("numeric = string", {"x": [{"numeric": ["=", "-4e-6"]}]}, "x[0].numeric",
     "value of = must be numeric"),
    ("numeric = nothing", {"x": [{"numeric": ["="]}]}, "x[0].numeric",
     "value of = must be numeric"),
    ("numeric overflow", '{"x": [{"numeric": ["<", 2.0e422]}]}', "x[0].numeric",
     "cannot compare number"),
    ("numeric 1E309", '{"x": [{"numeric": [">=", 1E309]}]}', "x[0].numeric",
     "cannot compare number"),
    ("numeric underflow", '{"x": [{"numeric": ["<=", 1E-325]}]}', "x[0].numeric",
     "cannot compare number"),
    ("numeric bad operator", {"x": [{"numeric": ["<>", 1, ">", 0]}]}, "x[0].numeric",
     "unrecognized numeric range operator: <>"),
    ("numeric == operator", {"x": [{"numeric": ["==", 1]}]}, "x[0].numeric",
     "unrecognized numeric range operator"),
    ("numeric upper then lower", {"x": [{"numeric": ["<", 1, ">", 0]}]}, "x[0].numeric",
     "too many elements"),
    ("numeric empty range", {"x": [{"numeric": [">", 1, "<", 1]}]}, "x[0].numeric",
     "bottom must be less than top"),
    ("numeric reversed range", {"x": [{"numeric": [">", 30, "<", 1]}]}, "x[0].numeric",
     "bottom must be less than top"),
    ("numeric extra term", {"x": [{"numeric": [">", 1, "<", 30, False]}]}, "x[0].numeric",
     "too many terms"),
    ("numeric two lower bounds", {"x": [{"numeric": [">", 1, ">=", 30]}]}, "x[0].numeric",
     "bad numeric range operator: >="),
    ("numeric missing upper value", {"x": [{"numeric": [">", 0, "<="]}]}, "x[0].numeric",
     "value of <= must be numeric"),
    ("numeric object key", {"x": [{"numeric": [">", 0], "y": 1}]}, "x[0]",
     "only one key allowed"),
    ("exists string", {"x": [{"exists": "badString"}]}, "x[0].exists",
     "must be either true or false"),
    ("exists number", {"x": [{"exists": 1}]}, "x[0].exists", "must be either true or false"),
    ("cidr not an address", {"a": [{"cidr": "foo"}]}, "a[0].cidr", "one '/' required"),
    ("cidr no mask", {"a": [{"cidr": "10.0.0.0"}]}, "a[0].cidr", "one '/' required"),
    ("cidr bad mask", {"a": [{"cidr": "10.0.0.0/x"}]}, "a[0].cidr", "must be an integer"),
    ("cidr negative mask", {"a": [{"cidr": "10.0.0.0/-1"}]}, "a[0].cidr",
     "must not be negative"),
    ("cidr IPv4 mask too long", {"a": [{"cidr": "10.0.0.0/32"}]}, "a[0].cidr",
     "IPv4 mask bits must be < 32"),
    ("cidr IPv6 mask too long", {"a": [{"cidr": "2001:db8::/128"}]}, "a[0].cidr",
     "IPv6 mask bits must be < 128"),
    ("cidr bad address", {"a": [{"cidr": "10.0.0.256/8"}]}, "a[0].cidr",
     "invalid IP address"),
    ("cidr number", {"a": [{"cidr": 10}]}, "a[0].cidr", "must be a string"),
    ("$or not an array", {"$or": {"a": ["x"]}}, "$or", "must be followed by an array"),
    ("$or one alternative", {"$or": [{"a": ["x"]}]}, "$or", "at least 2 objects"),
    ("$or alternative not an object", {"$or": [{"a": ["x"]}, ["b"]]}, "$or[1]",
     "only JSON objects"),
    ("$or empty alternative", {"detail": {"$or": [{"a": ["x"]}, {}]}}, "detail.$or[1]",
     "empty objects are not allowed"),
    ("$or reserved field name", {"$or": [{"numeric": [123]}, {"prefix": ["abc"]}]},
     "$or[0].numeric", "reserved word"),
    ("$or reserved name deeper", {"$or": [{"a": {"exists": ["x"]}}, {"b": ["y"]}]},
     "$or[0].a.exists", "reserved word"),
    ("$or too many alternatives",
     {f"k{i}": {"$or": [{"a": ["1"]}, {"b": ["2"]}, {"c": ["3"]}, {"d": ["4"]}]}
      for i in range(5)}, "k4.$or", "rule is too complex"),
]


@pytest.mark.parametrize(("pattern", "where", "reason"),
                         [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_invalid_patterns_are_refused(pattern: Any, where: str, reason: str) -> None:
    """EventBridge's validation rules: a ValidationException naming the place and reason."""
    with pytest.raises(ValidationError) as caught:
        compile_pattern(pattern)
    message = caught.value.message
    assert reason in message
    assert message.startswith("Event pattern is not valid. Reason: ")
    if where:
        assert message.endswith(f"(at {where})")
    assert caught.value.aws_code == "ValidationException"


VALID: list[tuple[str, Any, Any, Any]] = [  # event-ruler's JsonRuleCompilerTest "good" patterns
    # (name, pattern, an event it matches, an event it does not)
    ("anything-but ignore case empty", {"a": [{"anything-but": {"equals-ignore-case": ""}}]},
     {"a": "x"}, {"a": ""}),
    ("anything-but wildcard empty", {"a": [{"anything-but": {"wildcard": ""}}]},
     {"a": "x"}, {"a": ""}),
    ("anything-but wildcard list", {"a": [{"anything-but": {"wildcard": ["foo*bar", ""]}}]},
     {"a": "baz"}, {"a": "fooXbar"}),
    ("numeric tiny", '{"x": [{"numeric": ["=", 1E-320]}]}', {"x": 1e-320}, {"x": 0}),
    ("numeric negative exponent", {"x": [{"numeric": [">=", -4e-6]}]}, {"x": 0}, {"x": -1}),
    ("numeric closed range", {"x": [{"numeric": [">=", 0, "<=", 1]}]}, {"x": 0.5}, {"x": 2}),
    ("reserved word outside $or is a field name", {"prefix": ["abc"], "numeric": [1]},
     {"prefix": "abc", "numeric": 1}, {"prefix": "abd", "numeric": 1}),
    ("$or inside nested objects", {"detail": {"a": {"$or": [{"b": ["1"]}, {"c": ["2"]}]}}},
     {"detail": {"a": {"c": "2"}}}, {"detail": {"a": {"b": "2"}}}),
    ("cidr /0", {"a": [{"cidr": "0.0.0.0/0"}]}, {"a": "10.1.2.3"}, {"a": "not-an-ip"}),
    ("documented wildcards stay simple",
     {"a": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"},
            {"anything-but": {"wildcard": ["*/lib/*", "*/bin/*"]}}]},
     {"a": "arn:aws:events:us-east-1:123:event-bus/default"}, {"a": "/usr/lib/x"}),
]


@pytest.mark.parametrize(("pattern", "match", "other"), [case[1:] for case in VALID],
                         ids=[c[0] for c in VALID])
def test_valid_patterns_compile(pattern: Any, match: Any, other: Any) -> None:
    """Each compiles to a pattern that matches what it says and nothing else."""
    compiled = compile_pattern(pattern)
    assert compiled.matches(match) is True
    assert compiled.matches(other) is False


class TestWildcardComplexity:
    """The complexity measure equals event-ruler's MachineComplexityEvaluatorTest values."""

    @pytest.mark.parametrize(("patterns", "expected"), [
        (["*"], 1), (["abc"], 1), (["*ab"], 2), (["*aa"], 3), (["a*b"], 2), (["aa*"], 2),
        (["a*bbb"], 4), (["*ab*ad"], 4), (["*aba*"], 4), (["a*b*bb"], 5), (["a*b*cd"], 3),
        (["*", "ab*c"], 3), (["*abc", "*abcde"], 4), (["a*aaa", "aa*aa"], 7),
        (["a*aaa", "aaa*a"], 6), (["abc*", "abcde*"], 3), (["ab*cd", "ab*wx", "ab*yz"], 6),
        (["*ab*b*b*"], 7), (["*a*a*a*a*a*a*a*a*"], 17),
        (["F*eatureFeature", "Fe*atureFeature", "Fea*tureFeature"], 10),
    ])
    def test_reference_values(self, patterns: list[str], expected: int) -> None:
        segments = [wc.parse(p) for p in patterns]
        assert wc.complexity(segments, limit=MAX_WILDCARD_COMPLEXITY) == expected

    def test_capped_at_limit(self) -> None:
        assert wc.complexity([wc.parse("*a" * 60 + "*")], limit=10) == 11


# --- properties -------------------------------------------------------------------------

_KEYS = st.text(alphabet=string.ascii_letters + "-_", min_size=1, max_size=6)
_SCALARS = st.one_of(
    st.text(max_size=12), st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none(),
    st.sampled_from(["10.0.0.1", "2001:db8::1", "a*b\\c", "ÉCOLE"]))
_VALUES = st.one_of(_SCALARS, st.lists(_SCALARS, min_size=1, max_size=3))
_EVENTS = st.recursive(
    st.dictionaries(_KEYS, _VALUES, min_size=1, max_size=4),
    lambda children: st.dictionaries(_KEYS, st.one_of(_VALUES, children), min_size=1,
                                     max_size=4),
    max_leaves=12)


def _leaf_paths(event: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[Any]:
    found: list[Any] = []
    for key, value in event.items():
        if isinstance(value, dict):
            found += _leaf_paths(value, (*prefix, key))
        else:
            found.append(((*prefix, key), value))
    return found


def _swap_case(text: str, to: str = "swap") -> str:
    """Change case character by character, never changing the length (``ß`` stays ``ß``)."""
    def one(char: str) -> str:
        changed = {"swap": char.swapcase, "upper": char.upper, "lower": char.lower}[to]()
        return changed if len(changed) == 1 else char
    return "".join(one(char) for char in text)


def _escape_wildcard(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*")


def _match_value(value: Any, how: int) -> Any:
    """A match value built from ``value`` that must match it (``how`` picks the operator)."""
    if isinstance(value, str) and value:
        middle = len(value) // 2
        forms = [
            value,
            {"prefix": value[:middle]},
            {"suffix": value[middle:]},
            {"equals-ignore-case": _swap_case(value)},
            {"prefix": {"equals-ignore-case": _swap_case(value[:middle], "upper")}},
            {"suffix": {"equals-ignore-case": _swap_case(value[middle:], "lower")}},
            {"wildcard": _escape_wildcard(value[:middle]) + "*"},
            {"wildcard": "*" + _escape_wildcard(value[middle:])},
            {"anything-but": value + "-other"},
            {"exists": True},
        ]
        return forms[how % len(forms)]
    if type(value) in (int, float) and float(value) == value:
        other = float(value) + 1.0
        if other == value:
            other = -float(value)
        forms = [value, {"numeric": ["=", value]}, {"numeric": [">=", value]},
                 {"numeric": ["<=", value]}, {"anything-but": [other]}, {"exists": True}]
        return forms[how % len(forms)]
    return [value, {"exists": True}][how % 2]


def _pattern_from(picks: list[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
    pattern: dict[str, Any] = {}
    for path, match_value in picks:
        node = pattern
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = [match_value]
    return pattern


@settings(max_examples=300, deadline=None)
@given(event=_EVENTS, data=st.data())
def test_pattern_built_from_the_events_own_values_matches_it(event: dict[str, Any],
                                                             data: st.DataObject) -> None:
    """Any pattern whose match values are taken from the event's own leaves matches it."""
    leaves = _leaf_paths(event)
    chosen = data.draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=len(leaves),
                                unique_by=lambda leaf: leaf[0]))
    picks = []
    for path, value in chosen:
        element = data.draw(st.sampled_from(value)) if isinstance(value, list) else value
        picks.append((path, _match_value(element, data.draw(st.integers(0, 20)))))
    pattern = _pattern_from(picks)
    assert compile_pattern(pattern).matches(event), pattern
    assert compile_pattern(json.dumps(pattern)).matches(event), pattern


@settings(max_examples=200, deadline=None)
@given(event=_EVENTS, data=st.data())
def test_excluding_a_fields_only_value_never_matches(event: dict[str, Any],
                                                     data: st.DataObject) -> None:
    """``anything-but`` of a field's own string or number, and ``exists: false``, miss."""
    path, value = data.draw(st.sampled_from(_leaf_paths(event)))
    assume(type(value) in (str, int, float) and (type(value) is str or float(value) == value))
    assert not compile_pattern(_pattern_from([(path, {"anything-but": value})])).matches(event)
    assert not compile_pattern(_pattern_from([(path, {"exists": False})])).matches(event)


@settings(max_examples=300, deadline=None)
@given(pattern=st.text(alphabet="ab*\\", max_size=8), value=st.text(alphabet="ab*\\",
                                                                     max_size=10))
def test_wildcard_agrees_with_a_regular_expression(pattern: str, value: str) -> None:
    """The linear wildcard matcher answers as the equivalent regular expression does."""
    try:
        segments = wc.parse(pattern)
    except wc.WildcardSyntaxError:
        return
    regex = ".*".join(re.escape(segment) for segment in segments)
    assert wc.matches(segments, value) is (re.fullmatch(regex, value, re.DOTALL) is not None)


@settings(max_examples=100, deadline=None)
@given(patterns=st.lists(st.text(alphabet="ab*", min_size=1, max_size=5), min_size=1,
                         max_size=2, unique=True))
def test_complexity_is_at_least_what_any_input_shows(patterns: list[str]) -> None:
    """No input of up to 5 characters matches more pattern prefixes than the measure says."""
    try:
        parsed = [wc.parse(p) for p in patterns]
    except wc.WildcardSyntaxError:
        return
    measured = wc.complexity(parsed, limit=1000)
    inputs = ["".join(chars) for n in range(6) for chars in itertools.product("abx", repeat=n)]
    for text in inputs:
        shown = 0
        for raw in patterns:
            for k in range(1, len(raw) + 1):
                segments = wc.parse(raw[:k])
                shown += wc.matches(segments, text)
        assert shown <= measured
