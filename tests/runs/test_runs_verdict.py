"""The run verdict on synthetic GetWorkflowRun graphs (COMPLETED is not success)."""

from __future__ import annotations

from rungraphs import HAPPY, REJECT_PROPS, REJECTED, WF, run_answer

from glue_workflow.runs.run_nodes import node_rows
from glue_workflow.runs.verdict import judge


def test_all_succeeded_with_reject_branch_never_reached() -> None:
    verdict = judge(run_answer(HAPPY))
    assert (verdict.outcome, verdict.summary) == ("succeeded", "succeeded")
    assert verdict.exit_code() == 0
    assert verdict.exit_code(fail_on_rejection=True) == 0


def test_gate_rejection_is_handled_and_named() -> None:
    verdict = judge(run_answer(REJECTED, properties=REJECT_PROPS))
    assert verdict.outcome == "succeeded"
    assert verdict.summary == (
        "succeeded — model rejected by gate min_accuracy (accuracy 0.8123 < min_accuracy 0.9)"
    )
    assert [(n.job, n.handled_by) for n in verdict.handled] == [
        (f"{WF}-gate", f"{WF}-on-gate-failed")
    ]
    assert verdict.exit_code() == 0
    assert verdict.exit_code(fail_on_rejection=True) == 1
    # Run lists and the console say "rejected", not a plain "succeeded".
    assert verdict.label == "rejected"
    assert verdict.short_summary == (
        "rejected — model rejected by gate min_accuracy (accuracy 0.8123 < min_accuracy 0.9)"
    )
    assert judge(run_answer(HAPPY)).label == "succeeded"


def test_the_gates_own_rejected_prefix_is_said_once() -> None:
    props = {
        "gate_min_accuracy_decision": "rejected",
        "gate_min_accuracy_reason": "rejected: accuracy = 0.95 fails accuracy >= min_accuracy",
    }
    verdict = judge(run_answer(REJECTED, properties=props))
    assert verdict.short_summary == (
        "rejected — model rejected by gate min_accuracy (accuracy = 0.95 fails accuracy >= "
        "min_accuracy)"
    )


def test_handled_failure_without_gate_properties_names_the_branch() -> None:
    verdict = judge(run_answer(REJECTED))
    assert verdict.summary == (f"succeeded — {WF}-gate FAILED handled by {WF}-on-gate-failed")


def test_gate_that_could_not_decide_fails_the_run_even_when_branch_ran() -> None:
    props = {
        "gate_min_accuracy_decision": "error",
        "gate_min_accuracy_reason": "run property 'accuracy' is missing",
    }
    verdict = judge(run_answer(REJECTED, properties=props))
    assert verdict.outcome == "failed"
    assert verdict.summary == (
        "failed — gate min_accuracy could not decide (run property 'accuracy' is missing)"
    )
    assert verdict.exit_code() == 1


def test_drift_check_that_could_not_compare_fails_the_run_even_when_branch_ran() -> None:
    props = {"drift_batch_decision": "error", "drift_batch_reason": "batch has no rows"}
    verdict = judge(run_answer(REJECTED, properties=props))
    assert verdict.outcome == "failed"
    assert verdict.summary == "failed — drift check batch could not compare (batch has no rows)"


def test_a_check_that_errored_is_unhandled_though_its_failed_branch_ran() -> None:
    """A gate error (or a drift check that could not compare) failed the run: its node
    is what a resume restarts and a notification names, not a handled failure."""
    from glue_workflow.runs.resume import resume_candidates

    props = {
        "gate_min_accuracy_decision": "error",
        "gate_min_accuracy_reason": "metric 'accuracy' is missing",
        "glue_wf_error_gate": "glue-wf job input error: gate min_accuracy: evaluation "
        "error: metric 'accuracy' is missing",
    }
    run = run_answer(REJECTED, properties=props)
    verdict = judge(run)
    assert verdict.outcome == "failed"
    assert verdict.summary == (
        "failed — gate min_accuracy could not decide (metric 'accuracy' is missing)"
    )
    assert [(n.job, n.handled_by) for n in verdict.unhandled] == [(f"{WF}-gate", None)]
    assert verdict.handled == ()
    assert [r.name for r in resume_candidates(run)] == [f"{WF}-gate"]


def test_a_rejection_names_the_gate_node_that_recorded_it() -> None:
    props = {
        **REJECT_PROPS,
        "glue_wf_error_gate": "glue-wf job failed: gate min_accuracy: rejected: accuracy",
    }
    (rejection,) = judge(run_answer(REJECTED, properties=props)).rejections
    assert (rejection.gate, rejection.node) == ("min_accuracy", f"{WF}-gate")


