"""The workflow: its nodes, its start trigger, explicit triggers, run properties."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from glue_workflow import naming
from glue_workflow.errors import DefinitionError
from glue_workflow.model._base import (
    Gather,
    check_int,
    check_name,
    check_property_names,
    check_text,
    did_you_mean,
    fail,
    set_attr,
    str_map,
    str_tuple,
    tag_map,
)
from glue_workflow.model.drift import DriftCheck
from glue_workflow.model.gates import Gate
from glue_workflow.model.jobs import Job
from glue_workflow.model.notify import NOTIFIER_NODE, Notification, Notifier, check_notify
from glue_workflow.model.secrets import (
    looks_like_secret,
    looks_like_secret_property,
    secret_property_message,
)
from glue_workflow.model.triggers import Event, OnDemand, Scheduled, Trigger

Node = Job | Gate | DriftCheck
PACKAGED_NODES = (Gate, DriftCheck)  # nodes that compile to a job glue-wf provides
MAX_TAGS = 50
PLACEHOLDERS = ("bucket", "region", "workflow")  # resolved by the compiler


@dataclass(frozen=True, kw_only=True)
class Workflow:
    """A Glue workflow definition.

    ``default_run_properties`` values may use ``{bucket}``, ``{region}`` and
    ``{workflow}``: the compiler fills them from the deployment target.
    ``start_parameters`` names run properties a caller must pass at start time.
    """

    name: str
    nodes: tuple[Node, ...]
    start: OnDemand | Scheduled | Event = field(default_factory=OnDemand)
    triggers: tuple[Trigger, ...] = ()
    description: str = ""
    default_run_properties: Mapping[str, str] = field(default_factory=dict)
    start_parameters: tuple[str, ...] = ()
    max_concurrent_runs: int | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    # publish each run's verdict (model/notify.py): ToEventBridge(), ToSns()
    notify: tuple[Notification, ...] = ()

    def __post_init__(self) -> None:
        where = f"Workflow {self.name!r}"
        g = Gather()
        with g.check():
            check_name(where, "workflow name", self.name)
        with g.check():
            check_text(where, "description", self.description, 120_000)
        with g.check("nodes"):
            set_attr(self, "nodes", _check_nodes(where, self.nodes))
        with g.check():
            _check_start(where, self.start)
        with g.check("triggers"):
            set_attr(self, "triggers", _check_triggers(where, self.triggers))
        with g.check("default_run_properties"):
            props = str_map(where, "default_run_properties", self.default_run_properties)
            set_attr(self, "default_run_properties", props)
            check_property_names(where, "default run property", props)
        if isinstance(self.default_run_properties, MappingProxyType):  # read, names or not
            with g.check():
                # every secret-shaped value, beside a bad name elsewhere (one is said once)
                named = {k for k in self.default_run_properties if looks_like_secret(k)}
                _check_secret_values(
                    where,
                    {k: v for k, v in self.default_run_properties.items() if k not in named},
                )
        with g.check("start_parameters"):
            params = str_tuple(where, "start_parameters", self.start_parameters)
            set_attr(self, "start_parameters", params)
            check_property_names(where, "start parameter", params)
        if isinstance(self.start, Scheduled | Event) and g.ok(
            "start_parameters", "default_run_properties"
        ):
            unset = [p for p in self.start_parameters if p not in self.default_run_properties]
            if unset:
                with g.check():
                    kind = "scheduled" if isinstance(self.start, Scheduled) else "event"
                    fail(
                        where,
                        "start-parameter-unset",
                        f"start_parameters {', '.join(map(repr, unset))} have no default, "
                        f"and a {kind} start passes no run property (its StartWorkflowRun "
                        "carries the defaults only): every such run would fail; give each a "
                        "value in default_run_properties, or start on demand (OnDemand(), "
                        "glue-wf run -p NAME=VALUE)",
                    )
        if self.max_concurrent_runs is not None:
            with g.check():
                check_int(where, "max_concurrent_runs", self.max_concurrent_runs, 1)
        with g.check("tags"):
            set_attr(self, "tags", _check_tags(where, self.tags))
        with g.check():
            set_attr(self, "notify", check_notify(where, self.notify))
            if self.notify and g.ok("nodes") and NOTIFIER_NODE in self.node_names:
                fail(
                    where,
                    "reserved-node",
                    f"node name {NOTIFIER_NODE!r} is the verdict notifier notify= adds: "
                    "rename the node",
                )
        g.done()

    @property
    def notifier(self) -> Notifier | None:
        """The packaged node that publishes each run's verdict, when ``notify`` is set."""
        if not self.notify:
            return None
        jobs = (n.as_job() if isinstance(n, PACKAGED_NODES) else n for n in self.nodes)
        return Notifier(
            targets=self.notify,
            retries={
                naming.job_name(self.name, j.name): j.max_retries for j in jobs if j.max_retries
            },
            # one notifier run per workflow run: as many at once as the workflow allows
            max_concurrent_runs=self.max_concurrent_runs or Notifier.max_concurrent_runs,
        )

    @property
    def node_names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)

    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(
            f"workflow {self.name!r} has no node {name!r}{did_you_mean(name, self.node_names)}"
        )

    @property
    def jobs(self) -> tuple[Job, ...]:
        """Every node as the Glue job it compiles to (gates and drift checks become
        Python shell jobs)."""
        jobs = tuple(self._packaged(n) if isinstance(n, PACKAGED_NODES) else n for n in self.nodes)
        notifier = self.notifier
        return jobs if notifier is None else (*jobs, notifier.as_job())

    def _packaged(self, node: Gate | DriftCheck) -> Job:
        """A gate's or drift check's job: it runs once per workflow run, so as many at once
        as the workflow allows (it has no max_concurrent_runs= of its own to raise)."""
        job = node.as_job()
        if self.max_concurrent_runs and job.max_concurrent_runs < self.max_concurrent_runs:
            return replace(job, max_concurrent_runs=self.max_concurrent_runs)
        return job


