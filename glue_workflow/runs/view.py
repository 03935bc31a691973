"""How runs look: the node table (rich), the JSON of ``status``, one-line summaries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table
from rich.text import Text

from glue_workflow import naming
from glue_workflow.runs.cache_view import notes as cache_notes
from glue_workflow.runs.failure_report import NodeFailure
from glue_workflow.runs.run_nodes import NodeRow
from glue_workflow.runs.status import run_status
from glue_workflow.runs.verdict import Verdict, judge

STATE_STYLES = {
    "SUCCEEDED": "green",
    "FIRED": "green",
    "RUNNING": "cyan",
    "STARTING": "cyan",
    "WAITING": "yellow",
    "STOPPING": "yellow",
    "FAILED": "red",
    "TIMEOUT": "red",
    "ERROR": "red",
    "STOPPED": "magenta",
    "NOT_FIRED": "dim",
}


def console_url(region: str, workflow: str) -> str:
    """The Glue console page of a workflow (its Runs tab lists this run), on the
    console of ``region``'s partition."""
    return naming.workflow_console_url(region, workflow)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = round(seconds)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def format_time(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(dt.UTC).strftime("%H:%M:%S")


def run_duration(run: Mapping[str, Any], now: dt.datetime | None = None) -> float | None:
    started = run.get("StartedOn")
    end = run.get("CompletedOn") or (now if run.get("Status") in ("RUNNING", "STOPPING") else None)
    if started is None or end is None:
        return None
    return max(0.0, float((end - started).total_seconds()))


def shorten_words(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters, cut between words (``…``)."""
    line = " ".join(str(text).split())
    if len(line) <= limit:
        return line
    head = line[: limit - 1].rsplit(" ", 1)[0] if " " in line[: limit - 1] else line[: limit - 1]
    return head + "…"


def node_table(
    rows: Sequence[NodeRow],
    now: dt.datetime | None = None,
    notes: Mapping[str, str] | None = None,
    *,
    wrap: bool = False,
) -> Table:
    """The run's nodes, one line each. ``notes``: job name -> step-cache explanation
    (``cache_view.job_notes``); ``wrap`` (output that is not a terminal) wraps the error
    between words instead of cutting it at the terminal's edge."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    width = max([len(row.name) for row in rows] + [4])
    table.add_column("node", no_wrap=True, min_width=width)
    for column, size in (
        ("type", 7),
        ("state", 9),
        ("attempt", 7),
        ("started", 8),
        ("duration", 8),
    ):
        table.add_column(column, no_wrap=True, min_width=size)
    # One line per node: the full message is in `status --json` and `logs`.
    if wrap:
        # Into a file or a CI log (follow_view.FILE_WIDTH): both texts fold between words, and
        # neither is squeezed below a readable width by the other.
        table.add_column("error", overflow="fold", min_width=40, max_width=70)
        if notes:
            table.add_column("cache", overflow="fold", min_width=30, max_width=50)
    else:
        table.add_column("error", no_wrap=True, overflow="ellipsis", max_width=70)
        if notes:
            table.add_column("cache", no_wrap=True, overflow="ellipsis", max_width=70)
    for row in rows:
        state = row.state or "-"
        # Text, not markup: an error's "[abc]" or "[bold]" is the job's text
        table.add_row(
            Text(row.name),
            row.type,
            Text(state, style=STATE_STYLES.get(state, "")),
            "" if row.attempt is None else str(row.attempt),
            format_time(row.started_on),
            format_duration(row.duration(now)),
            Text(shorten_words(row.error_message or "", 160)),
            *((Text(notes.get(row.name, "")),) if notes else ()),
        )
    return table


def status_json(
    workflow: str,
    run: Mapping[str, Any],
    verdict: Verdict | None = None,
    failures: Sequence[NodeFailure] = (),
) -> dict[str, Any]:
    """``status --json``; ``failures``: the failed nodes with logs and console links."""
    state = run_status(workflow, run)
    verdict = verdict or state.verdict
    return {
        "Workflow": workflow,
        "RunId": run.get("WorkflowRunId"),
        "PreviousRunId": run.get("PreviousRunId"),
        "Status": run.get("Status"),
        "Verdict": verdict.short_summary,
        "Outcome": verdict.outcome,
        "Label": verdict.label,
        "VerdictDetails": verdict.to_json(),
        "StartedOn": run.get("StartedOn"),
        "CompletedOn": run.get("CompletedOn"),
        "ErrorMessage": run.get("ErrorMessage"),
        "Statistics": run.get("Statistics") or {},
        "RunProperties": run.get("WorkflowRunProperties") or {},
        "Nodes": [row.to_json() for row in state.nodes],
        "ResumeCandidates": [row.name for row in state.resume_candidates],
        "Failures": [failure.to_json() for failure in failures],
        "Cache": cache_notes(run),
    }


def history_json(workflow: str, runs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    items = []
    for run in runs:
        verdict = judge(run)
        items.append(
            {
                "Workflow": workflow,
                "RunId": run.get("WorkflowRunId"),
                "PreviousRunId": run.get("PreviousRunId"),
                "Status": run.get("Status"),
                "Verdict": verdict.short_summary,
                "Outcome": verdict.outcome,
                "Label": verdict.label,
                "StartedOn": run.get("StartedOn"),
                "CompletedOn": run.get("CompletedOn"),
                "DurationSeconds": run_duration(run, dt.datetime.now(dt.UTC)),
            }
        )
    return items


def history_table(items: Sequence[Mapping[str, Any]]) -> Table:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    width = max([len(str(item.get("RunId"))) for item in items] + [6])
    table.add_column("run id", no_wrap=True, min_width=width)
    for column, size in (("started", 19), ("duration", 8), ("status", 9)):
        table.add_column(column, no_wrap=True, min_width=size)
    table.add_column("verdict", overflow="fold")
    for item in items:
        started = item.get("StartedOn")
        label = str(item.get("Label") or item.get("Outcome"))
        style = {"succeeded": "green", "running": "cyan", "rejected": "yellow"}.get(label, "red")
        table.add_row(
            str(item.get("RunId")),
            started.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") if started else "",
            format_duration(item.get("DurationSeconds")),
            str(item.get("Status")),
            Text(str(item.get("Verdict")), style=style),
        )
    return table