def test_drift_found_and_handled_is_named_in_the_verdict() -> None:
    props = {"drift_batch_decision": "drifted", "drift_batch_reason": "PSI 0.41 on State"}
    verdict = judge(run_answer(REJECTED, properties=props))
    assert verdict.outcome == "succeeded"
    assert verdict.summary == "succeeded — data drift found by batch (PSI 0.41 on State)"


def test_failed_reject_branch_makes_the_gate_failure_unhandled() -> None:
    verdict = judge(run_answer({**REJECTED, "reject": "FAILED"}, properties=REJECT_PROPS))
    assert verdict.outcome == "failed"
    assert verdict.summary == f"failed — {WF}-gate FAILED: boom; {WF}-reject FAILED: boom"
    assert verdict.exit_code() == 1


def test_evaluation_crash_is_an_unhandled_failure_and_later_nodes_never_ran() -> None:
    states = {"preprocess": "SUCCEEDED", "train": "SUCCEEDED", "evaluate": "FAILED"}
    verdict = judge(run_answer(states))
    assert verdict.outcome == "failed"
    assert verdict.summary == f"failed — {WF}-evaluate FAILED: boom"
    assert [n.job for n in verdict.unhandled] == [f"{WF}-evaluate"]  # gate etc. never reached


def test_last_attempt_decides_after_retries() -> None:
    verdict = judge(run_answer({**HAPPY, "train": ["FAILED", "SUCCEEDED"]}))
    assert verdict.outcome == "succeeded"
    verdict = judge(run_answer({**HAPPY, "train": ["SUCCEEDED", "TIMEOUT"]}))
    assert verdict.summary == f"failed — {WF}-train TIMEOUT: boom"


def test_error_state_is_never_handled() -> None:
    verdict = judge(run_answer({**HAPPY, "deploy": "ERROR"}))
    assert verdict.outcome == "failed"


def test_an_expired_job_run_is_a_failure_never_started() -> None:
    """EXPIRED is a JobRunState of Glue's service model: a run that did not succeed."""
    from glue_workflow.runs.resume import resume_candidates

    run = run_answer({**HAPPY, "deploy": "EXPIRED"})
    verdict = judge(run)
    assert verdict.summary == f"failed — {WF}-deploy EXPIRED"
    assert verdict.exit_code() == 1
    # it has a run attempt in the run, and its job exists: a resume starts it again
    assert [r.name for r in resume_candidates(run)] == [f"{WF}-deploy"]


def test_stopped_and_error_runs_are_never_success() -> None:
    stopped = judge(run_answer(HAPPY, status="STOPPED"))
    assert (stopped.outcome, stopped.summary, stopped.exit_code()) == (
        "stopped",
        "stopped before completing",
        1,
    )
    error = judge(
        run_answer(HAPPY, status="ERROR", ErrorMessage="Concurrent runs exceeded for workflow: x")
    )
    assert error.summary == "error — Concurrent runs exceeded for workflow: x"
    assert error.exit_code() == 1


def test_running_run_is_not_finished() -> None:
    verdict = judge(run_answer({"preprocess": "RUNNING"}, status="RUNNING"))
    assert verdict.outcome == "running"
    assert not verdict.finished


def test_completed_run_with_an_active_node_is_not_success() -> None:
    verdict = judge(run_answer({**HAPPY, "deploy": "RUNNING"}))
    assert verdict.summary == f"failed — run COMPLETED while {WF}-deploy still active"


def test_without_graph_falls_back_to_statistics() -> None:
    run = run_answer(HAPPY)
    run.pop("Graph")
    assert judge(run).outcome == "succeeded"
    run["Statistics"] = {"FailedActions": 1}
    assert judge(run).summary.startswith("failed — 1 node(s) did not succeed")


def test_node_rows_show_last_attempt_and_trigger_firing() -> None:
    rows = {
        r.name: r for r in node_rows(run_answer({**REJECTED, "train": ["FAILED", "SUCCEEDED"]}))
    }
    train = rows[f"{WF}-train"]
    assert (train.state, train.attempt, train.job_run_id) == ("SUCCEEDED", 1, "jr_train_1")
    assert train.duration() == 30.0
    assert rows[f"{WF}-register"].state is None
    assert rows[f"{WF}-on-gate-failed"].state == "FIRED"
    assert rows[f"{WF}-on-gate-succeeded"].state == "NOT_FIRED"
    assert list(rows[f"{WF}-gate"].to_json()) == [
        "Name",
        "Type",
        "State",
        "StartedOn",
        "CompletedOn",
        "Attempt",
        "ErrorMessage",
        "GlueErrorMessage",
        "JobRunId",
    ]


