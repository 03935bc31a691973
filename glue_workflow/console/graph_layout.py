"""A Glue workflow graph (``GetWorkflow`` / ``GetWorkflowRun`` ``Graph``) as a drawable DAG.

Pure functions: no boto3, no I/O. Nodes are placed by longest-path layering (a node's
layer is the length of the longest path from a source to it) and ordered inside a
layer by the barycenter of their predecessors, which keeps edges short and mostly
uncrossed for the small graphs Glue workflows are (≤ 100 nodes).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Drawing geometry (SVG user units); the front-end draws what this module places.
# Top to bottom: ML pipelines are deep chains with few branches, so layers stack
# vertically and the branches of a gate sit side by side.
LAYER_HEIGHT = 78
SLOT_WIDTH = 204
MARGIN = 24
JOB_SIZE = (176, 44)
TRIGGER_SIZE = (150, 32)

# JobRunState -> the console's state class (the colour of the node).
STATE_CLASS: dict[str, str] = {
    "STARTING": "running",
    "RUNNING": "running",
    "STOPPING": "running",
    "WAITING": "running",
    "SUCCEEDED": "succeeded",
    "FAILED": "failed",
    "ERROR": "failed",
    "EXPIRED": "failed",
    "TIMEOUT": "timeout",
    "STOPPED": "stopped",
}
NOT_STARTED = "not-started"


@dataclass(frozen=True, kw_only=True)
class Placed:
    """A node's column, row and top-left corner in the drawing."""

    layer: int
    row: int
    x: int
    y: int
    width: int
    height: int


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def _seconds(start: Any, end: Any, now: datetime | None) -> float | None:
    if not isinstance(start, datetime):
        return None
    stop = end if isinstance(end, datetime) else now
    if stop is None:
        return None
    return round(max((stop - start).total_seconds(), 0.0), 3)


