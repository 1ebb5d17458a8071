"""A model-driven fuzz test of the AWS-compatible HTTP API of a running Tocsin.

For every operation of ``ssm-incidents``, ``ssm-contacts`` and Tocsin's own ``tocsin``,
inputs are generated from the botocore model (hypothesis, seeded: the same requests on
every run) and sent as signed raw HTTP requests: valid ones, and ones with one member
broken one way (wrong type, too long, against its pattern or enum, a NUL character, a time
out of range, a huge list, JSON nested 2,000 deep, an empty or CR/LF-bearing URI label) or
the request broken one way (a body that is not what its ``Content-Encoding`` says, a path
no operation has).

The breaks a protobuf message can carry (NUL, too long, pattern, times, huge lists) are
sent over gRPC too, where no answer may be ``INTERNAL`` and a broken request must be
``INVALID_ARGUMENT`` naming the member.

Asserted over HTTP: no answer is a 5xx (but 501 for an operation Tocsin does not serve); a broken
request gets a 4xx with the model's error (``ValidationException`` naming the member,
``SerializationException`` for a body that cannot be read, ``UnknownOperationException``
for an unknown path) in the JSON error shape botocore parses; and what was accepted never
makes a later read fail (the seeded incident's timeline, runbook, execution and OpsItem
still read before the deletions; every read operation still answers after them all).

Each operation gets one request per way of breaking it that applies, and
``TOCSIN_FUZZ_EXAMPLES`` requests of any kind (default 4: the whole test runs in about a
minute); ``make fuzz`` raises it to 200 (a twentieth of it, at least one, is also the count
per way). The requests sent per operation are printed at the end (past pytest's capture).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import http.client
import json
import os
import re
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import grpc
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tocsin.gateway import awsmodel, protoconv
from tocsin.gateway.grpc_server import MIRRORS
from tocsin.gateway.grpcsign import SigV4Signer

KEY_ID, SECRET = "TOCSINTESTKEY", "tocsin-test-secret"
EXAMPLES = int(os.environ.get("TOCSIN_FUZZ_EXAMPLES", "4"))
PER_WAY = max(1, EXAMPLES // 20)
ONLY = frozenset(filter(None, os.environ.get("TOCSIN_FUZZ_OPERATIONS", "").split(",")))
"""``TOCSIN_FUZZ_OPERATIONS``: fuzz only these operations (to reproduce a finding)."""
SENT: dict[str, int] = {}
"""Requests sent over HTTP per operation (``api Operation``)."""
HUGE = 10_000
DEEP = 2_000
_DEEP_MARK = "\u2063deep\u2063"
BAD_TIMES = (-62135596800, -1, 253402300800, 1e20, 1e30)
SAMPLES = ("web", "Note", "Custom Event", "payments-1", "alice@example.com", "UTC",
           "+15555550100", "Europe/Berlin", "a b", "x.y_z-1", "00:00", "1")
"""Texts tried for string members before any is generated (kept when they fit)."""
FUZZ_PATTERN = '{"source": ["fuzz"]}'
FUZZ_EVENT = ('{"version": "0", "id": "fuzz-1", "detail-type": "Fuzz", "source": "fuzz", '
              '"account": "000000000000", "time": "2026-05-04T10:00:00Z", '
              '"region": "local-1", "resources": [], "detail": {}}')
"""An event pattern and an event the incidents service accepts (the tocsin model takes
them as JSON text, which generated strings would never be)."""
FUZZ_RUNBOOK = ('{"schemaVersion": "0.3", "mainSteps": [{"name": "Wait", "action": "aws:pause", '
                '"inputs": {}}]}')
"""A runbook the runbooks service accepts (one step, waiting for a signal)."""


# --- valid inputs ----------------------------------------------------------------------


@dataclass
class Generator:
    model: awsmodel.ServiceModel
    seeds: list[str]
    """Names and ARNs of resources that exist, tried first for string members."""
    now: int
    """Valid times are around this one (fixed, so generation is the same every time)."""
    hints: dict[str, list[str]]
    """Values for members the services constrain beyond the model (by member name)."""

    def valid(self, shape: awsmodel.Shape, depth: int = 0, full: bool = False) -> Any:
        """A strategy for valid values of ``shape``; ``full``: every optional member too
        (so that each member is there to be broken)."""
        kind = shape.type
        if kind == "structure":
            if depth > 6:
                return st.just({})
            members = {n: (st.sampled_from(self.hints[n]) if n in self.hints
                           else self.valid(self.model.shape(m.shape), depth + 1, full))
                       for n, m in shape.members.items()}
            for n, m in shape.members.items():
                if m.location == "uri":  # a label the path keeps: not empty, not "." or ".."
                    members[n] = members[n].filter(
                        lambda v: not isinstance(v, str) or v.strip(".") != "")
            if shape.union:
                return st.one_of([st.fixed_dictionaries({n: s}) for n, s in members.items()])
            if full:
                return st.fixed_dictionaries(members)
            return st.fixed_dictionaries(
                {n: s for n, s in members.items() if n in shape.required},
                optional={n: s for n, s in members.items() if n not in shape.required})
        if kind in ("list", "map"):
            high = min(int(shape.max) if shape.max is not None else 2, 2)
            low = min(max(int(shape.min or 0), 1), high)  # an item to break, where allowed
            if kind == "list":
                assert shape.member is not None
                return st.lists(self.valid(self.model.shape(shape.member), depth + 1, full),
                                min_size=low, max_size=high)
            assert shape.key is not None and shape.value is not None
            return st.dictionaries(self.valid(self.model.shape(shape.key), depth + 1, full),
                                   self.valid(self.model.shape(shape.value), depth + 1, full),
                                   min_size=low, max_size=high)
        if kind == "string":
            return self._string(shape)
        if kind in ("integer", "long"):
            low = int(shape.min) if shape.min is not None else 0
            return st.integers(low, int(shape.max) if shape.max is not None else low + 100)
        if kind in ("double", "float"):
            return st.floats(shape.min or 0, shape.max or 1000, allow_nan=False)
        if kind == "boolean":
            return st.booleans()
        if kind == "timestamp":
            return st.integers(self.now - 30 * 86400, self.now + 30 * 86400)
        if kind == "blob":
            return st.binary(max_size=16).map(lambda b: base64.b64encode(b).decode())
        raise AssertionError(f"unexpected shape type {kind}")

    def _string(self, shape: awsmodel.Shape) -> Any:
        if shape.enum:
            return st.sampled_from(shape.enum)
        fitting = [s for s in (*self.seeds, *SAMPLES) if fits(shape, s)]
        if shape.pattern is None:
            low, high = int(shape.min or 0), int(min(shape.max or 40, 40))
            text = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]),
                           min_size=low, max_size=max(low, high))
            return st.one_of(st.sampled_from(fitting), text) if fitting else text
        if fitting:
            return st.sampled_from(fitting)
        try:  # most patterns are Python regexes too; the model's own check decides
            generated = st.from_regex(re.compile(shape.pattern, re.ASCII))
        except re.error:
            return st.just(_filler(shape))
        return generated.map(lambda text: text if fits(shape, text) else _filler(shape))


def fits(shape: awsmodel.Shape, text: str) -> bool:
    if shape.min is not None and len(text) < shape.min:
        return False
    if shape.max is not None and len(text) > shape.max:
        return False
    return shape.compiled is None or shape.compiled.search(text) is not None


def _filler(shape: awsmodel.Shape) -> str:
    for candidate in ("a" * int(shape.min or 1), "1" * int(shape.min or 1), "x-1"):
        if fits(shape, candidate):
            return candidate
    return "a" * int(shape.min or 1)


# --- breaking one member ---------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A member present in an input: where it is, and its shape."""

    keys: tuple[Any, ...]
    path: str
    """The member's path as AWS's messages name it (``Plan.Stages.1.Targets``)."""
    shape: awsmodel.Shape
    location: str | None
    """``uri``, ``querystring`` or ``header`` for a rest-json member bound there."""


