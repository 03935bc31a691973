"""Fires SCHEDULED start triggers of the local target on their AWS cron (UTC).

A foreground loop over a Glue client: it re-reads the triggers regularly (so
deploys, activations and schedule edits take effect), sleeps until the next fire
time, and calls StartWorkflowRun for the trigger's workflow. Only ACTIVATED triggers
fire, as on AWS. EVENT triggers start on EventBridge events (the local EventBridge
delivers them); each tick also closes their expired batch windows (``close_windows``),
so a batch waiting for its window starts on time while the scheduler runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from glue_workflow.cron import AwsCron, CronError, parse_schedule

RESCAN_SECONDS = 30.0
WINDOW_TICK_SECONDS = 1.0  # how late an expired EVENT batch window may close


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class Start:
    """One start the scheduler made (or tried to make)."""

    workflow: str
    trigger: str
    fire_time: datetime
    run_id: str | None
    error: str | None = None


class Scheduler:
    """Starts workflows when their activated SCHEDULED start trigger's cron fires."""

    def __init__(
        self,
        glue: Any,
        *,
        workflows: tuple[str, ...] = (),
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] = print,
        close_windows: Callable[[], list[str]] | None = None,
    ) -> None:
        self.glue = glue
        self.workflows = workflows
        self.clock = clock
        self.sleep = sleep
        self.log = log
        # (trigger, schedule) -> the time after which to look for its next slot
        self._cursor: dict[tuple[str, str], datetime] = {}
        self._crons: dict[tuple[str, str], AwsCron | None] = {}
        self._reported: set[str] = set()
        self.close_windows = close_windows
        self._evented = False  # an EVENT trigger was seen on the last scan
        self._idle_said = False  # "nothing to fire" said since triggers were last seen

    def scheduled(self) -> list[tuple[dict[str, Any], AwsCron]]:
        """Activated SCHEDULED triggers of a workflow (of the selected workflows)."""
        found = []
        for page in self.glue.get_paginator("get_triggers").paginate():
            for trigger in page["Triggers"]:
                workflow = trigger.get("WorkflowName")
                if not workflow or (self.workflows and workflow not in self.workflows):
                    continue
                self._report_event_trigger(trigger)
                if trigger["Type"] != "SCHEDULED" or trigger.get("State") != "ACTIVATED":
                    continue
                cron = self._cron(trigger)
                if cron is not None:
                    found.append((trigger, cron))
        return found

    def _report_event_trigger(self, trigger: dict[str, Any]) -> None:
        name = trigger["Name"]
        if trigger["Type"] != "EVENT":  # (it consumes events as it is: CREATED)
            return
        self._evented = True
        if name not in self._reported:
            self._reported.add(name)
            self.log(
                f"note: EVENT trigger {name} of workflow {trigger['WorkflowName']} starts "
                "on EventBridge events (PutEvents, glue-wf events put); this scheduler "
                "closes its batch windows"
            )

    def _cron(self, trigger: dict[str, Any]) -> AwsCron | None:
        key = (trigger["Name"], str(trigger.get("Schedule")))
        if key not in self._crons:
            try:
                self._crons[key] = parse_schedule(key[1])
            except CronError as exc:  # stored before validation existed, or edited by hand
                self._crons[key] = None
                self.log(f"skipping trigger {trigger['Name']}: {exc}")
        return self._crons[key]

    def tick(self, now: datetime) -> tuple[list[Start], datetime | None]:
        """Start every workflow whose schedule fired by ``now``; return the next fire time."""
        starts: list[Start] = []
        upcoming: list[datetime] = []
        self._evented = False
        seen: set[tuple[str, str]] = set()
        for trigger, cron in self.scheduled():
            # by name and schedule: a trigger deleted, deactivated or given another cron
            # counts its slots from when it is seen again, as Glue does from its update
            # (a stale cursor fired a slot that passed before the new trigger existed)
            key = (trigger["Name"], str(trigger.get("Schedule")))
            seen.add(key)
            if key not in self._cursor:  # say what it watches: nothing else shows until a fire
                first = cron.next_fire(now)
                when = first.strftime("%Y-%m-%d %H:%M UTC") if first else "never (no date left)"
                self.log(
                    f"watching trigger {key[0]} of workflow {trigger['WorkflowName']}: "
                    f"{key[1]}, next fire {when}"
                )
            cursor = self._cursor.setdefault(key, now)
            due = cron.next_fire(cursor)
            if due is not None and due <= now:
                starts.append(self._start(trigger, due))
                # a fire missed while asleep is made once, not once per missed minute
                self._cursor[key] = now
                due = cron.next_fire(now)
            if due is not None:
                upcoming.append(due)
        for gone in set(self._cursor) - seen:
            del self._cursor[gone]
        if not seen and not self._evented and not self._idle_said:
            self._idle_said = True
            self.log(
                "no ACTIVATED SCHEDULED or EVENT trigger"
                + (f" in workflow(s) {', '.join(self.workflows)}" if self.workflows else "")
                + ": deploy a workflow started by Scheduled(cron=...) or Event(...); "
                "the scheduler re-reads the triggers every 30 s"
            )
        elif seen or self._evented:
            self._idle_said = False
        if self._evented and self.close_windows is not None:
            for run_id in self.close_windows():
                self.log(f"batch window closed: started run {run_id}")
            upcoming.append(now + timedelta(seconds=WINDOW_TICK_SECONDS))
        return starts, min(upcoming) if upcoming else None

    def _start(self, trigger: dict[str, Any], due: datetime) -> Start:
        workflow, name = trigger["WorkflowName"], trigger["Name"]
        stamp = due.strftime("%Y-%m-%d %H:%M UTC")
        try:
            run_id = self.glue.start_workflow_run(Name=workflow)["RunId"]
        except ClientError as exc:
            message = exc.response["Error"].get("Message", str(exc))
            self.log(f"{stamp} {trigger['Schedule']}: could not start {workflow}: {message}")
            return Start(workflow=workflow, trigger=name, fire_time=due, run_id=None, error=message)
        self.log(
            f"{stamp} {trigger['Schedule']}: started workflow {workflow} run {run_id} "
            f"(trigger {name})"
        )
        return Start(workflow=workflow, trigger=name, fire_time=due, run_id=run_id)

    def run(self, *, until: datetime | None = None, once: bool = False) -> list[Start]:
        """Loop until ``until`` (or after the first start with ``once``); Ctrl-C ends it."""
        made: list[Start] = []
        while True:
            now = self.clock()
            if until is not None and now >= until:
                return made
            starts, upcoming = self.tick(now)
            made += starts
            if once and starts:
                return made
            wake = now + timedelta(seconds=RESCAN_SECONDS)
            if upcoming is not None:
                wake = min(wake, upcoming)
            if until is not None:
                wake = min(wake, until)
            self.sleep(max(0.05, (wake - self.clock()).total_seconds()))
