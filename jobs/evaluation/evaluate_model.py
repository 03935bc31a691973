"""SageMaker Processing script: score the trained XGBoost model on the test split.

Runs inside the SageMaker XGBoost container's Python (3.10+, xgboost, pandas,
scikit-learn), started by the ``evaluate`` job. Inputs (Processing job channels):
``--model-dir`` holds ``model.tar.gz`` (with ``xgboost-model``), ``--test-dir`` holds
the test split as CSV (label first, no header; one or more files), the optional
``--manifest-dir`` preprocess's ``feature_manifest.json`` (feature names). Outputs in
``--output-dir``:

- ``evaluation.json``: accuracy, precision, recall, F1, ROC AUC, the confusion matrix,
  the decision threshold and a threshold table (the metrics at thresholds 0.05..0.95);
- ``statistics.json``: the same evaluation in SageMaker's model-quality layout for
  binary classification (``binary_classification_metrics``: confusion matrix, scalar
  metrics with standard deviation, ROC curve, precision-recall curve, AUC), which the
  Model Registry shows as the package's model quality;
- ``feature_importance.json``: per feature, mean absolute TreeSHAP contribution
  (XGBoost's ``pred_contribs``) and XGBoost's gain / weight importance;
- ``explainability.json``: the mean absolute SHAP values in SageMaker Clarify's
  ``analysis.json`` layout (the Model Registry's explainability report).
"""

from __future__ import annotations

import argparse
import json
import sys
import tarfile
from pathlib import Path

MODEL_FILE = "xgboost-model"
MANIFEST_FILE = "feature_manifest.json"
# The threshold table's rows; the decision threshold is added to them.
TABLE_THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))
# Curves are thinned to at most this many points (end points kept) for small reports.
MAX_CURVE_POINTS = 200
# SageMaker Model Monitor gives a standard deviation only from 200 samples, computed on
# five random 80 % samples; below that it writes "NaN".
# https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-model-quality-metrics.html
STD_MIN_ROWS = 200
STD_SAMPLES = 5
STD_FRACTION = 0.8
SHAP_MAX_ROWS = 5000


class EvaluationError(Exception):
    """The inputs cannot be evaluated; the message says which and why."""


# A model file compresses a few times at most: past this many times the archive's size
# (and a floor), an archive is a decompression bomb (the local endpoint's rule too).
MAX_RATIO = 100
RATIO_FLOOR = 256 * 1024**2


def safe_extract(archive: Path, destination: Path) -> None:
    """Extract regular files only, refusing absolute paths, ``..``, links and archives
    that unpack to far more than a model holds."""
    destination = destination.resolve()
    limit, total = max(RATIO_FLOOR, MAX_RATIO * archive.stat().st_size), 0
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            total += member.size if member.isfile() else 0
            if total > limit:
                raise EvaluationError(
                    f"{archive}: unpacks to more than {limit} bytes (over {MAX_RATIO} times "
                    "its size), more than a model holds; archive rejected"
                )
            target = (destination / member.name).resolve()
            if member.name.startswith("/") or destination not in (target, *target.parents):
                raise EvaluationError(f"{archive}: member {member.name!r} escapes the extract dir")
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            if not member.isfile():
                raise EvaluationError(f"{archive}: member {member.name!r} is not a regular file")
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            if source is None:
                raise EvaluationError(f"{archive}: cannot read member {member.name!r}")
            with source, target.open("wb") as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)


def find_model(model_dir: Path, work_dir: Path) -> Path:
    direct = model_dir / MODEL_FILE
    if direct.is_file():
        return direct
    archives = sorted(model_dir.rglob("*.tar.gz"))
    if not archives:
        raise EvaluationError(f"no model.tar.gz or {MODEL_FILE} under {model_dir}")
    safe_extract(archives[0], work_dir)
    extracted = work_dir / MODEL_FILE
    if not extracted.is_file():
        raise EvaluationError(f"{archives[0]} holds no {MODEL_FILE}")
    return extracted


def read_test(test_dir: Path):  # type: ignore[no-untyped-def]
    import pandas as pd

    files = sorted(
        p
        for p in test_dir.rglob("*")
        if p.is_file() and p.stat().st_size > 0 and not p.name.startswith(("_", "."))
    )
    if not files:
        raise EvaluationError(f"no test data files under {test_dir}")
    frames = [pd.read_csv(f, header=None) for f in files]
    data = pd.concat(frames, ignore_index=True)
    if data.shape[1] < 2:
        raise EvaluationError(
            f"test data under {test_dir} has {data.shape[1]} column(s); "
            "expected the label first, then features"
        )
    labels = data.iloc[:, 0].astype(float)
    if not set(labels.unique()) <= {0.0, 1.0}:
        raise EvaluationError("test labels must be 0 or 1 (binary classification)")
    return labels.astype(int).to_numpy(), data.iloc[:, 1:].to_numpy(dtype=float)


