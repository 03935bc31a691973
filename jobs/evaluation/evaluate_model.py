"""SageMaker Processing script: score the trained XGBoost model on the test split.

Runs inside the SageMaker XGBoost container's Python (3.10+, xgboost, pandas,
scikit-learn), started by the ``evaluate`` job. Inputs (Processing job channels):
``--model-dir`` holds ``model.tar.gz`` (with ``xgboost-model``), ``--test-dir`` holds
the test split as CSV (label first, no header; one or more files). Output:
``--output-dir/evaluation.json`` with accuracy, precision, recall, F1, ROC AUC, the
confusion matrix and the decision threshold.
"""

from __future__ import annotations

import argparse
import json
import sys
import tarfile
from pathlib import Path

MODEL_FILE = "xgboost-model"


class EvaluationError(Exception):
    """The inputs cannot be evaluated; the message says which and why."""


def safe_extract(archive: Path, destination: Path) -> None:
    """Extract regular files only, refusing absolute paths, ``..`` and links."""
    destination = destination.resolve()
    with tarfile.open(archive, "r:*") as tar:
        for member in tar.getmembers():
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


def evaluate(model_path: Path, test_dir: Path, threshold: float) -> dict[str, object]:
    import numpy as np
    import xgboost as xgb
    from sklearn import metrics

    labels, features = read_test(test_dir)
    booster = xgb.Booster()
    booster.load_model(str(model_path))
    scores = booster.predict(xgb.DMatrix(features))
    predicted = (scores >= threshold).astype(int)
    tn, fp, fn, tp = metrics.confusion_matrix(labels, predicted, labels=[0, 1]).ravel()
    both_classes = len(np.unique(labels)) == 2
    return {
        "accuracy": float(metrics.accuracy_score(labels, predicted)),
        "precision": float(metrics.precision_score(labels, predicted, zero_division=0)),
        "recall": float(metrics.recall_score(labels, predicted, zero_division=0)),
        "f1": float(metrics.f1_score(labels, predicted, zero_division=0)),
        "roc_auc": float(metrics.roc_auc_score(labels, scores)) if both_classes else 0.0,
        "confusion_matrix": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
        "threshold": threshold,
        "rows": len(labels),
        "positives": int(labels.sum()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=Path("/opt/ml/processing/model"))
    parser.add_argument("--test-dir", type=Path, default=Path("/opt/ml/processing/test"))
    parser.add_argument("--output-dir", type=Path, default=Path("/opt/ml/processing/evaluation"))
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args(argv)
    if not 0.0 < args.threshold < 1.0:
        parser.error(f"--threshold must be between 0 and 1, got {args.threshold}")
    work_dir = args.output_dir.parent / (args.output_dir.name + "-model")
    try:
        model_path = find_model(args.model_dir, work_dir)
        report = evaluate(model_path, args.test_dir, args.threshold)
    except EvaluationError as exc:
        print(f"evaluation failed: {exc}", file=sys.stderr)
        return 1
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "evaluation.json").write_text(json.dumps(report, indent=2, sort_keys=True))
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
