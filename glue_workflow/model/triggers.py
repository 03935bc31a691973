"""Triggers: the one start trigger (on demand, scheduled, event) and explicit
conditional triggers with per-action arguments and timeouts.

Most graphs need no explicit ``Trigger``: ``after=`` on a node is enough and
compiles to the minimal trigger set. Use ``Trigger`` for action arguments or
timeouts, or to start nodes from the same predicate under a chosen name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from glue_workflow.eventpattern import PATTERN_MAX, PatternError, check_pattern
from glue_workflow.glue_defaults import MAX_TIMEOUT_MINUTES
from glue_workflow.model._base import (
    Gather,
    check_bool,
    check_int,
    check_name,
    check_text,
    fail,
    set_attr,
    str_map,
)
from glue_workflow.model.dependencies import Dependency, node_name
from glue_workflow.model.job_arguments import check_arguments
from glue_workflow.model.schedule import refuse_rate


@dataclass(frozen=True, kw_only=True)
class OnDemand:
    """Start a run only when asked (``glue-wf run``, StartWorkflowRun)."""

    type: ClassVar[str] = "ON_DEMAND"
    description: str = ""

    def __post_init__(self) -> None:
        g = Gather()
        with g.check():
            check_text("start trigger", "description", self.description, 2048)
        g.done()


@dataclass(frozen=True, kw_only=True)
class Scheduled:
    """Start a run on an AWS cron expression (6 fields, UTC), e.g. ``cron(15 12 * * ? *)``."""

    type: ClassVar[str] = "SCHEDULED"
    cron: str
    active: bool = True  # StartOnCreation / activated after every deploy
    description: str = ""

    def __post_init__(self) -> None:
        where = "start trigger"
        g = Gather()
        with g.check():
            check_text(where, "description", self.description, 2048)
        with g.check():
            set_attr(self, "cron", _normal_cron(where, self.cron))
        with g.check():
            check_bool(where, "active", self.active)
        g.done()


def _normal_cron(where: str, cron: Any) -> str:
    if not isinstance(cron, str) or not cron.strip():
        fail(
            where,
            "cron",
            f"cron must be a string like 'cron(15 12 * * ? *)', got {cron!r}",
        )
    expr = cron.strip()
    if expr.lower().startswith("rate("):
        refuse_rate(where, expr)
    if expr.lower().startswith("cron("):  # "CRON(...)": Glue's Schedule spells it cron(
        return "cron(" + expr[5:]
    return f"cron({expr})"


@dataclass(frozen=True, kw_only=True)
class Event:
    """Start a run from EventBridge events: after ``batch_size`` events or the window.

    ``pattern`` is the EventBridge event pattern of the rule glue-wf deploys to send
    matching events to the workflow; without it only the trigger is deployed (route
    events to the workflow with a rule of your own).
    """

    type: ClassVar[str] = "EVENT"
    batch_size: int = 1
    batch_window: int | None = None  # seconds, 1-900 (Glue's default: 900)
    pattern: Mapping[str, Any] | None = None
    description: str = ""

    def __post_init__(self) -> None:
        where = "start trigger"
        g = Gather()
        with g.check():
            check_text(where, "description", self.description, 2048)
        with g.check():
            check_int(where, "batch_size", self.batch_size, 1, 100)
        if self.batch_window is not None:
            with g.check():
                check_int(where, "batch_window", self.batch_window, 1, 900)
        if self.pattern is not None:
            with g.check():
                set_attr(self, "pattern", _event_pattern(where, self.pattern))
        g.done()


def _event_pattern(where: str, pattern: Any) -> dict[str, Any]:
    try:
        check_pattern(pattern)
        # a rule's pattern is at most 4096 characters (EventBridge quotas: "Event pattern")
        text = json.dumps(pattern, sort_keys=True, separators=(",", ":"))
    except (PatternError, TypeError, ValueError) as exc:
        fail(where, "pattern", f"pattern is not a valid EventBridge event pattern: {exc}")
    if len(text) > PATTERN_MAX:
        fail(
            where, "pattern", f"pattern is {len(text)} characters; EventBridge allows {PATTERN_MAX}"
        )
    return dict(json.loads(text))


StartTrigger = OnDemand | Scheduled | Event


@dataclass(frozen=True, kw_only=True)
class Action:
    """Start ``node``, optionally with extra arguments, a timeout or a notify delay."""

    node: str
    arguments: Mapping[str, str] = field(default_factory=dict)
    timeout: int | None = None  # minutes; overrides the job's timeout
    notify_delay_after: int | None = None  # minutes

    def __post_init__(self) -> None:
        g = Gather()
        with g.check():
            set_attr(self, "node", node_name(self.node, "Action"))
        where = f"action {self.node!r}"
        with g.check():
            set_attr(self, "arguments", str_map(where, "arguments", self.arguments))
            check_arguments(where, "argument", self.arguments)
        if self.timeout is not None:
            with g.check():
                check_int(where, "timeout", self.timeout, 1, MAX_TIMEOUT_MINUTES)
        if self.notify_delay_after is not None:
            with g.check():
                check_int(
                    where, "notify_delay_after", self.notify_delay_after, 1, MAX_TIMEOUT_MINUTES
                )
        g.done()


def as_action(value: Any, where: str) -> Action:
    return value if isinstance(value, Action) else Action(node=node_name(value, where))


@dataclass(frozen=True, kw_only=True)
class Trigger:
    """An explicit conditional trigger: when ``when`` holds, start ``actions``."""

    name: str
    when: Dependency
    actions: tuple[Action, ...]
    active: bool = True
    description: str = ""

    def __post_init__(self) -> None:
        where = f"Trigger {self.name!r}"
        g = Gather()
        with g.check():
            check_name(where, "trigger name", self.name)
        with g.check():
            check_text(where, "description", self.description, 2048)
        with g.check():
            _check_when(self.when, where)
        with g.check():
            set_attr(self, "actions", _check_actions(self.actions, where))
        with g.check():
            check_bool(where, "active", self.active)
        g.done()


def _check_when(when: Any, where: str) -> None:
    if not isinstance(when, Dependency):
        fail(
            where,
            "when-type",
            "when= must be a dependency such as succeeded('train'); the start trigger "
            "is Workflow(start=OnDemand() | Scheduled(...) | Event(...))",
        )


def _check_actions(given: Any, where: str) -> tuple[Action, ...]:
    if isinstance(given, (str, Action)) or not hasattr(given, "__iter__"):
        given = (given,)
    actions = tuple(as_action(a, where) for a in given)
    if not actions:
        fail(where, "no-actions", "a trigger needs at least one action (a node to start)")
    names = [a.node for a in actions]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        fail(where, "duplicate", f"actions start {', '.join(map(repr, dupes))} more than once")
    return actions
