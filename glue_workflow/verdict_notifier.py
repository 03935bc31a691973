"""The verdict notifier's work: wait until its run settles, judge it, publish the message.

Runs inside the packaged notifier job (``glue_workflow/scripts/notify.py``) on Glue's
Python shell 3.9 and on the local target. The verdict is the one ``glue-wf status``
gives (``glue_workflow.runs.verdict``, shipped in the job library wheel for this).

"Settled" means, in the run graph without the notifier's own node: no job active, no
failed attempt with a retry still to come (``MaxRetries``), and no trigger whose
predicate already holds but has not started its actions yet (Glue fires a trigger a
few seconds after its condition holds). Python 3.9 compatible.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from glue_workflow.jobkit.errors import JobFailed

EVENT_SOURCE = "glue-wf"
EVENT_DETAIL_TYPE = "Glue-wf Workflow Run Verdict"
ACTIVE = ("STARTING", "RUNNING", "STOPPING", "WAITING")
RETRYABLE = ("FAILED", "TIMEOUT", "ERROR")
CONFIRM_SECONDS = 3.0  # settled on one read: read once more this much later
SUBJECT_MAX = 100  # SNS Publish: Subject under 100 characters, no line breaks
NO_KW_ONLY = sys.version_info[:2] < (3, 10)  # dataclass(kw_only=...) is Python 3.10+


@contextlib.contextmanager
def _py39_dataclasses() -> Iterator[None]:
    """Import the shared verdict modules on Python 3.9, which lacks ``kw_only``.

    Their dataclasses declare keyword-only fields in an order plain dataclasses
    accept too, so dropping the flag while they are imported keeps their behaviour.
    """
    if not NO_KW_ONLY:
        yield
        return
    original = dataclasses.dataclass

    def compat(cls: Any = None, /, **kwargs: Any) -> Any:
        kwargs.pop("kw_only", None)
        return original(cls, **kwargs) if cls is not None else original(**kwargs)

    dataclasses.dataclass = compat
    try:
        yield
    finally:
        dataclasses.dataclass = original


def _verdict_module() -> Any:
    with _py39_dataclasses():
        from glue_workflow.runs import run_nodes as graph
        from glue_workflow.runs import verdict
    return verdict, graph


def _nodes(run: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list((run.get("Graph") or {}).get("Nodes") or [])


def without_job(run: Mapping[str, Any], job: str) -> dict[str, Any]:
    """``run`` with the graph node of ``job`` (the notifier) and its edges removed."""
    nodes = _nodes(run)
    dropped = {n.get("UniqueId") for n in nodes if n.get("Type") == "JOB" and n.get("Name") == job}
    graph = dict(run.get("Graph") or {})
    graph["Nodes"] = [n for n in nodes if n.get("UniqueId") not in dropped]
    graph["Edges"] = [
        e
        for e in graph.get("Edges") or []
        if e.get("SourceId") not in dropped and e.get("DestinationId") not in dropped
    ]
    return {**run, "Graph": graph}


def pending(run: Mapping[str, Any], retries: Mapping[str, int]) -> str | None:
    """What the run still waits for (``None`` when settled). ``run`` excludes the notifier."""
    _, graph = _verdict_module()
    if not _nodes(run):
        return "the run graph (GetWorkflowRun returned no Graph)"
    states: dict[str, str | None] = {}
    for node in _nodes(run):
        if node.get("Type") != "JOB":
            continue
        name = str(node.get("Name"))
        last = graph.last_attempt(graph.job_runs_of(node))
        state = None if last is None else str(last.get("JobRunState"))
        if state in ACTIVE:
            return f"job {name} ({state})"
        attempt = int((last or {}).get("Attempt") or 0)
        if state in RETRYABLE and attempt < int(retries.get(name, 0)):
            return f"job {name} (retry {attempt + 1} of {retries[name]})"
        states[name] = state
    for node in _nodes(run):
        if node.get("Type") != "TRIGGER":
            continue
        trigger = graph.trigger_of(node)
        predicate = trigger.get("Predicate") or {}
        conditions = predicate.get("Conditions") or []
        if trigger.get("Type") != "CONDITIONAL" or not conditions:
            continue
        held = [states.get(str(c.get("JobName"))) == c.get("State") for c in conditions]
        fires = any(held) if predicate.get("Logical") == "ANY" else all(held)
        if fires and not graph.trigger_fired(run, trigger):
            return f"trigger {trigger.get('Name')} to start its actions"
    return None


def wait_settled(
    read: Callable[[], Mapping[str, Any]],
    own_job: str,
    retries: Mapping[str, int],
    *,
    poll_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Poll ``read()`` (GetWorkflowRun with its graph) until the run settles.

    Reads back off from 1 s to ``poll_seconds``. Settled must be seen on two reads in
    a row (the second ``CONFIRM_SECONDS`` later): a new job run can appear between two
    reads of a graph that momentarily shows nothing active.
    """
    last_wait = ""
    calm = False
    delay = 1.0  # short runs (and the local target) settle fast: back off to poll_seconds
    while True:
        run = without_job(read(), own_job)
        if run.get("Status") in ("STOPPING", "STOPPED"):
            return run
        waiting = pending(run, retries)
        if waiting is None and calm:
            return run
        calm = waiting is None
        if waiting is not None and waiting != last_wait:
            log(f"notifier: waiting for {waiting}")
            last_wait = waiting
        sleep(min(poll_seconds, CONFIRM_SECONDS) if calm else delay)
        delay = min(poll_seconds, delay * 2)