def sites(model: awsmodel.ServiceModel, shape: awsmodel.Shape, value: Any,
          keys: tuple[Any, ...] = (), path: str = "") -> Iterator[Site]:
    for name, member in shape.members.items():
        if name not in value:
            continue
        member_shape = model.shape(member.shape)
        where = f"{path}.{name}" if path else name
        yield Site((*keys, name), where, member_shape, member.location)
        if member.location is None:
            yield from _inside(model, member_shape, value[name], (*keys, name), where)


def _inside(model: awsmodel.ServiceModel, shape: awsmodel.Shape, value: Any,
            keys: tuple[Any, ...], path: str) -> Iterator[Site]:
    if shape.type == "structure":
        yield from sites(model, shape, value, keys, path)
    elif shape.type == "list" and value:
        assert shape.member is not None
        item = model.shape(shape.member)
        yield Site((*keys, 0), f"{path}.1", item, None)
        yield from _inside(model, item, value[0], (*keys, 0), f"{path}.1")
    elif shape.type == "map" and value:
        assert shape.value is not None
        key = next(iter(value))
        item = model.shape(shape.value)
        yield Site((*keys, key), f"{path}.{key}", item, None)
        yield from _inside(model, item, value[key], (*keys, key), f"{path}.{key}")


def breaks(site: Site) -> list[str]:
    """The ways ``site`` can be broken so that the input is certainly invalid."""
    shape, kind, located = site.shape, site.shape.type, site.location is not None
    out = []
    if not located or kind in ("integer", "long", "double", "float", "boolean", "timestamp"):
        out.append("type")  # a list or string in a query string is text all the same
    if kind == "string":
        out.append("nul")
        if shape.max is not None:
            out.append("long")
        if shape.enum:
            out.append("enum")
        elif shape.compiled is not None and not fits(shape, "\u2603 bad \u2603"):
            out.append("pattern")
        if site.location == "uri":
            out += ["empty-label", "crlf-label"]
    if kind == "timestamp":
        out += [f"time:{t}" for t in BAD_TIMES]
    if kind in ("list", "map") and not located:
        out.append("huge")
        if shape.max is not None:
            out.append("long")
    if not located:
        out.append("deep")
    return out


