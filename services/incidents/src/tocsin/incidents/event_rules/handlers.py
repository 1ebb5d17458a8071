"""Event rules: an EventBridge event pattern and the response plan that an event matching it
starts an incident from (the guide's "EventBridge rule whose target is an Incident Manager
response plan").

An alarm or event without a ``Tocsin-Response-Plan`` header goes to the plan of every
enabled rule it matches (:class:`RuleRouter`), with ``triggerArn`` the rule's ARN
(``arn:tocsin:events:<region>:<account>:rule/<name>``). ``TestEventPattern`` tells whether
an event matches a pattern (or a stored rule) and what the incident's start would be,
without creating anything. Operations (camelCase JSON on ``tocsin.rpc.incidents.<Op>``):
``CreateRule``, ``GetRule``, ``ListRules``, ``UpdateRule``, ``DeleteRule``,
``TestEventPattern``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

import asyncpg
import msgspec
from msgspec import Meta

from tocsin.incidents.event_rules.eventpattern import EventPattern, compile_pattern
from tocsin.incidents.event_rules.store import Rule, RuleStore
from tocsin.incidents.ingestion import domain as alarms
from tocsin.incidents.ingestion.alarm_stream import Route
from tocsin.incidents.usecases import (
    JSON,
    RULE_QUOTA,
    Deps,
    UseCases,
    make_token,
    read_token,
)
from tocsin.shared.bus import RpcRequest
from tocsin.shared.bus.rpc import Handler
from tocsin.shared.contracts import incidents as c
from tocsin.shared.db import transaction
from tocsin.shared.db.quotas import check_quota
from tocsin.shared.errors import ConflictError, NotFoundError, ValidationError
from tocsin.shared.events import emit
from tocsin.shared.logging import get_logger
from tocsin.shared.paging import page_size

__all__ = ["RuleHandlers", "RuleRouter", "operations"]

log = get_logger(__name__)

RuleName = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[.\-_A-Za-z0-9]+$")]
Pattern = Annotated[str, Meta(min_length=2, max_length=4096)]
Description = Annotated[str, Meta(max_length=512)]
State = Literal["ENABLED", "DISABLED"]


class _In(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """An operation's input: camelCase, unknown members ignored."""


class CreateRule(_In, frozen=True):
    name: RuleName
    event_pattern: Pattern
    response_plan_arn: Annotated[str, Meta(max_length=1000)]
    description: Description | None = None
    state: State = "ENABLED"
    client_token: str | None = None


class NamedRule(_In, frozen=True):
    name: RuleName


class UpdateRule(_In, frozen=True):
    name: RuleName
    event_pattern: Pattern | None = None
    response_plan_arn: Annotated[str, Meta(max_length=1000)] | None = None
    description: Description | None = None
    state: State | None = None


class ListRules(_In, frozen=True):
    max_results: Annotated[int, Meta(ge=1, le=100)] | None = None
    next_token: str | None = None
    response_plan_arn: str | None = None


class TestEventPattern(_In, frozen=True):
    event: str | dict[str, Any]
    """The sample event, as JSON text or an object."""
    event_pattern: Pattern | None = None
    name: RuleName | None = None
    """A stored rule to test instead of ``eventPattern``."""


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> EventPattern:
    return compile_pattern(pattern)


class RuleRouter:
    """The plans an event goes to through the enabled rules it matches.

    The rules are re-read at most every ``ttl`` seconds and at once after this instance
    changed one, so a rule changed on another instance takes effect within ``ttl``.
    """

    def __init__(self, pool: asyncpg.Pool, *, ttl: float = 1.0) -> None:
        self._pool = pool
        self._ttl = ttl
        self._loaded = -float("inf")
        self._rules: list[tuple[Rule, EventPattern]] = []

    def invalidate(self) -> None:
        self._loaded = -float("inf")

    async def __call__(self, event: Mapping[str, Any]) -> Sequence[Route]:
        if time.monotonic() - self._loaded > self._ttl:
            loaded: list[tuple[Rule, EventPattern]] = []
            for rule in await RuleStore.enabled(self._pool):
                try:
                    loaded.append((rule, _compiled(rule.event_pattern)))
                except ValidationError as exc:
                    log.warning("rule.unusable", rule=rule.name, error=exc.message)
            self._rules, self._loaded = loaded, time.monotonic()
        return [Route(rule.response_plan_arn, rule.arn, rule.name)
                for rule, pattern in self._rules if pattern.matches(event)]


