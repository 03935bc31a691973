"""glue-wf pipeline-report: what a run produced, from its run properties."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from glue_workflow.config import load_settings
from glue_workflow.demo import pipeline_report
from glue_workflow.errors import NotFoundError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RUN = "wr_1"
PASSED = {
    "accuracy": "0.971000",
    "precision": "0.960000",
    "recall": "0.980000",
    "f1": "0.970000",
    "roc_auc": "0.997000",
    "evaluation_uri": "s3://b/eval/evaluation.json",
    "gate_min_accuracy_decision": "passed",
    "gate_min_accuracy_reason": "accuracy 0.971 >= min_accuracy 0.9",
    "model_package_group": "churn-xgb",
    "model_package_version": "2",
    "model_package_arn": "arn:aws:sagemaker:us-east-1:000000000000:model-package/churn-xgb/2",
    "model_approval_status": "PendingManualApproval",
    "deploy_status": "awaiting_approval",
}


class FakeGlue:
    """Glue run state (and the package's approval, standing in for SageMaker; S3
    objects and the endpoint's answer, standing in for S3 and SageMaker Runtime)."""

    def __init__(
        self,
        runs: dict[str, dict[str, str]],
        approval: str = "",
        objects: dict[str, bytes] | None = None,
        answer: str = "",
    ) -> None:
        self.runs = runs
        self.approval = approval
        self.objects = objects or {}
        self.answer = answer

    def can_paginate(self, _method: str) -> bool:
        return False

    def list_objects_v2(self, Bucket: str, Prefix: str) -> dict[str, Any]:
        keys = [k.split("/", 3)[3] for k in self.objects if k.startswith(f"s3://{Bucket}/")]
        return {"Contents": [{"Key": k} for k in sorted(keys) if k.startswith(Prefix)]}

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        return {"Body": io.BytesIO(self.objects[f"s3://{Bucket}/{Key}"])}

    def invoke_endpoint(self, **_: Any) -> dict[str, Any]:
        return {"Body": io.BytesIO(self.answer.encode())}

    def describe_model_package(self, ModelPackageName: str) -> dict[str, Any]:
        return {"ModelPackageArn": ModelPackageName, "ModelApprovalStatus": self.approval}

    def get_workflow(self, **_: Any) -> dict[str, Any]:
        return {"Workflow": {"Name": "churn-pipeline"}}

    def get_workflow_runs(self, **_: Any) -> dict[str, Any]:
        return {
            "Runs": [
                {"WorkflowRunId": rid, "StartedOn": datetime(2026, 1, i + 1, tzinfo=UTC)}
                for i, rid in enumerate(self.runs)
            ]
        }

    def get_workflow_run(self, Name: str, RunId: str, **_: Any) -> dict[str, Any]:
        return {"Run": {"WorkflowRunId": RunId, "Status": "COMPLETED"}}

    def get_workflow_run_properties(self, Name: str, RunId: str) -> dict[str, Any]:
        return {"RunProperties": self.runs[RunId]}


@pytest.fixture
def settings() -> Any:
    return load_settings(PROJECT_ROOT, target="local", env={"GLUE_WF_HOME": "/nonexistent"})


def use(monkeypatch: pytest.MonkeyPatch, glue: FakeGlue) -> None:
    import glue_workflow.aws.clients

    monkeypatch.setattr(glue_workflow.aws.clients, "client", lambda _settings, _service: glue)


def test_awaiting_approval_report_says_what_to_do(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, FakeGlue({"wr_0": {}, RUN: PASSED}))
    report = pipeline_report.build_report(settings, "churn-pipeline")
    assert report.run_id == RUN  # the latest run
    lines = report.lines()
    assert lines[0] == f"run {RUN} of churn-pipeline: COMPLETED"
    assert lines[1] == "verdict:  succeeded"
    assert "accuracy=0.971000" in lines[2]
    assert "gate:     min_accuracy: passed (accuracy 0.971 >= min_accuracy 0.9)" in lines
    assert any(
        line.startswith("model:    churn-xgb version 2 (PendingManualApproval)") for line in lines
    )
    assert "deploy:   awaiting_approval endpoint=- config=-" in lines
    assert lines[-1] == (
        "note:     the model package awaits manual approval: approve it with 'glue-wf "
        f"approve churn-xgb/2', then 'glue-wf resume {RUN} --node deploy --wait'"
    )
    data = report.to_dict()
    assert data["ModelPackage"]["Version"] == "2"
    assert data["Invocation"] is None
    assert data["Gates"] == [
        {
            "Name": "min_accuracy",
            "Decision": "passed",
            "Reason": "accuracy 0.971 >= min_accuracy 0.9",
        }
    ]


def test_rejected_run_shows_the_reason(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    use(
        monkeypatch,
        FakeGlue(
            {
                RUN: {
                    "accuracy": "0.93",
                    "gate_min_accuracy_decision": "rejected",
                    "rejection_reason": "accuracy 0.93 < 0.999",
                }
            }
        ),
    )
    report = pipeline_report.build_report(settings, "churn-pipeline", RUN)
    assert "rejected: accuracy 0.93 < 0.999" in report.lines()
    assert report.gates == [("min_accuracy", "rejected", "")]


def test_no_runs_is_a_clear_error(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, FakeGlue({}))
    with pytest.raises(NotFoundError) as caught:
        pipeline_report.build_report(settings, "churn-pipeline")
    assert str(caught.value) == (
        "workflow churn-pipeline has no runs on target local: start one with 'glue-wf run'"
    )


def test_a_run_id_prefix_names_the_run(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = "wr_" + "8985d2be" * 8, "wr_" + "3f2a" * 16
    use(monkeypatch, FakeGlue({first: PASSED, second: {}}))
    for given in ("8985", "wr_8985d2be", first):
        assert pipeline_report.build_report(settings, "churn-pipeline", given).run_id == first
    assert pipeline_report.build_report(settings, "churn-pipeline", "latest").run_id == second


def test_undeployed_workflow_says_to_deploy(
    local_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(PROJECT_ROOT, target="local", env={"GLUE_WF_HOME": str(local_home)})
    with pytest.raises(
        NotFoundError,
        match=r"workflow 'churn-pipeline' is not deployed on the "
        r"local target: run 'glue-wf deploy' first",
    ):
        pipeline_report.build_report(settings, "churn-pipeline")


def test_invocation_rows_show_both_classes() -> None:
    lines = ["0,1", "0,2", "0,3", "1,4", "0,5", "1,6"]
    assert pipeline_report.pick_rows(lines, 3) == ["1,4", "0,1", "1,6"]
    assert pipeline_report.pick_rows(["0,1"], 3) == ["0,1"]


def test_approval_after_the_run_shows_and_says_how_to_deploy(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, FakeGlue({RUN: PASSED}, approval="Approved"))
    report = pipeline_report.build_report(settings, "churn-pipeline", RUN)
    assert report.to_dict()["ModelPackage"]["ApprovalStatus"] == "Approved"
    assert report.notes == (
        f"the package was approved after this run: deploy it with 'glue-wf resume {RUN} "
        "--node deploy --wait'",
    )


def test_data_quality_summary_is_shown(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    failed = {
        "data_quality": "failed: 30 of 200 rows (15.0%) would be dropped, more than "
        "max_dropped_fraction 0.05: non_numeric in 'age': 30 (e.g. 'unknown')",
        "data_quality_uri": "s3://b/runs/wr_1/preprocess/data_quality.json",
        "rows_input": "200",
    }
    use(monkeypatch, FakeGlue({RUN: failed}))
    report = pipeline_report.build_report(settings, "churn-pipeline", RUN)
    lines = report.lines()
    assert lines[2] == f"data:     {failed['data_quality']}"
    assert lines[3] == "          report s3://b/runs/wr_1/preprocess/data_quality.json"
    assert report.to_dict()["DataQuality"] == {
        "Summary": failed["data_quality"],
        "Report": failed["data_quality_uri"],
    }


def test_status_line_of_the_data_quality_summary() -> None:
    assert pipeline_report.data_quality_line({}) is None
    props = {
        "data_quality": "passed: 5000 rows read, 0 dropped",
        "data_quality_uri": "s3://b/d.json",
    }
    assert pipeline_report.data_quality_line(props) == (
        "data quality: passed: 5000 rows read, 0 dropped (report s3://b/d.json)"
    )


DEPLOYED = {
    "deploy_status": "deployed",
    "deployed_endpoint": "loans-dev",
    "test_uri": "s3://b/runs/wr_1/preprocess/test/",
}
TEST_SPLIT = {"s3://b/runs/wr_1/preprocess/test/part-0.csv": b"1,0.5,2\n0,0.1,3\n"}


def test_scores_are_named_from_the_runs_feature_manifest(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = "s3://b/runs/wr_1/preprocess/feature_manifest.json"
    props = {**DEPLOYED, "feature_manifest_uri": manifest}
    objects = {
        **TEST_SPLIT,
        manifest: json.dumps({"target": "Default", "positive_label": ["yes"]}).encode(),
    }
    use(monkeypatch, FakeGlue({RUN: props}, objects=objects, answer="0.8884\n0.0312\n"))
    report = pipeline_report.build_report(settings, "loan-pipeline", RUN)
    lines = report.lines()
    assert lines[-3:] == [
        "invoke:   loans-dev with 2 test rows",
        "          probability that Default is yes: 0.8884 (actual label 1)",
        "          probability that Default is yes: 0.0312 (actual label 0)",
    ]
    assert not any("churn" in line for line in lines)
    invocation = report.to_dict()["Invocation"]
    assert invocation["ScoreMeaning"] == "probability that Default is yes"
    assert invocation["Scores"] == [0.8884, 0.0312]


def test_scores_without_a_manifest_are_positive_class_probabilities(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    unreadable = {**DEPLOYED, "feature_manifest_uri": "s3://b/runs/wr_1/missing.json"}
    use(monkeypatch, FakeGlue({RUN: unreadable}, objects=TEST_SPLIT, answer="0.9,0.2"))
    lines = pipeline_report.build_report(settings, "loan-pipeline", RUN).lines()
    assert lines[-2:] == [
        "          positive-class probability: 0.9000 (actual label 1)",
        "          positive-class probability: 0.2000 (actual label 0)",
    ]


def test_score_meaning_of_a_manifest() -> None:
    meaning = pipeline_report.score_meaning
    assert meaning({"target": "Churn", "positive_label": ["True"]}) == (
        "probability that Churn is True"
    )
    assert meaning({"target": "loan_status", "positive_label": ["Charged Off", "Default"]}) == (
        "probability that loan_status is Charged Off or Default"
    )
    assert meaning({"target": "y", "positive_label": "1"}) == "probability that y is 1"
    for unnamed in (None, {}, {"target": "y"}, {"target": "y", "positive_label": []}):
        assert meaning(unnamed) == "positive-class probability"


def test_a_completed_run_with_a_failed_node_reports_its_verdict(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Glue calls a run COMPLETED whatever its nodes did: the report leads with the
    verdict, as run --wait and status do."""

    class FailedGlue(FakeGlue):
        def get_workflow_run(self, Name: str, RunId: str, **_: Any) -> dict[str, Any]:
            failed = {"JobRunState": "FAILED", "ErrorMessage": "script exited 1"}
            details = {"JobRuns": [failed]}
            node = {"Type": "JOB", "Name": "churn-pipeline-evaluate", "JobDetails": details}
            return {
                "Run": {"WorkflowRunId": RunId, "Status": "COMPLETED", "Graph": {"Nodes": [node]}}
            }

    use(monkeypatch, FailedGlue({RUN: PASSED}))
    report = pipeline_report.build_report(settings, "churn-pipeline", invoke=False)
    assert report.lines()[:2] == [
        f"run {RUN} of churn-pipeline: COMPLETED",
        "verdict:  failed — churn-pipeline-evaluate FAILED: script exited 1",
    ]
    assert (report.to_dict()["Status"], report.to_dict()["Verdict"]) == ("COMPLETED", "failed")