WRONG_TYPE = {"string": 12345, "integer": "abc", "long": "abc", "double": "abc",
              "float": "abc", "boolean": "maybe", "timestamp": "not a time",
              "structure": "x", "list": "x", "map": [1], "blob": 5}


def broken_value(site: Site, how: str, current: Any, generator: Generator) -> Any:
    shape = site.shape
    if how == "type":
        return WRONG_TYPE[shape.type]
    if how == "nul":
        return current[:1] + "\x00" + current[1:]
    if how == "long" and shape.type == "string":
        return "a" * (int(shape.max or 0) + 1)
    if how == "long":  # a list or map one item longer than its maximum
        size = int(shape.max or 0) + 1
        if isinstance(current, dict):
            item = next(iter(current.values()), None)
            return {f"k{i}": item for i in range(size)} if item is not None else None
        return [current[0]] * size if current else None
    if how == "enum":
        return "NOT_A_VALUE"
    if how == "pattern":
        return "\u2603 bad \u2603"
    if how == "empty-label":
        return ""
    if how == "crlf-label":
        return current + "\r\n"
    if how == "huge":
        if shape.type == "map":
            assert shape.value is not None
            item = next(iter(current.values()), None)
            return {f"k{i}": item for i in range(HUGE)} if item is not None else None
        return [current[0]] * HUGE if current else None
    if how == "deep":
        return _DEEP_MARK
    if how.startswith("time:"):
        return float(how[5:]) if "e" in how else int(how[5:])
    raise AssertionError(how)


@dataclass
class Case:
    params: dict[str, Any]
    path: str | None = None
    how: str | None = None
    request_break: str | None = None
    """``encoding`` (a false Content-Encoding) or ``route`` (a path no operation has)."""
    shape_type: str | None = None
    """The type of the broken member."""