def counts(labels, predicted):  # type: ignore[no-untyped-def]
    """(tp, fp, tn, fn) as Python ints."""
    tp = int(((predicted == 1) & (labels == 1)).sum())
    fp = int(((predicted == 1) & (labels == 0)).sum())
    tn = int(((predicted == 0) & (labels == 0)).sum())
    fn = int(((predicted == 0) & (labels == 1)).sum())
    return tp, fp, tn, fn


def ratio(top: float, bottom: float) -> float:
    return float(top) / bottom if bottom else 0.0


def f_beta(precision: float, recall: float, beta: float) -> float:
    b2 = beta * beta
    return ratio((1 + b2) * precision * recall, b2 * precision + recall)


def scalar_metrics(labels, predicted) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Model Monitor's scalar binary metrics of one labelling, plus the best constant
    classifier's (always predicting the positive class, as in SageMaker's example)."""
    tp, fp, tn, fn = counts(labels, predicted)
    total = tp + fp + tn + fn
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    positives = tp + fn
    const_precision = ratio(positives, total)
    out = {
        "recall": recall,
        "precision": precision,
        "accuracy": ratio(tp + tn, total),
        "recall_best_constant_classifier": 1.0 if positives else 0.0,
        "precision_best_constant_classifier": const_precision,
        "accuracy_best_constant_classifier": const_precision,
        "true_positive_rate": recall,
        "true_negative_rate": ratio(tn, tn + fp),
        "false_positive_rate": ratio(fp, fp + tn),
        "false_negative_rate": ratio(fn, fn + tp),
    }
    const_recall = out["recall_best_constant_classifier"]
    for name, beta in (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0)):
        out[name] = f_beta(precision, recall, beta)
        out[f"{name}_best_constant_classifier"] = f_beta(const_precision, const_recall, beta)
    return out


def thin(xs: list[float], ys: list[float]) -> tuple[list[float], list[float]]:
    """At most MAX_CURVE_POINTS points, evenly picked, first and last kept."""
    if len(xs) <= MAX_CURVE_POINTS:
        return xs, ys
    step = (len(xs) - 1) / (MAX_CURVE_POINTS - 1)
    picks = sorted({round(i * step) for i in range(MAX_CURVE_POINTS)})
    return [xs[i] for i in picks], [ys[i] for i in picks]


def model_quality(labels, scores, threshold: float) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """``statistics.json`` in SageMaker's model-quality layout for binary classification.

    Layout: https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-model-quality-metrics.html
    (confusion_matrix keyed actual label → predicted label → count; scalar metrics as
    {"value", "standard_deviation"}; receiver_operating_characteristic_curve with
    false_positive_rates / true_positive_rates; precision_recall_curve with precisions /
    recalls, recall ascending; auc).
    """
    import numpy as np
    from sklearn import metrics

    predicted = (scores >= threshold).astype(int)
    values = scalar_metrics(labels, predicted)
    both = len(np.unique(labels)) == 2
    auc = float(metrics.roc_auc_score(labels, scores)) if both else 0.0
    stds: dict[str, list[float]] = {k: [] for k in [*values, "auc"]}
    if len(labels) >= STD_MIN_ROWS:
        rng = np.random.default_rng(0)
        size = int(len(labels) * STD_FRACTION)
        for _ in range(STD_SAMPLES):
            pick = rng.choice(len(labels), size=size, replace=False)
            sample = scalar_metrics(labels[pick], predicted[pick])
            for key, value in sample.items():
                stds[key].append(value)
            if len(np.unique(labels[pick])) == 2:
                stds["auc"].append(float(metrics.roc_auc_score(labels[pick], scores[pick])))

    def entry(key: str, value: float) -> dict[str, object]:
        spread = stds[key]
        std: object = float(np.std(spread)) if len(spread) == STD_SAMPLES else "NaN"
        return {"value": value, "standard_deviation": std}

    tp, fp, tn, fn = counts(labels, predicted)
    body: dict[str, object] = {
        "confusion_matrix": {"0": {"0": tn, "1": fp}, "1": {"0": fn, "1": tp}}
    }
    body.update({key: entry(key, value) for key, value in values.items()})
    if both:
        fpr, tpr, _ = metrics.roc_curve(labels, scores, drop_intermediate=True)
        precisions, recalls, _ = metrics.precision_recall_curve(labels, scores)
    else:
        fpr, tpr = np.array([0.0, 1.0]), np.array([0.0, 1.0])
        precisions, recalls = np.array([1.0]), np.array([0.0])
    xs, ys = thin([float(v) for v in fpr], [float(v) for v in tpr])
    body["receiver_operating_characteristic_curve"] = {
        "false_positive_rates": xs,
        "true_positive_rates": ys,
    }
    # scikit-learn gives recall descending; SageMaker's example lists it ascending.
    rs, ps = thin([float(v) for v in recalls[::-1]], [float(v) for v in precisions[::-1]])
    body["precision_recall_curve"] = {"precisions": ps, "recalls": rs}
    body["auc"] = entry("auc", auc)
    order = [
        "confusion_matrix", "recall", "precision", "accuracy",
        "recall_best_constant_classifier", "precision_best_constant_classifier",
        "accuracy_best_constant_classifier", "true_positive_rate", "true_negative_rate",
        "false_positive_rate", "false_negative_rate", "receiver_operating_characteristic_curve",
        "precision_recall_curve", "auc", "f0_5", "f1", "f2", "f0_5_best_constant_classifier",
        "f1_best_constant_classifier", "f2_best_constant_classifier",
    ]  # fmt: skip
    return {"binary_classification_metrics": {key: body[key] for key in order}}


def threshold_table(labels, scores, threshold: float) -> list[dict[str, float]]:  # type: ignore[no-untyped-def]
    rows = []
    for cut in sorted({*TABLE_THRESHOLDS, round(threshold, 6)}):
        tp, fp, tn, fn = counts(labels, (scores >= cut).astype(int))
        precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
        rows.append(
            {
                "threshold": cut,
                "tp": tp,
                "fp": fp,
                "tn": tn,
                "fn": fn,
                "precision": precision,
                "recall": recall,
                "f1": f_beta(precision, recall, 1.0),
                "accuracy": ratio(tp + tn, tp + fp + tn + fn),
                "false_positive_rate": ratio(fp, fp + tn),
            }
        )
    return rows


def feature_names(manifest_dir: Path | None, count: int) -> list[str]:
    """Names from preprocess's manifest, else ``feature_<i>`` (Clarify's default)."""
    if manifest_dir is None:
        return [f"feature_{i}" for i in range(count)]
    found = sorted(manifest_dir.rglob(MANIFEST_FILE))
    if not found:
        raise EvaluationError(f"no {MANIFEST_FILE} under {manifest_dir}")
    try:
        manifest = json.loads(found[0].read_text())
        names = [str(f["name"]) for f in manifest["features"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise EvaluationError(f"{found[0]} is not a feature manifest: {exc!r}") from None
    if len(names) != count:
        raise EvaluationError(
            f"{found[0]} names {len(names)} features but the test data has {count}: "
            "the manifest and the test split come from different preprocess runs"
        )
    return names


def importance(booster, features, names: list[str]) -> tuple[dict[str, object], dict[str, object]]:  # type: ignore[no-untyped-def]
    """(feature_importance.json, explainability.json) of the model on the test rows."""
    import numpy as np
    import xgboost as xgb

    rows = features[:SHAP_MAX_ROWS]
    contribs = booster.predict(xgb.DMatrix(rows), pred_contribs=True)
    mean_abs = np.abs(contribs[:, :-1]).mean(axis=0)
    expected = float(contribs[:, -1].mean())
    scores = {kind: booster.get_score(importance_type=kind) for kind in ("gain", "weight")}
    items = []
    for i, name in enumerate(names):
        key = f"f{i}"  # XGBoost's names for header-less CSV features
        items.append(
            {
                "name": name,
                "mean_abs_shap": float(mean_abs[i]),
                "gain": float(scores["gain"].get(key, 0.0)),
                "weight": float(scores["weight"].get(key, 0.0)),
            }
        )
    items.sort(key=lambda item: (-float(item["mean_abs_shap"]), str(item["name"])))  # type: ignore[arg-type]
    report = {
        "method": "mean absolute TreeSHAP contribution (xgboost pred_contribs, margin scale)",
        "rows": len(rows),
        "expected_value": expected,
        "features": items,
    }
    # Clarify's analysis.json explanations section; Studio reads kernel_shap/label0.
    # https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-processing-job-analysis-results.html
    clarify = {
        "explanations": {
            "kernel_shap": {
                "label0": {
                    "global_shap_values": {str(i["name"]): i["mean_abs_shap"] for i in items},
                    "expected_value": expected,
                }
            }
        }
    }
    return report, clarify


# A test score this close to perfect, on at least this many rows, is more often a leak
# than a model: a feature derived from the label, or an id or a date ordered with it.
LEAK_ROC_AUC = 0.999
LEAK_MIN_ROWS = 50
# One feature contributing this many times the next one's mean |SHAP|.
DOMINANT_RATIO = 10.0


def leak_warnings(report: dict[str, object], importance_report: dict[str, object]) -> list[str]:
    """What in the scores suggests the label leaked into the features, naming the
    feature to check (the evaluation still stands: the gate decides)."""
    items = importance_report.get("features") or []
    ranked = [(str(i["name"]), float(i["mean_abs_shap"])) for i in items]  # type: ignore[union-attr,index,arg-type]
    top = f"; check the top feature {ranked[0][0]!r}" if ranked else ""
    found = []
    auc, rows = float(report["roc_auc"]), int(report["rows"])  # type: ignore[arg-type]
    if auc >= LEAK_ROC_AUC and rows >= LEAK_MIN_ROWS:
        found.append(
            f"roc_auc {auc:.4f} on {rows} test rows: a near-perfect score usually means the "
            "label leaked into a feature (a column derived from it, or an id or a date in "
            f"the order of the labels){top}"
        )
    if len(ranked) >= 2 and ranked[0][1] > 0 and ranked[0][1] >= DOMINANT_RATIO * ranked[1][1]:
        (name, first), (_, second) = ranked[0], ranked[1]
        share = (
            f"{first / second:.0f}x the next one (mean |SHAP| {first:.3g} vs {second:.3g})"
            if second > 0
            else f"all of the model's output (mean |SHAP| {first:.3g}; the others none)"
        )
        found.append(
            f"feature {name!r} contributes {share}: make sure it is known when predicting "
            'and not derived from the label; an id belongs under "identifiers" in the '
            "dataset config"
        )
    return found


def evaluate(
    model_path: Path, test_dir: Path, threshold: float, manifest_dir: Path | None = None
) -> dict[str, dict[str, object]]:
    """Every output file's content, by file name."""
    import numpy as np
    import xgboost as xgb
    from sklearn import metrics

    labels, features = read_test(test_dir)
    names = feature_names(manifest_dir, features.shape[1])
    booster = xgb.Booster()
    booster.load_model(str(model_path))
    scores = booster.predict(xgb.DMatrix(features))
    predicted = (scores >= threshold).astype(int)
    tn, fp, fn, tp = metrics.confusion_matrix(labels, predicted, labels=[0, 1]).ravel()
    both_classes = len(np.unique(labels)) == 2
    report = {
        "accuracy": float(metrics.accuracy_score(labels, predicted)),
        "precision": float(metrics.precision_score(labels, predicted, zero_division=0)),
        "recall": float(metrics.recall_score(labels, predicted, zero_division=0)),
        "f1": float(metrics.f1_score(labels, predicted, zero_division=0)),
        "roc_auc": float(metrics.roc_auc_score(labels, scores)) if both_classes else 0.0,
        # always predicting the more frequent label: the bar an accuracy gate must clear
        # (on 10 % positives a model of no skill scores 0.9)
        "majority_accuracy": float(max(labels.mean(), 1 - labels.mean())) if len(labels) else 0.0,
        "confusion_matrix": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
        "threshold": threshold,
        "rows": len(labels),
        "positives": int(labels.sum()),
        "threshold_table": threshold_table(labels, scores, threshold),
    }
    fi, clarify = importance(booster, features, names)
    report["warnings"] = leak_warnings(report, fi)
    return {
        "evaluation.json": report,
        "statistics.json": model_quality(labels, scores, threshold),
        "feature_importance.json": fi,
        "explainability.json": clarify,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=Path("/opt/ml/processing/model"))
    parser.add_argument("--test-dir", type=Path, default=Path("/opt/ml/processing/test"))
    parser.add_argument("--output-dir", type=Path, default=Path("/opt/ml/processing/evaluation"))
    parser.add_argument("--manifest-dir", type=Path, default=None)
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args(argv)
    if not 0.0 < args.threshold < 1.0:
        parser.error(f"--threshold must be between 0 and 1, got {args.threshold}")
    work_dir = args.output_dir.parent / (args.output_dir.name + "-model")
    try:
        model_path = find_model(args.model_dir, work_dir)
        outputs = evaluate(model_path, args.test_dir, args.threshold, args.manifest_dir)
    except EvaluationError as exc:
        print(f"evaluation failed: {exc}", file=sys.stderr)
        return 1
    args.output_dir.mkdir(parents=True, exist_ok=True)
    for name, content in outputs.items():
        # statistics.json keeps SageMaker's key order; the others are sorted.
        text = json.dumps(content, indent=2, sort_keys=name != "statistics.json")
        (args.output_dir / name).write_text(text)
    report = {k: v for k, v in outputs["evaluation.json"].items() if k != "threshold_table"}
    for warning in report["warnings"]:  # type: ignore[attr-defined]
        print(f"warning: {warning}", file=sys.stderr)
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
