"""``glue-wf run --rerun-from NODE [--of RUN_ID]``: the run properties that make it so.

Every node upstream of NODE is served from the earlier run: its recorded outputs (its
declared writes, read from that run's properties) start the new run, and the run
property ``glue_wf_rerun`` tells each job whether it is reused (ends SUCCEEDED at
once) or must run (a forced cache miss). The jobs decide (``jobkit.cache``), so it
works on AWS and locally alike. Reuse is refused, with the reason, when the earlier
run did not finish an upstream node, lacks one of its outputs, or an upstream node's
shipped files or cached input objects changed since.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glue_workflow import naming
from glue_workflow.errors import ConfigError, RunError
from glue_workflow.jobkit.cache import CACHE_PROPERTY_PREFIX, RERUN_PROPERTY, files_digest
from glue_workflow.model._base import did_you_mean
from glue_workflow.model.notify import NOTIFIER_NODE
from glue_workflow.model.topology import resolve_triggers
from glue_workflow.model.workflow import Workflow
from glue_workflow.runs.run_nodes import job_states
from glue_workflow.runs.verdict import judge


class RerunError(RunError):
    """The earlier run cannot serve the nodes upstream of the rerun node."""


@dataclass(frozen=True, kw_only=True)
class RerunPlan:
    node: str
    of: str
    reuse: tuple[str, ...]  # upstream: served from the earlier run
    rerun: tuple[str, ...]  # the node and everything downstream: forced misses
    properties: Mapping[str, str]  # start properties of the new run


def upstream_and_downstream(workflow: Workflow, node: str) -> tuple[set[str], set[str]]:
    """Nodes that must finish before ``node`` can start, and ``node`` with its descendants."""
    parents: dict[str, set[str]] = {}
    children: dict[str, set[str]] = {}
    for trigger in resolve_triggers(workflow):
        for action in trigger.actions:
            for watched in trigger.watched:
                parents.setdefault(action.node, set()).add(watched)
                children.setdefault(watched, set()).add(action.node)

    def closure(start: str, edges: Mapping[str, set[str]]) -> set[str]:
        found: set[str] = set()
        todo = [start]
        while todo:
            for nxt in edges.get(todo.pop(), set()):
                if nxt not in found:
                    found.add(nxt)
                    todo.append(nxt)
        return found

    down = closure(node, children) | {node}
    return closure(node, parents) - down, down


def latest_successful(
    runs: list[dict[str, Any]], workflow: Workflow | None = None, node: str | None = None
) -> dict[str, Any] | None:
    """The newest completed run that succeeded and, with ``workflow`` and ``node``, where
    every node upstream of ``node`` SUCCEEDED (a rejected run succeeded, but its gate
    FAILED: nothing downstream of the gate can be rerun from it)."""
    jobs: list[str] = []
    if workflow is not None and node is not None and node in set(workflow.node_names):
        up = upstream_and_downstream(workflow, node)[0]
        jobs = [naming.job_name(workflow.name, n) for n in up]
    for run in runs:  # newest first
        if run.get("Status") != "COMPLETED" or judge(run).outcome != "succeeded":
            continue
        states = job_states(run)
        if all(states.get(job) == "SUCCEEDED" for job in jobs):
            return run
    return None


def refuse_failure_branch(workflow: Workflow, node: str) -> None:
    """A node started by a failure (FAILED, TIMEOUT, STOPPED) of an upstream node cannot
    be rerun from: the rerun serves its upstream nodes as they SUCCEEDED, which starts
    the success branch, not this one."""
    for trigger in resolve_triggers(workflow):
        if not any(a.node == node for a in trigger.actions):
            continue
        failures = [c for c in trigger.conditions if c.state != "SUCCEEDED"]
        if failures:
            first = failures[0]
            raise RerunError(
                f"--rerun-from {node}: {node} runs when {first.node} ends {first.state}, and a "
                f"rerun serves {first.node} as it SUCCEEDED (which starts the other branch): "
                f"resume the run where {first.node} ended {first.state} instead (glue-wf "
                f"resume RUN_ID --node {node})"
            )


def plan(
    workflow: Workflow,
    node: str,
    earlier: Mapping[str, Any],
    deployed_jobs: Mapping[str, Mapping[str, Any]],
) -> RerunPlan:
    """The plan for rerunning from ``node`` against ``earlier`` (a GetWorkflowRun answer).

    ``deployed_jobs``: the deployed job definitions (BatchGetJobs), to compare each
    upstream node's shipped files with what the earlier run recorded.
    """
    names = set(workflow.node_names)
    if node == NOTIFIER_NODE:
        raise ConfigError(
            f"--rerun-from {node}: {node} is glue-wf's verdict notifier (Workflow(notify=...)), "
            "which runs with every run and publishes its verdict: rerun from one of the "
            f"workflow's own nodes ({', '.join(sorted(names))})"
        )
    if node not in names:
        raise ConfigError(
            f"--rerun-from {node!r}: workflow {workflow.name!r} has no such node"
            f"{did_you_mean(node, names)}"
        )
    run_id = str(earlier.get("WorkflowRunId"))
    status = earlier.get("Status")
    if status != "COMPLETED":
        # A stopped or failed run has ended: waiting for it would not help.
        how = (
            "wait for it to finish, or pass --of with a completed run"
            if status in ("RUNNING", "STOPPING")
            else "pass --of with the id of a completed run"
        )
        raise RerunError(f"--rerun-from: run {run_id} is {status}, not COMPLETED: {how}")
    up, down = upstream_and_downstream(workflow, node)
    states = job_states(earlier)
    props = dict(earlier.get("WorkflowRunProperties") or {})
    by_name = {n.name: n for n in workflow.nodes}
    copied: dict[str, str] = {}
    for name in sorted(up):
        job = naming.job_name(workflow.name, name)
        state = states.get(job)
        if state != "SUCCEEDED":
            raise RerunError(
                f"--rerun-from {node}: upstream node {name} "
                + ("did not run" if state is None else f"ended {state}")
                + f" in run {run_id}, so it has no outputs to reuse: rerun from {name} "
                "(or pass --of with a run where it succeeded)"
            )
        missing = [w for w in by_name[name].writes if w not in props]
        if missing:
            raise RerunError(
                f"--rerun-from {node}: run {run_id} lacks output(s) {', '.join(missing)} of "
                f"upstream node {name}: rerun from {name}"
            )
        _check_unchanged(name, job, run_id, props, deployed_jobs.get(job))
        copied.update({w: props[w] for w in by_name[name].writes})
        # and what it read there: the new run's properties (and the lineage a register
        # records from them) describe the outputs it reuses, not today's defaults
        copied.update({r: props[r] for r in by_name[name].reads if r in props})
    marker = {"from": node, "of": run_id, "reuse": sorted(up), "rerun": sorted(down)}
    copied[RERUN_PROPERTY] = json.dumps(marker, sort_keys=True, separators=(",", ":"))
    return RerunPlan(
        node=node, of=run_id, reuse=tuple(sorted(up)), rerun=tuple(sorted(down)), properties=copied
    )


def refuse_unreached(workflow: Workflow, rerun_plan: RerunPlan, given: Mapping[str, str]) -> None:
    """Refuse a run property given with ``--rerun-from`` that a reused node read with
    another value: its outputs, reused, were made with the old one, yet the new run's
    properties (and the lineage a register records from them) would say the new one."""
    order = list(workflow.node_names)
    for key, value in given.items():
        reused = sorted(
            (n.name for n in workflow.nodes if n.name in rerun_plan.reuse and key in n.reads),
            key=order.index,
        )
        if reused and key in rerun_plan.properties and value != rerun_plan.properties[key]:
            raise ConfigError(
                f"run property {key!r} is read by {', '.join(reused)}, which --rerun-from "
                f"{rerun_plan.node} reuses from run {rerun_plan.of} where it was "
                f"{rerun_plan.properties[key]!r}: the reused outputs were made with that "
                f"value; rerun from {reused[0]} to use the new one, or drop -p {key}"
            )


def _check_unchanged(
    name: str, job: str, run_id: str, props: Mapping[str, str], deployed: Mapping[str, Any] | None
) -> None:
    """A cached upstream node's shipped files must be what the earlier run ran."""
    if deployed is None:
        raise RerunError(
            f"--rerun-from: upstream node {name} (job {job}) is not deployed: glue-wf deploy"
        )
    raw = (deployed.get("DefaultArguments") or {}).get("--glue_wf_cache")
    recorded = props.get(CACHE_PROPERTY_PREFIX + name)
    if not raw or not recorded:
        return  # not cached: nothing recorded to compare (see docs/caching.md)
    try:
        now = files_digest(json.loads(raw).get("files") or {})
        then = json.loads(recorded).get("files")
    except (ValueError, AttributeError):
        return
    if then and now != then:
        raise RerunError(
            f"--rerun-from: the script or shipped files of upstream node {name} changed since "
            f"run {run_id}: its outputs were made by the old code and cannot be reused; rerun "
            f"from {name}"
        )