MEMBER_BREAKS = ("type", "nul", "long", "enum", "pattern", "empty-label", "crlf-label",
                 *(f"time:{t}" for t in BAD_TIMES), "huge", "deep")
REQUEST_BREAKS = ("encoding", "route")
KINDS = ("valid", *REQUEST_BREAKS, *MEMBER_BREAKS)


def cases(generator: Generator, op: awsmodel.Operation, kind: str | None) -> Any:
    """Cases of ``op``: each broken the way ``kind`` says (None when ``op`` has no member
    to break that way), or, with ``kind`` None, any way at all."""
    model = generator.model
    shape = model.shape(op.input_shape) if op.input_shape else awsmodel.Shape("None", "structure")

    @st.composite
    def case(draw: Any) -> Case | None:
        params: dict[str, Any] = draw(generator.valid(shape))
        how = kind or draw(st.sampled_from(KINDS))
        if how == "valid":
            return Case(params)
        if how in REQUEST_BREAKS:
            return Case(params, request_break=how)
        options = [s for s in sites(model, shape, params) if how in breaks(s)]
        if not options and kind is not None:  # with every optional member, then
            params = draw(generator.valid(shape, full=True))
            options = [s for s in sites(model, shape, params) if how in breaks(s)]
        if how == "huge":  # the lists the model leaves unbounded first: bounded ones are
            options = [s for s in options if s.shape.max is None] or options  # "long"
        if not options:
            return None if kind else Case(params)
        site = draw(st.sampled_from(options))
        target = params
        for key in site.keys[:-1]:
            target = target[key]
        value = broken_value(site, how, target[site.keys[-1]], generator)
        if value is None:
            return None if kind else Case(params)
        broken = copy.deepcopy(params)
        target = broken
        for key in site.keys[:-1]:
            target = target[key]
        target[site.keys[-1]] = value
        return Case(broken, site.path, how, shape_type=site.shape.type)

    return case()


# --- requests --------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    code: str
    message: str
    raw: bytes


class Sender:
    """Signs and sends raw HTTP requests to the gateway (from a worker thread)."""

    def __init__(self, url: str, region: str) -> None:
        parsed = urllib.parse.urlsplit(url)
        self.url = url
        self.host, self.port = parsed.hostname or "", parsed.port or 80
        self.region = region
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def send(self, model: awsmodel.ServiceModel, op: awsmodel.Operation, case: Case) -> Answer:
        method, path, headers, body = _render(model, op, case)
        if case.request_break == "route":
            path = "/no-such-operation" + path.partition("?")[0] + "/x"
        request = AWSRequest(method=method, url=self.url + path, data=body, headers=headers)
        SigV4Auth(Credentials(KEY_ID, SECRET), model.signing_name,
                  self.region).add_auth(request)
        if case.request_break == "encoding":
            if body:
                request.headers["Content-Encoding"] = "gzip"
            else:
                case.request_break = None  # no body, nothing to misread
        sent = self._exchange(method, path, body, dict(request.headers.items()))
        if sent is None:
            return Answer(0, "(no answer)", "the connection closed without an answer", b"")
        response, data = sent
        try:
            payload = json.loads(data) if data else {}
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return Answer(response.status, "(not JSON)", data[:200].decode(errors="replace"),
                          data)
        code = str(payload.get("__type") or response.getheader("x-amzn-ErrorType") or "")
        message = str(payload.get("message", payload.get("Message", "")))
        return Answer(response.status, code.rpartition("#")[2], message, data)


    def _exchange(self, method: str, path: str, body: bytes, headers: dict[str, str]
                  ) -> tuple[http.client.HTTPResponse, bytes] | None:
        """One request and its answer; a kept-alive connection the server closed since
        the last answer is replaced once."""
        for _ in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                self.connection.close()
                continue
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
            return response, data
        return None


