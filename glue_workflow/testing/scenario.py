"""Run a workflow's real triggers with mocked node outcomes, in-process, in milliseconds.

The workflow is compiled as for a deployment (the same CreateTrigger requests), its
triggers become the documents the local Glue engine snapshots at run start, and the
engine's own trigger evaluation (``local.glue.workflow_graph.ready_triggers``) decides what
starts after each job run ends; retries follow each job's MaxRetries as Glue's do.
Nothing is executed: each node's job run ends as its mocked ``Outcome`` says. The
run is judged by the same verdict ``glue-wf run --wait`` prints.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from glue_workflow import naming
from glue_workflow.compiler import compile_workflow, placeholder_context
from glue_workflow.errors import ConfigError
from glue_workflow.jobkit.contract import GLUE_PREFIX
from glue_workflow.jobkit.contract import Contract as PropertyContract
from glue_workflow.local.glue.workflow_graph import build_graph, ready_triggers, start_triggers
from glue_workflow.model._base import did_you_mean
from glue_workflow.model.workflow import Workflow
from glue_workflow.runs.verdict import Verdict, judge
from glue_workflow.testing.outcomes import Outcome

SCENARIO_BUCKET = "glue-wf-scenario"
SCENARIO_RUN_ID = "wr_scenario"
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, kw_only=True)
class NodeRun:
    """How one node ended in a scenario: its final state and attempts made."""

    node: str
    state: str
    attempts: int
    order: int  # start order of the node's first attempt (0 = first node started)


@dataclass(frozen=True, kw_only=True)
class ScenarioResult:
    """What a scenario did; the ``assert_*`` helpers raise AssertionError with a diff."""

    workflow: str
    nodes: Mapping[str, NodeRun]
    properties: Mapping[str, str]
    verdict: Verdict
    run: Mapping[str, Any] = field(repr=False)
    # every node of the workflow, ran or not: an assertion refuses a name not among them
    node_names: tuple[str, ...] = field(repr=False)

    @property
    def ran(self) -> tuple[str, ...]:
        """Nodes that ran, in start order."""
        return tuple(n.node for n in sorted(self.nodes.values(), key=lambda n: n.order))

    @property
    def states(self) -> dict[str, str]:
        return {name: run.state for name, run in self.nodes.items()}

    def state(self, node: str) -> str | None:
        """The node's final state; None if it did not run."""
        self._known("state", (node,))
        run = self.nodes.get(node)
        return None if run is None else run.state

    def _known(self, helper: str, nodes: Iterable[str]) -> None:
        """A misspelt node never runs: "not ran" or "state None" would pass on a typo."""
        for node in nodes:
            if node not in self.node_names:
                raise AssertionError(
                    f"{helper} names {unknown_node(node, self.workflow, self.node_names)}"
                )

    def assert_ran(self, *nodes: str) -> None:
        """Exactly ``nodes`` ran (any order)."""
        self._known("assert_ran", nodes)
        if set(nodes) != set(self.ran):
            raise AssertionError(
                f"expected exactly {sorted(nodes)} to run, but {list(self.ran)} ran "
                f"(missing {sorted(set(nodes) - set(self.ran))}, "
                f"unexpected {sorted(set(self.ran) - set(nodes))})"
            )

    def assert_not_ran(self, *nodes: str) -> None:
        self._known("assert_not_ran", nodes)
        wrong = [n for n in nodes if n in self.nodes]
        if wrong:
            raise AssertionError(f"expected {wrong} not to run, but they ran: {self.states}")

    def assert_states(self, **expected: str) -> None:
        self._known("assert_states", expected)
        wrong = {n: self.state(n) for n, s in expected.items() if self.state(n) != s}
        if wrong:
            raise AssertionError(f"expected states {expected}, got {wrong} (all: {self.states})")

    def assert_verdict(self, outcome: str) -> None:
        if self.verdict.outcome != outcome:
            raise AssertionError(
                f"expected verdict {outcome!r}, got {self.verdict.outcome!r}: "
                f"{self.verdict.summary}"
            )