class RuleHandlers(UseCases):
    """CRUD of event rules, and testing a pattern."""

    def __init__(self, deps: Deps, router: RuleRouter) -> None:
        super().__init__(deps)
        self._router = router

    def _rule_arn(self, name: str) -> str:
        return self._arns.events(f"rule/{name}")

    async def _rule(self, conn: asyncpg.Connection, name: str, *, lock: bool = False) -> Rule:
        rule = await RuleStore.get(conn, name, lock=lock)
        if rule is None:
            raise NotFoundError(f"Event rule {name} does not exist", resource_type="EVENT_RULE",
                                resource_id=self._rule_arn(name))
        return rule

    async def create_rule(self, req: RpcRequest) -> JSON:
        cmd: CreateRule = req.decode(CreateRule)
        _compiled(cmd.event_pattern)

        async def body(conn: asyncpg.Connection) -> JSON:
            await self._plan(conn, cmd.response_plan_arn)
            await check_quota(conn, RULE_QUOTA, limit=self._quotas.rules,
                              count_sql="SELECT count(*) FROM event_rule")
            now = self._clock.now().timestamp()
            rule = Rule(name=cmd.name, arn=self._rule_arn(cmd.name),
                        description=cmd.description, event_pattern=cmd.event_pattern,
                        response_plan_arn=cmd.response_plan_arn, state=cmd.state,
                        created_time=now, last_modified_time=now)
            if not await RuleStore.insert(conn, rule):
                raise ConflictError(f"An event rule named {cmd.name} already exists",
                                    resource_type="EVENT_RULE", resource_id=rule.arn)
            await emit(conn, c.EventRuleCreated(**msgspec.structs.asdict(rule),
                                                principal=self._by(req)),
                       region=self._region, now=self._clock.now())
            return {"rule": msgspec.to_builtins(rule)}

        try:
            return await self._once(req, cmd.client_token, body)
        finally:
            self._router.invalidate()

    async def get_rule(self, req: RpcRequest) -> JSON:
        cmd: NamedRule = req.decode(NamedRule)
        async with self._pool.acquire() as conn:
            rule = await self._rule(conn, cmd.name)
        return {"rule": msgspec.to_builtins(rule)}

    async def list_rules(self, req: RpcRequest) -> JSON:
        cmd: ListRules = req.decode(ListRules)
        limit = page_size(cmd.max_results)
        after = read_token(cmd.next_token, str) if cmd.next_token else None
        async with self._pool.acquire() as conn:
            rules = await RuleStore.page(conn, after=after, limit=limit + 1,
                                         plan_arn=cmd.response_plan_arn)
        out: JSON = {"rules": [msgspec.to_builtins(r) for r in rules[:limit]]}
        if len(rules) > limit:
            out["nextToken"] = make_token(rules[limit - 1].name)
        return out

    async def update_rule(self, req: RpcRequest) -> JSON:
        cmd: UpdateRule = req.decode(UpdateRule)
        if cmd.event_pattern is not None:
            _compiled(cmd.event_pattern)
        try:
            async with transaction(self._pool) as conn:
                rule = await self._rule(conn, cmd.name, lock=True)
                if cmd.response_plan_arn is not None:
                    await self._plan(conn, cmd.response_plan_arn)
                changes = {k: v for k, v in (
                    ("event_pattern", cmd.event_pattern), ("description", cmd.description),
                    ("response_plan_arn", cmd.response_plan_arn), ("state", cmd.state))
                    if v is not None and v != getattr(rule, k)}
                if changes:
                    rule = msgspec.structs.replace(
                        rule, **changes, last_modified_time=self._clock.now().timestamp())
                    await RuleStore.save(conn, rule)
                    await emit(conn, c.EventRuleUpdated(**msgspec.structs.asdict(rule),
                                                        principal=self._by(req)),
                               region=self._region, now=self._clock.now())
        finally:
            self._router.invalidate()
        return {"rule": msgspec.to_builtins(rule)}

    async def delete_rule(self, req: RpcRequest) -> JSON:
        cmd: NamedRule = req.decode(NamedRule)
        try:
            async with transaction(self._pool) as conn:
                # Deleting a rule that is not there is a quiet success, as for plans.
                if await RuleStore.delete(conn, cmd.name):
                    await emit(conn, c.EventRuleDeleted(arn=self._rule_arn(cmd.name),
                                                        principal=self._by(req)),
                               region=self._region, now=self._clock.now())
        finally:
            self._router.invalidate()
        return {}

    async def test_event_pattern(self, req: RpcRequest) -> JSON:
        """Whether the event matches, and the start it would make; nothing is created."""
        cmd: TestEventPattern = req.decode(TestEventPattern)
        if (cmd.event_pattern is None) == (cmd.name is None):
            raise ValidationError("give exactly one of eventPattern and name")
        rule: Rule | None = None
        if cmd.name is not None:
            async with self._pool.acquire() as conn:
                rule = await self._rule(conn, cmd.name)
        pattern = _compiled(rule.event_pattern if rule else str(cmd.event_pattern))
        try:
            event = (alarms.parse_event(cmd.event.encode()) if isinstance(cmd.event, str)
                     else alarms.check_event(cmd.event))
        except alarms.Malformed as exc:
            raise ValidationError(f"event: {exc}") from None
        matched = pattern.matches(event)
        out: JSON = {"result": matched}
        if matched:
            trigger = alarms.to_trigger(event, rule_arn=rule.arn if rule else None,
                                        received=self._clock.now().timestamp())
            out["action"] = trigger.kind
            out["triggerDetails"] = trigger.trigger_details()
            if rule is not None:
                out["responsePlanArn"] = rule.response_plan_arn
        return out


def operations(deps: Deps, router: RuleRouter) -> Mapping[str, Handler]:
    """Operation name → handler."""
    h = RuleHandlers(deps, router)
    return {"CreateRule": h.create_rule, "GetRule": h.get_rule, "ListRules": h.list_rules,
            "UpdateRule": h.update_rule, "DeleteRule": h.delete_rule,
            "TestEventPattern": h.test_event_pattern}