def _render(model: awsmodel.ServiceModel, op: awsmodel.Operation,
            case: Case) -> tuple[str, str, dict[str, str], bytes]:
    """The method, raw path (with query), headers and body of a request for ``case``."""
    params = case.params
    if model.protocol == "json":
        headers = {"X-Amz-Target": f"{model.target_prefix}.{op.name}",
                   "Content-Type": "application/x-amz-json-1.1"}
        return "POST", "/", headers, _body(params)
    shape = model.shape(op.input_shape) if op.input_shape else None
    template, _, static_query = op.request_uri.partition("?")
    path, query, headers, body_params = template, [], {"Content-Type": "application/json"}, {}
    if static_query:
        query.append(static_query)
    for name, value in params.items():
        member = shape.members[name] if shape else None
        if member is None or member.location is None:
            body_params[name] = value
        elif member.location == "uri":
            text = urllib.parse.quote(_text(value), safe="")
            path = path.replace("{" + member.location_name + "+}", text).replace(
                "{" + member.location_name + "}", text)
        elif member.location == "querystring":
            items = value.items() if isinstance(value, dict) else (
                [(member.location_name, v) for v in value] if isinstance(value, list)
                else [(member.location_name, value)])
            query += [f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(_text(v), safe='')}"
                      for k, v in items]
        else:
            headers[member.location_name] = _text(value)
    body = _body(body_params) if body_params or op.http_method in ("POST", "PUT") else b""
    return op.http_method, path + ("?" + "&".join(query) if query else ""), headers, body


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _body(params: dict[str, Any]) -> bytes:
    text = json.dumps(params)
    return text.replace(json.dumps(_DEEP_MARK), "[" * DEEP + "]" * DEEP).encode()


GRPC_KINDS = ("valid", "nul", "long", "pattern", "huge", *(f"time:{t}" for t in BAD_TIMES))
"""The breaks a protobuf message can carry (no wrong types, no JSON, no URI labels)."""


class GrpcSender:
    """Sends a case as the operation's protobuf request to the gateway's gRPC face."""

    def __init__(self, address: str, region: str) -> None:
        self.channel = grpc.insecure_channel(address)
        self.signer = SigV4Signer(KEY_ID, SECRET, region=region)
        self.mirrors = {m.api: m for m in MIRRORS}

    def problem(self, model: awsmodel.ServiceModel, op: awsmodel.Operation,
                case: Case) -> str | None:
        mirror = self.mirrors.get(model.api)
        if mirror is None:
            return None  # no gRPC face (cloudtrail)
        request_cls = getattr(mirror.module, f"{op.name}Request")
        try:
            message = protoconv.from_result(case.params, request_cls)
        except (ValueError, TypeError, OverflowError):
            return None  # this break has no protobuf form (1e30 seconds, say)
        method = f"/{mirror.name}/{op.name}"
        call = self.channel.unary_unary(
            method, request_serializer=request_cls.SerializeToString,
            response_deserializer=lambda data: data)
        try:
            call(message, timeout=60,
                 metadata=self.signer.metadata(method, message.SerializeToString()))
        except grpc.RpcError as exc:
            code, details = exc.code(), exc.details() or ""
            if code in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN):
                return f"gRPC {code.name}: {details[:160]}"
            if case.path is None:
                return None
            if code == grpc.StatusCode.RESOURCE_EXHAUSTED and case.how == "huge":
                return None  # over gRPC's 4 MB message limit, refused by grpc itself
            if code != grpc.StatusCode.INVALID_ARGUMENT:
                return f"gRPC {code.name}, not INVALID_ARGUMENT: {details[:160]}"
            if f"'{case.path}'" not in details and "larger than" not in details:
                return f"gRPC: the message does not say '{case.path}': {details[:160]}"
            return None
        return "gRPC accepted it" if case.path else None


# --- the test --------------------------------------------------------------------------


