"""Per-job rules that need the whole workflow: concurrency, versions, schedule,
placeholders, argument size."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from glue_workflow.errors import GlueWfError, Problem
from glue_workflow.model._base import did_you_mean
from glue_workflow.model.jobs import GLUE_END_OF_SUPPORT, SparkJob
from glue_workflow.model.triggers import Scheduled
from glue_workflow.model.workflow import PLACEHOLDERS, Workflow

MAX_ARGUMENTS_BYTES = 260 * 1024
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def check_concurrency(workflow: Workflow) -> list[Problem]:
    problems = []
    wanted = workflow.max_concurrent_runs
    for job in workflow.jobs:
        if wanted is not None and job.max_concurrent_runs < wanted:
            problems.append(
                Problem(
                    where=f"node {job.name!r}",
                    rule="job-concurrency",
                    message=f"max_concurrent_runs={job.max_concurrent_runs} is below the "
                    f"workflow's max_concurrent_runs={wanted}: overlapping runs would fail this "
                    f"job; set max_concurrent_runs={wanted} or more",
                )
            )
        elif wanted is None and job.max_concurrent_runs == 1:
            problems.append(
                Problem(
                    where=f"workflow {workflow.name!r}",
                    rule="job-concurrency",
                    message="allows unlimited concurrent runs but its jobs allow 1 run at a "
                    "time, so overlapping runs fail: set Workflow(max_concurrent_runs=1)",
                    severity="warning",
                )
            )
            break
    return problems


def check_versions(workflow: Workflow) -> list[Problem]:
    return [
        Problem(
            where=f"node {job.name!r}",
            rule="glue-end-of-support",
            message=f"Glue {job.glue_version} is past end of support: use glue_version='5.0'",
            severity="warning",
        )
        for job in workflow.jobs
        if isinstance(job, SparkJob) and job.glue_version in GLUE_END_OF_SUPPORT
    ]


def check_schedule(workflow: Workflow, *, now: datetime | None = None) -> list[Problem]:
    """The cron expression is valid and fires at least once after ``now`` (default: now)."""
    if not isinstance(workflow.start, Scheduled) or workflow.start.cron.lower().startswith("rate("):
        return []  # rate(): refused, with its cron, when Scheduled was built
    from glue_workflow.cron import never_fires, parse_schedule

    try:
        cron = parse_schedule(workflow.start.cron)
    except GlueWfError as exc:
        return [Problem(where="start trigger", rule="cron", message=str(exc))]
    why = never_fires(cron, now or datetime.now(UTC))
    if why is None:
        return []
    return [
        Problem(
            where="start trigger",
            rule="cron-never-fires",
            message=f"schedule {workflow.start.cron!r} never fires: {why}; fix its "
            "Day-of-month, Month or Year field",
        )
    ]


def _placeholders(where: str, values: dict[str, str]) -> list[Problem]:
    problems = []
    for key, value in values.items():
        for name in _PLACEHOLDER.findall(value):
            if name not in PLACEHOLDERS:
                problems.append(
                    Problem(
                        where=where,
                        rule="placeholder",
                        message=f"{key!r} uses unknown placeholder {{{name}}}"
                        f"{did_you_mean(name, PLACEHOLDERS)}; known: "
                        + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS),
                    )
                )
    return problems


def check_placeholders(workflow: Workflow) -> list[Problem]:
    problems = _placeholders(f"workflow {workflow.name!r}", dict(workflow.default_run_properties))
    for job in workflow.jobs:
        problems += _placeholders(f"node {job.name!r}", dict(job.arguments))
        problems += _placeholders(f"node {job.name!r}", dict(job.non_overridable_arguments))
    for trigger in workflow.triggers:
        for action in trigger.actions:
            problems += _placeholders(f"Trigger {trigger.name!r}", dict(action.arguments))
    return problems


def check_argument_names(workflow: Workflow) -> list[Problem]:
    """An argument one typo away from one the shipped scripts read (an instance type,
    count or runtime): the script reads the name it knows and takes its default, so
    ``--training_instance_typ`` would train on the default instance type silently."""
    import difflib

    from glue_workflow.model.jobs import INSTANCE_ARGUMENTS, WHOLE_ARGUMENTS

    known = sorted({*INSTANCE_ARGUMENTS, *WHOLE_ARGUMENTS})
    problems = []
    for job in workflow.jobs:
        for name in job.arguments:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
            if name in known or not close:
                continue
            problems.append(
                Problem(
                    where=f"node {job.name!r}",
                    rule="argument-name",
                    message=f"argument {name} is not one glue-wf's scripts read: did you mean "
                    f"{close[0]}? (a script ignores an argument it does not read and takes its "
                    "default)",
                    severity="warning",
                )
            )
    return problems


def check_argument_size(workflow: Workflow) -> list[Problem]:
    problems = []
    for job in workflow.jobs:
        size = sum(len(k.encode()) + len(v.encode()) for k, v in job.arguments.items())
        size += sum(
            len(k.encode()) + len(v.encode()) for k, v in job.non_overridable_arguments.items()
        )
        if size > MAX_ARGUMENTS_BYTES:
            problems.append(
                Problem(
                    where=f"node {job.name!r}",
                    rule="argument-size",
                    message=f"arguments total {size} bytes; Glue allows {MAX_ARGUMENTS_BYTES}: "
                    "put large values in S3 and pass the URI",
                )
            )
    return problems


def check_notify_stopped(workflow: Workflow) -> list[Problem]:
    """``on=`` naming ``stopped``: a stopped run stops its notifier with it, so Glue never
    publishes that verdict (docs/notifications.md, Limits)."""
    return [
        Problem(
            where=f"{type(target).__name__} of workflow {workflow.name!r}",
            rule="notify-verdict",
            message="on= holds 'stopped', which is never published on AWS: glue-wf stop "
            "stops the notifier with the rest of the run; drop it (a stopped run shows in "
            "glue-wf runs and the console)",
            severity="warning",
        )
        for target in workflow.notify
        if "stopped" in getattr(target, "on", ())
    ]
