"""Every branch of the shipped churn pipeline, with node outcomes mocked.

Plain zero-argument test functions: pytest runs them, and so does
``glue-wf test tests/scenarios/test_churn_pipeline_scenarios.py``.
"""

from __future__ import annotations

from glue_workflow.testing import fails, rejects, run_scenario, stopped, succeeds, times_out
from triggers.churn_pipeline import workflow

MAIN_LINE = ("preprocess", "train", "evaluate", "gate")


def test_model_accepted_is_registered_and_deployed() -> None:
    result = run_scenario(workflow, {"evaluate": succeeds({"accuracy": "0.95"})})
    assert result.ran == (*MAIN_LINE, "register", "deploy")
    result.assert_not_ran("reject")
    result.assert_verdict("succeeded")
    assert result.properties["accuracy"] == "0.95"
    assert result.verdict.rejections == ()


def test_model_rejected_by_the_gate_is_set_aside_not_deployed() -> None:
    result = run_scenario(workflow, {"gate": rejects("min_accuracy", "accuracy 0.71 < 0.9")})
    assert result.ran == (*MAIN_LINE, "reject")
    result.assert_states(gate="FAILED", reject="SUCCEEDED")
    result.assert_not_ran("register", "deploy")
    # A handled rejection: the run succeeded, and the verdict names the gate.
    result.assert_verdict("succeeded")
    assert [(r.gate, r.reason) for r in result.verdict.rejections] == [
        ("min_accuracy", "accuracy 0.71 < 0.9")
    ]


def test_gate_that_cannot_decide_fails_the_run_even_though_reject_ran() -> None:
    undecided = fails(
        "metric accuracy is missing",
        writes={"gate_min_accuracy_decision": "error", "gate_min_accuracy_reason": "no accuracy"},
    )
    result = run_scenario(workflow, {"gate": undecided})
    result.assert_ran(*MAIN_LINE, "reject")
    result.assert_verdict("failed")


def test_preprocess_failing_stops_the_pipeline() -> None:
    result = run_scenario(workflow, {"preprocess": fails("input has no Churn column")})
    assert result.ran == ("preprocess",)
    result.assert_verdict("failed")
    assert "preprocess" in result.verdict.summary


def test_training_timeout_skips_evaluation() -> None:
    result = run_scenario(workflow, {"train": times_out()})
    assert result.ran == ("preprocess", "train")
    result.assert_states(train="TIMEOUT")
    result.assert_verdict("failed")


def test_evaluation_stopped_is_not_a_rejection() -> None:
    result = run_scenario(workflow, {"evaluate": stopped()})
    assert result.ran == ("preprocess", "train", "evaluate")
    result.assert_not_ran("gate", "reject")
    result.assert_verdict("failed")


def test_register_failing_skips_deploy() -> None:
    result = run_scenario(workflow, {"register": fails("model package group missing")})
    assert result.ran == (*MAIN_LINE, "register")
    result.assert_verdict("failed")


def test_deploy_failing_fails_the_run() -> None:
    result = run_scenario(workflow, {"deploy": fails("endpoint update failed")})
    assert result.ran == (*MAIN_LINE, "register", "deploy")
    result.assert_states(deploy="FAILED")
    result.assert_verdict("failed")


def test_reject_failing_leaves_the_rejection_unhandled() -> None:
    result = run_scenario(
        workflow,
        {"gate": rejects("min_accuracy", "accuracy 0.5 < 0.9"), "reject": fails("s3 denied")},
    )
    result.assert_ran(*MAIN_LINE, "reject")
    result.assert_verdict("failed")


def test_a_failed_attempt_without_retries_fails_the_node() -> None:
    # The churn jobs have max_retries=0: the first failure is final.
    result = run_scenario(workflow, {"train": succeeds(after_failures=1)})
    assert result.nodes["train"].attempts == 1
    result.assert_states(train="FAILED")
    result.assert_not_ran("evaluate")


def test_a_mock_may_write_only_what_its_node_declares() -> None:
    """A typo in a mocked write passed (and the gate 'succeeded' on the default)."""
    import pytest

    from glue_workflow.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        run_scenario(workflow, {"evaluate": succeeds({"acuracy": "0.95"})})
    assert str(refused.value).startswith(
        "scenario mocks node 'evaluate' writing run property 'acuracy', which the node does "
        "not declare (did you mean 'accuracy'?): its job could not write it"
    )
