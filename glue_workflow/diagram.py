"""The workflow DAG as Mermaid or Graphviz DOT: jobs, triggers, branch states.

Built from the model (no compile needed) or from a compiled WorkflowDocument;
both give the same picture. Output is deterministic (sorted nodes and edges).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glue_workflow import naming
from glue_workflow.errors import GlueWfError
from glue_workflow.model.topology import resolve_triggers
from glue_workflow.model.workflow import Workflow

FORMATS = ("mermaid", "dot")
FAILURE_STATES = ("FAILED", "TIMEOUT", "STOPPED")


@dataclass(frozen=True, kw_only=True)
class GraphNode:
    id: str  # "job:<name>" / "trigger:<name>"
    label: str
    detail: str  # command (glueetl/pythonshell) or trigger type (+ logical)
    kind: str  # "job" | "trigger"


@dataclass(frozen=True, kw_only=True)
class GraphEdge:
    source: str
    target: str
    state: str = ""  # the watched job state for job -> trigger edges


@dataclass(frozen=True, kw_only=True)
class Graph:
    name: str
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]


def _short(workflow: str, name: str) -> str:
    return naming.node_of_job(workflow, name)


def from_document(document: Mapping[str, Any]) -> Graph:
    """The graph of a document dict (``WorkflowDocument.to_dict()`` or its JSON)."""
    wf = str(document["Workflow"]["Name"])
    nodes = [
        GraphNode(
            id=f"job:{job['Name']}",
            label=_short(wf, job["Name"]),
            detail=str(job.get("Command", {}).get("Name", "")),
            kind="job",
        )
        for job in document["Jobs"]
    ]
    edges = []
    for trigger in document["Triggers"]:
        tid = f"trigger:{trigger['Name']}"
        predicate = trigger.get("Predicate") or {}
        conditions = predicate.get("Conditions") or []
        detail = trigger["Type"]
        if len(conditions) > 1:
            detail += f" {predicate.get('Logical', 'AND')}"
        nodes.append(
            GraphNode(id=tid, label=_short(wf, trigger["Name"]), detail=detail, kind="trigger")
        )
        for cond in conditions:
            edges.append(
                GraphEdge(source=f"job:{cond['JobName']}", target=tid, state=cond["State"])
            )
        for action in trigger.get("Actions", []):
            edges.append(GraphEdge(source=tid, target=f"job:{action['JobName']}"))
    return _sorted(wf, nodes, edges)


def from_workflow(workflow: Workflow) -> Graph:
    """The graph the workflow compiles to, without compiling it."""
    wf = workflow.name
    nodes = [
        GraphNode(
            id=f"job:{naming.job_name(wf, job.name)}",
            label=job.name,
            detail=job.command,
            kind="job",
        )
        for job in workflow.jobs
    ]
    edges = []
    for trigger in resolve_triggers(workflow):
        tid = f"trigger:{trigger.name}"
        detail = trigger.type + (f" {trigger.logical}" if len(trigger.conditions) > 1 else "")
        nodes.append(
            GraphNode(id=tid, label=_short(wf, trigger.name), detail=detail, kind="trigger")
        )
        for cond in trigger.conditions:
            edges.append(
                GraphEdge(
                    source=f"job:{naming.job_name(wf, cond.node)}", target=tid, state=cond.state
                )
            )
        for action in trigger.actions:
            edges.append(GraphEdge(source=tid, target=f"job:{naming.job_name(wf, action.node)}"))
    return _sorted(wf, nodes, edges)


def _sorted(name: str, nodes: list[GraphNode], edges: list[GraphEdge]) -> Graph:
    return Graph(
        name=name,
        nodes=tuple(sorted(nodes, key=lambda n: (n.kind != "trigger", n.id))),
        edges=tuple(sorted(edges, key=lambda e: (e.source, e.target, e.state))),
    )


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(graph: Graph) -> str:
    ids = {n.id: f"{'t' if n.kind == 'trigger' else 'j'}{i}" for i, n in enumerate(graph.nodes)}
    lines = ["flowchart TD"]
    for node in graph.nodes:
        label = _mermaid_text(f"{node.label}<br/><small>{node.detail}</small>")
        shape = f'{{{{"{label}"}}}}' if node.kind == "trigger" else f'["{label}"]'
        lines.append(f"  {ids[node.id]}{shape}")
    for edge in graph.edges:
        source, target = ids.get(edge.source), ids.get(edge.target)
        if source is None or target is None:
            continue  # a reference to a job outside the workflow (validation reports it)
        if not edge.state:
            lines.append(f"  {source} --> {target}")
        elif edge.state in FAILURE_STATES:
            lines.append(f"  {source} -. {edge.state} .-> {target}")
        else:
            lines.append(f"  {source} -- {edge.state} --> {target}")
    lines.append("  classDef trigger fill:#f5f0ff,stroke:#7048e8;")
    triggers = [ids[n.id] for n in graph.nodes if n.kind == "trigger"]
    if triggers:
        lines.append(f"  class {','.join(triggers)} trigger;")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(graph: Graph) -> str:
    lines = [
        f'digraph "{_dot_text(graph.name)}" {{',
        "  rankdir=TB;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for node in graph.nodes:
        shape = "hexagon" if node.kind == "trigger" else "box"
        style = ', style="filled", fillcolor="#f5f0ff"' if node.kind == "trigger" else ""
        label = _dot_text(f"{node.label}\\n{node.detail}").replace("\\\\n", "\\n")
        lines.append(f'  "{_dot_text(node.id)}" [label="{label}", shape={shape}{style}];')
    for edge in graph.edges:
        attrs = ""
        if edge.state:
            color = "firebrick" if edge.state in FAILURE_STATES else "forestgreen"
            dashed = ", style=dashed" if edge.state in FAILURE_STATES else ""
            attrs = f' [label="{edge.state}", color={color}{dashed}]'
        lines.append(f'  "{_dot_text(edge.source)}" -> "{_dot_text(edge.target)}"{attrs};')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(graph: Graph, fmt: str) -> str:
    if fmt == "mermaid":
        return to_mermaid(graph)
    if fmt == "dot":
        return to_dot(graph)
    raise GlueWfError(f"unknown graph format {fmt!r}: use one of {', '.join(FORMATS)}")
