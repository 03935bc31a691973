"""Run control on any target: start, follow, status, history, resume, stop, logs."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from glue_workflow.aws import clients
from glue_workflow.aws.errors import ResourceNotFound
from glue_workflow.aws.retry import RetryPolicy
from glue_workflow.config import BUCKET_NAME, Settings
from glue_workflow.deploy.record import undeployed_note
from glue_workflow.errors import ConfigError, GlueWfError, NotFoundError, RunError
from glue_workflow.infra.guard import check_run_properties
from glue_workflow.jobkit.contract import SYSTEM_PREFIX
from glue_workflow.runs.glue_run_calls import (
    ConcurrentRunsExceeded,
    GlueRunsApi,
    aws_code,
    not_deployed,
)
from glue_workflow.runs.resume import RunStateError, find_node
from glue_workflow.runs.run_nodes import job_runs_of, node_rows
from glue_workflow.runs.verdict import judge


@dataclass(frozen=True, kw_only=True)
class RunTarget:
    settings: Settings
    workflow: str
    glue: GlueRunsApi = field(repr=False)
    # the definition's start_parameters (not a Glue setting); None: looked up at start
    start_parameters: tuple[str, ...] | None = None


def open_runs(
    settings: Settings,
    *,
    workflow: str | None = None,
    session: Any = None,
    policy: RetryPolicy | None = None,
) -> RunTarget:
    session = session or clients.session_for(settings)
    api = GlueRunsApi(
        client=clients.client(settings, "glue", session), policy=policy or RetryPolicy()
    )
    if workflow:  # the definition is read only if a run starts (control.start)
        return RunTarget(settings=settings, workflow=workflow, glue=api)
    name, parameters = defined_start(settings, None)
    return RunTarget(settings=settings, workflow=name, glue=api, start_parameters=parameters)


def defined_start(settings: Settings, workflow: str | None) -> tuple[str, tuple[str, ...]]:
    """The workflow's name (``workflow``, else the definition's) and the start_parameters
    the project's definition gives it (none when the definition is another workflow's or,
    with ``workflow`` named, absent or broken)."""
    from glue_workflow.definition import load_workflow

    if workflow and not settings.definition.is_file():
        return workflow, ()
    try:
        defined = load_workflow(settings)
    except GlueWfError:
        if workflow:
            return workflow, ()
        raise
    if workflow and defined.name != workflow:
        return workflow, ()
    return str(defined.name), tuple(defined.start_parameters)


# -- start ---------------------------------------------------------------------------------


def node_properties(settings: Settings, workflow: str) -> set[str]:
    """The run properties the project's definition of ``workflow`` reads or writes (none
    when the definition is absent, broken or another workflow's)."""
    from glue_workflow.definition import load_workflow

    if not settings.definition.is_file():
        return set()
    try:
        defined = load_workflow(settings)
    except GlueWfError:
        return set()
    if defined.name != workflow:
        return set()
    return {p for node in defined.nodes for p in (*node.reads, *node.writes)}


class SecretRunPropertyError(ConfigError):
    """A run property whose key or value looks like a secret."""


# A run property key: the Glue service model's IdString (WorkflowRunProperties' keys),
# "[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*", in Python's terms.
ID_STRING = re.compile("[\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff\t]*")


def check_properties(properties: Mapping[str, str]) -> None:
    """Refuse keys longer than Glue allows and secret-looking keys or values.

    Run properties are stored and shown in plain text by Glue. Every start path (CLI,
    console) goes through here; the name rule is the definition validator's, so what
    ``run`` accepts ``validate`` accepts as a default too.
    """
    from glue_workflow.jobkit.failure import ERROR_PROPERTY_PREFIX, is_error_property
    from glue_workflow.model.secrets import (
        looks_like_secret_property,
        secret_property_message,
    )

    for key, value in properties.items():
        if len(key) > 255:
            raise ConfigError(f"run property key {key[:40]!r}... is longer than 255 characters")
        if not ID_STRING.fullmatch(key) or not key:
            raise ConfigError(
                f"run property key {key!r} holds a character Glue refuses in a key (control "
                "characters other than tab; Glue's IdString pattern): rename it"
            )
        if is_error_property(key):
            raise ConfigError(
                f"run property {key!r} is reserved: names starting with "
                f"{ERROR_PROPERTY_PREFIX!r} hold a failed node's reason, written by the job "
                "itself; pass another name"
            )
        if looks_like_secret_property(key, str(value)):
            raise SecretRunPropertyError(secret_property_message(key, str(value)))


