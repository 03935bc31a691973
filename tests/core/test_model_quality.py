"""SageMaker's model-quality layout, the charts drawn from it, the report, lineage."""

from __future__ import annotations

import copy
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from glue_workflow.charts import TrendPoint, confusion_svg, importance_svg, roc_svg, trend_svg
from glue_workflow.demo.pipeline_report import PipelineReport
from glue_workflow.demo.report_evaluation import evaluation_lines, html_report
from glue_workflow.lineage import package_lineage, serving_endpoints
from glue_workflow.model_quality import (
    Evaluation,
    EvaluationError,
    Importance,
    layout_problems,
    parse_importance,
    parse_model_quality,
)


def _m(value: float) -> dict[str, Any]:
    return {"value": value, "standard_deviation": "NaN"}


# The binary classification example of
# https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-model-quality-metrics.html
AWS_EXAMPLE: dict[str, Any] = {
    "binary_classification_metrics": {
        "confusion_matrix": {"0": {"0": 1, "1": 2}, "1": {"0": 0, "1": 1}},
        "recall": _m(1.0),
        "precision": _m(0.3333333333333333),
        "accuracy": _m(0.5),
        "recall_best_constant_classifier": _m(1.0),
        "precision_best_constant_classifier": _m(0.25),
        "accuracy_best_constant_classifier": _m(0.25),
        "true_positive_rate": _m(1.0),
        "true_negative_rate": _m(0.33333333333333337),
        "false_positive_rate": _m(0.6666666666666666),
        "false_negative_rate": _m(0.0),
        "receiver_operating_characteristic_curve": {
            "false_positive_rates": [0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
            "true_positive_rates": [0.0, 0.25, 0.5, 0.75, 1.0, 1.0],
        },
        "precision_recall_curve": {
            "precisions": [1.0, 1.0, 1.0, 1.0, 1.0],
            "recalls": [0.0, 0.25, 0.5, 0.75, 1.0],
        },
        "auc": _m(1.0),
        "f0_5": _m(0.3846153846153846),
        "f1": _m(0.5),
        "f2": _m(0.7142857142857143),
        "f0_5_best_constant_classifier": _m(0.29411764705882354),
        "f1_best_constant_classifier": _m(0.4),
        "f2_best_constant_classifier": _m(0.625),
    }
}


def test_the_documented_example_is_accepted_and_read() -> None:
    assert layout_problems(AWS_EXAMPLE) == []
    q = parse_model_quality(AWS_EXAMPLE)
    # Outer key is the actual label: precision 1/3 = tp / (tp + fp) needs fp = 2.
    assert (q.tn, q.fp, q.fn, q.tp) == (1, 2, 0, 1)
    assert q.auc == 1.0
    assert len(q.roc.xs) == 6
    assert q.pr.xs[-1] == 1.0


def test_the_evaluation_scripts_scalars_match_the_documented_example() -> None:
    pytest.importorskip("numpy")
    import importlib.util
    from pathlib import Path

    import numpy as np

    path = Path(__file__).resolve().parents[2] / "jobs" / "evaluation" / "evaluate_model.py"
    spec = importlib.util.spec_from_file_location("evaluate_model", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The example's matrix: tn 1, fp 2, fn 0, tp 1.
    labels, predicted = np.array([0, 0, 0, 1]), np.array([0, 1, 1, 1])
    ours = module.scalar_metrics(labels, predicted)
    for name, value in ours.items():
        expected = AWS_EXAMPLE["binary_classification_metrics"][name]["value"]
        assert value == pytest.approx(expected), name


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda b: b.pop("auc"), 'auc must be {"value", "standard_deviation"}'),
        (
            lambda b: b["confusion_matrix"].pop("1"),
            'confusion_matrix must map actual labels "0" and "1"',
        ),
        (
            lambda b: b["recall"].update(standard_deviation="n/a"),
            'recall.standard_deviation must be a number or "NaN"',
        ),
        (
            lambda b: b["receiver_operating_characteristic_curve"]["true_positive_rates"].pop(),
            "receiver_operating_characteristic_curve: false_positive_rates and "
            "true_positive_rates differ in length",
        ),
        (
            lambda b: b["precision_recall_curve"].update(thresholds=[0.5]),
            "precision_recall_curve must hold exactly precisions, recalls",
        ),
    ],
)
def test_departures_from_the_layout_are_named(edit: Any, problem: str) -> None:
    doc = copy.deepcopy(AWS_EXAMPLE)
    edit(doc["binary_classification_metrics"])
    assert layout_problems(doc) == [problem]
    with pytest.raises(
        EvaluationError, match=re.escape(f"x.json is not SageMaker model-quality JSON: {problem}")
    ):
        parse_model_quality(doc, where="x.json")