def verdict_label(verdict: Any, properties: Mapping[str, str]) -> str:
    """The verdict a message carries: the run list's label, or ``awaiting_approval``
    when a succeeded run registered a model that waits for manual approval."""
    label = str(verdict.label)
    if label == "succeeded" and properties.get("deploy_status") == "awaiting_approval":
        return "awaiting_approval"
    return label


def build_message(run: Mapping[str, Any], workflow: str, console_url: str) -> dict[str, Any]:
    """The notification (EventBridge ``detail``, SNS message) for a settled run."""
    verdict_module, _ = _verdict_module()
    status = str(run.get("Status") or "RUNNING")
    # The run is still RUNNING while the notifier runs: judge it as the COMPLETED run it
    # becomes; a run being stopped is judged as stopped.
    final = {"RUNNING": "COMPLETED", "STOPPING": "STOPPED"}.get(status, status)
    judged = verdict_module.judge({**run, "Status": final})
    properties = dict(run.get("WorkflowRunProperties") or {})
    failed_node = reason = None

    def node_of(job: str) -> str:
        return job[len(workflow) + 1 :] if job.startswith(f"{workflow}-") else job

    if judged.unhandled:
        failed_node = node_of(str(judged.unhandled[0].job))
        reason = judged.unhandled[0].error_message or judged.unhandled[0].state
    elif judged.rejections:
        first = judged.rejections[0]
        # the gate's node (its decision= may name it otherwise)
        failed_node = node_of(first.node) if first.node else first.gate
        reason = first.reason
    elif judged.outcome != "succeeded":
        reason = judged.summary
    run_id = str(run.get("WorkflowRunId") or "")
    started = run.get("StartedOn")
    return {
        "workflow": workflow,
        "runId": run_id,
        "verdict": verdict_label(judged, properties),
        "summary": judged.short_summary,
        "failedNode": failed_node,
        "reason": reason,
        "consoleUrl": console_url.replace("{run_id}", quote(run_id, safe="")),
        "startedOn": started.isoformat() if started is not None else None,
    }


def subject(message: Mapping[str, Any]) -> str:
    text = "glue-wf {} run {}: {}".format(message["workflow"], message["runId"], message["verdict"])
    text = " ".join(text.split())
    return text if len(text) < SUBJECT_MAX else text[: SUBJECT_MAX - 4] + "..."


def publish(
    message: Mapping[str, Any], targets: Sequence[Mapping[str, Any]], client: Callable[[str], Any]
) -> list[str]:
    """Send ``message`` to every target whose ``on`` lists its verdict; returns where."""
    sent: list[str] = []
    body = json.dumps(message, sort_keys=True)
    for target in targets:
        if message["verdict"] not in (target.get("on") or ()):
            continue
        if target.get("type") == "eventbridge":
            bus = str(target.get("bus") or "default")
            entry = {
                "Source": EVENT_SOURCE,
                "DetailType": EVENT_DETAIL_TYPE,
                "Detail": body,
                "EventBusName": bus,
            }
            answer = client("events").put_events(Entries=[entry])
            if int(answer.get("FailedEntryCount") or 0):
                failed = (answer.get("Entries") or [{}])[0]
                raise JobFailed(
                    "EventBridge refused the verdict event on bus {}: {} {}".format(
                        bus, failed.get("ErrorCode"), failed.get("ErrorMessage")
                    )
                )
            sent.append(f"eventbridge:{bus}")
        elif target.get("type") == "sns":
            topic = str(target.get("topic_arn") or "")
            if not topic:
                raise JobFailed("ToSns(): no topic ARN reached the notifier (--notify_topic_arn)")
            client("sns").publish(
                TopicArn=topic,
                Subject=subject(message),
                Message=body,
                MessageAttributes={
                    "workflow": {"DataType": "String", "StringValue": str(message["workflow"])},
                    "verdict": {"DataType": "String", "StringValue": str(message["verdict"])},
                },
            )
            sent.append(f"sns:{topic}")
        else:
            raise JobFailed(f"unknown notification target {target!r}")
    return sent
