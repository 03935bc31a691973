"""The verdict of a workflow run: Glue says COMPLETED either way, this says what happened.

Rule (glue-semantics.md §7): a run succeeded iff its status is COMPLETED, no node is
still active, and every job node's last attempt SUCCEEDED or ended in a state that
is *handled*: a conditional trigger of the run's graph watches that job for exactly
that state, fired once the job had ended (not earlier, for another of its conditions),
and its action nodes succeeded (or were handled in turn). A node
never reached is not a failure. STOPPED and ERROR runs are never success. A gate
that rejected a model records ``gate_<name>_decision = rejected`` and
``gate_<name>_reason`` in the run properties; the verdict names it. A gate that could
not decide (metric missing or not a number) records ``error``: that is an evaluation
problem, never a handled rejection, so the run fails even when a branch caught it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from glue_workflow.errors import RunError
from glue_workflow.runs.run_nodes import (
    ACTIVE_STATES,
    FAILED_STATES,
    error_message,
    graph_nodes,
    job_runs_of,
    job_states,
    last_attempt,
    trigger_fired,
    trigger_of,
)

Outcome = Literal["succeeded", "failed", "running", "stopped", "error"]


class RunVerdictError(RunError):
    """A followed run ended without success (or, on request, with a handled rejection)."""


@dataclass(frozen=True, kw_only=True)
class NodeOutcome:
    job: str
    state: str
    error_message: str | None = None
    handled_by: str | None = None  # the trigger whose branch handled it

    def describe(self) -> str:
        text = f"{self.job} {self.state}"
        if self.handled_by:
            return f"{text} (handled by {self.handled_by})"
        if self.error_message:
            return f"{text}: {_one_line(self.error_message)}"
        return text


@dataclass(frozen=True, kw_only=True)
class Rejection:
    gate: str  # the decision's name (a gate's decision=, a drift check's)
    reason: str
    node: str | None = None  # the job that recorded it, when the run says so


@dataclass(frozen=True, kw_only=True)
class Verdict:
    outcome: Outcome
    summary: str
    unhandled: tuple[NodeOutcome, ...] = ()
    handled: tuple[NodeOutcome, ...] = ()
    rejections: tuple[Rejection, ...] = ()

    @property
    def finished(self) -> bool:
        return self.outcome != "running"

    @property
    def label(self) -> str:
        """What run lists show: the outcome, or ``rejected`` when a gate rejected the model
        (the run itself succeeded: the rejection branch handled it)."""
        return "rejected" if self.outcome == "succeeded" and self.rejections else self.outcome

    @property
    def short_summary(self) -> str:
        """The summary led by the label (``rejected — model rejected by gate ...``)."""
        if self.label == self.outcome:
            return self.summary
        return self.label + self.summary.removeprefix(self.outcome)

    def exit_code(self, *, fail_on_rejection: bool = False) -> int:
        """0 when nothing is unhandled (and, with the flag, nothing was rejected)."""
        if self.outcome != "succeeded":
            return 1
        if fail_on_rejection and (self.handled or self.rejections):
            return 1
        return 0

    def to_json(self) -> dict[str, Any]:
        return {
            "Outcome": self.outcome,
            "Label": self.label,
            # led by the label, as the document's own "Verdict" (not "succeeded — model
            # rejected ..." beside "rejected — model rejected ...")
            "Summary": self.short_summary,
            "Unhandled": [_node_json(n) for n in self.unhandled],
            "Handled": [_node_json(n) for n in self.handled],
            "Rejections": [{"Gate": r.gate, "Reason": r.reason} for r in self.rejections],
        }


def _node_json(node: NodeOutcome) -> dict[str, Any]:
    return {
        "Job": node.job,
        "State": node.state,
        "ErrorMessage": node.error_message,
        "HandledBy": node.handled_by,
    }


def _one_line(text: str, limit: int = 200) -> str:
    """One line of at most ``limit`` characters, cut between words."""
    line = " ".join(str(text).split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 3]
    word = cut.rsplit(" ", 1)[0] if " " in cut else cut
    # between words, unless that drops much of the line (a long value names its property)
    return (word if len(word) >= len(cut) - 40 else cut) + "..."


# How a gate's and a drift check's failure reason names its decision
# (glue_workflow/scripts/gate.py, jobkit.drift): "gate <decision>: ...".
_CHECK_LABELS = {"gate": "gate", "drift": "drift check"}


def _recorded_by(node: NodeOutcome, kind: str, name: str) -> bool:
    return f"{_CHECK_LABELS[kind]} {name}: " in (node.error_message or "")


def _decided_by(
    node: NodeOutcome, gates: Sequence[Rejection], drift_checks: Sequence[Rejection]
) -> bool:
    return any(_recorded_by(node, "gate", g.gate) for g in gates) or any(
        _recorded_by(node, "drift", d.gate) for d in drift_checks
    )


def _with_nodes(
    found: tuple[Rejection, ...], nodes: Sequence[NodeOutcome], kind: str
) -> tuple[Rejection, ...]:
    """``found`` with the job that recorded each decision (its failure reason names it)."""
    return tuple(
        replace(r, node=next((n.job for n in nodes if _recorded_by(n, kind, r.gate)), None))
        for r in found
    )


def rejections(
    properties: Mapping[str, str], decision: str = "rejected", kind: str = "gate"
) -> tuple[Rejection, ...]:
    """Gates (``kind="drift"``: drift checks) whose recorded decision is ``decision``
    (``rejected``/``drifted`` or ``error``)."""
    found = []
    prefix = f"{kind}_"
    for key, value in sorted(properties.items()):
        if key.startswith(prefix) and key.endswith("_decision") and value == decision:
            name = key[len(prefix) : -len("_decision")]
            reason = properties.get(f"{prefix}{name}_reason", "")
            found.append(Rejection(gate=name, reason=reason))
    return tuple(found)


def judge(run: Mapping[str, Any]) -> Verdict:
    """The verdict of one ``WorkflowRun`` (as GetWorkflowRun(IncludeGraph=True) returns).

    A COMPLETED run carrying an ``ErrorMessage`` was completed for its executor, which
    died (the local engine's recovery; Glue sets one only on ERROR runs): whatever its
    nodes say (none may have started), it did not succeed."""
    verdict = _judge(run)
    error = run.get("ErrorMessage")
    if run.get("Status") == "COMPLETED" and error and verdict.outcome == "succeeded":
        return replace(verdict, outcome="failed", summary=f"failed — {_one_line(str(error))}")
    return verdict


def _judge(run: Mapping[str, Any]) -> Verdict:
    status = str(run.get("Status", ""))
    properties = dict(run.get("WorkflowRunProperties") or {})
    rejected = rejections(properties)
    if status in ("RUNNING", "STOPPING"):
        return Verdict(outcome="running", summary=status.lower(), rejections=rejected)
    if status == "STOPPED":
        return Verdict(outcome="stopped", summary="stopped before completing", rejections=rejected)
    if status == "ERROR":
        message = _one_line(run.get("ErrorMessage") or "no error message")
        return Verdict(outcome="error", summary=f"error — {message}", rejections=rejected)
    if status != "COMPLETED":
        return Verdict(outcome="error", summary=f"unknown run status {status!r}")
    if not graph_nodes(run):
        return _judge_statistics(run, rejected)

    states = job_states(run)
    active = sorted(job for job, state in states.items() if state in ACTIVE_STATES)
    handled: list[NodeOutcome] = []
    unhandled: list[NodeOutcome] = []
    errors = _error_messages(run)
    for job, state in sorted(states.items()):
        if state not in FAILED_STATES:
            continue
        by = _handler(run, job, state, states, frozenset())
        outcome = NodeOutcome(job=job, state=state, error_message=errors.get(job), handled_by=by)
        (handled if by else unhandled).append(outcome)
    if active:
        return Verdict(
            outcome="failed",
            summary=f"failed — run COMPLETED while {', '.join(active)} still active",
            unhandled=tuple(unhandled),
            handled=tuple(handled),
            rejections=rejected,
        )
    undecided = rejections(properties, "error")
    # A drift check that could not compare (input unusable) is a failure, like a gate error.
    undecided_drift = rejections(properties, "error", kind="drift")
    rejected = _with_nodes(rejected, handled + unhandled, "gate")
    # A gate or drift check that ended in an error failed the run even when a branch
    # took its FAILED state: its node is unhandled (a resume restarts it, a notification
    # names it); the summary says it once, as the check that could not decide.
    said = list(unhandled)
    errors_of = {n.job: n for n in handled if _decided_by(n, undecided, undecided_drift)}
    handled = [n for n in handled if n.job not in errors_of]
    unhandled += [replace(n, handled_by=None) for n in errors_of.values()]
    if unhandled or undecided or undecided_drift:
        summary = "failed — " + "; ".join(
            [node.describe() for node in said]
            + [f"gate {g.gate} could not decide ({_one_line(g.reason)})" for g in undecided]
            + [
                f"drift check {d.gate} could not compare ({_one_line(d.reason)})"
                for d in undecided_drift
            ]
        )
        return Verdict(
            outcome="failed",
            summary=summary,
            unhandled=tuple(unhandled),
            handled=tuple(handled),
            rejections=rejected,
        )
    parts = [
        f"model rejected by gate {r.gate}"
        # the gate's reason leads with its own "rejected: " (jobkit.gate): said once
        + (f" ({_one_line(r.reason).removeprefix('rejected: ')})" if r.reason else "")
        for r in rejected
    ]
    drifted = rejections(properties, "drifted", kind="drift")
    parts += [
        f"data drift found by {d.gate}" + (f" ({_one_line(d.reason)})" if d.reason else "")
        for d in drifted
    ]
    if handled and not rejected and not drifted:
        parts += [f"{n.job} {n.state} handled by {n.handled_by}" for n in handled]
    if properties.get("deploy_status") == "awaiting_approval":
        # Registered as PendingManualApproval: nothing was deployed yet; say where to approve.
        package = properties.get("model_package_arn") or "unknown"
        parts.append(f"model registered, awaiting approval (package {package})")
    elif properties.get("deploy_status") == "package_rejected":
        package = properties.get("model_package_arn") or "unknown"
        parts.append(f"model package rejected in the registry, nothing deployed ({package})")
    summary = "succeeded" + (" — " + "; ".join(parts) if parts else "")
    return Verdict(
        outcome="succeeded", summary=summary, handled=tuple(handled), rejections=rejected
    )


def _error_messages(run: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in graph_nodes(run):
        if node.get("Type") == "JOB":
            last = last_attempt(job_runs_of(node))
            message = None if last is None else error_message(run, str(node.get("Name")), last)
            if message:
                found[str(node.get("Name"))] = message
    return found


def _handler(
    run: Mapping[str, Any],
    job: str,
    state: str,
    states: Mapping[str, str | None],
    seen: frozenset[str],
) -> str | None:
    """The trigger that handled ``job`` ending in ``state``, or None."""
    if job in seen:
        return None
    for node in graph_nodes(run):
        if node.get("Type") != "TRIGGER":
            continue
        trigger = trigger_of(node)
        conditions = (trigger.get("Predicate") or {}).get("Conditions") or []
        watches = any(c.get("JobName") == job and c.get("State") == state for c in conditions)
        if not watches or not trigger_fired(run, trigger) or not _fired_for(run, job, trigger):
            continue
        branch = [a.get("JobName") for a in trigger.get("Actions") or [] if a.get("JobName")]
        if all(_ok(run, str(b), states, seen | {job}) for b in branch):
            return str(trigger.get("Name"))
    return None


def _fired_for(run: Mapping[str, Any], job: str, trigger: Mapping[str, Any]) -> bool:
    """Whether ``trigger`` started its actions once ``job`` had ended: a trigger fires at
    most once a run, an ANY trigger on the first condition met, so a job that ended after
    its actions started was handled by nothing (``a | failed(b)`` fired for ``a``)."""
    runs = {str(n.get("Name")): job_runs_of(n) for n in graph_nodes(run) if n.get("Type") == "JOB"}
    last = last_attempt(runs.get(job) or [])
    ended = None if last is None else last.get("CompletedOn")
    name = trigger.get("Name")
    starts = [
        r["StartedOn"]
        for action in trigger.get("Actions") or []
        for r in runs.get(str(action.get("JobName")), [])
        if r.get("StartedOn") is not None and r.get("TriggerName") in (None, name)
    ]
    if ended is None or not starts:
        return True  # no times to compare: the trigger's state alone decides
    return bool(min(starts) >= ended)


def _ok(
    run: Mapping[str, Any], job: str, states: Mapping[str, str | None], seen: frozenset[str]
) -> bool:
    state = states.get(job)
    if state == "SUCCEEDED":
        return True
    if state in FAILED_STATES:
        return _handler(run, job, str(state), states, seen) is not None
    return False


def _judge_statistics(run: Mapping[str, Any], rejected: tuple[Rejection, ...]) -> Verdict:
    """No graph in the answer: judge from the counters (cannot see handled branches)."""
    stats = run.get("Statistics") or {}
    bad = sum(
        int(stats.get(k) or 0)
        for k in ("FailedActions", "TimeoutActions", "StoppedActions", "ErroredActions")
    )
    if bad:
        return Verdict(
            outcome="failed",
            summary=f"failed — {bad} node(s) did not succeed (no run graph to tell handled "
            "branches from failures)",
            rejections=rejected,
        )
    return Verdict(outcome="succeeded", summary="succeeded", rejections=rejected)