def problem(case: Case, answer: Answer) -> str | None:
    """What is wrong with ``answer`` to ``case``, if anything."""
    if answer.status == 0:
        return answer.message
    if answer.status >= 500 and answer.status != 501:
        return f"answered {answer.status} {answer.code}: {answer.message[:160]}"
    if answer.code == "(not JSON)" and answer.status >= 400:
        return f"answered {answer.status} without an AWS error: {answer.message!r}"
    if case.request_break == "encoding":
        expected: tuple[str, ...] = ("SerializationException",)
    elif case.request_break == "route":
        expected = ("UnknownOperationException",)
    elif case.how == "deep":
        expected = ("SerializationException", "ValidationException")
    elif case.path is not None:
        expected = ("ValidationException",)
    else:
        return None
    if not 400 <= answer.status < 500 or answer.code not in expected:
        return f"answered {answer.status} {answer.code or '(no code)'}, not {expected[0]}"
    if case.path is not None and case.how != "deep":
        named = f"'{case.path}'"
        if case.how in ("huge", "long") and case.shape_type in ("list", "map"):
            named += " failed to satisfy constraint: Member must have length less than"
        too_large = case.how == "huge" and "The request body exceeds" in answer.message
        if named not in answer.message and not too_large:
            return f"the message does not say {named}: {answer.message[:160]}"
    return None


APIS = ("ssm-incidents", "ssm-contacts", "tocsin", "ssm", "cloudtrail")
"""Every API the gateway serves (``ssm``: the cut of it Tocsin serves)."""
OPERATIONS = {"cloudtrail": ("LookupEvents",)}
"""The operations served of an API whose model has more (the rest answer 501)."""


def _order(name: str) -> tuple[int, str]:
    """Deletions last (the replication set's very last), so the rest meets live data."""
    return (2 if name == "DeleteReplicationSet" else 1 if name.startswith("Delete") else 0,
            name)


def run_fuzz(url: str, grpc_address: str, region: str, seeds: dict[str, list[str]],
             hints: dict[str, list[str]], check_reads: Any) -> list[str]:
    failures: list[str] = []
    sender = Sender(url, region)
    grpc_sender = GrpcSender(grpc_address, region)
    ordered = []
    for api in APIS:
        model = awsmodel.load(api)
        generator = Generator(model, seeds[api], int(time.time()), hints)
        ordered += [(model, generator, op) for op in model.operations.values()
                    if OPERATIONS.get(api) is None or op.name in OPERATIONS[api]]
    if ONLY:
        ordered = [item for item in ordered if item[2].name in ONLY]
    ordered.sort(key=lambda item: _order(item[2].name))
    checked = False
    for model, generator, op in ordered:
        if not checked and _order(op.name)[0] > 0:
            failures += check_reads()
            checked = True

        _fuzz_operation(sender, grpc_sender, model, generator, op, failures)
    # Whatever was accepted (and deleted) since, every read still answers.
    for model, generator, op in ordered:
        if op.name.startswith(READS):
            _fuzz_kind(sender, grpc_sender, model, generator, op, "valid", 3, failures)
    return failures


READS = ("Get", "List", "Describe", "Lookup")


def _fuzz_operation(sender: Sender, grpc_sender: GrpcSender, model: awsmodel.ServiceModel,
                    generator: Generator, op: awsmodel.Operation, failures: list[str]) -> None:
    """Each way of breaking a request at least once (where ``op`` has a member to break
    so), then ``EXAMPLES`` requests of any kind; the breaks a protobuf message can carry
    go over gRPC as well."""
    for kind, examples in [*((k, PER_WAY) for k in KINDS), (None, EXAMPLES)]:
        _fuzz_kind(sender, grpc_sender if kind in GRPC_KINDS else None, model, generator, op,
                   kind, examples, failures)


def _fuzz_kind(sender: Sender, grpc_sender: GrpcSender | None, model: awsmodel.ServiceModel,
               generator: Generator, op: awsmodel.Operation, kind: str | None, examples: int,
               failures: list[str]) -> None:
    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(cases(generator, op, kind))
    def one(case: Case | None) -> None:
        if case is None:
            return
        what = (case.request_break or
                (f"{case.path} broken ({case.how})" if case.path else "valid"))
        SENT[f"{model.api} {op.name}"] = SENT.get(f"{model.api} {op.name}", 0) + 1
        found = problem(case, sender.send(model, op, case))
        if found:
            failures.append(f"{model.api} {op.name}, {what}: {found} "
                            f"(input {json.dumps(case.params, default=str)[:300]})")
        if grpc_sender is not None:
            found = grpc_sender.problem(model, op, case)
            if found:
                failures.append(f"{model.api} {op.name}, {what}: {found}")

    one()


