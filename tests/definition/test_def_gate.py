"""The gate job: pass, reject, and evaluation errors look different."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from glue_workflow.jobkit.gate import evaluate, parse_conditions

GATE = Path(__file__).resolve().parents[2] / "glue_workflow" / "scripts" / "gate.py"
CONDITIONS = [{"metric": "accuracy", "op": ">=", "property": "min_accuracy"}]


@pytest.mark.parametrize(
    ("props", "decision", "reason"),
    [
        (
            {"accuracy": "0.93", "min_accuracy": "0.9"},
            "passed",
            "passed: accuracy = 0.93 meets accuracy >= min_accuracy (0.9)",
        ),
        (
            {"accuracy": "0.85", "min_accuracy": "0.9"},
            "rejected",
            "rejected: accuracy = 0.85 fails accuracy >= min_accuracy (0.9)",
        ),
        (
            {"min_accuracy": "0.9"},
            "error",
            "evaluation error: metric 'accuracy' is missing from the run properties",
        ),
        (
            {"accuracy": "n/a", "min_accuracy": "0.9"},
            "error",
            "evaluation error: metric 'accuracy' is not a number: 'n/a'",
        ),
        (
            {"accuracy": "0.9", "min_accuracy": "high"},
            "error",
            "evaluation error: threshold 'min_accuracy' is not a number: 'high'",
        ),
        (  # -inf met every ">=" the other way round: "cost <= max_cost" passed
            {"accuracy": "-inf", "min_accuracy": "0.9"},
            "error",
            "evaluation error: metric 'accuracy' is not finite: '-inf'",
        ),
        (
            {"accuracy": "0.9", "min_accuracy": "Infinity"},
            "error",
            "evaluation error: threshold 'min_accuracy' is not finite: 'Infinity'",
        ),
    ],
)
def test_evaluate(props: dict[str, str], decision: str, reason: str) -> None:
    result = evaluate(CONDITIONS, props)
    assert (result.decision, result.reason) == (decision, reason)


def test_literal_thresholds_and_any() -> None:
    conditions = [
        {"metric": "auc", "op": ">", "value": 0.8},
        {"metric": "f1", "op": ">", "value": 0.8},
    ]
    assert evaluate(conditions, {"auc": "0.9", "f1": "0.5"}, "all").decision == "rejected"
    assert evaluate(conditions, {"auc": "0.9", "f1": "0.5"}, "any").decision == "passed"
    # a literal is shown once; a property's value is shown beside its name
    assert evaluate(conditions, {"auc": "0.9", "f1": "0.5"}, "all").reason == (
        "rejected: auc = 0.9 meets auc > 0.8; f1 = 0.5 fails f1 > 0.8"
    )


def test_parse_conditions_rejects_bad_json() -> None:
    with pytest.raises(Exception, match="--gate_conditions item"):
        parse_conditions(json.dumps([{"metric": "a", "op": "=>", "value": 1}]))


def _run_gate(monkeypatch: pytest.MonkeyPatch, props: dict[str, str]) -> tuple[int, dict[str, str]]:
    glue = boto3.client("glue", region_name="us-east-1")
    glue.create_workflow(Name="wf", DefaultRunProperties=props)
    run_id = glue.start_workflow_run(Name="wf")["RunId"]
    argv = [
        "gate.py",
        "--WORKFLOW_NAME",
        "wf",
        "--WORKFLOW_RUN_ID",
        run_id,
        "--gate_name",
        "min_accuracy",
        "--gate_conditions",
        json.dumps(CONDITIONS),
        "--glue_wf_producers",
        json.dumps({"accuracy": "node 'evaluate' (job wf-evaluate)"}),
    ]
    monkeypatch.setattr(sys, "argv", argv)
    code = 0
    try:
        runpy.run_path(str(GATE), run_name="__main__")
    except SystemExit as exc:
        code = int(exc.code or 0)
    final = glue.get_workflow_run_properties(Name="wf", RunId=run_id)["RunProperties"]
    return code, final


@mock_aws
def test_gate_job_passes(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    code, props = _run_gate(monkeypatch, {"accuracy": "0.95", "min_accuracy": "0.9"})
    assert code == 0
    assert props["gate_min_accuracy_decision"] == "passed"
    assert capsys.readouterr().out == (
        "gate min_accuracy: passed: accuracy = 0.95 meets accuracy >= min_accuracy (0.9)\n"
    )


@mock_aws
def test_gate_job_rejects(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    code, props = _run_gate(monkeypatch, {"accuracy": "0.5", "min_accuracy": "0.9"})
    assert code == 1
    assert props["gate_min_accuracy_decision"] == "rejected"
    assert props["gate_min_accuracy_reason"] == (
        "rejected: accuracy = 0.5 fails accuracy >= min_accuracy (0.9)"
    )
    assert capsys.readouterr().err == (
        "glue-wf job failed: gate min_accuracy: rejected: accuracy = 0.5 fails accuracy >= "
        "min_accuracy (0.9)\n"
    )


@mock_aws
def test_gate_job_evaluation_error_is_distinct(
    monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    code, props = _run_gate(monkeypatch, {"min_accuracy": "0.9"})
    assert code == 1
    assert props["gate_min_accuracy_decision"] == "error"
    assert capsys.readouterr().err == (
        "glue-wf job input error: gate min_accuracy: evaluation error: metric 'accuracy' is "
        "missing from the run properties (accuracy is expected from node 'evaluate' (job "
        "wf-evaluate))\n"
    )


def test_gate_job_runs_with_the_library_set_that_provides_boto3() -> None:
    from glue_workflow.model import Gate

    job = Gate(name="gate", decision="min_accuracy", conditions=("accuracy >= 0.9",)).as_job()
    assert job.library_set == "analytics"


def test_a_threshold_from_the_defaults_may_also_come_from_run_p() -> None:
    """A bad threshold may have been passed with -p: the hint says both sources."""
    gate = runpy.run_path(str(GATE), run_name="gate_module")
    assert gate["_source"]("the workflow's default run properties") == (
        "the workflow's default run properties or run -p at start"
    )
    assert gate["_source"]("node 'evaluate' (job wf-evaluate)") == (
        "node 'evaluate' (job wf-evaluate)"
    )


@pytest.mark.parametrize("raw", ["high", "nan", "inf", ""])
def test_a_gate_threshold_default_that_is_not_a_number_is_refused(raw: str) -> None:
    from glue_workflow.model import Gate, PythonShellJob, Workflow, succeeded
    from glue_workflow.validation import validate

    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        default_run_properties={"min_accuracy": raw, "min_auc": "0.7"},
        nodes=(
            PythonShellJob(name="evaluate", script="jobs/e.py", writes=("accuracy", "auc")),
            Gate(
                name="gate",
                conditions=("accuracy >= min_accuracy", "auc >= min_auc"),
                after=succeeded("evaluate"),
            ),
        ),
    )
    problems = [p for p in validate(workflow) if p.rule == "gate-threshold"]
    assert [str(p) for p in problems] == [
        f"Gate 'gate': condition 'accuracy >= min_accuracy': default run property "
        f"'min_accuracy' = {raw!r} is not a finite number, so every run's gate would fail "
        "with an error after training; give a number such as '0.9' [gate-threshold]"
    ]
    assert problems[0].severity == "error"