def _check_nodes(where: str, value: object) -> tuple[Node, ...]:
    if isinstance(value, (Job, *PACKAGED_NODES)) or not isinstance(value, Iterable):
        fail(where, "nodes", "nodes= must be a list of SparkJob/PythonShellJob/Gate/DriftCheck")
    nodes = tuple(value)
    if not nodes:
        fail(where, "nodes", "a workflow needs at least one node")
    g = Gather()
    seen: set[str] = set()
    for node in nodes:
        if not isinstance(node, (Job, *PACKAGED_NODES)):
            with g.check():
                fail(
                    where,
                    "node-type",
                    "nodes must be SparkJob, PythonShellJob, Gate or DriftCheck objects, "
                    f"got {node!r}",
                )
        elif node.name in seen:
            with g.check():
                fail(where, "duplicate-node", f"two nodes are named {node.name!r}: rename one")
        else:
            seen.add(node.name)
    if g.problems:
        raise DefinitionError(g.problems)
    return nodes


def _check_secret_values(where: str, props: Mapping[str, str]) -> None:
    """A secret-shaped value is refused as ``glue-wf run -p`` refuses it (one rule)."""
    g = Gather()
    for key, value in props.items():
        if looks_like_secret_property(key, value):
            with g.check():
                fail(
                    where,
                    "no-secrets",
                    "default " + secret_property_message(key, value),
                )
    if g.problems:
        raise DefinitionError(g.problems)


def _check_start(where: str, start: object) -> None:
    if not isinstance(start, (OnDemand, Scheduled, Event)):
        fail(
            where,
            "start-trigger",
            f"start= must be OnDemand(), Scheduled(cron=...) or Event(...), got "
            f"{start!r}: a workflow has exactly one start trigger",
        )


def _check_triggers(where: str, value: object) -> tuple[Trigger, ...]:
    if isinstance(value, Trigger):
        return (value,)
    if not isinstance(value, Iterable) or isinstance(value, str):
        fail(where, "trigger-type", f"triggers= must be a list of Trigger objects, got {value!r}")
    triggers = tuple(value)
    for trigger in triggers:
        if not isinstance(trigger, Trigger):
            fail(
                where,
                "trigger-type",
                f"triggers= holds conditional Trigger objects only, got {trigger!r}; "
                "the start trigger goes in start=",
            )
    names = [t.name for t in triggers]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        fail(where, "duplicate-trigger", f"two triggers are named {dupes[0]!r}: rename one")
    return triggers


def _check_tags(where: str, value: object) -> Mapping[str, str]:
    tags = tag_map(where, value)
    if len(tags) > MAX_TAGS - 2:
        fail(
            where,
            "tag-count",
            f"{len(tags)} tags; at most {MAX_TAGS - 2} (glue-wf adds 2 of Glue's {MAX_TAGS})",
        )
    return tags
