"""Evaluation charts, runs over time, run comparison and lineage: API and (one) browser test."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from console_fakes import T0

BUCKET = "insights-test"
# A model-quality document in SageMaker's layout with known numbers.
ROC_FPR = [0.0, 0.0, 0.1, 0.4, 1.0]
ROC_TPR = [0.0, 0.5, 0.8, 0.95, 1.0]
MATRIX = {"tn": 50, "fp": 7, "fn": 5, "tp": 38}


def statistics_doc() -> dict[str, Any]:
    from glue_workflow.model_quality import SCALARS

    body: dict[str, Any] = {
        "confusion_matrix": {
            "0": {"0": MATRIX["tn"], "1": MATRIX["fp"]},
            "1": {"0": MATRIX["fn"], "1": MATRIX["tp"]},
        },
        "receiver_operating_characteristic_curve": {
            "false_positive_rates": ROC_FPR,
            "true_positive_rates": ROC_TPR,
        },
        "precision_recall_curve": {"precisions": [1.0, 0.9, 0.84], "recalls": [0.0, 0.5, 1.0]},
    }
    for name in SCALARS:
        body[name] = {"value": 0.9 if name == "auc" else 0.88, "standard_deviation": "NaN"}
    return {"binary_classification_metrics": body}


def put(console: Any, key: str, doc: Any) -> str:
    from glue_workflow.aws.clients import client
    from glue_workflow.config import load_settings

    settings = load_settings(
        console.home.parent, target="local", env={"GLUE_WF_HOME": str(console.home)}
    )
    s3 = client(settings, "s3")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(doc).encode())
    return f"s3://{BUCKET}/{key}"


@pytest.fixture
def seeded(console: Any) -> dict[str, str]:
    """Two runs (one passed and registered, one rejected by the gate) and the model."""
    stats = put(console, "eval/statistics.json", statistics_doc())
    explain = put(
        console,
        "eval/explainability.json",
        {
            "explanations": {
                "kernel_shap": {
                    "label0": {
                        "global_shap_values": {"tenure": 0.8, "charges": 0.3, "plan=b": 0.05},
                        "expected_value": -0.4,
                    }
                }
            }
        },
    )
    evaluation = put(console, "eval/evaluation.json", {"threshold": 0.5, "threshold_table": []})
    console.glue.job_arguments["demo-fit"] = {
        "--gate_conditions": json.dumps([{"metric": "accuracy", "op": ">=", "value": 0.9}])
    }
    jobs = {"demo-prep": ["SUCCEEDED"], "demo-fit": ["SUCCEEDED"]}
    rejected = console.glue.add_run(
        "demo",
        "COMPLETED",
        {"demo-prep": ["SUCCEEDED"], "demo-fit": ["FAILED"], "demo-alert": ["SUCCEEDED"]},
        started=T0,
        properties={
            "accuracy": "0.71",
            "rows_dropped": "12",
            "gate_min_accuracy_decision": "rejected",
            "gate_min_accuracy_reason": "accuracy 0.71 < 0.9",
        },
    )
    arn = console.sagemaker.add_version(
        "churn-xgb",
        "Approved",
        stats,
        explainability_uri=explain,
        metadata={
            "glue-wf-workflow": "demo",
            "glue-wf-run-id": "PLACEHOLDER",
            "training-job": "demo-train-abc",
            "input-uri": "s3://data/churn.csv",
            "data-quality-uri": "s3://data/dq.json",
            "evaluation-uri": evaluation,
        },
    )
    passed = console.glue.add_run(
        "demo",
        "COMPLETED",
        jobs,
        started=T0 + timedelta(hours=1),
        properties={
            "accuracy": "0.93",
            "rows_dropped": "3",
            "model_quality_uri": stats,
            "feature_importance_uri": explain,
            "evaluation_uri": evaluation,
            "model_package_group": "churn-xgb",
            "model_package_version": "1",
            "deployed_endpoint": "churn-xgb",
        },
    )
    package = console.sagemaker.groups["churn-xgb"][0]
    package["CustomerMetadataProperties"]["glue-wf-run-id"] = passed
    console.sagemaker.add_endpoint("churn-xgb", package_arn=arn)
    return {"rejected": rejected, "passed": passed, "arn": arn}


def test_model_version_has_lineage_charts_and_metrics(console: Any, seeded) -> None:
    r = console.get("/api/models/churn-xgb/versions/1")
    assert r.status == 200, r.text
    v = r.json()
    lineage = v["lineage"]
    assert lineage["run_id"] == seeded["passed"]
    assert lineage["workflow"] == "demo"
    assert lineage["training_job"] == "demo-train-abc"
    assert lineage["data_quality_uri"] == "s3://data/dq.json"
    assert lineage["endpoints"] == [
        {
            "endpoint": "churn-xgb",
            "status": "InService",
            "endpoint_config": "churn-xgb-cfg-1",
            "variant": "AllTraffic",
            "model": "churn-xgb-model",
        }
    ]
    quality = v["evaluation"]["quality"]
    assert quality["confusion_matrix"] == MATRIX
    assert quality["roc"]["false_positive_rates"] == ROC_FPR
    assert [f["name"] for f in v["evaluation"]["feature_importance"]] == [
        "tenure",
        "charges",
        "plan=b",
    ]
    assert set(v["charts"]) == {"roc", "pr", "confusion", "importance"}
    assert 'data-points="5"' in v["charts"]["roc"]
    missing = console.get("/api/models/churn-xgb/versions/9")
    assert missing.status == 404
    assert (
        missing.json()["error"]["message"]
        == "model package group 'churn-xgb' has no version 9; see 'glue-wf models'"
    )


def test_model_version_shows_where_it_is_promoted(console: Any, seeded) -> None:
    assert console.get("/api/models/churn-xgb/versions/1").json()["stages"] == {
        "promotions": [],
        "approvals": {},
    }
    console.sagemaker.tags[seeded["arn"]] = [
        {
            "Key": "glue-wf:stage:prod",
            "Value": "endpoint=churn-xgb config=churn-xgb-cfg-1 at=2026-01-02T03:04:05Z "
            "by=arn:aws:iam::000000000000:root user=alice",
        },
        {"Key": "glue-wf:stage:dev", "Value": "endpoint=churn-dev config=c at=t by=b user=u"},
        {"Key": "glue-wf:approval:prod", "Value": "at=2026-01-01T00:00:00Z by=b user=bob"},
    ]
    stages = console.get("/api/models/churn-xgb/versions/1").json()["stages"]
    assert [(p["stage"], p["endpoint"], p["current"]) for p in stages["promotions"]] == [
        ("dev", "churn-dev", False),
        ("prod", "churn-xgb", True),
    ]
    assert stages["approvals"] == {"prod": {"at": "2026-01-01T00:00:00Z", "by": "b", "user": "bob"}}


def test_trend_marks_the_rejected_run_with_the_gate_reason(console: Any, seeded) -> None:
    t = console.get("/api/workflows/demo/trend").json()
    assert t["gate_metrics"] == ["accuracy"]
    assert t["metrics"] == ["accuracy"]
    by_id = {r["run_id"]: r for r in t["runs"]}
    rejected = by_id[seeded["rejected"]]
    assert rejected["verdict"] == "rejected"
    assert rejected["rejections"] == [{"gate": "min_accuracy", "reason": "accuracy 0.71 < 0.9"}]
    assert rejected["data_quality"] == {"rows_dropped": "12"}
    assert by_id[seeded["passed"]]["metrics"] == {"accuracy": 0.93}
    assert 'class="marker rejected"' in t["chart"]
    assert f'data-run-id="{seeded["rejected"]}"' in t["chart"]


def test_compare_diffs_properties_metrics_and_durations(console: Any, seeded) -> None:
    a, b = seeded["rejected"], seeded["passed"]
    c = console.get(f"/api/workflows/demo/compare/{a}/{b}").json()
    assert c["a"]["verdict"] == "rejected"
    assert c["b"]["verdict"] == "succeeded"
    metrics = {m["name"]: m for m in c["metrics"]}
    assert metrics["accuracy"] == {"name": "accuracy", "a": 0.71, "b": 0.93, "delta": 0.22}
    props = {p["name"]: p for p in c["properties"]}
    assert props["gate_min_accuracy_decision"] == {
        "name": "gate_min_accuracy_decision",
        "a": "rejected",
        "b": None,
        "changed": True,
    }
    nodes = {n["node"]: n for n in c["nodes"]}
    assert nodes["demo-fit"]["a_state"] == "FAILED"
    assert nodes["demo-fit"]["b_seconds"] == 5.0
    assert nodes["demo-alert"]["b_state"] == "NOT_STARTED"
    unknown = console.get(f"/api/workflows/demo/compare/{a}/wr_nope")
    assert unknown.status == 404


def test_run_evaluation_reports_an_unreadable_file(console: Any, seeded) -> None:
    bad = put(console, "eval/bad.json", {"binary_classification_metrics": {"auc": 1}})
    run = console.glue.add_run(
        "demo", "COMPLETED", {"demo-prep": ["SUCCEEDED"]}, properties={"model_quality_uri": bad}
    )
    e = console.get(f"/api/workflows/demo/runs/{run}/evaluation").json()
    assert e["charts"] == {}
    assert e["evaluation"]["problems"][0].startswith(
        f"{bad} is not SageMaker model-quality JSON: confusion_matrix must map actual labels"
    )


def _path_points(d: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"[ML]([-\d.]+),([-\d.]+)", d)]


@pytest.mark.browser
def test_version_page_and_comparison_draw_the_data(console: Any, seeded, page) -> None:
    base = f"http://{console.host}"
    console.sagemaker.tags[seeded["arn"]] = [
        {"Key": "glue-wf:stage:prod", "Value": "endpoint=churn-xgb config=c at=t by=arn:x user=u"}
    ]
    page.goto(f"{base}/models/churn-xgb/versions/1")
    page.wait_for_selector("svg.chart-roc path.curve")
    stages = page.locator("#version-stages li").first
    assert stages.inner_text().startswith("prod → churn-xgb serving · promoted")
    roc = page.locator("svg.chart-roc path.curve")
    points = _path_points(roc.get_attribute("d"))
    assert len(points) == len(ROC_FPR) == int(roc.get_attribute("data-points"))
    left, top, right, bottom = map(
        float, page.locator("svg.chart-roc").get_attribute("data-plot").split()
    )
    assert points[0] == (left, bottom)  # (0, 0)
    assert points[-1] == (right, top)  # (1, 1)
    # The second point (fpr 0, tpr 0.5) sits on the left edge, half way up.
    assert points[1] == (left, pytest.approx((top + bottom) / 2, abs=0.01))
    for name, value in MATRIX.items():
        cell = page.locator(f'svg.chart-confusion g[data-cell="{name}"]')
        assert cell.get_attribute("data-value") == str(value)
        assert cell.locator("text").first.text_content() == str(value)
    bars = page.locator("svg.chart-importance g.bar")
    assert bars.count() == 3
    assert bars.first.get_attribute("data-feature") == "tenure"
    assert page.locator("#lineage-run").text_content() == seeded["passed"]
    assert page.locator("#lineage-endpoints a").text_content() == "churn-xgb"

    page.goto(f"{base}/workflows/demo")
    page.wait_for_selector("#trend-chart svg")
    row = page.locator(f'#trend tr[data-run-id="{seeded["rejected"]}"]')
    assert row.locator(".badge.rejected").count() == 1
    assert "accuracy 0.71 < 0.9" in row.locator(".rejection-reason").text_content()
    page.select_option("#compare-a", seeded["rejected"])
    page.select_option("#compare-b", seeded["passed"])
    page.click("#compare")
    page.wait_for_selector("#metrics-diff")
    acc = page.locator('#metrics-diff tr[data-name="accuracy"] td')
    assert [acc.nth(i).text_content() for i in range(4)] == ["accuracy", "0.71", "0.93", "+0.22"]
    assert page.locator('#props-diff tr[data-name="rows_dropped"]').get_attribute("class") == (
        "changed"
    )
    assert page.locator("#run-a .badge.rejected").count() == 1
    assert page.js_errors == []
