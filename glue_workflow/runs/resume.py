"""Resume a run (ResumeWorkflowRun): which nodes a resume restarts, and the call itself.

One rule for every front end (``glue-wf status``/``resume`` and the console): only a
COMPLETED run can be resumed (glue-semantics.md §8; a STOPPED or ERROR run cannot),
and by default a resume restarts the job nodes whose last attempt failed, timed out
or stopped *and no branch handled*. A gate that rejected the model ended FAILED, but
its rejection branch handled it: the run succeeded, so there is nothing to resume.
Named nodes may be any job node that ran, handled or not.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from glue_workflow.errors import NotFoundError, RunError
from glue_workflow.model.notify import NOTIFIER_NODE
from glue_workflow.naming import job_name
from glue_workflow.runs.run_nodes import FAILED_STATES, NodeRow, node_rows
from glue_workflow.runs.verdict import Verdict, judge

if TYPE_CHECKING:
    from glue_workflow.runs.control import RunTarget


class RunStateError(RunError):
    """The run is in a state that does not allow the action (Glue's IllegalWorkflowState)."""


class NothingToResume(RunStateError):
    """A resume without named nodes, of a run with no unhandled failure."""


@dataclass(frozen=True, kw_only=True)
class Resumed:
    run_id: str
    selected: tuple[str, ...]  # the job nodes asked for
    restarted: tuple[str, ...]  # what Glue reports as restarted
    selected_ids: tuple[str, ...] = ()  # their graph node ids (UniqueId)
    restarted_ids: tuple[str, ...] = ()
    # selected nodes downstream of another selected one: Glue drops them (they rerun with
    # it; glue-semantics.md §8), by name -> the selected node they follow
    dropped: tuple[tuple[str, str], ...] = ()


def job_rows(run: Mapping[str, Any]) -> list[NodeRow]:
    return [r for r in node_rows(run) if r.type == "JOB"]


def resume_candidates(
    run: Mapping[str, Any], verdict: Verdict | None = None
) -> tuple[NodeRow, ...]:
    """The job nodes a resume of ``run`` restarts by default (none unless COMPLETED);
    ``verdict``: ``judge(run)`` when the caller has it."""
    if run.get("Status") != "COMPLETED":
        return ()
    unhandled = {n.job for n in (verdict or judge(run)).unhandled}
    # ERROR (its job was deleted during the run) too: a deploy since brought the job
    # back, or ``resume`` says it is gone and to start a new run
    return tuple(r for r in job_rows(run) if r.state in FAILED_STATES and r.name in unhandled)


def check_resumable(workflow: str, run: Mapping[str, Any]) -> None:
    """Refuse, saying what to do instead, unless ``run`` is COMPLETED."""
    run_id = run.get("WorkflowRunId")
    status = run.get("Status")
    if status == "COMPLETED":
        return
    head = f"run {run_id} of workflow {workflow!r} is {status}: only a COMPLETED run can be resumed"
    if status in ("RUNNING", "STOPPING"):
        raise RunStateError(
            f"{head}; wait for it to finish (glue-wf status {run_id} --wait) or stop it "
            f"(glue-wf stop {run_id})"
        )
    raise RunStateError(f"{head}; start a new run instead (glue-wf run)")


def select_nodes(workflow: str, run: Mapping[str, Any], nodes: Sequence[str]) -> list[NodeRow]:
    """The job nodes to resume: ``nodes`` (ids, job or node names), else the candidates."""
    check_resumable(workflow, run)
    run_id = run.get("WorkflowRunId")
    rows = job_rows(run)
    if not nodes:
        selected = list(resume_candidates(run))
        if not selected:
            raise NothingToResume(
                f"run {run_id} of workflow {workflow!r} has no failed, timed-out or stopped "
                "job node left unhandled to resume from; to rerun nodes anyway, name them "
                "(glue-wf resume --node NAME, or a node's 'Resume from this node' in the console)"
            )
        return selected
    by_id = {r.unique_id: r for r in rows}
    selected = [by_id.get(n) or find_node(workflow, {r.name: r for r in rows}, n) for n in nodes]
    missing = [r.name for r in selected if r.state is None]
    if missing:
        raise RunStateError(
            f"cannot resume run {run_id} from {', '.join(missing)}: never ran in that run "
            "(Glue resumes only nodes with a run attempt)"
        )
    return selected


def find_node(workflow: str, by_name: Mapping[str, NodeRow], name: str) -> NodeRow:
    """A job node by job name or node name (the job name without ``<workflow>-``)."""
    for candidate in (name, f"{workflow}-{name}"):
        if candidate in by_name:
            return by_name[candidate]
    short = {job.removeprefix(f"{workflow}-"): job for job in by_name}
    close = difflib.get_close_matches(name, [*short, *by_name], n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise NotFoundError(
        f"no job node {name!r} in this run: {hint}job nodes: {', '.join(sorted(by_name))}"
    )


def resume(target: RunTarget, run_id: str, nodes: Sequence[str]) -> Resumed:
    """ResumeWorkflowRun from ``nodes`` (see ``select_nodes``)."""
    from glue_workflow.runs.control import active_run_ids, concurrent_runs_message
    from glue_workflow.runs.glue_run_calls import ConcurrentRunsExceeded

    run = target.glue.run(target.workflow, run_id)
    selected = select_nodes(target.workflow, run, nodes)
    # The run resumes on its own graph: a job a deploy removed (or renamed) since would
    # be started and fail, and no deploy brings it back.
    rows = job_rows(run)
    in_graph = [r.name for r in rows]
    gone = sorted(set(in_graph) - set(target.glue.jobs(in_graph)))
    if gone:
        raise RunStateError(
            f"cannot resume run {run_id}: its graph holds job(s) {', '.join(gone)} that no "
            "longer exist (removed or renamed by a deploy since the run), and a resume runs "
            "the run's own graph; start a new run instead (glue-wf run)"
        )
    # The verdict notifier (notify=) is a root node that published the original run's
    # verdict and settled: restarted with the rest, it publishes the resumed run's.
    notifier = [
        r
        for r in rows
        if r.name == job_name(target.workflow, NOTIFIER_NODE)
        and r.state is not None
        and r not in selected
    ]
    try:
        new_id, restarted_ids = target.glue.resume(
            target.workflow, run_id, [r.unique_id for r in (*selected, *notifier)]
        )
    except ConcurrentRunsExceeded as exc:
        active = active_run_ids(target.glue.runs(target.workflow, 100, graph=False))
        raise ConcurrentRunsExceeded(concurrent_runs_message(target.workflow, active)) from exc
    names_by_id = {r.unique_id: r.name for r in rows}
    dropped = _dropped(selected, _reachable(run))
    return Resumed(
        run_id=new_id,
        selected=tuple(r.name for r in selected),
        restarted=tuple(names_by_id.get(i, i) for i in restarted_ids),
        selected_ids=tuple(r.unique_id for r in selected),
        restarted_ids=tuple(restarted_ids),
        dropped=dropped,
    )


def _dropped(
    selected: Sequence[NodeRow], below: Mapping[str, set[str]]
) -> tuple[tuple[str, str], ...]:
    """(node, the selected node it is downstream of) for each selected node Glue drops."""
    out = []
    for row in selected:
        above = next((o for o in selected if row.unique_id in below.get(o.unique_id, set())), None)
        if above is not None:
            out.append((row.name, above.name))
    return tuple(out)


def _reachable(run: Mapping[str, Any]) -> dict[str, set[str]]:
    """Each graph node's id -> the ids downstream of it (the run graph's edges)."""
    edges: dict[str, list[str]] = {}
    for edge in (run.get("Graph") or {}).get("Edges") or []:
        edges.setdefault(str(edge.get("SourceId")), []).append(str(edge.get("DestinationId")))
    found: dict[str, set[str]] = {}
    for start in list(edges):
        seen: set[str] = set()
        todo = list(edges.get(start, []))
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo += edges.get(node, [])
        found[start] = seen
    return found
