"""Evaluation charts, run-over-run trends, run comparison and model lineage for the console.

Built on the same reads as the rest of the API (``Workflows``, ``Models``) plus the
evaluation files in S3; every chart is SVG drawn here (``glue_workflow.charts``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from glue_workflow.charts import TrendPoint, evaluation_charts, trend_svg
from glue_workflow.console.errors import ApiError, call
from glue_workflow.console.models import Models
from glue_workflow.console.workflows import MAX_RUNS, Workflows
from glue_workflow.errors import GlueWfError
from glue_workflow.lineage import package_lineage, serving_endpoints
from glue_workflow.model_quality import load_evaluation, run_evaluation

# The evaluate job's headline metrics (docs/pipeline.md), drawn when a run has them.
EVALUATION_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")
# Run properties that summarise the data's quality (counted rows, data-quality rules).
DATA_QUALITY_PREFIXES = ("data_quality_", "dq_")
DATA_QUALITY_KEYS = ("rows_input", "rows_dropped")


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def data_quality(properties: Mapping[str, str]) -> dict[str, str]:
    return {
        k: v
        for k, v in sorted(properties.items())
        if k in DATA_QUALITY_KEYS or k.startswith(DATA_QUALITY_PREFIXES)
    }


class Insights:
    """The console routes that read evaluations, compare runs and follow lineage."""

    def __init__(self, workflows: Workflows, models: Models) -> None:
        self.workflows = workflows
        self.models = models

    # --- evaluation --------------------------------------------------------------------

    def run_evaluation(self, name: str, run_id: str) -> dict[str, Any]:
        run = self.workflows.run(name, run_id)
        props = run["run_properties"]
        evaluation = run_evaluation(self.models.s3, props)
        return {
            "workflow": name,
            "run_id": run["run_id"],
            "has_evaluation": bool(props.get("model_quality_uri") or props.get("evaluation_uri")),
            "evaluation": evaluation.to_dict(),
            "charts": evaluation_charts(evaluation.quality, evaluation.importance),
        }

    def version(self, group: str, version: str) -> dict[str, Any]:
        package = self.models.package(group, version)
        view = self.models.version_view(package)
        quality = (package.get("ModelMetrics") or {}).get("ModelQuality") or {}
        explain = (package.get("ModelMetrics") or {}).get("Explainability") or {}
        meta = package.get("CustomerMetadataProperties") or {}
        evaluation = load_evaluation(
            self.models.s3,
            {
                "model_quality": (quality.get("Statistics") or {}).get("S3Uri"),
                "feature_importance": (explain.get("Report") or {}).get("S3Uri"),
                "evaluation": meta.get("evaluation-uri"),
            },
        )
        serving = self._serving()
        lineage = package_lineage(package, serving)
        view.update(
            group=group,
            lineage=lineage,
            stages=self._stages(str(package.get("ModelPackageArn")), lineage["endpoints"]),
            evaluation=evaluation.to_dict(),
            charts=evaluation_charts(evaluation.quality, evaluation.importance),
        )
        return view

    def _serving(self) -> dict[str, list[dict[str, Any]]]:
        try:
            return serving_endpoints(self.models.sagemaker)
        except GlueWfError as exc:  # AWS's answer, translated by glue_workflow.aws
            raise ApiError(502, f"listing the endpoints serving models: {exc}") from exc

    def _stages(self, arn: str, serving: list[dict[str, Any]]) -> dict[str, Any]:
        """Where the version was promoted (docs/stages.md); the page still shows without it."""
        from botocore.exceptions import BotoCoreError, ClientError

        from glue_workflow.errors import GlueWfError
        from glue_workflow.stages.records import package_stages

        try:
            return package_stages(self.models.sagemaker, arn, serving)
        except (ClientError, BotoCoreError, GlueWfError) as exc:
            return {"promotions": [], "approvals": {}, "error": f"reading its tags: {exc}"}

    # --- runs over time ----------------------------------------------------------------

    def _gate_metrics(self, name: str) -> list[str]:
        """The metrics the workflow's gate jobs test (their ``--gate_conditions``)."""
        graph = self.workflows.get(name)["graph"]
        metrics: list[str] = []
        for node in graph.get("nodes") or []:
            if node.get("type") != "JOB":
                continue
            job = call(
                self.workflows.glue, f"job {node['name']!r}", "get_job", JobName=node["name"]
            )
            raw = (job["Job"].get("DefaultArguments") or {}).get("--gate_conditions")
            try:
                conditions = json.loads(raw) if raw else []
            except ValueError:
                continue
            for condition in conditions if isinstance(conditions, list) else []:
                metric = condition.get("metric") if isinstance(condition, dict) else None
                if isinstance(metric, str) and metric not in metrics:
                    metrics.append(metric)
        return metrics

    def trend(self, name: str, limit: int = MAX_RUNS) -> dict[str, Any]:
        runs = self.workflows.runs(name, limit)["runs"]
        gate = self._gate_metrics(name)
        metrics = [
            *gate,
            *(m for m in EVALUATION_METRICS if m not in gate),
        ]
        metrics = [
            m for m in metrics if any(_float(r["run_properties"].get(m)) is not None for r in runs)
        ]
        rows = []
        for run in runs:
            props = run["run_properties"]
            rows.append(
                {
                    **_run_head(run),
                    "metrics": {m: v for m in metrics if (v := _float(props.get(m))) is not None},
                    "data_quality": data_quality(props),
                    "model_package_version": props.get("model_package_version"),
                    "model_package_group": props.get("model_package_group"),
                }
            )
        oldest_first = [
            TrendPoint(run_id=str(r["run_id"]), verdict=r["verdict"], values=r["metrics"])
            for r in reversed(rows)
        ]
        return {
            "workflow": name,
            "gate_metrics": gate,
            "metrics": metrics,
            "runs": rows,
            "chart": trend_svg(oldest_first, metrics) if rows and metrics else None,
        }

    def compare(self, name: str, first: str, second: str) -> dict[str, Any]:
        a, b = self.workflows.run(name, first), self.workflows.run(name, second)
        pa, pb = a["run_properties"], b["run_properties"]
        properties = [
            {"name": k, "a": pa.get(k), "b": pb.get(k), "changed": pa.get(k) != pb.get(k)}
            for k in sorted({*pa, *pb})
        ]
        metrics = []
        for key in sorted({*pa, *pb}):
            va, vb = _float(pa.get(key)), _float(pb.get(key))
            if va is None and vb is None:
                continue
            metrics.append(
                {
                    "name": key,
                    "a": va,
                    "b": vb,
                    "delta": None if va is None or vb is None else round(vb - va, 9),
                }
            )
        return {
            "workflow": name,
            "a": _run_head(a),
            "b": _run_head(b),
            "properties": properties,
            "metrics": metrics,
            "nodes": _node_durations(a["graph"]["nodes"], b["graph"]["nodes"]),
        }


