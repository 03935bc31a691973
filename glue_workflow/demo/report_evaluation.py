"""A pipeline run's evaluation for people: terminal lines and a self-contained HTML file.

``glue-wf pipeline-report`` prints ``evaluation_lines`` after the run's summary;
``--html FILE`` writes ``html_report``: one file with inline CSS and SVG charts
(``glue_workflow.charts``), no script and nothing fetched, to attach to a review.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING

from glue_workflow.charts import evaluation_charts
from glue_workflow.model_quality import Evaluation

if TYPE_CHECKING:
    from glue_workflow.demo.pipeline_report import PipelineReport

HEADLINE = ("accuracy", "precision", "recall", "f1", "auc")
TOP_FEATURES = 8
BAR_WIDTH = 24
TABLE_COLUMNS = ("threshold", "precision", "recall", "f1", "accuracy", "false_positive_rate")


def evaluation_lines(evaluation: Evaluation) -> list[str]:
    """The evaluation as aligned text: metrics, confusion matrix, top features, thresholds."""
    out: list[str] = []
    q = evaluation.quality
    if q is not None:
        out.append(
            "quality:  "
            + "  ".join(f"{m}={q.metrics[m]:.4f}" for m in HEADLINE if m in q.metrics)
            + f"  (ROC {len(q.roc.xs)} points, PR {len(q.pr.xs)} points)"
        )
        out.append("confusion:            predicted 0  predicted 1")
        out.append(f"          actual 0   {q.tn:>11}  {q.fp:>11}")
        out.append(f"          actual 1   {q.fn:>11}  {q.tp:>11}")
    if evaluation.importance:
        top = evaluation.importance[:TOP_FEATURES]
        peak = max(i.value for i in top) or 1.0
        width = max(len(i.name) for i in top)
        out.append(f"features: top {len(top)} of {len(evaluation.importance)} by mean |SHAP|")
        for item in top:
            bar = "#" * max(1, round(BAR_WIDTH * item.value / peak)) if item.value > 0 else ""
            out.append(f"          {item.name:<{width}}  {bar:<{BAR_WIDTH}} {item.value:.4g}")
    if evaluation.threshold_table:
        out.append("thresholds: " + "  ".join(f"{c[:9]:>9}" for c in TABLE_COLUMNS))
        for row in evaluation.threshold_table:
            mark = "*" if row.get("threshold") == evaluation.threshold else " "
            cells = "  ".join(f"{float(row.get(c, 0.0)):>9.3f}" for c in TABLE_COLUMNS)
            out.append(f"          {mark} {cells}")
        if evaluation.threshold is not None:
            out.append(f"          (* the decision threshold {evaluation.threshold:g})")
    out.extend(f"warning:  {w}" for w in evaluation.warnings)
    out.extend(f"note:     {p}" for p in evaluation.problems)
    return out


_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1f2933; margin: 24px; max-width: 1100px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 24px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d9dee5; padding: 3px 8px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.mono { font-family: ui-monospace, monospace; font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.rejected { color: #c92a2a; font-weight: 600; }
tr.current td { font-weight: 600; }
"""


def _table(rows: list[tuple[str, str]]) -> str:
    body = "".join(
        f'<tr><th>{escape(k)}</th><td class="mono">{escape(v)}</td></tr>' for k, v in rows if v
    )
    return f"<table>{body}</table>"


def html_report(report: PipelineReport, evaluation: Evaluation) -> str:
    """One HTML page: the run's outcome, lineage, charts, metrics and threshold table."""
    props = report.properties
    gates = report.gates  # (decision name, decision, reason) of every gate
    verdict = "".join(
        f'<p class="rejected">Model rejected by the gate: {escape(reason or "")}</p>'
        for _, decision, reason in gates
        if decision == "rejected"
    )
    gate_text = "; ".join(f"{name}: {decision} ({reason})" for name, decision, reason in gates)
    outcome = _table(
        [
            ("Status", report.status),
            ("Gate", gate_text or "-"),
            (
                "Model version",
                f"{props.get('model_package_group', '')} v{props.get('model_package_version', '')}"
                f" ({report.approval or '-'})"
                if props.get("model_package_arn")
                else "",
            ),
            ("Endpoint", props.get("deployed_endpoint", "")),
            ("Training job", props.get("training_job_name", "")),
            ("Input data", props.get("input_uri", "")),
            ("Evaluation", props.get("evaluation_uri", "")),
            ("Model quality", props.get("model_quality_uri", "")),
        ]
    )
    metrics = "".join(
        f'<tr><th>{escape(k)}</th><td class="num">{escape(v)}</td></tr>'
        for k, v in report.metrics.items()
    )
    charts = "".join(
        f'<figure class="chart">{svg}</figure>'
        for svg in evaluation_charts(evaluation.quality, evaluation.importance).values()
    )
    table = ""
    if evaluation.threshold_table:
        head = "".join(f"<th>{escape(c)}</th>" for c in TABLE_COLUMNS)
        rows = "".join(
            f'<tr class="{"current" if r.get("threshold") == evaluation.threshold else ""}">'
            + "".join(f'<td class="num">{float(r.get(c, 0.0)):.3f}</td>' for c in TABLE_COLUMNS)
            + "</tr>"
            for r in evaluation.threshold_table
        )
        table = f"<h2>Threshold table</h2><table><tr>{head}</tr>{rows}</table>"
    problems = "".join(f"<p>{escape(p)}</p>" for p in evaluation.problems)
    title = f"{report.workflow} run {report.run_id}"
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(title)} · glue-wf pipeline report</title>
<style>{_CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
<p>glue-wf pipeline report, written {created}.</p>
{verdict}
<h2>Outcome and lineage</h2>{outcome}
<h2>Metrics</h2><table>{metrics}</table>
<h2>Evaluation</h2><div class="charts">{charts or "<p>No model-quality data.</p>"}</div>
{problems}{table}
</body></html>
"""
