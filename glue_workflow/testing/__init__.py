"""Scenario tests of a workflow's branch logic, usable from pytest in any project.

    from glue_workflow.testing import fails, rejects, run_scenario, succeeds
    from triggers.churn_pipeline import workflow

    def test_rejected_model_is_set_aside():
        result = run_scenario(workflow, {"gate": rejects("min_accuracy", "0.71 < 0.9")})
        result.assert_ran("preprocess", "train", "evaluate", "gate", "reject")
        result.assert_verdict("succeeded")

The workflow's real triggers run on the local engine's trigger evaluation with each
node's outcome mocked; nothing is executed (no Spark, no SageMaker).
``glue-wf test FILE`` runs a file's ``test_*`` functions without pytest.
"""

from __future__ import annotations

from glue_workflow.testing.outcomes import (
    Outcome,
    fails,
    rejects,
    stopped,
    succeeds,
    times_out,
)
from glue_workflow.testing.scenario import NodeRun, ScenarioResult, run_scenario

__all__ = [
    "NodeRun",
    "Outcome",
    "ScenarioResult",
    "fails",
    "rejects",
    "run_scenario",
    "stopped",
    "succeeds",
    "times_out",
]
