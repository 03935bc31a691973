"""One reading of a run for every front end: label, summary, resume candidates."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from rungraphs import HAPPY, REJECT_PROPS, REJECTED, WF, run_answer

from glue_workflow.runs.status import run_status


@pytest.mark.parametrize(
    ("states", "status", "props", "label", "candidates"),
    [
        (HAPPY, "COMPLETED", {}, "succeeded", []),
        # The reject branch handled the gate's FAILED: nothing to resume.
        (REJECTED, "COMPLETED", REJECT_PROPS, "rejected", []),
        ({"preprocess": "SUCCEEDED", "train": "TIMEOUT"}, "COMPLETED", {}, "failed", ["train"]),
        # Glue resumes only COMPLETED runs (glue-semantics.md §8).
        ({"preprocess": "SUCCEEDED", "train": "STOPPED"}, "STOPPED", {}, "stopped", []),
        ({"preprocess": "FAILED"}, "ERROR", {}, "error", []),
        ({"preprocess": "RUNNING"}, "RUNNING", {}, "running", []),
    ],
)
def test_label_summary_and_resume_candidates(
    states: dict[str, str], status: str, props: dict[str, str], label: str, candidates: list[str]
) -> None:
    state = run_status(WF, run_answer(states, status=status, properties=props))
    assert state.label == label
    assert state.summary.startswith(label)
    assert [r.name for r in state.resume_candidates] == [f"{WF}-{c}" for c in candidates]
    assert state.live is (status == "RUNNING")
    assert state.node_states[f"{WF}-preprocess"] == states["preprocess"]


def test_a_node_whose_job_was_deleted_names_no_log_and_is_still_resumable(
    tmp_path: Path,
) -> None:
    """ERROR: a trigger tried to start a job deleted since the run began (glue-semantics.md
    §10). It never ran: no log file to point at. It has a run attempt, so a resume after
    the deploy that brings the job back restarts it (``resume`` refuses while it is gone)."""
    from glue_workflow.runs.failure_report import aws_failures, local_failures
    from glue_workflow.runs.resume import resume_candidates

    run = run_answer({"preprocess": "SUCCEEDED", "train": "FAILED", "evaluate": "ERROR"})
    (tmp_path / "jr_train_0.log").write_text("boom\n")
    found = {f.node: f for f in local_failures(run, lambda job_run: tmp_path / f"{job_run}.log")}
    assert found["train"].log_file == str(tmp_path / "jr_train_0.log")
    assert found["evaluate"].log_file is None
    assert len(found["evaluate"].lines()) == 1  # the reason alone: no log line
    on_aws = {f.node: f for f in aws_failures(run, {}, "us-east-1")}
    assert on_aws["train"].log_groups is not None
    assert on_aws["evaluate"].log_groups is None
    assert on_aws["evaluate"].console_url is None
    assert [r.name for r in resume_candidates(run)] == [f"{WF}-train", f"{WF}-evaluate"]


def test_a_selected_node_downstream_of_another_is_named_as_dropped() -> None:
    """Glue drops a selected node downstream of another selected one (glue-semantics.md
    §8): the CLI says it reruns with the other, not that it is a start."""
    from glue_workflow.runs.resume import _dropped, _reachable
    from glue_workflow.runs.run_nodes import node_rows

    run = run_answer({"preprocess": "SUCCEEDED", "train": "FAILED", "evaluate": "FAILED"})
    ids = {n["Name"]: n["UniqueId"] for n in run["Graph"]["Nodes"]}
    chain = [f"{WF}-train", f"{WF}-on-train-succeeded", f"{WF}-evaluate"]
    run["Graph"]["Edges"] = [
        {"SourceId": ids[a], "DestinationId": ids[b]} for a, b in itertools.pairwise(chain)
    ]
    rows = {r.name: r for r in node_rows(run)}
    selected = [rows[f"{WF}-evaluate"], rows[f"{WF}-train"]]
    assert _dropped(selected, _reachable(run)) == ((f"{WF}-evaluate", f"{WF}-train"),)
    assert _dropped([rows[f"{WF}-train"]], _reachable(run)) == ()
