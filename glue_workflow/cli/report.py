"""``glue-wf report RUN``: a run's lag, run time, attempts, DPU-hours, instance-hours, cost."""

from __future__ import annotations

from typing import Any

import click

from glue_workflow.cli.common import echo_json, with_settings


@click.command("report")
@with_settings
@click.argument("run_id", required=False)
@click.option("--workflow", default=None, help="Workflow name (default: the definition's).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def report_command(settings: Any, run_id: str | None, workflow: str | None, as_json: bool) -> None:
    """Cost and latency of run RUN_ID (an id, a unique prefix or latest; default: the
    latest run): per node lag, start-up, run time and attempts, Glue DPU-hours,
    SageMaker instance-hours and an estimated cost."""
    from glue_workflow.aws import clients
    from glue_workflow.runs.control import open_runs
    from glue_workflow.runs.cost_report import run_report

    target = open_runs(settings, workflow=workflow)
    report = run_report(target, run_id, clients.client(settings, "sagemaker"))
    if as_json:
        echo_json(report.to_json())
        return
    for line in render(report):
        click.echo(line)


def _s(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}s"


def render(report: Any) -> list[str]:
    lines = [f"run {report.run_id} of {report.workflow} ({report.status})"]
    if report.previous_run_id:
        lines.append(
            f"resumed from {report.previous_run_id}: the nodes it did not rerun are priced "
            f"there (glue-wf report {report.previous_run_id})"
        )
    lines.append(
        f"{'node':<32} {'attempts':>8} {'lag':>6} {'startup':>8} {'run':>7} {'DPU-h':>9} {'USD':>9}"
    )
    for n in report.nodes:
        lines.append(
            f"{n.node:<32} {n.attempts:>8} {_s(n.lag_seconds):>6} {_s(n.startup_seconds):>8} "
            f"{_s(n.run_seconds):>7} {n.dpu_hours:>9.4f} {n.cost:>9.4f}"
        )
    for s in report.sagemaker:
        cost = "no rate" if s.cost is None else f"{s.cost:.4f}"
        lines.append(
            f"{s.kind} {s.name}: {s.instance_count} x {s.instance_type}, {s.seconds:.0f}s, "
            f"{s.instance_hours:.4f} instance-h, USD {cost}" + (f" ({s.note})" if s.note else "")
        )
    rates = report.rates
    lines.append(f"estimated cost: USD {report.total:.4f}")
    if report.unpriced:
        lines.append("no rate for: " + ", ".join(report.unpriced) + " (add it in [cost.rates])")
    lines.append(
        f"rates: {rates.region} list prices of {rates.date} ({', '.join(rates.sources)})"
        + (f"; overridden: {', '.join(rates.overridden)}" if rates.overridden else "")
    )
    return lines


COMMANDS = [report_command]