def job_run_view(run: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """One job run (one attempt) as the console shows it."""
    state = str(run.get("JobRunState", ""))
    return {
        "id": run.get("Id"),
        "attempt": run.get("Attempt", 0),
        "state": state,
        "state_class": STATE_CLASS.get(state, NOT_STARTED),
        "trigger_name": run.get("TriggerName"),
        "previous_run_id": run.get("PreviousRunId"),
        "started_on": _iso(run.get("StartedOn")),
        "completed_on": _iso(run.get("CompletedOn")),
        "duration_seconds": _seconds(run.get("StartedOn"), run.get("CompletedOn"), now),
        "execution_time": run.get("ExecutionTime"),
        "error": run.get("ErrorMessage"),
    }


def _last_attempt(runs: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    if not runs:
        return None
    return max(runs, key=lambda r: (int(r.get("Attempt", 0) or 0), _iso(r.get("StartedOn")) or ""))


def _trigger_view(trigger: Mapping[str, Any]) -> dict[str, Any]:
    predicate = trigger.get("Predicate") or {}
    conditions = [
        {
            "job": c.get("JobName") or c.get("CrawlerName"),
            "state": c.get("State") or c.get("CrawlState"),
        }
        for c in predicate.get("Conditions", [])
    ]
    return {
        "type": trigger.get("Type"),
        "state": trigger.get("State"),
        "schedule": trigger.get("Schedule"),
        "logical": predicate.get("Logical") or ("AND" if len(conditions) > 1 else None),
        "conditions": conditions,
        "actions": [a.get("JobName") or a.get("CrawlerName") for a in trigger.get("Actions", [])],
    }


def _layers(ids: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layering; back edges of a (malformed) cycle are ignored."""
    succ: dict[str, list[str]] = {i: [] for i in ids}
    for src, dst in edges:
        succ[src].append(dst)
    order: list[str] = []
    colour: dict[str, int] = {}  # 1 = on stack, 2 = done
    forward: set[tuple[str, str]] = set()
    for root in ids:
        if root in colour:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        colour[root] = 1
        while stack:
            node, index = stack[-1]
            if index < len(succ[node]):
                stack[-1] = (node, index + 1)
                nxt = succ[node][index]
                if colour.get(nxt) == 1:
                    continue  # back edge: drop it so the drawing stays a DAG
                forward.add((node, nxt))
                if nxt not in colour:
                    colour[nxt] = 1
                    stack.append((nxt, 0))
            else:
                colour[node] = 2
                order.append(node)
                stack.pop()
    layer = dict.fromkeys(ids, 0)
    for node in reversed(order):  # reverse post-order is a topological order
        for nxt in succ[node]:
            if (node, nxt) in forward:
                layer[nxt] = max(layer[nxt], layer[node] + 1)
    return layer


def layout(
    ids: Sequence[str], kinds: Mapping[str, str], edges: Sequence[tuple[str, str]]
) -> dict[str, Placed]:
    """Place nodes top to bottom by longest-path layer, ordered by predecessor barycenter."""
    layer = _layers(ids, edges)
    preds: dict[str, list[str]] = {i: [] for i in ids}
    for src, dst in edges:
        preds[dst].append(src)
    columns: dict[int, list[str]] = {}
    for node in ids:  # input order breaks ties deterministically
        columns.setdefault(layer[node], []).append(node)
    row: dict[str, float] = {}
    for number in sorted(columns):
        column = columns[number]
        keyed = []
        for index, node in enumerate(column):
            placed = [row[p] for p in preds[node] if p in row]
            keyed.append((sum(placed) / len(placed) if placed else float(index), index, node))
        column[:] = [node for _, _, node in sorted(keyed)]
        for index, node in enumerate(column):
            row[node] = float(index)
    widest = max((len(c) for c in columns.values()), default=0)
    result: dict[str, Placed] = {}
    for number, column in columns.items():
        offset = (widest - len(column)) * SLOT_WIDTH / 2  # centre narrow layers
        for index, node in enumerate(column):
            width, height = TRIGGER_SIZE if kinds[node] == "TRIGGER" else JOB_SIZE
            cx = MARGIN + offset + index * SLOT_WIDTH + JOB_SIZE[0] / 2
            cy = MARGIN + number * LAYER_HEIGHT + JOB_SIZE[1] / 2
            result[node] = Placed(
                layer=number,
                row=index,
                x=round(cx - width / 2),
                y=round(cy - height / 2),
                width=width,
                height=height,
            )
    return result


def graph_view(
    graph: Mapping[str, Any] | None,
    *,
    workflow: str,
    with_runs: bool,
    now: datetime | None = None,
    fired_triggers: Collection[str] | None = None,
) -> dict[str, Any]:
    """The console's view of a Glue graph: placed nodes, labelled edges, canvas size.

    ``with_runs`` adds each job node's attempts and state class (a run's graph); a
    trigger node then records whether it fired in this run: ``fired_triggers`` (the
    run status's rule, as ``glue-wf status`` shows), else any job run naming it.
    """
    graph = graph or {}
    raw_nodes = list(graph.get("Nodes") or [])
    ids = [str(n["UniqueId"]) for n in raw_nodes]
    kinds = {str(n["UniqueId"]): str(n.get("Type", "JOB")) for n in raw_nodes}
    known = set(ids)
    edges = [
        (str(e["SourceId"]), str(e["DestinationId"]))
        for e in graph.get("Edges") or []
        if e.get("SourceId") in known and e.get("DestinationId") in known
    ]
    by_id = {str(n["UniqueId"]): n for n in raw_nodes}
    placed = layout(ids, kinds, edges)
    fired: set[str] = set()
    nodes: list[dict[str, Any]] = []
    for node_id in ids:
        raw = by_id[node_id]
        name = str(raw.get("Name", node_id))
        prefix = f"{workflow}-"
        view: dict[str, Any] = {
            "id": node_id,
            "type": kinds[node_id],
            "name": name,
            "label": name[len(prefix) :] if name.startswith(prefix) and name != prefix else name,
            **placed[node_id].__dict__,
        }
        if kinds[node_id] == "TRIGGER":
            view["trigger"] = _trigger_view((raw.get("TriggerDetails") or {}).get("Trigger") or {})
        elif with_runs:
            details = raw.get("JobDetails") or raw.get("CrawlerDetails") or {}
            runs = list(details.get("JobRuns") or details.get("Crawls") or [])
            last = _last_attempt(runs)
            view["runs"] = [job_run_view(r, now) for r in sorted(runs, key=_attempt_key)]
            view["state"] = str(last.get("JobRunState", "")) if last else None
            view["state_class"] = (
                STATE_CLASS.get(str(last.get("JobRunState", "")), NOT_STARTED)
                if last
                else NOT_STARTED
            )
            fired.update(str(r["TriggerName"]) for r in runs if r.get("TriggerName"))
        nodes.append(view)
    if with_runs:
        fired = set(fired) if fired_triggers is None else set(fired_triggers)
        for view in nodes:
            if view["type"] == "TRIGGER":
                view["state_class"] = "fired" if view["name"] in fired else NOT_STARTED
    labels = _edge_labels(by_id, edges)
    return {
        "nodes": nodes,
        "edges": [{"source": s, "target": d, "label": labels.get((s, d))} for s, d in edges],
        "width": max((p.x + p.width for p in placed.values()), default=0) + MARGIN,
        "height": max((p.y + p.height for p in placed.values()), default=0) + MARGIN,
    }


def _attempt_key(run: Mapping[str, Any]) -> tuple[int, str]:
    return int(run.get("Attempt", 0) or 0), _iso(run.get("StartedOn")) or ""


def _edge_labels(
    by_id: Mapping[str, Mapping[str, Any]], edges: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """Label job → trigger edges with the state the trigger's condition waits for."""
    labels: dict[tuple[str, str], str] = {}
    for src, dst in edges:
        source, target = by_id[src], by_id[dst]
        if target.get("Type") != "TRIGGER":
            continue
        trigger = (target.get("TriggerDetails") or {}).get("Trigger") or {}
        for condition in (trigger.get("Predicate") or {}).get("Conditions", []):
            watched = condition.get("JobName") or condition.get("CrawlerName")
            if watched == source.get("Name"):
                labels[(src, dst)] = str(condition.get("State") or condition.get("CrawlState"))
    return labels