def refuse_changed_inputs(
    s3: Any,
    workflow: Workflow,
    rerun_plan: RerunPlan,
    earlier: Mapping[str, Any],
    deployed_jobs: Mapping[str, Mapping[str, Any]],
) -> None:
    """Refuse to reuse an upstream node whose cache inputs (the objects under its input
    URIs) changed since the earlier run read them: its outputs were made from the old
    data, at the same URI. Nodes without a cache entry for that run are not checked."""
    from glue_workflow.jobkit import cache_store
    from glue_workflow.jobkit.cache_key import objects_digest

    props = dict(earlier.get("WorkflowRunProperties") or {})
    for name in rerun_plan.reuse:
        job = deployed_jobs.get(naming.job_name(workflow.name, name)) or {}
        raw = (job.get("DefaultArguments") or {}).get("--glue_wf_cache")
        try:
            store = json.loads(raw or "{}").get("store")
            key = json.loads(props.get(CACHE_PROPERTY_PREFIX + name) or "{}").get("key")
        except (ValueError, AttributeError):
            continue
        if not store or not key:
            continue  # not cached, or reused itself: nothing recorded to compare
        # the record holds the key's first 16 digits; the entry is <store>/<key>.json
        bucket, prefix = cache_store.split_uri(f"{store.rstrip('/')}/{key}")
        entries = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents") or []
        if not entries:
            continue  # the entry expired or was cleared
        body = s3.get_object(Bucket=bucket, Key=entries[0]["Key"])["Body"].read()
        try:
            inputs = (json.loads(body).get("components") or {}).get("inputs") or {}
        except (ValueError, AttributeError):
            continue
        for uri, digest in sorted(inputs.items()):
            if objects_digest(cache_store.list_objects(s3, uri)) != digest:
                raise RerunError(
                    f"--rerun-from {rerun_plan.node}: input {uri} of upstream node {name} "
                    f"changed since run {rerun_plan.of} read it: the reused outputs were made "
                    f"from the old objects; rerun from {name}"
                )


def refuse_missing_outputs(s3: Any, workflow: Workflow, rerun_plan: RerunPlan) -> None:
    """Refuse to reuse an upstream node whose S3 outputs are gone (deleted or expired
    since the earlier run): the rerun node would fail reading them."""
    from glue_workflow.jobkit import cache_store

    for node in workflow.nodes:
        if node.name not in rerun_plan.reuse:
            continue
        for name in node.writes:
            value = rerun_plan.properties.get(name, "")
            if value.startswith("s3://") and not cache_store.exists_under(s3, value):
                raise RerunError(
                    f"--rerun-from {rerun_plan.node}: output {name}={value} of upstream node "
                    f"{node.name} in run {rerun_plan.of} is gone: rerun from {node.name}"
                )