def test_a_flat_report_is_not_the_layout() -> None:
    assert layout_problems({"accuracy": 0.9}) == [
        "the document has no 'binary_classification_metrics' object"
    ]


def test_importance_from_both_layouts() -> None:
    ours = {"features": [{"name": "a", "mean_abs_shap": 0.1}, {"name": "b", "mean_abs_shap": 0.7}]}
    clarify = {
        "explanations": {"kernel_shap": {"label0": {"global_shap_values": {"a": 0.1, "b": 0.7}}}}
    }
    assert parse_importance(ours) == parse_importance(clarify)
    assert [i.name for i in parse_importance(ours)] == ["b", "a"]
    with pytest.raises(EvaluationError, match="neither a features list nor Clarify's"):
        parse_importance({"x": 1}, where="f.json")


def _points(svg: str, cls: str) -> list[tuple[float, float]]:
    d = re.search(rf'class="{cls}"[^>]* d="([^"]+)"|d="([^"]+)"[^>]*class="{cls}"', svg)
    assert d
    return [(float(x), float(y)) for x, y in re.findall(r"[ML]([-\d.]+),([-\d.]+)", d[1] or d[2])]


def test_roc_chart_draws_every_point_inside_the_plot() -> None:
    svg = roc_svg(parse_model_quality(AWS_EXAMPLE))
    left, top, right, bottom = map(float, re.search(r'data-plot="([^"]+)"', svg)[1].split())  # type: ignore[index]
    points = _points(svg, "curve")
    assert len(points) == 6
    assert points[0] == (left, bottom)
    assert points[-1] == (right, top)
    assert points[1] == (left, bottom - 0.25 * (bottom - top))
    assert "AUC 1.000" in svg
    assert "<script" not in svg
    assert "style=" not in svg


def test_confusion_and_importance_charts_carry_their_values() -> None:
    svg = confusion_svg(parse_model_quality(AWS_EXAMPLE))
    cells = dict(re.findall(r'data-cell="(\w+)" data-value="(\d+)"', svg))
    assert cells == {"tn": "1", "fp": "2", "fn": "0", "tp": "1"}
    bars = importance_svg([Importance(name="<b>", value=2.0), Importance(name="y", value=1.0)])
    assert 'data-feature="&lt;b&gt;"' in bars
    assert "<b>" not in bars
    widths = [float(w) for w in re.findall(r'<rect x="130" y="[\d.]+" width="([\d.]+)"', bars)]
    assert widths[0] == 2 * widths[1]


def test_trend_marks_rejected_runs() -> None:
    svg = trend_svg(
        [
            TrendPoint(run_id="wr_1", verdict="succeeded", values={"accuracy": 0.9}),
            TrendPoint(run_id="wr_2", verdict="rejected", values={"accuracy": 0.7}),
        ],
        ["accuracy"],
    )
    assert 'data-runs="2"' in svg
    assert re.search(r'class="marker rejected" data-run-id="wr_2"', svg)
    assert re.search(r'<circle class="marker" data-run-id="wr_1"', svg)


def _report(props: dict[str, str]) -> PipelineReport:
    return PipelineReport(workflow="churn", run_id="wr_9", status="COMPLETED", properties=props)


