"""One reading of a run for every front end: label, summary, resume candidates."""

from __future__ import annotations

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
