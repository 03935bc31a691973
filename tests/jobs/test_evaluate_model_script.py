"""jobs/evaluation/evaluate_model.py: the Processing script, run on a real XGBoost model."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "jobs" / "evaluation" / "evaluate_model.py"
xgb = pytest.importorskip("xgboost")
np = pytest.importorskip("numpy")
pytestmark = pytest.mark.filterwarnings("ignore:.*UBJSON format:UserWarning")


def write_model_and_test(tmp_path: Path) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(400, 3))
    labels = (features[:, 0] + 0.5 * features[:, 1] > 0).astype(int)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 3, "nthread": 1},
        xgb.DMatrix(features[:300], label=labels[:300]),
        num_boost_round=30,
    )
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    raw = tmp_path / "xgboost-model"
    booster.save_model(str(raw))
    with tarfile.open(model_dir / "model.tar.gz", "w:gz") as tar:
        tar.add(raw, arcname="xgboost-model")
    test_dir = tmp_path / "test"
    test_dir.mkdir()
    rows = np.column_stack([labels[300:], features[300:]])
    # Two part files plus a Spark marker file, as preprocess writes them.
    np.savetxt(test_dir / "part-00000.csv", rows[:50], delimiter=",", fmt="%.6f")
    np.savetxt(test_dir / "part-00001.csv", rows[50:], delimiter=",", fmt="%.6f")
    (test_dir / "_SUCCESS").write_text("")
    expected = booster.predict(xgb.DMatrix(features[300:]))
    return model_dir, test_dir, labels[300:], expected


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_writes_evaluation_json_with_every_metric(tmp_path: Path) -> None:
    model_dir, test_dir, labels, scores = write_model_and_test(tmp_path)
    out = tmp_path / "evaluation"
    done = run_script(
        "--model-dir",
        str(model_dir),
        "--test-dir",
        str(test_dir),
        "--output-dir",
        str(out),
        "--threshold",
        "0.5",
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "evaluation.json").read_text())
    expected_accuracy = float(((scores >= 0.5).astype(int) == labels).mean())
    assert report["accuracy"] == pytest.approx(expected_accuracy)
    assert report["accuracy"] > 0.85
    # always the more frequent label: what a model of no skill scores
    assert report["majority_accuracy"] == pytest.approx(max(labels.mean(), 1 - labels.mean()))
    assert set(report) >= {
        "accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "confusion_matrix",
        "threshold",
        "rows",
    }
    assert report["rows"] == 100
    matrix = report["confusion_matrix"]
    assert matrix["tn"] + matrix["fp"] + matrix["fn"] + matrix["tp"] == 100
    assert report["threshold"] == 0.5
    assert 0.9 < report["roc_auc"] <= 1.0


def test_refuses_an_archive_that_escapes_the_extract_dir(tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    with tarfile.open(model_dir / "model.tar.gz", "w:gz") as tar:
        data = b"not a model"
        info = tarfile.TarInfo("../../evil")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    test_dir = tmp_path / "test"
    test_dir.mkdir()
    (test_dir / "t.csv").write_text("1,0.5\n")
    done = run_script(
        "--model-dir",
        str(model_dir),
        "--test-dir",
        str(test_dir),
        "--output-dir",
        str(tmp_path / "out"),
    )
    assert done.returncode == 1
    assert "member '../../evil' escapes the extract dir" in done.stderr
    assert not (tmp_path.parent / "evil").exists()


def test_missing_test_data_is_a_clear_failure(tmp_path: Path) -> None:
    model_dir, _test_dir, _labels, _scores = write_model_and_test(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    done = run_script(
        "--model-dir",
        str(model_dir),
        "--test-dir",
        str(empty),
        "--output-dir",
        str(tmp_path / "out"),
    )
    assert done.returncode == 1
    assert f"evaluation failed: no test data files under {empty}" in done.stderr


def test_statistics_follow_sagemakers_model_quality_layout(tmp_path: Path) -> None:
    from glue_workflow.model_quality import SCALARS, layout_problems, parse_model_quality

    model_dir, test_dir, labels, scores = write_model_and_test(tmp_path)
    manifest_dir = tmp_path / "manifest"
    manifest_dir.mkdir()
    names = ["tenure", "charges", "plan=b"]
    (manifest_dir / "feature_manifest.json").write_text(
        json.dumps({"features": [{"name": n} for n in names]})
    )
    out = tmp_path / "evaluation"
    done = run_script(
        "--model-dir",
        str(model_dir),
        "--test-dir",
        str(test_dir),
        "--output-dir",
        str(out),
        "--manifest-dir",
        str(manifest_dir),
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads((out / "statistics.json").read_text())
    assert layout_problems(doc) == []
    assert list(doc) == ["binary_classification_metrics"]
    body = doc["binary_classification_metrics"]
    # Actual label -> predicted label -> count, as SageMaker's documented example.
    predicted = (scores >= 0.5).astype(int)
    assert body["confusion_matrix"] == {
        "0": {
            "0": int(((labels == 0) & (predicted == 0)).sum()),
            "1": int(((labels == 0) & (predicted == 1)).sum()),
        },
        "1": {
            "0": int(((labels == 1) & (predicted == 0)).sum()),
            "1": int(((labels == 1) & (predicted == 1)).sum()),
        },
    }
    report = json.loads((out / "evaluation.json").read_text())
    assert body["accuracy"]["value"] == pytest.approx(report["accuracy"])
    assert body["auc"]["value"] == pytest.approx(report["roc_auc"])
    assert set(SCALARS) <= set(body)
    # 100 test rows: below Model Monitor's 200-sample minimum, no standard deviation.
    assert body["accuracy"]["standard_deviation"] == "NaN"
    roc = body["receiver_operating_characteristic_curve"]
    assert (roc["false_positive_rates"][0], roc["true_positive_rates"][0]) == (0.0, 0.0)
    assert (roc["false_positive_rates"][-1], roc["true_positive_rates"][-1]) == (1.0, 1.0)
    recalls = body["precision_recall_curve"]["recalls"]
    assert recalls == sorted(recalls)
    assert recalls[-1] == 1.0
    quality = parse_model_quality(doc)
    assert quality.tn + quality.fp + quality.fn + quality.tp == 100
    table = report["threshold_table"]
    assert [r["threshold"] for r in table][:3] == [0.05, 0.1, 0.15]
    at_half = next(r for r in table if r["threshold"] == 0.5)
    assert at_half["tp"] == quality.tp
    assert at_half["fp"] == quality.fp
    importance = json.loads((out / "feature_importance.json").read_text())
    assert importance["features"][0]["name"] == "tenure"  # label = f0 + 0.5 f1
    assert {f["name"] for f in importance["features"]} == set(names)
    clarify = json.loads((out / "explainability.json").read_text())
    shap = clarify["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert set(shap) == set(names)
    assert shap["tenure"] > shap["plan=b"]


def test_standard_deviation_from_200_rows_and_a_manifest_mismatch(tmp_path: Path) -> None:
    model_dir, test_dir, _labels, _scores = write_model_and_test(tmp_path)
    # 300 rows: Model Monitor's rule gives a standard deviation from 200 samples on.
    extra = np.loadtxt(test_dir / "part-00001.csv", delimiter=",")
    np.savetxt(test_dir / "part-00002.csv", np.vstack([extra, extra]), delimiter=",", fmt="%.6f")
    out = tmp_path / "evaluation"
    done = run_script(
        "--model-dir", str(model_dir), "--test-dir", str(test_dir), "--output-dir", str(out)
    )
    assert done.returncode == 0, done.stderr
    body = json.loads((out / "statistics.json").read_text())["binary_classification_metrics"]
    assert isinstance(body["accuracy"]["standard_deviation"], float)
    names = [
        f["name"] for f in json.loads((out / "feature_importance.json").read_text())["features"]
    ]
    assert sorted(names) == ["feature_0", "feature_1", "feature_2"]
    manifest_dir = tmp_path / "manifest"
    manifest_dir.mkdir()
    (manifest_dir / "feature_manifest.json").write_text(json.dumps({"features": [{"name": "a"}]}))
    bad = run_script(
        "--model-dir",
        str(model_dir),
        "--test-dir",
        str(test_dir),
        "--output-dir",
        str(tmp_path / "o2"),
        "--manifest-dir",
        str(manifest_dir),
    )
    assert bad.returncode == 1
    assert (
        f"evaluation failed: {manifest_dir / 'feature_manifest.json'} names 1 features but the "
        "test data has 3: the manifest and the test split come from different preprocess runs"
    ) in bad.stderr


def test_a_leaked_label_is_warned_naming_the_feature(tmp_path: Path) -> None:
    # an id sorted with the label: perfect scores, one feature carrying the model
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1], 200)
    features = np.column_stack([np.arange(400.0), rng.normal(size=400), rng.normal(size=400)])
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 3, "nthread": 1},
        xgb.DMatrix(features, label=labels),
        num_boost_round=20,
    )
    model_dir, test_dir, manifest = tmp_path / "model", tmp_path / "test", tmp_path / "m"
    for folder in (model_dir, test_dir, manifest):
        folder.mkdir()
    booster.save_model(str(tmp_path / "xgboost-model"))
    with tarfile.open(model_dir / "model.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "xgboost-model", arcname="xgboost-model")
    np.savetxt(test_dir / "part-0.csv", np.column_stack([labels, features]), delimiter=",")
    names = ["customer_no", "noise_a", "noise_b"]
    (manifest / "feature_manifest.json").write_text(
        json.dumps({"features": [{"name": n} for n in names]})
    )
    out = tmp_path / "evaluation"
    done = run_script(
        "--model-dir", str(model_dir), "--test-dir", str(test_dir), "--output-dir", str(out),
        "--manifest-dir", str(manifest),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    warnings = json.loads((out / "evaluation.json").read_text())["warnings"]
    assert warnings[0] == (
        "roc_auc 1.0000 on 400 test rows: a near-perfect score usually means the label "
        "leaked into a feature (a column derived from it, or an id or a date in the order "
        "of the labels); check the top feature 'customer_no'"
    )
    assert warnings[1].startswith(
        "feature 'customer_no' contributes all of the model's output (mean |SHAP| "
    )
    assert f"warning: {warnings[0]}" in done.stderr
