"""``glue-wf report RUN``: a run's lag, run time, attempts, DPU-hours, instance-hours, cost."""

from __future__ import annotations

from typing import Any

import click

from glue_workflow.cli.common import echo_json, with_settings


def load_rates(settings: Any) -> Any:
    """The shipped rate table with ``[cost.rates]`` of glue-wf.toml over it."""
    import tomllib

    from glue_workflow.errors import ConfigError
    from glue_workflow.runs.cost import shipped_rates, with_overrides

    rates = shipped_rates()
    path = settings.project_root / "glue-wf.toml"
    if not path.is_file():
        return rates
    try:
        table = tomllib.loads(path.read_text()).get("cost", {}).get("rates", {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return with_overrides(rates, table, f"{path} [cost.rates]") if table else rates


@click.command("report")
@with_settings
@click.argument("run_id", required=False)
@click.option("--workflow", default=None, help="Workflow name (default: the definition's).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def report_command(settings: Any, run_id: str | None, workflow: str | None, as_json: bool) -> None:
    """Cost and latency of run RUN_ID (an id, a unique prefix or latest; default: the
    latest run): per node lag, start-up, run time and attempts, Glue DPU-hours,
    SageMaker instance-hours and an estimated cost."""
    import datetime as dt

    from glue_workflow.aws import clients
    from glue_workflow.runs.control import get_run, open_runs
    from glue_workflow.runs.cost import run_cost
    from glue_workflow.runs.cost_sources import sagemaker_usage

    rates = load_rates(settings)
    target = open_runs(settings, workflow=workflow)
    run = get_run(target, run_id)
    sm = clients.client(settings, "sagemaker")
    usage = sagemaker_usage(sm, run, target.workflow, rates, dt.datetime.now(dt.UTC))
    report = run_cost(run, target.workflow, usage, rates)
    if as_json:
        echo_json(report.to_json())
        return
    for line in render(report):
        click.echo(line)


def _s(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}s"


def render(report: Any) -> list[str]:
    lines = [f"run {report.run_id} of {report.workflow} ({report.status})"]
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