def unknown_node(node: str, workflow: str, names: Collection[str]) -> str:
    """``node 'x', which workflow 'w' does not have (did you mean 'y'?)``: the nodes
    listed when none is close."""
    hint = did_you_mean(node, names) or f" (its nodes: {', '.join(sorted(names))})"
    return f"node {node!r}, which workflow {workflow!r} does not have{hint}"


def check_start_properties(workflow: Workflow, properties: Mapping[str, str]) -> None:
    """Refuse a start property the workflow does not know, as ``glue-wf run -p`` refuses
    a near miss: the run would go on with the default (a typo in a threshold lets the
    model through). Known: the defaults, the start parameters and what a node reads or
    writes (a test may seed a node's output); Glue's own (``aws:``) every node may read."""
    known = {
        *workflow.default_run_properties,
        *workflow.start_parameters,
        *(p for node in workflow.nodes for p in (*node.reads, *node.writes)),
    }
    for key in properties:
        if key in known or key.startswith(GLUE_PREFIX):
            continue
        raise ConfigError(
            f"scenario start property {key!r} is not a default, start parameter or node "
            f"read or write of workflow {workflow.name!r}{did_you_mean(key, known)}: no "
            "node could read it; pass the property's own name, or declare it in the "
            "definition (default_run_properties=, start_parameters= or a node's reads=)"
        )


def _documents(
    workflow: Workflow,
) -> tuple[list[dict[str, Any]], dict[str, int], dict[str, int], dict[str, PropertyContract]]:
    """The workflow's trigger documents (as the local engine stores them), MaxRetries and
    MaxConcurrentRuns per job, and each node's run-property contract (what its job may
    write)."""
    context = placeholder_context(workflow, SCENARIO_BUCKET)
    document = compile_workflow(workflow, context)
    triggers = []
    for request in document.triggers:
        doc = dict(request)
        # CreateTrigger: StartOnCreation activates a conditional trigger (local resources).
        activated = doc["Type"] not in ("ON_DEMAND", "EVENT") and bool(
            doc.pop("StartOnCreation", False)
        )
        doc["State"] = "ACTIVATED" if activated else "CREATED"
        triggers.append(doc)
    retries = {str(j["Name"]): int(j.get("MaxRetries") or 0) for j in document.jobs}
    limits = {
        str(j["Name"]): int((j.get("ExecutionProperty") or {}).get("MaxConcurrentRuns") or 1)
        for j in document.jobs
    }
    contracts = {}
    for job in document.jobs:
        node = naming.node_of_job(workflow.name, str(job["Name"]))
        args = {k.removeprefix("--"): v for k, v in (job.get("DefaultArguments") or {}).items()}
        contracts[node] = PropertyContract.from_args(args, node)
    return triggers, retries, limits, contracts


