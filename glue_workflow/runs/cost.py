"""A run's cost and latency: per node lag, run time and attempts; Glue DPU-hours;
SageMaker instance-hours; an estimated cost from a rate table. Pure: no boto3, no I/O
(``runs.cost_sources`` reads the answers), so AWS and local runs share every figure.

Glue (Glue API ``JobRun``): ``DPUSeconds`` when Glue reports it (auto-scaling and Flex
job runs), else ``ExecutionTime`` x capacity (``MaxCapacity``, or the worker type's DPUs
x ``NumberOfWorkers``), each attempt billed for at least the rate table's minimum
(AWS Glue pricing: per second, 1-minute minimum for Glue 2.0+ and Python shell jobs).
SageMaker: training ``BillableTimeInSeconds`` x ``InstanceCount``; processing
``ProcessingEndTime - ProcessingStartTime`` x ``InstanceCount``; the endpoint a run
deployed accrues instance-hours from its config's creation until now.

Lag of a node: from the moment its trigger's condition held (the latest ``CompletedOn``
among the jobs the trigger watches; the run's ``StartedOn`` for the start trigger) to
its first attempt's ``StartedOn``. Start-up: an attempt's wall time minus its
``ExecutionTime`` (time Glue spent provisioning before the script ran).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

from glue_workflow.errors import ConfigError
from glue_workflow.runs.run_nodes import graph_nodes, job_runs_of, trigger_of

RATE_KINDS = ("training", "processing", "hosting")


@dataclass(frozen=True, kw_only=True)
class Rates:
    """Prices the estimate uses, with where they come from."""

    date: str
    region: str
    sources: tuple[str, ...]
    dpu_hour: float
    flex_dpu_hour: float
    minimum_seconds: float
    worker_dpu: Mapping[str, float]
    instance_hour: Mapping[str, Mapping[str, float]]  # kind -> instance type -> USD/hour
    overridden: tuple[str, ...] = ()

    def instance_rate(self, kind: str, instance_type: str) -> float | None:
        return self.instance_hour.get(kind, {}).get(instance_type)

    def to_json(self) -> dict[str, Any]:
        return {
            "Date": self.date,
            "Region": self.region,
            "Sources": list(self.sources),
            "Overridden": list(self.overridden),
        }


def shipped_rates() -> Rates:
    """The rate table shipped with glue-wf (``runs/rates.json``)."""
    data = json.loads(resources.files("glue_workflow.runs").joinpath("rates.json").read_text())
    glue, sm = data["glue"], data["sagemaker"]
    return Rates(
        date=str(data["date"]),
        region=str(data["region"]),
        sources=tuple(data["sources"]),
        dpu_hour=float(glue["dpu_hour"]),
        flex_dpu_hour=float(glue["flex_dpu_hour"]),
        minimum_seconds=float(glue["minimum_seconds"]),
        worker_dpu={k: float(v) for k, v in glue["worker_dpu"].items()},
        instance_hour={k: dict(sm[f"{k}_instance_hour"]) for k in RATE_KINDS},
    )


def with_overrides(rates: Rates, table: Mapping[str, Any], where: str) -> Rates:
    """``[cost.rates]`` of glue-wf.toml over ``rates``: ``dpu_hour``, ``flex_dpu_hour``,
    ``minimum_seconds``, and ``training``/``processing``/``hosting`` tables of
    instance type -> USD per hour."""
    scalars = ("dpu_hour", "flex_dpu_hour", "minimum_seconds")
    changes: dict[str, Any] = {}
    overridden: list[str] = []
    instance = {k: dict(v) for k, v in rates.instance_hour.items()}
    for key, value in table.items():
        if key in scalars:
            changes[key] = _price(value, f"{where}.{key}")
            overridden.append(key)
        elif key in RATE_KINDS and isinstance(value, Mapping):
            for itype, price in value.items():
                _check_instance_type(key, str(itype), f"{where}.{key}")
                instance[key][str(itype)] = _price(price, f"{where}.{key}.{itype}")
                overridden.append(f"{key}.{itype}")
        else:
            raise ConfigError(
                f"{where}: unknown key {key!r}; use {', '.join(scalars)} or a "
                f"{'/'.join(RATE_KINDS)} table of instance type = USD per hour"
            )
    return replace(rates, **changes, instance_hour=instance, overridden=tuple(overridden))


# The SageMaker API enum each kind's instance types come from (botocore's service model).
RATE_SHAPES = {
    "training": "TrainingInstanceType",
    "processing": "ProcessingInstanceType",
    "hosting": "ProductionVariantInstanceType",
}


def _check_instance_type(kind: str, instance_type: str, where: str) -> None:
    """A rate for a name SageMaker does not offer for ``kind`` would never be used."""
    from glue_workflow.model.jobs import instance_hint, sagemaker_instance_types

    offered = sagemaker_instance_types(RATE_SHAPES[kind])
    if instance_type not in offered:
        raise ConfigError(
            f"{where}: {instance_type!r} is not a SageMaker {kind} instance type"
            f"{instance_hint(instance_type, offered)} (the SageMaker API's {RATE_SHAPES[kind]}), "
            'so no run would be priced with it: use e.g. "ml.m5.large" = 0.115'
        )


def _price(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{where} must be a non-negative number (USD), got {value!r}")
    return float(value)


@dataclass(frozen=True, kw_only=True)
class NodeCost:
    node: str  # the Glue job name
    attempts: int
    lag_seconds: float | None  # trigger condition held -> first attempt started
    startup_seconds: float | None  # wall time - ExecutionTime, summed over attempts
    run_seconds: float  # ExecutionTime, summed over attempts
    dpu_hours: float
    basis: str  # "DPUSeconds" or "ExecutionTime x <capacity> DPU"
    cost: float

    def to_json(self) -> dict[str, Any]:
        return {
            "Node": self.node,
            "Attempts": self.attempts,
            "LagSeconds": self.lag_seconds,
            "StartupSeconds": self.startup_seconds,
            "RunSeconds": self.run_seconds,
            "DpuHours": round(self.dpu_hours, 6),
            "Basis": self.basis,
            "Cost": round(self.cost, 6),
        }


@dataclass(frozen=True, kw_only=True)
class SageMakerCost:
    kind: str  # training | processing | hosting
    name: str
    node: str
    instance_type: str
    instance_count: int
    seconds: float
    instance_hours: float
    cost: float | None  # None: no rate for the instance type
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "Kind": self.kind,
            "Name": self.name,
            "Node": self.node,
            "InstanceType": self.instance_type,
            "InstanceCount": self.instance_count,
            "Seconds": self.seconds,
            "InstanceHours": round(self.instance_hours, 6),
            "Cost": None if self.cost is None else round(self.cost, 6),
            "Note": self.note,
        }


@dataclass(frozen=True, kw_only=True)
class RunCost:
    workflow: str
    run_id: str
    status: str
    wall_seconds: float | None
    nodes: tuple[NodeCost, ...]
    sagemaker: tuple[SageMakerCost, ...]
    rates: Rates = field(repr=False)
    previous_run_id: str | None = None  # a resumed run: what it did not rerun is priced there

    @property
    def total(self) -> float:
        return sum(n.cost for n in self.nodes) + sum(s.cost or 0.0 for s in self.sagemaker)

    @property
    def unpriced(self) -> tuple[str, ...]:
        return tuple(
            sorted({f"{s.kind} {s.instance_type}" for s in self.sagemaker if s.cost is None})
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "Workflow": self.workflow,
            "RunId": self.run_id,
            "PreviousRunId": self.previous_run_id,
            "Status": self.status,
            "WallSeconds": self.wall_seconds,
            "Nodes": [n.to_json() for n in self.nodes],
            "SageMaker": [s.to_json() for s in self.sagemaker],
            "GlueDpuHours": round(sum(n.dpu_hours for n in self.nodes), 6),
            "EstimatedCost": round(self.total, 6),
            "Currency": "USD",
            "Unpriced": list(self.unpriced),
            "Rates": self.rates.to_json(),
        }


def _seconds(start: Any, end: Any) -> float | None:
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
        return max(0.0, (end - start).total_seconds())
    return None


def glue_dpu_seconds(job_run: Mapping[str, Any], rates: Rates) -> tuple[float, str]:
    """Billed DPU-seconds of one attempt and how they were derived."""
    if job_run.get("DPUSeconds") is not None:
        return float(job_run["DPUSeconds"]), "DPUSeconds"
    if job_run.get("MaxCapacity") is not None:
        capacity = float(job_run["MaxCapacity"])
    elif job_run.get("WorkerType") and job_run.get("NumberOfWorkers"):
        per_worker = rates.worker_dpu.get(str(job_run["WorkerType"]))
        if per_worker is None:
            raise ConfigError(
                f"no DPU size for worker type {job_run['WorkerType']!r}: add it to the rate "
                "table's worker_dpu"
            )
        capacity = per_worker * int(job_run["NumberOfWorkers"])
    else:
        capacity = float(job_run.get("AllocatedCapacity") or 0)
    seconds = max(float(job_run.get("ExecutionTime") or 0), rates.minimum_seconds)
    return seconds * capacity, f"ExecutionTime x {capacity:g} DPU"


def _condition_held(run: Mapping[str, Any], job: str) -> Any:
    """When the trigger that starts ``job`` could fire: see the module docstring."""
    completed: dict[str, Any] = {}
    for node in graph_nodes(run):
        if node.get("Type") == "JOB":
            ends = [r["CompletedOn"] for r in job_runs_of(node) if r.get("CompletedOn")]
            if ends:
                completed[str(node.get("Name"))] = max(ends)
    for node in graph_nodes(run):
        if node.get("Type") != "TRIGGER":
            continue
        trigger = trigger_of(node)
        if job not in [a.get("JobName") for a in trigger.get("Actions") or []]:
            continue
        if trigger.get("Type") != "CONDITIONAL":
            return run.get("StartedOn")
        watched = [c.get("JobName") for c in (trigger.get("Predicate") or {}).get("Conditions", [])]
        times = [completed[str(w)] for w in watched if str(w) in completed]
        return max(times) if times else None
    return None


def own_job_runs(run: Mapping[str, Any], node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The node's job runs this run started: a resumed run's graph also shows the job
    runs of the run it resumes (started before it), which that run's report prices."""
    started = run.get("StartedOn")
    runs = job_runs_of(node)
    if run.get("PreviousRunId") and isinstance(started, dt.datetime):
        runs = [
            r
            for r in runs
            if not isinstance(r.get("StartedOn"), dt.datetime) or r["StartedOn"] >= started
        ]
    return sorted(runs, key=lambda r: int(r.get("Attempt") or 0))