def test_terminal_lines_and_self_contained_html() -> None:
    evaluation = Evaluation(
        quality=parse_model_quality(AWS_EXAMPLE),
        importance=(Importance(name="tenure", value=0.8), Importance(name="age", value=0.2)),
        threshold=0.5,
        threshold_table=({"threshold": 0.5, "precision": 0.33, "recall": 1.0, "f1": 0.5},),
    )
    lines = evaluation_lines(evaluation)
    assert lines[0].startswith("quality:  accuracy=0.5000  precision=0.3333  recall=1.0000")
    assert lines[2] == "          actual 0             1            2"
    assert lines[3] == "          actual 1             0            1"
    assert any(line.startswith("          tenure  ########################") for line in lines)
    props = {"gate_min_accuracy_decision": "rejected", "gate_min_accuracy_reason": "0.5 < 0.9"}
    page = html_report(_report(props), evaluation)
    assert "Model rejected by the gate: 0.5 &lt; 0.9" in page
    assert page.count("<svg") == 4
    assert "<script" not in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_the_evaluations_warnings_are_read_and_shown() -> None:
    from glue_workflow.model_quality import load_evaluation

    class S3:
        def get_object(self, **_: Any) -> dict[str, Any]:
            body = json.dumps({"threshold": 0.5, "warnings": ["roc_auc 1.0000 on 400 rows"]})
            return {"Body": io.BytesIO(body.encode())}

    evaluation = load_evaluation(S3(), {"evaluation": "s3://b/e/evaluation.json"})
    assert evaluation.warnings == ("roc_auc 1.0000 on 400 rows",)
    assert evaluation_lines(evaluation)[-1] == "warning:  roc_auc 1.0000 on 400 rows"
    assert evaluation.to_dict()["warnings"] == ["roc_auc 1.0000 on 400 rows"]


def test_lineage_follows_endpoint_config_model_to_the_package() -> None:
    sm = boto3.client(
        "sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-xgb/2"
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    endpoint_arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn"
    with Stubber(sm) as stub:
        stub.add_response(
            "list_endpoints",
            {
                "Endpoints": [
                    {
                        "EndpointName": "churn",
                        "EndpointArn": endpoint_arn,
                        "CreationTime": t0,
                        "LastModifiedTime": t0,
                        "EndpointStatus": "InService",
                    }
                ]
            },
        )
        stub.add_response(
            "describe_endpoint",
            {
                "EndpointName": "churn",
                "EndpointArn": endpoint_arn,
                "EndpointConfigName": "churn-c1",
                "EndpointStatus": "InService",
                "CreationTime": t0,
                "LastModifiedTime": t0,
            },
        )
        stub.add_response(
            "describe_endpoint_config",
            {
                "EndpointConfigName": "churn-c1",
                "EndpointConfigArn": endpoint_arn + "-config",
                "CreationTime": t0,
                "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": "churn-m2"}],
            },
        )
        stub.add_response(
            "describe_model",
            {
                "ModelName": "churn-m2",
                "ModelArn": endpoint_arn + "-model",
                "CreationTime": t0,
                "Containers": [{"ModelPackageName": arn}],
            },
        )
        serving = serving_endpoints(sm)
    package = {
        "ModelPackageArn": arn,
        "ModelPackageGroupName": "churn-xgb",
        "ModelPackageVersion": 2,
        "CustomerMetadataProperties": {"glue-wf-run-id": "wr_7", "training-job": "t-1"},
    }
    lineage = package_lineage(package, serving)
    assert lineage["run_id"] == "wr_7"
    assert lineage["training_job"] == "t-1"
    assert lineage["data_quality_uri"] is None
    assert lineage["endpoints"] == [
        {
            "endpoint": "churn",
            "status": "InService",
            "endpoint_config": "churn-c1",
            "variant": "AllTraffic",
            "model": "churn-m2",
        }
    ]
