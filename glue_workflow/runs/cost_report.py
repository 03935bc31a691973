"""A run's cost and latency report: the one service ``glue-wf report`` and the console call.

It reads the run (``runs.control``), the SageMaker jobs and endpoint the run made
(``runs.cost_sources``) and prices them (``runs.cost``) with the shipped rate table
under ``[cost.rates]`` of glue-wf.toml. The front ends only format the ``RunCost``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from glue_workflow.errors import ConfigError, RunError
from glue_workflow.runs.control import RunTarget
from glue_workflow.runs.cost import Rates, RunCost, run_cost, shipped_rates, with_overrides
from glue_workflow.runs.cost_sources import sagemaker_usage
from glue_workflow.runs.run_ids import get_run


def load_rates(project_root: Path) -> Rates:
    """The shipped rate table with ``[cost.rates]`` of the project's glue-wf.toml over it."""
    rates = shipped_rates()
    path = project_root / "glue-wf.toml"
    if not path.is_file():
        return rates
    try:
        table = tomllib.loads(path.read_text()).get("cost", {}).get("rates", {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [cost.rates] must be a table, got {table!r}")
    return with_overrides(rates, table, f"{path} [cost.rates]") if table else rates


def run_report(
    target: RunTarget,
    run_id: str | None,
    sagemaker: Any,
    *,
    now: dt.datetime | None = None,
) -> RunCost:
    """Cost and latency of run ``run_id`` (an id, a unique prefix, ``latest`` or None)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from glue_workflow.aws.errors import translate, translate_botocore

    rates = load_rates(target.settings.project_root)
    run = get_run(target, run_id)
    what = "sagemaker: reading the run's training/processing jobs and endpoint"
    try:
        usage = sagemaker_usage(
            sagemaker, run, target.workflow, rates, now or dt.datetime.now(dt.UTC)
        )
    except ClientError as exc:
        raise translate(exc, what, base=RunError) from exc
    except BotoCoreError as exc:
        raise translate_botocore(exc, what, base=RunError) from exc
    return run_cost(run, target.workflow, usage, rates)