S3_URI = re.compile(rf"s3://{BUCKET_NAME.pattern}(/.*)?")


def check_uris(defaults: Mapping[str, str], properties: Mapping[str, str]) -> None:
    """A property whose default is an S3 URI (input_uri) gets an S3 URI: a local path or
    a typo would start a run whose jobs fail at their first read."""
    for key, value in properties.items():
        default = str(defaults.get(key, ""))
        if default.startswith("s3://") and not S3_URI.fullmatch(value):
            bucket = default.split("/")[2]
            raise ConfigError(
                f"run property {key}={value!r} is not an s3://BUCKET/KEY URI, as its default "
                f"{default!r} is: pass an S3 URI; a file on this machine goes to S3 first "
                f"with 'glue-wf upload-data FILE --to s3://{bucket}/data/FILE_NAME', then "
                f"-p {key}=s3://{bucket}/data/FILE_NAME"
            )


def concurrent_runs_message(workflow: str, active: Sequence[str], limit: Any = None) -> str:
    """What to do when StartWorkflowRun is refused for too many concurrent runs."""
    ids = ", ".join(active) if active else "none listed yet"
    first = active[0] if active else "RUN_ID"
    cap = f" ({limit})" if limit else ""
    return (
        f"workflow {workflow} already has its maximum of concurrent runs{cap} active "
        f"(active: {ids}): wait for {'one' if len(active) > 1 else 'it'} to finish (glue-wf "
        f"status {first} --wait), stop {'one' if len(active) > 1 else 'it'} (glue-wf stop "
        f"{first}), or raise max_concurrent_runs in the workflow definition and deploy"
    )


def active_run_ids(runs: Sequence[Mapping[str, Any]]) -> list[str]:
    return [
        str(r.get("WorkflowRunId"))
        for r in runs
        if r.get("Status") in ("RUNNING", "STOPPING") and r.get("WorkflowRunId")
    ]


def refuse_reserved(properties: Mapping[str, str]) -> None:
    """Refuse the step cache's own run properties from a user (``run -p``, the
    console, ``glue-wf job -p``): glue-wf sets them (docs/caching.md, Reserved names)."""
    from glue_workflow.validation.cache_names import is_cache_property

    for key in properties:
        if is_cache_property(key):
            raise ConfigError(
                f"run property {key!r} is reserved: use glue-wf run --no-cache / --rerun-from"
            )