def test_registered_model_awaiting_approval_is_named_and_still_success() -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3"
    props = {"deploy_status": "awaiting_approval", "model_package_arn": arn}
    verdict = judge(run_answer(HAPPY, properties=props))
    assert verdict.summary == f"succeeded — model registered, awaiting approval (package {arn})"
    assert verdict.exit_code() == 0
    assert verdict.exit_code(fail_on_rejection=True) == 0
    deployed = judge(run_answer(HAPPY, properties={**props, "deploy_status": "deployed"}))
    assert deployed.summary == "succeeded"
    rejected = judge(run_answer(HAPPY, properties={**props, "deploy_status": "package_rejected"}))
    assert rejected.summary == (
        f"succeeded — model package rejected in the registry, nothing deployed ({arn})"
    )


def test_a_run_completed_for_its_dead_executor_did_not_succeed() -> None:
    # the local engine's recovery completes a run whose executor died, with the reason;
    # when that happened before any job started, every node is "-"
    message = (
        "the local executor of workflow run wr_1 ended before the run's first job started; "
        "start a new run (glue-wf run)"
    )
    verdict = judge(run_answer({}, ErrorMessage=message))
    assert (verdict.outcome, verdict.summary) == ("failed", f"failed — {message}")
    assert verdict.exit_code() == 1
    # the nodes' own failures still lead when there are some
    failed = judge(run_answer({"preprocess": "FAILED"}, ErrorMessage=message))
    assert failed.summary.startswith(f"failed — {WF}-preprocess FAILED")


def test_a_long_value_in_an_error_keeps_its_property_name_in_the_summary() -> None:
    from glue_workflow.runs.verdict import _one_line

    error = "glue-wf job input error: run property num_round=" + "1" * 70_000 + " is too big"
    line = _one_line(error)
    assert line.startswith("glue-wf job input error: run property num_round=111")
    assert line.endswith("1...")
    assert len(line) == 200
    # between words when that loses little
    assert _one_line("word " * 60) == ("word " * 39).strip() + "..."


def test_an_any_trigger_that_fired_for_another_condition_handles_no_later_failure() -> None:
    """`succeeded(evaluate) | failed(gate)` fires once, when evaluate succeeds: the gate
    failing after its branch started was handled by nothing."""
    import datetime as dt

    from rungraphs import T0

    states: dict[str, str | list[str]] = {
        "preprocess": "SUCCEEDED",
        "train": "SUCCEEDED",
        "evaluate": "SUCCEEDED",
        "gate": "FAILED",  # ends at 3:30
        "reject": "SUCCEEDED",
    }

    def run_with_reject_started(minute: int, second: int) -> dict[str, object]:
        run = run_answer(states)
        for node in run["Graph"]["Nodes"]:
            if node["Name"] == f"{WF}-on-gate-failed":
                node["TriggerDetails"]["Trigger"]["Predicate"] = {
                    "Logical": "ANY",
                    "Conditions": [
                        {"LogicalOperator": "EQUALS", "JobName": f"{WF}-evaluate",
                         "State": "SUCCEEDED"},
                        {"LogicalOperator": "EQUALS", "JobName": f"{WF}-gate", "State": "FAILED"},
                    ],
                }  # fmt: skip
            if node["Name"] == f"{WF}-reject":
                (reject,) = node["JobDetails"]["JobRuns"]
                reject["StartedOn"] = T0 + dt.timedelta(minutes=minute, seconds=second)
        return run

    early = judge(run_with_reject_started(2, 40))  # fired for evaluate, before the gate ended
    assert early.outcome == "failed"
    assert early.summary == f"failed — {WF}-gate FAILED: boom"
    late = judge(run_with_reject_started(3, 40))  # the gate's failure fired it
    assert late.summary == f"succeeded — {WF}-gate FAILED handled by {WF}-on-gate-failed"


def test_a_timeout_says_which_setting_to_raise(tmp_path: object, capsys: object) -> None:
    from types import SimpleNamespace

    from glue_workflow.cli.runs import _print_verdict

    run = run_answer({**HAPPY, "train": ["SUCCEEDED", "TIMEOUT"]})
    target = SimpleNamespace(
        settings=SimpleNamespace(is_local=True, home=tmp_path, region="us-east-1"), workflow=WF
    )
    _print_verdict(target, run)
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    # a resume alone meets the same limit: the hint names the node's timeout=
    assert (
        "  raise timeout= (minutes) of node train in the definition, glue-wf deploy, then resume\n"
    ) in out
    assert out.index("train TIMEOUT") < out.index("raise timeout=") < out.index("resume: ")
