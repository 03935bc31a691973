"""A run as every front end reports it: status, verdict, node states, what resume restarts.

``glue-wf status`` and the console's run page both read a run through ``run_status``,
so they cannot disagree on the verdict (``rejected`` when a gate rejected the model),
on a node's state, or on what "resume" would restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glue_workflow.runs.resume import resume_candidates
from glue_workflow.runs.run_nodes import NodeRow, node_rows
from glue_workflow.runs.verdict import Verdict, judge


@dataclass(frozen=True, kw_only=True)
class RunStatus:
    workflow: str
    run_id: str
    status: str
    verdict: Verdict
    nodes: tuple[NodeRow, ...]
    resume_candidates: tuple[NodeRow, ...]  # restarted by a resume without named nodes

    @property
    def label(self) -> str:
        """``succeeded``, ``rejected``, ``failed``, ``running``, ``stopped`` or ``error``."""
        return self.verdict.label

    @property
    def summary(self) -> str:
        """The verdict led by its label (``rejected — model rejected by gate ...``)."""
        return self.verdict.short_summary

    @property
    def live(self) -> bool:
        return self.status in ("RUNNING", "STOPPING")

    @property
    def node_states(self) -> dict[str, str | None]:
        """Node name -> state (job: its last attempt's; trigger: FIRED/NOT_FIRED/WAITING)."""
        return {row.name: row.state for row in self.nodes}


def run_status(workflow: str, run: Mapping[str, Any]) -> RunStatus:
    """``run``: a GetWorkflowRun(IncludeGraph=True) answer, with fresh run properties."""
    verdict = judge(run)
    return RunStatus(
        workflow=workflow,
        run_id=str(run.get("WorkflowRunId")),
        status=str(run.get("Status")),
        verdict=verdict,
        nodes=tuple(node_rows(run)),
        resume_candidates=resume_candidates(run, verdict),
    )