def start(
    target: RunTarget, properties: Mapping[str, str], given: Collection[str] | None = None
) -> tuple[str, list[str]]:
    """Start a run; returns (run id, warnings about unknown property keys). ``given``:
    the keys the caller chose (default: all), the ones checked against the workflow's
    (``--rerun-from`` adds the outputs of the nodes it reuses)."""
    check_properties(properties)
    workflow = target.glue.workflow(target.workflow, target.settings.target)
    defaults = workflow.get("DefaultRunProperties") or {}
    parameters = target.start_parameters
    if parameters is None:
        parameters = defined_start(target.settings, target.workflow)[1]
    missing = [p for p in parameters if not properties.get(p)]
    if missing:
        passed = " ".join(f"-p {p}=VALUE" for p in missing)
        raise ConfigError(
            f"workflow {target.workflow} needs run propert{'y' if len(missing) == 1 else 'ies'} "
            f"{', '.join(map(repr, missing))} at start (the definition's start_parameters): "
            f"pass {passed}"
        )
    check_uris(defaults, properties)
    check_run_properties(target.settings, target.workflow, defaults, properties)
    known = [*defaults, *parameters]
    warnings, misspelt = [], []
    stale = undeployed_note(target.settings, target.workflow)
    if stale:
        warnings.append(stale)
    chosen = set(properties) if given is None else set(given) & set(properties)
    for key in sorted(chosen - set(known)):
        # the same name in another case is the nearest miss (difflib compares case-aware)
        same = [k for k in known if k.lower() == key.lower()]
        close = same or difflib.get_close_matches(key, known, n=1)
        if close and not key.startswith(SYSTEM_PREFIX):
            misspelt.append((key, close[0]))
            continue
        warnings.append(
            f"run property {key!r} is not one of the workflow's defaults or start parameters"
        )
    if misspelt:  # a property a node reads or writes is no typo (seeding a node's output)
        used = node_properties(target.settings, target.workflow)
        warnings += [
            f"run property {key!r} is not one of the workflow's defaults or start parameters"
            for key, _ in misspelt
            if key in used
        ]
        misspelt = [(key, near) for key, near in misspelt if key not in used]
    if misspelt:
        # A near miss of a property the workflow reads: run as asked, the gate or the job
        # would use the default instead (a model meant to be blocked would deploy).
        refused = "; ".join(
            f"{key!r} (did you mean {near!r}? it would keep "
            + (f"its default {defaults[near]!r})" if near in defaults else "its value unset)")
            for key, near in misspelt
        )
        raise ConfigError(
            f"run propert{'y' if len(misspelt) == 1 else 'ies'} {refused}: not one of the "
            f"workflow's defaults or start parameters; pass the property's own name "
            f"(-p {misspelt[0][1]}=VALUE)"
        )
    try:
        return target.glue.start(target.workflow, properties), warnings
    except ConcurrentRunsExceeded as exc:
        active = active_run_ids(target.glue.runs(target.workflow, 100, graph=False))
        raise ConcurrentRunsExceeded(
            concurrent_runs_message(target.workflow, active, workflow.get("MaxConcurrentRuns"))
        ) from exc


# -- follow --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PollPolicy:
    """Backoff between GetWorkflowRun polls: reset to ``first`` whenever a node changes."""

    first: float = 1.0
    factor: float = 1.5
    cap: float = 15.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)

    @classmethod
    def for_target(cls, settings: Settings) -> PollPolicy:
        return cls(first=0.5, cap=3.0) if settings.is_local else cls(first=2.0, cap=15.0)

    @classmethod
    def for_run(cls, settings: Settings, run_id: str) -> PollPolicy:
        """``for_target``; locally the sleeps also end as the run's executor exits, so
        the follower sees the end of the run at once, not a poll interval later."""
        policy = cls.for_target(settings)
        if not settings.is_local:
            return policy
        from glue_workflow.local.glue.runwatch import RunWaiter, executor_of

        return replace(policy, sleep=RunWaiter(executor_of(settings.home, run_id)))