def seed(url: str, region: str) -> tuple[dict[str, list[str]], dict[str, list[str]], Any]:
    """Resources for the generated requests to name, and a check that they still read."""
    def client(api: str) -> Any:
        return boto3.client(api, endpoint_url=url, region_name=region,
                            aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)

    incidents, contacts = client("ssm-incidents"), client("ssm-contacts")
    replication = incidents.create_replication_set(regions={region: {}})["arn"]
    plan = incidents.create_response_plan(
        name="fuzz", incidentTemplate={"title": "Fuzz", "impact": 3})["arn"]
    incident = incidents.start_incident(responsePlanArn=plan)["incidentRecordArn"]
    event = incidents.create_timeline_event(
        incidentRecordArn=incident, eventTime=time.time(), eventType="Custom Event",
        eventData="seed")["eventId"]
    alice = contacts.create_contact(Alias="fuzz-alice", Type="PERSONAL",
                                    Plan={"Stages": []})["ContactArn"]
    channel = contacts.create_contact_channel(
        ContactId=alice, Name="mail", Type="EMAIL",
        DeliveryAddress={"SimpleAddress": "alice@example.com"},
        DeferActivation=True)["ContactChannelArn"]

    ssm = client("ssm")
    ssm.create_document(Name="fuzz-doc", Content=FUZZ_RUNBOOK, DocumentType="Automation")
    execution = ssm.start_automation_execution(DocumentName="fuzz-doc")["AutomationExecutionId"]
    ops_item = ssm.create_ops_item(Title="Fuzz", Source="fuzz",
                                   Description="seeded")["OpsItemId"]

    def check_reads() -> list[str]:
        try:
            incidents.list_timeline_events(incidentRecordArn=incident)
            incidents.get_timeline_event(incidentRecordArn=incident, eventId=event)
            incidents.get_incident_record(arn=incident)
        except Exception as exc:
            return [f"the seeded incident no longer reads: {exc}"]
        try:
            ssm.get_document(Name="fuzz-doc")
            ssm.get_automation_execution(AutomationExecutionId=execution)
            ssm.get_ops_item(OpsItemId=ops_item)
        except Exception as exc:
            return [f"the seeded runbook, execution or OpsItem no longer reads: {exc}"]
        return []

    seeds = {"ssm-incidents": [replication, plan, incident, event, "fuzz"],
             "ssm-contacts": [alice, channel, "fuzz-alice", incident],
             "tocsin": [plan, "fuzz-rule", incident],
             "ssm": ["fuzz-doc", execution, ops_item, incident],
             "cloudtrail": ["CreateResponsePlan", "ssm-incidents.amazonaws.com"]}
    hints = {"eventType": ["Custom Event", "Note"], "incidentRecordArn": [incident],
             "responsePlanArn": [plan], "eventPattern": [FUZZ_PATTERN],
             "event": [FUZZ_EVENT], "Content": [FUZZ_RUNBOOK, "{}"]}
    return seeds, hints, check_reads


@pytest.mark.timeout(900 + 20 * EXAMPLES)
async def test_no_bad_input_is_a_server_error(tocsin: dict[str, Any],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    def fuzz() -> list[str]:
        seeds, hints, check_reads = seed(tocsin["http"], tocsin["region"])
        return run_fuzz(tocsin["http"], tocsin["grpc"], tocsin["region"], seeds, hints,
                        check_reads)

    began = time.monotonic()
    failures = await asyncio.to_thread(fuzz)
    counts = sorted(SENT.values())
    with capsys.disabled():
        print(f"\nmodel fuzz: {len(counts)} operations, requests per operation min "
              f"{counts[0]}, median {counts[len(counts) // 2]}, max {counts[-1]} "
              f"(TOCSIN_FUZZ_EXAMPLES={EXAMPLES}), {sum(counts)} in all, "
              f"{time.monotonic() - began:.0f} s")
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(sorted(set(failures)))
