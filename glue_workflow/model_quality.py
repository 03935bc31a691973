"""A run's evaluation, read back: SageMaker's model-quality JSON, feature importance.

The evaluation job writes ``statistics.json`` in the layout SageMaker Model Monitor and
the Model Registry use for binary classification model quality
(https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-model-quality-metrics.html):

    {"binary_classification_metrics": {
        "confusion_matrix": {"<actual>": {"<predicted>": count}},   # labels "0", "1"
        "<metric>": {"value": number, "standard_deviation": number | "NaN"}, ...
        "receiver_operating_characteristic_curve":
            {"false_positive_rates": [...], "true_positive_rates": [...]},
        "precision_recall_curve": {"precisions": [...], "recalls": [...]},
        "auc": {"value": ..., "standard_deviation": ...}}}

``layout_problems`` checks a document against that layout; ``parse_model_quality``
turns one into a ``ModelQuality`` the charts and reports draw from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from glue_workflow.errors import GlueWfError

SECTION = "binary_classification_metrics"
ROC = "receiver_operating_characteristic_curve"
PR = "precision_recall_curve"
LABELS = ("0", "1")
# Every scalar metric SageMaker's binary classification example lists.
SCALARS = (
    "recall",
    "precision",
    "accuracy",
    "recall_best_constant_classifier",
    "precision_best_constant_classifier",
    "accuracy_best_constant_classifier",
    "true_positive_rate",
    "true_negative_rate",
    "false_positive_rate",
    "false_negative_rate",
    "auc",
    "f0_5",
    "f1",
    "f2",
    "f0_5_best_constant_classifier",
    "f1_best_constant_classifier",
    "f2_best_constant_classifier",
)
MAX_REPORT_BYTES = 4 * 1024 * 1024
_S3_URI = re.compile(r"s3://([^/]+)/(.+)")


class EvaluationError(GlueWfError):
    """An evaluation file is missing, unreadable or not in the documented layout."""


@dataclass(frozen=True, kw_only=True)
class Curve:
    xs: tuple[float, ...]
    ys: tuple[float, ...]


@dataclass(frozen=True, kw_only=True)
class ModelQuality:
    tn: int
    fp: int
    fn: int
    tp: int
    metrics: dict[str, float]  # scalar name -> value
    roc: Curve  # x: false positive rate, y: true positive rate
    pr: Curve  # x: recall, y: precision

    @property
    def auc(self) -> float | None:
        return self.metrics.get("auc")


@dataclass(frozen=True, kw_only=True)
class Importance:
    name: str
    value: float


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """What the charts draw; ``problems`` says what could not be read."""

    quality: ModelQuality | None = None
    importance: tuple[Importance, ...] = ()
    importance_method: str = ""
    threshold: float | None = None
    threshold_table: tuple[dict[str, float], ...] = ()
    problems: tuple[str, ...] = field(default=())
    # what the evaluation saw in the scores (a likely label leak): evaluation.json
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        q = self.quality
        return {
            "quality": None
            if q is None
            else {
                "confusion_matrix": {"tn": q.tn, "fp": q.fp, "fn": q.fn, "tp": q.tp},
                "metrics": q.metrics,
                "roc": {"false_positive_rates": q.roc.xs, "true_positive_rates": q.roc.ys},
                "pr": {"recalls": q.pr.xs, "precisions": q.pr.ys},
            },
            "feature_importance": [{"name": i.name, "value": i.value} for i in self.importance],
            "feature_importance_method": self.importance_method,
            "threshold": self.threshold,
            "threshold_table": list(self.threshold_table),
            "problems": list(self.problems),
            "warnings": list(self.warnings),
        }


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _rate_list(value: Any) -> bool:
    return (
        isinstance(value, list) and bool(value) and all(_number(v) and 0 <= v <= 1 for v in value)
    )


def layout_problems(doc: Any) -> list[str]:
    """Where ``doc`` departs from SageMaker's binary classification model-quality layout."""
    if not isinstance(doc, dict) or not isinstance(doc.get(SECTION), dict):
        return [f"the document has no {SECTION!r} object"]
    body = doc[SECTION]
    problems: list[str] = []
    matrix = body.get("confusion_matrix")
    if not isinstance(matrix, dict) or sorted(matrix) != list(LABELS):
        problems.append('confusion_matrix must map actual labels "0" and "1"')
    else:
        for actual in LABELS:
            row = matrix[actual]
            if not isinstance(row, dict) or sorted(row) != list(LABELS):
                problems.append(f'confusion_matrix["{actual}"] must map predicted labels "0", "1"')
            elif not all(isinstance(v, int) and v >= 0 for v in row.values()):
                problems.append(f'confusion_matrix["{actual}"] counts must be integers >= 0')
    for name in SCALARS:
        item = body.get(name)
        if not isinstance(item, dict) or set(item) != {"value", "standard_deviation"}:
            problems.append(f'{name} must be {{"value", "standard_deviation"}}')
            continue
        if not _number(item["value"]):
            problems.append(f"{name}.value must be a number")
        std = item["standard_deviation"]
        if not (_number(std) or std == "NaN"):
            problems.append(f'{name}.standard_deviation must be a number or "NaN"')
    curves = {ROC: ("false_positive_rates", "true_positive_rates"), PR: ("precisions", "recalls")}
    for curve, keys in curves.items():
        item = body.get(curve)
        if not isinstance(item, dict) or set(item) != set(keys):
            problems.append(f"{curve} must hold exactly {', '.join(keys)}")
            continue
        if not all(_rate_list(item[k]) for k in keys):
            problems.append(
                f"{curve}: {', '.join(keys)} must be non-empty lists of rates in [0, 1]"
            )
        elif len(item[keys[0]]) != len(item[keys[1]]):
            problems.append(f"{curve}: {keys[0]} and {keys[1]} differ in length")
    return problems