def run_scenario(
    workflow: Workflow,
    outcomes: Mapping[str, Outcome] | None = None,
    *,
    properties: Mapping[str, str] | None = None,
    start: str | None = None,
) -> ScenarioResult:
    """Run ``workflow`` with node outcomes mocked (unlisted nodes succeed, writing nothing).

    ``properties``: run properties at start, over the workflow's defaults. ``start``:
    which start trigger fires (by node-level name suffix or full name); default: the
    only one.
    """
    outcomes = dict(outcomes or {})
    names = set(workflow.node_names)
    for node in outcomes:
        if node not in names:
            raise ConfigError(f"scenario mocks {unknown_node(node, workflow.name, names)}")
    check_start_properties(workflow, properties or {})
    triggers, retries, limits, contracts = _documents(workflow)
    for node, outcome in outcomes.items():  # a mock writes only what its job could
        for name in outcome.writes:
            if node in contracts and not contracts[node].declares_write(name):
                raise ConfigError(
                    f"scenario mocks node {node!r} writing run property {name!r}, which the "
                    f"node does not declare{did_you_mean(name, contracts[node].writes or ())}: "
                    "its job could not write it (fix the name, or add it to the node's writes=)"
                )
    first = _start_trigger(workflow.name, triggers, start)
    props = {**workflow.default_run_properties, **(properties or {})}
    states: dict[str, str] = {}
    fired: set[str] = set()
    job_runs: dict[str, list[dict[str, Any]]] = {}
    order: dict[str, int] = {}
    # (job, trigger, runs of the job already started and not ended when this one starts)
    queue: deque[tuple[str, str, int]] = deque()
    pending: dict[str, int] = {}

    def fire(trigger: Mapping[str, Any]) -> None:
        fired.add(str(trigger["Name"]))
        for action in trigger.get("Actions") or []:
            job = str(action["JobName"])
            queue.append((job, str(trigger["Name"]), pending.get(job, 0)))
            pending[job] = pending.get(job, 0) + 1

    fire(first)
    tick = 0
    while queue:
        job, trigger, running = queue.popleft()
        pending[job] -= 1
        node = naming.node_of_job(workflow.name, job)
        outcome = outcomes.get(node, Outcome())
        order.setdefault(node, len(order))
        runs = job_runs.setdefault(job, [])
        if running >= limits.get(job, 1):
            # Two triggers that fired together each started the job: as on Glue (and the
            # local engine), a start past MaxConcurrentRuns fails at once.
            tick += 1
            limit = limits.get(job, 1)
            refused = (
                f"Job {job} exceeded maximum allowed concurrent runs "
                f"(ExecutionProperty.MaxConcurrentRuns = {limit})"
            )
            runs.append(_job_run(job, trigger, attempt=0, state="FAILED", error=refused, tick=tick))
            states[job] = "FAILED"
            for ready in ready_triggers(triggers, fired, states):
                fire(ready)
            continue
        attempt = 0
        while True:  # Glue retries FAILED attempts up to MaxRetries, never a TIMEOUT
            failed_first = attempt < outcome.failed_attempts
            state = "FAILED" if failed_first else outcome.state
            error = "mocked failed attempt" if failed_first else outcome.error
            tick += 1
            runs.append(
                _job_run(job, trigger, attempt=attempt, state=state, error=error, tick=tick)
            )
            if state != "FAILED" or attempt >= retries.get(job, 0):
                break
            attempt += 1
        states[job] = runs[-1]["JobRunState"]
        if states[job] == outcome.state:
            props.update(outcome.writes)
        for ready in ready_triggers(triggers, fired, states):
            fire(ready)
    run = {
        "Name": workflow.name,
        "WorkflowRunId": SCENARIO_RUN_ID,
        "Status": "COMPLETED",
        "WorkflowRunProperties": dict(props),
        "Graph": build_graph(workflow.name, triggers, job_runs),
    }
    nodes = {
        naming.node_of_job(workflow.name, job): NodeRun(
            node=naming.node_of_job(workflow.name, job),
            state=runs[-1]["JobRunState"],
            attempts=len(runs),
            order=order[naming.node_of_job(workflow.name, job)],
        )
        for job, runs in job_runs.items()
    }
    return ScenarioResult(
        workflow=workflow.name,
        nodes=nodes,
        properties=props,
        verdict=judge(run),
        run=run,
        node_names=tuple(workflow.node_names),
    )


def _start_trigger(
    workflow: str, triggers: list[dict[str, Any]], wanted: str | None
) -> Mapping[str, Any]:
    starts = start_triggers(triggers)
    if wanted is not None:
        for trigger in starts:
            if trigger["Name"] in (wanted, naming.named_trigger_name(workflow, wanted)):
                return trigger
        names = [str(t["Name"]) for t in starts]
        raise ConfigError(
            f"scenario start trigger {wanted!r} is not a start trigger of {workflow} "
            f"(start triggers: {', '.join(names)})"
        )
    if len(starts) != 1:
        raise ConfigError(
            f"workflow {workflow} has {len(starts)} start triggers: pass start= to choose"
        )
    return starts[0]


def _job_run(
    job: str, trigger: str, *, attempt: int, state: str, error: str | None, tick: int
) -> dict[str, Any]:
    started = _EPOCH + dt.timedelta(seconds=tick)
    run: dict[str, Any] = {
        "Id": f"jr_scenario_{tick}",
        "JobName": job,
        "TriggerName": trigger,
        "Attempt": attempt,
        "JobRunState": state,
        "StartedOn": started,
        "CompletedOn": started + dt.timedelta(milliseconds=500),
    }
    if error:
        run["ErrorMessage"] = error
    return run
