"""Following a stack operation: stream its events until the stack settles."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from glue_workflow.errors import InfraError
from glue_workflow.infra.stacks import CloudFormation, StackEvent, StackInfo

EventSink = Callable[[StackEvent], None]

POLL_SECONDS = 5.0
TIMEOUT_SECONDS = 3600.0  # IAM and S3 settle in minutes; an hour means something hangs

SUCCESS = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE", "IMPORT_COMPLETE"})
# A resource that failed only because another one did: not the cause.
_COLLATERAL = ("Resource creation cancelled", "Resource update cancelled")


@dataclass(frozen=True, kw_only=True)
class Waiting:
    """How to wait: poll interval, limit, and the clock (injectable for tests)."""

    poll_seconds: float = POLL_SECONDS
    timeout_seconds: float = TIMEOUT_SECONDS
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic


def follow(
    cf: CloudFormation,
    stack_id: str,
    *,
    since: datetime | None,
    skip: frozenset[str] = frozenset(),
    on_event: EventSink | None = None,
    waiting: Waiting | None = None,
    settling: frozenset[str] = frozenset(),
) -> tuple[StackInfo, list[StackEvent]]:
    """Poll until the stack leaves every ``*_IN_PROGRESS`` state (and ``settling``).

    Returns the final stack and every event since ``since`` (except the IDs in
    ``skip``: events seen before the operation), each passed to ``on_event`` once,
    oldest first. ``settling`` lists states that still count as
    busy, e.g. REVIEW_IN_PROGRESS right after executing a CREATE change set.
    """
    waiting = waiting or Waiting()
    seen: set[str] = set(skip)
    collected: list[StackEvent] = []
    deadline = waiting.monotonic() + waiting.timeout_seconds
    while True:
        for event in cf.events(stack_id, since=since):
            if event.event_id in seen:
                continue
            seen.add(event.event_id)
            collected.append(event)
            if on_event is not None:
                on_event(event)
        info = cf.describe(stack_id)
        if info is None:
            raise InfraError(f"stack {stack_id} disappeared while glue-wf was following it")
        if not info.in_progress and info.status not in settling:
            return info, collected
        if waiting.monotonic() >= deadline:
            raise InfraError(
                f"stack {info.name} is still {info.status} after "
                f"{waiting.timeout_seconds:.0f}s; follow it in the CloudFormation console "
                f"and rerun the command once it settles"
            )
        waiting.sleep(waiting.poll_seconds)


def baseline(cf: CloudFormation, stack_id: str) -> tuple[datetime | None, frozenset[str]]:
    """Where to start following: the newest existing event (its time, its ID to skip)."""
    latest = cf.latest_event(stack_id)
    if latest is None:
        return None, frozenset()
    return latest.timestamp, frozenset({latest.event_id})


def root_causes(events: list[StackEvent]) -> list[StackEvent]:
    """Failed resource events that caused a failure (not those cancelled because of it)."""
    failed = [e for e in events if e.failed and e.resource_type != "AWS::CloudFormation::Stack"]
    causes = [e for e in failed if not e.reason.startswith(_COLLATERAL)]
    return causes or failed


def failure_message(info: StackInfo, events: list[StackEvent], action: str) -> str:
    """``<action> failed: stack is X`` followed by each failing resource and its reason."""
    lines = [f"{action} of stack {info.name} failed: the stack is {info.status}"]
    causes = root_causes(events)
    for event in causes:
        reason = event.reason or "no reason given"
        lines.append(f"  - {event.logical_id} ({event.resource_type}) {event.status}: {reason}")
    if not causes and info.status_reason:
        lines.append(f"  - {info.status_reason}")
    return "\n".join(lines)