def parse_model_quality(doc: Any, *, where: str = "statistics.json") -> ModelQuality:
    problems = layout_problems(doc)
    if problems:
        raise EvaluationError(f"{where} is not SageMaker model-quality JSON: {'; '.join(problems)}")
    body = doc[SECTION]
    matrix = body["confusion_matrix"]
    roc, pr = body[ROC], body[PR]
    return ModelQuality(
        tn=matrix["0"]["0"],
        fp=matrix["0"]["1"],
        fn=matrix["1"]["0"],
        tp=matrix["1"]["1"],
        metrics={name: float(body[name]["value"]) for name in SCALARS},
        roc=Curve(
            xs=tuple(map(float, roc["false_positive_rates"])),
            ys=tuple(map(float, roc["true_positive_rates"])),
        ),
        pr=Curve(xs=tuple(map(float, pr["recalls"])), ys=tuple(map(float, pr["precisions"]))),
    )


def parse_importance(doc: Any, *, where: str = "feature_importance.json") -> tuple[Importance, ...]:
    """``feature_importance.json`` (mean_abs_shap), or Clarify's ``explainability.json``."""
    if isinstance(doc, dict) and isinstance(doc.get("features"), list):
        try:
            items = [
                Importance(name=str(f["name"]), value=float(f["mean_abs_shap"]))
                for f in doc["features"]
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise EvaluationError(
                f"{where}: every feature needs name and mean_abs_shap ({exc!r})"
            ) from None
    else:
        try:
            values = doc["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
            items = [Importance(name=str(k), value=float(v)) for k, v in values.items()]
        except (KeyError, TypeError, ValueError, AttributeError):
            raise EvaluationError(
                f"{where} holds neither a features list nor Clarify's "
                "explanations.kernel_shap.label0.global_shap_values"
            ) from None
    return tuple(sorted(items, key=lambda i: (-i.value, i.name)))


def read_json(s3: Any, uri: str) -> Any:
    """The JSON object at an ``s3://`` URI (at most 4 MiB), or ``EvaluationError``."""
    from botocore.exceptions import BotoCoreError

    from glue_workflow.aws.retry import request

    match = _S3_URI.fullmatch(uri)
    if not match:
        raise EvaluationError(f"not an s3:// URI: {uri}")
    try:
        obj = request(
            s3, "get_object", Bucket=match[1], Key=match[2], Range=f"bytes=0-{MAX_REPORT_BYTES - 1}"
        )
        raw = obj["Body"].read()
    # AWS's answer (translated by glue_workflow.aws), or a failure reading the body
    except (GlueWfError, BotoCoreError) as exc:
        raise EvaluationError(f"cannot read {uri}: {exc}") from None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise EvaluationError(
            f"{uri} is not JSON (or over {MAX_REPORT_BYTES} bytes): {exc}"
        ) from None


def load_evaluation(s3: Any, uris: Mapping[str, str | None]) -> Evaluation:
    """The evaluation behind ``uris`` (``model_quality``, ``feature_importance``,
    ``evaluation``), each optional; what cannot be read goes to ``problems``."""
    problems: list[str] = []
    quality = None
    importance: tuple[Importance, ...] = ()
    method = ""
    threshold = None
    table: tuple[dict[str, float], ...] = ()
    warnings: tuple[str, ...] = ()
    if uri := uris.get("model_quality"):
        try:
            quality = parse_model_quality(read_json(s3, uri), where=uri)
        except EvaluationError as exc:
            problems.append(str(exc))
    if uri := uris.get("feature_importance"):
        try:
            doc = read_json(s3, uri)
            importance = parse_importance(doc, where=uri)
            method = str(doc.get("method", "")) if isinstance(doc, dict) else ""
        except EvaluationError as exc:
            problems.append(str(exc))
    if uri := uris.get("evaluation"):
        try:
            report = read_json(s3, uri)
            if isinstance(report, dict):
                threshold = report.get("threshold") if _number(report.get("threshold")) else None
                rows = report.get("threshold_table")
                if isinstance(rows, list):
                    table = tuple(r for r in rows if isinstance(r, dict))
                said = report.get("warnings")
                if isinstance(said, list):
                    warnings = tuple(str(w) for w in said)
        except EvaluationError as exc:
            problems.append(str(exc))
    return Evaluation(
        quality=quality,
        importance=importance,
        importance_method=method,
        threshold=threshold,
        threshold_table=table,
        problems=tuple(problems),
        warnings=warnings,
    )


def run_evaluation(s3: Any, properties: Mapping[str, str]) -> Evaluation:
    """A run's evaluation, from the URIs the evaluate job put in its run properties."""
    return load_evaluation(
        s3,
        {
            "model_quality": properties.get("model_quality_uri"),
            "feature_importance": properties.get("feature_importance_uri"),
            "evaluation": properties.get("evaluation_uri"),
        },
    )