def node_costs(run: Mapping[str, Any], rates: Rates) -> tuple[NodeCost, ...]:
    rows = []
    for node in graph_nodes(run):
        if node.get("Type") != "JOB":
            continue
        attempts = own_job_runs(run, node)
        if not attempts:
            continue
        name = str(node.get("Name"))
        dpu_seconds = 0.0
        startup: float | None = None
        bases = []
        flex = False
        for attempt in attempts:
            seconds, basis = glue_dpu_seconds(attempt, rates)
            dpu_seconds += seconds
            bases.append(basis)
            flex = flex or attempt.get("ExecutionClass") == "FLEX"
            wall = _seconds(attempt.get("StartedOn"), attempt.get("CompletedOn"))
            if wall is not None and attempt.get("ExecutionTime") is not None:
                startup = (startup or 0.0) + max(0.0, wall - float(attempt["ExecutionTime"]))
        dpu_hours = dpu_seconds / 3600
        rate = rates.flex_dpu_hour if flex else rates.dpu_hour
        held = _condition_held(run, name)
        began = run.get("StartedOn")
        if (
            run.get("PreviousRunId")
            and isinstance(held, dt.datetime)
            and isinstance(began, dt.datetime)
        ):
            # a node a resume restarts starts with the resumed run, not when its
            # trigger's condition held in the run it resumes
            held = max(held, began)
        rows.append(
            NodeCost(
                node=name,
                attempts=len(attempts),
                lag_seconds=_seconds(held, attempts[0].get("StartedOn")),
                startup_seconds=startup,
                run_seconds=sum(float(a.get("ExecutionTime") or 0) for a in attempts),
                dpu_hours=dpu_hours,
                basis=bases[-1],
                cost=dpu_hours * rate,
            )
        )
    return tuple(sorted(rows, key=lambda r: r.node))


def sagemaker_cost(
    *,
    kind: str,
    name: str,
    node: str,
    instance_type: str,
    count: int,
    seconds: float,
    rates: Rates,
    note: str = "",
) -> SageMakerCost:
    hours = seconds * count / 3600
    rate = rates.instance_rate(kind, instance_type)
    return SageMakerCost(
        kind=kind,
        name=name,
        node=node,
        instance_type=instance_type,
        instance_count=count,
        seconds=seconds,
        instance_hours=hours,
        cost=None if rate is None else hours * rate,
        note=note,
    )


def run_cost(
    run: Mapping[str, Any],
    workflow: str,
    sagemaker: Sequence[SageMakerCost],
    rates: Rates,
) -> RunCost:
    return RunCost(
        workflow=workflow,
        run_id=str(run.get("WorkflowRunId") or ""),
        status=str(run.get("Status") or ""),
        wall_seconds=_seconds(run.get("StartedOn"), run.get("CompletedOn")),
        nodes=node_costs(run, rates),
        sagemaker=tuple(sagemaker),
        rates=rates,
        previous_run_id=str(run.get("PreviousRunId") or "") or None,
    )
