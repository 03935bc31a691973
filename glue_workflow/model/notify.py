"""Notifications: publish each run's verdict to EventBridge and, optionally, to SNS.

Glue emits no workflow-run event (glue-semantics.md §13), so ``Workflow(notify=[...])``
adds one packaged node, the *verdict notifier*: a Python shell job
(``glue_workflow/scripts/notify.py``) the start trigger starts beside the first nodes.
It watches its own run through ``GetWorkflowRun``, and once every other node has
settled (nothing running, no satisfied trigger left to fire, no retry pending) it
judges the run with the same verdict rule as ``glue-wf status`` and publishes the
message. The start trigger fires once per run, so the message is published once per
run, on AWS and on the local target alike, with nobody waiting on the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from glue_workflow.model._base import Gather, check_int, check_text, fail, set_attr, str_tuple
from glue_workflow.model.jobs import PythonShellJob
from glue_workflow.naming import PACKAGED_SCRIPTS

NOTIFY_SCRIPT = f"{PACKAGED_SCRIPTS}notify.py"
NOTIFIER_NODE = "notify-verdict"  # reserved node name
# What a message can say (``verdict`` in the message): the run's verdict label.
VERDICTS = ("succeeded", "rejected", "failed", "awaiting_approval", "stopped", "error")
DEFAULT_ON = ("succeeded", "rejected", "failed", "awaiting_approval")
# SNS topic ARN: arn:<partition>:sns:<region>:<account>:<name> (SNS API Reference, Publish)
_SNS_ARN_PREFIX = "arn:"
# EventBridge bus name or ARN: 1-256 characters (PutEventsRequestEntry.EventBusName)
_BUS_MAX = 256


def _check_on(where: str, value: Any) -> tuple[str, ...]:
    on = str_tuple(where, "on", value)
    for item in on:
        if item not in VERDICTS:
            fail(
                where,
                "notify-verdict",
                f"on= holds {item!r}, which is not a verdict; use some of {', '.join(VERDICTS)}",
            )
    if not on:
        fail(where, "notify-verdict", "on= is empty: name at least one verdict to publish")
    return on


@dataclass(frozen=True, kw_only=True)
class ToEventBridge:
    """Put the verdict on an EventBridge bus (source ``glue-wf``, detail-type
    ``Glue-wf Workflow Run Verdict``): rules route it anywhere EventBridge reaches."""

    bus: str = "default"
    on: tuple[str, ...] = DEFAULT_ON

    def __post_init__(self) -> None:
        where = "ToEventBridge"
        g = Gather()
        with g.check():
            check_text(where, "bus", self.bus, _BUS_MAX)
            if not self.bus:
                fail(where, "notify-bus", "bus= is empty: use 'default' or a bus name/ARN")
        with g.check():
            set_attr(self, "on", _check_on(where, self.on))
        g.done()

    def to_json(self) -> dict[str, Any]:
        return {"type": "eventbridge", "bus": self.bus, "on": list(self.on)}


@dataclass(frozen=True, kw_only=True)
class ToSns:
    """Publish the verdict to an SNS topic: by default the topic the infra stack creates
    (output ``NotificationsTopicArn``), or ``topic_arn``."""

    topic_arn: str | None = None
    on: tuple[str, ...] = DEFAULT_ON

    def __post_init__(self) -> None:
        where = "ToSns"
        g = Gather()
        if self.topic_arn is not None:
            with g.check():
                arn = self.topic_arn
                if (
                    not isinstance(arn, str)
                    or not arn.startswith(_SNS_ARN_PREFIX)
                    or (arn.split(":")[2:3] != ["sns"] or arn.count(":") != 5)
                ):
                    fail(
                        where,
                        "notify-topic",
                        f"topic_arn {arn!r} is not an SNS topic ARN "
                        "(arn:aws:sns:<region>:<account>:<topic>); omit it to use the "
                        "topic the infra stack creates",
                    )
        with g.check():
            set_attr(self, "on", _check_on(where, self.on))
        g.done()

    def to_json(self) -> dict[str, Any]:
        # None: the compiler puts the infra topic in --notify_topic_arn
        return {"type": "sns", "topic_arn": self.topic_arn, "on": list(self.on)}


Notification = ToEventBridge | ToSns


def check_notify(where: str, value: object) -> tuple[Notification, ...]:
    """``notify=``: a list of ToEventBridge / ToSns (at most one of each kind per target)."""
    if isinstance(value, (ToEventBridge, ToSns)):
        value = (value,)
    if isinstance(value, str) or not isinstance(value, Iterable):
        fail(where, "notify", f"notify= must be a list of ToEventBridge/ToSns, got {value!r}")
    items = tuple(value)
    for item in items:
        if not isinstance(item, (ToEventBridge, ToSns)):
            fail(
                where,
                "notify",
                f"notify= holds ToEventBridge(...) and ToSns(...) objects, got {item!r}",
            )
    keys = [json.dumps(i.to_json(), sort_keys=True) for i in items]
    if len(set(keys)) != len(keys):
        fail(where, "notify", "notify= lists the same destination twice: drop one")
    return items


@dataclass(frozen=True, kw_only=True)
class Notifier:
    """The packaged verdict-notifier node (built by ``Workflow(notify=[...])``)."""

    targets: tuple[Notification, ...]
    retries: Mapping[str, int]  # Glue job name -> MaxRetries, for jobs that retry
    max_concurrent_runs: int = 10
    timeout: int = 2880  # minutes: the notifier lives as long as the run
    poll_seconds: int = 10
    name: str = NOTIFIER_NODE
    description: str = "Publishes the run's verdict (glue-wf notify=)"

    def __post_init__(self) -> None:
        where = "Workflow notify="
        g = Gather()
        with g.check():
            check_int(where, "timeout", self.timeout, 1, 10079)
        with g.check():
            check_int(where, "poll_seconds", self.poll_seconds, 1, 3600)
        with g.check():
            check_int(where, "max_concurrent_runs", self.max_concurrent_runs, 1)
        g.done()

    @property
    def needs_topic(self) -> bool:
        return any(isinstance(t, ToSns) and t.topic_arn is None for t in self.targets)

    def as_job(self) -> PythonShellJob:
        targets = json.dumps([t.to_json() for t in self.targets], separators=(",", ":"))
        arguments = {
            "--notify_targets": targets,
            "--notify_retries": json.dumps(
                dict(sorted(self.retries.items())), separators=(",", ":")
            ),
            "--notify_poll_seconds": str(self.poll_seconds),
        }
        return PythonShellJob(
            name=self.name,
            script=NOTIFY_SCRIPT,
            description=self.description,
            arguments=arguments,
            context_arguments=("notify_topic_arn", "console_url")
            if self.needs_topic
            else ("console_url",),
            timeout=self.timeout,
            max_concurrent_runs=self.max_concurrent_runs,
            # boto3 is in the Python 3.9 shell's "analytics" set (see Gate.as_job)
            library_set="analytics",
        )