def follow(
    target: RunTarget,
    run_id: str,
    *,
    timeout: float | None = None,
    poll: PollPolicy | None = None,
    on_update: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Poll GetWorkflowRun until the run ends (or ``timeout`` seconds pass)."""
    poll = poll or PollPolicy.for_run(target.settings, run_id)
    deadline = None if timeout is None else poll.clock() + timeout
    delay = poll.first
    last_seen: tuple[Any, ...] | None = None
    while True:
        run = target.glue.run(target.workflow, run_id)
        if on_update is not None:
            on_update(run)
        if judge(run).finished:
            return run
        seen = (run.get("Status"), tuple((r.name, r.state, r.attempt) for r in node_rows(run)))
        delay = poll.first if seen != last_seen else min(poll.cap, delay * poll.factor)
        last_seen = seen
        if deadline is not None and poll.clock() + delay > deadline:
            raise RunError(
                f"run {run_id} of {target.workflow} still {run.get('Status')} after "
                f"{timeout:g} s; it keeps running: check it with 'glue-wf status {run_id}' "
                f"or stop it with 'glue-wf stop {run_id}'"
            )
        poll.sleep(delay)


# -- status, history -------------------------------------------------------------------------


def latest_run_id(target: RunTarget) -> str:
    """The workflow's last run (GetWorkflow's ``LastRun``; else the newest listed run)."""
    workflow = target.glue.workflow(target.workflow, target.settings.target)
    last = (workflow.get("LastRun") or {}).get("WorkflowRunId")
    if last:
        return str(last)
    runs = target.glue.runs(target.workflow, 1000, graph=False)
    if not runs:
        raise NotFoundError(
            f"workflow {target.workflow} has no runs on target {target.settings.target}: "
            "start one with 'glue-wf run'"
        )
    return str(runs[0]["WorkflowRunId"])


def history(target: RunTarget, limit: int) -> list[dict[str, Any]]:
    try:
        return target.glue.runs(target.workflow, limit, graph=True)
    except ResourceNotFound as exc:
        raise not_deployed(target.workflow, target.settings.target) from exc


# -- stop ----------------------------------------------------------------------------------


def stop(target: RunTarget, run_id: str) -> None:
    """StopWorkflowRun; Glue refuses a run that is not RUNNING: say what state it is in."""
    try:
        target.glue.stop(target.workflow, run_id)
    except RunError as exc:
        if aws_code(exc) != "IllegalWorkflowStateException":
            raise
        status = target.glue.run(target.workflow, run_id).get("Status")
        raise RunStateError(
            f"run {run_id} of workflow {target.workflow!r} is {status}: only a RUNNING run "
            "can be stopped"
        ) from exc


# -- logs ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LogLocation:
    job: str
    job_run_id: str
    path: Path | None = None  # local target: the log file
    log_group: str | None = None  # aws: CloudWatch Logs group prefix
    region: str = ""

    def describe(self) -> str:
        if self.path is not None:
            return str(self.path)
        group = self.log_group or "/aws-glue/jobs"
        return (
            f"job run {self.job_run_id} of {self.job} (CloudWatch Logs, {self.region}):\n"
            f"  output: log group {group}/output, stream {self.job_run_id}\n"
            f"  errors: log group {group}/error, stream {self.job_run_id}\n"
            f"  aws logs tail {group}/output --log-stream-names {self.job_run_id}"
        )


class NodeNotStarted(NotFoundError):
    """The node has no job run in the run (yet, while the run goes on)."""


def log_location(
    target: RunTarget, run_id: str, node: str, attempt: int | None = None
) -> LogLocation:
    """Where a node's job run logs: its last attempt's, or ``attempt``'s (Glue's
    ``Attempt``: 0 is the first run, 1 its first retry)."""
    run = target.glue.run(target.workflow, run_id)
    rows = {r.name: r for r in node_rows(run) if r.type == "JOB"}
    row = find_node(target.workflow, rows, node)
    if row.job_run_id is None:
        raise NodeNotStarted(f"node {row.name} did not run in run {run_id}: no log")
    job_run_id = row.job_run_id
    if attempt is not None:
        runs = {
            int(r.get("Attempt") or 0): str(r["Id"])
            for n in (run.get("Graph") or {}).get("Nodes") or []
            if n.get("Type") == "JOB" and n.get("Name") == row.name
            for r in job_runs_of(n)
        }
        if attempt not in runs:
            raise NotFoundError(
                f"node {row.name} has no attempt {attempt} in run {run_id}: its attempts are "
                f"{', '.join(map(str, sorted(runs)))} (0 is the first run, 1 its first retry)"
            )
        job_run_id = runs[attempt]
    if target.settings.is_local:
        from glue_workflow.local.glue.logs import job_log_path

        return LogLocation(
            job=row.name,
            job_run_id=job_run_id,
            path=job_log_path(target.settings.home, job_run_id),
        )
    group = row.log_group or "/aws-glue/jobs"
    # Glue reports the group prefix; output and error streams live under it.
    group = group.removesuffix("/output").removesuffix("/error")
    return LogLocation(
        job=row.name, job_run_id=job_run_id, log_group=group, region=target.settings.region
    )


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
