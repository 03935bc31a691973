"""What the step cache did in a run, for ``status``, ``run --wait``, the console and
``glue-wf cache``.

Each cached job records its decision in the run property ``glue_wf_cache_<node>``
(see ``jobkit.cache``), so the explanation reads the same on AWS and locally; the
entries themselves are read from S3 where the deployed jobs' ``--glue_wf_cache``
argument says they live.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from typing import Any

from glue_workflow import naming
from glue_workflow.aws import clients
from glue_workflow.errors import NotFoundError
from glue_workflow.jobkit import cache_store
from glue_workflow.jobkit.cache import CACHE_PROPERTY_PREFIX, cache_property
from glue_workflow.model._base import did_you_mean


def decision(properties: Mapping[str, str], node: str) -> dict[str, Any] | None:
    raw = properties.get(cache_property(node))
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def describe(record: Mapping[str, Any]) -> str:
    """``cached (from run X)``, ``ran: <why>`` or ``reused from run X (...)``."""
    kind = record.get("decision")
    if kind == "cached":
        return f"cached (from run {record.get('run')})"
    if kind == "reused":
        return f"reused from run {record.get('run')} ({record.get('why')})"
    return f"ran: {record.get('why')}"


def notes(run: Mapping[str, Any]) -> dict[str, str]:
    """Node -> its cache explanation in ``run`` (nodes with a decision only)."""
    props = dict(run.get("WorkflowRunProperties") or {})
    found = {}
    for key in sorted(props):
        if key.startswith(CACHE_PROPERTY_PREFIX):
            node = key[len(CACHE_PROPERTY_PREFIX) :]
            record = decision(props, node)
            if record is not None:
                found[node] = describe(record)
    return found


def job_notes(run: Mapping[str, Any], workflow: str) -> dict[str, str]:
    """Like ``notes``, keyed by Glue job name (as run graphs name nodes)."""
    return {naming.job_name(workflow, node): text for node, text in notes(run).items()}


def cached_jobs(target: Any) -> dict[str, dict[str, Any]]:
    """The workflow's deployed job definitions (BatchGetJobs), by job name."""
    graph = target.glue.client.get_workflow(Name=target.workflow, IncludeGraph=True)
    nodes = ((graph.get("Workflow") or {}).get("Graph") or {}).get("Nodes") or []
    names = [str(n["Name"]) for n in nodes if n.get("Type") == "JOB"]
    jobs: dict[str, dict[str, Any]] = target.glue.jobs(names)
    return jobs


def _stores(target: Any, node: str | None = None) -> dict[str, str]:
    """Cached node -> its entries' S3 prefix (from the deployed jobs' configuration)."""
    found = {}
    jobs = cached_jobs(target)
    for name, job in jobs.items():
        raw = (job.get("DefaultArguments") or {}).get("--glue_wf_cache")
        config = json.loads(raw) if raw else {}
        if config.get("cache"):
            found[naming.node_of_job(target.workflow, name)] = str(config["store"])
    if node is not None:
        deployed = sorted(naming.node_of_job(target.workflow, name) for name in jobs)
        if node not in found and node not in deployed:
            raise NotFoundError(
                f"workflow {target.workflow} has no node {node!r}"
                f"{did_you_mean(node, deployed)} (nodes: {', '.join(deployed) or 'none'})"
            )
        if node not in found:
            raise NotFoundError(
                f"node {node!r} of workflow {target.workflow} is not cached (cached nodes: "
                f"{', '.join(sorted(found)) or 'none'}): set cache= on it and deploy"
            )
        return {node: found[node]}
    return found


def _s3(settings: Any) -> Any:
    return clients.client(settings, "s3")


def _when(epoch: Any) -> str:
    """ISO 8601 in UTC, as every --json datetime (docs/json.md)."""
    return dt.datetime.fromtimestamp(float(epoch or 0), dt.UTC).isoformat(timespec="seconds")


def list_entries(settings: Any, target: Any) -> list[dict[str, Any]]:
    s3 = _s3(settings)
    items = []
    for node, store in sorted(_stores(target).items()):
        for entry in cache_store.list_entries(s3, store, limit=None):
            items.append(
                {
                    "Node": node,
                    "RunId": entry.get("run_id"),
                    "Created": _when(entry.get("created")),
                    "Key": str(entry.get("key")),
                    "Writes": entry.get("writes") or {},
                    "Location": cache_store.entry_uri(store, str(entry.get("key"))),
                }
            )
    return items


def explain(settings: Any, target: Any, run: Mapping[str, Any], node: str) -> Iterator[str]:
    store = _stores(target, node)[node]
    props = dict(run.get("WorkflowRunProperties") or {})
    record = decision(props, node)
    run_id = run.get("WorkflowRunId")
    if record is None:
        yield f"{node} in run {run_id}: no cache decision recorded (the node did not run)"
    else:
        yield f"{node} in run {run_id}: {describe(record)}"
        if record.get("key"):
            yield f"key {record['key']}"
    entries = cache_store.list_entries(_s3(settings), store, limit=None)
    yield f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} in {store}"
    for entry in entries:
        reads = (entry.get("components") or {}).get("reads") or {}
        shown = ", ".join(f"{k}={v}" for k, v in sorted(reads.items()))
        yield f"  run {entry.get('run_id')}  {_when(entry.get('created'))}  reads: {shown}"


def clear(settings: Any, target: Any, node: str | None) -> Iterator[tuple[str, int]]:
    s3 = _s3(settings)
    for name, store in sorted(_stores(target, node).items()):
        yield name, cache_store.delete_entries(s3, store)