def _run_head(run: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "run_id": run["run_id"],
        "status": run["status"],
        "verdict": run["verdict"],  # the run status's label, as everywhere
        "verdict_summary": run["verdict_summary"],
        "rejections": run["rejections"],
        "started_on": run["started_on"],
        "duration_seconds": run["duration_seconds"],
    }


def _job_durations(nodes: Sequence[Mapping[str, Any]]) -> dict[str, tuple[float | None, str]]:
    """Job name → (seconds of all attempts, last attempt's state)."""
    out: dict[str, tuple[float | None, str]] = {}
    for node in nodes:
        if node.get("type") != "JOB":
            continue
        attempts = node.get("runs") or []
        seconds = [r["duration_seconds"] for r in attempts if r.get("duration_seconds") is not None]
        out[str(node["name"])] = (
            round(sum(seconds), 3) if seconds else None,
            str(node.get("state") or "NOT_STARTED"),
        )
    return out


def _node_durations(
    a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    da, db = _job_durations(a), _job_durations(b)
    rows = []
    for job in sorted({*da, *db}):
        (sa, state_a), (sb, state_b) = da.get(job, (None, "-")), db.get(job, (None, "-"))
        rows.append(
            {
                "node": job,
                "a_seconds": sa,
                "b_seconds": sb,
                "a_state": state_a,
                "b_state": state_b,
                "delta": None if sa is None or sb is None else round(sb - sa, 3),
            }
        )
    return rows
