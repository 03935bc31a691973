"""``--wait``: follow a run with a live node table (a terminal) or state-change lines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from glue_workflow.runs import control, view
from glue_workflow.runs.cache_view import job_notes
from glue_workflow.runs.run_nodes import node_rows

# Into a file or a pipe: wide enough for a node table at its widest (an 80-character
# node name, the error and cache columns at their maximum), so no column is squeezed:
# rich drops a character where it squeezes a folded column (a run id lost a digit).
FILE_WIDTH = 260


def wide_console() -> Console:
    """A console for tables: the terminal's width, or ``FILE_WIDTH`` into a file or pipe."""
    console = Console(soft_wrap=False)
    if not console.is_terminal:
        console = Console(soft_wrap=False, width=max(console.width, FILE_WIDTH))
    return console


def follow_live(
    target: control.RunTarget,
    run_id: str,
    *,
    timeout: float | None = None,
    poll: control.PollPolicy | None = None,
    console: Console | None = None,
) -> dict[str, Any]:
    """Follow ``run_id`` until it ends; returns the final run."""
    console = console or wide_console()
    if not console.is_terminal:
        return _follow_lines(target, run_id, timeout, poll, console)

    def render(run: dict[str, Any]) -> Group:
        now = dt.datetime.now(dt.UTC)
        header = Text(
            f"{target.workflow}  {run_id}  {run.get('Status')}  "
            f"{view.format_duration(view.run_duration(run, now))}",
            style="bold",
        )
        return Group(header, view.node_table(node_rows(run), now, job_notes(run, target.workflow)))

    with Live(console=console, refresh_per_second=4, transient=False) as live:
        return control.follow(
            target,
            run_id,
            timeout=timeout,
            poll=poll,
            on_update=lambda run: live.update(render(run)),
        )


def _follow_lines(
    target: control.RunTarget,
    run_id: str,
    timeout: float | None,
    poll: control.PollPolicy | None,
    console: Console,
) -> dict[str, Any]:
    seen: dict[str, tuple[Any, ...]] = {}

    def report(run: dict[str, Any]) -> None:
        for row in node_rows(run):
            if row.type != "JOB" or row.state is None:
                continue
            key = (row.state, row.attempt)
            if seen.get(row.name) != key:
                seen[row.name] = key
                # when the change happened (a finished run followed late: not now)
                when = row.completed_on or row.started_on or dt.datetime.now(dt.UTC)
                stamp = when.astimezone(dt.UTC).strftime("%H:%M:%S")
                error = (
                    f"  {view.shorten_words(row.error_message, 160)}" if row.error_message else ""
                )
                console.print(
                    f"{stamp} {row.name} {row.state} (attempt {row.attempt}){error}",
                    highlight=False,
                    markup=False,  # the job's text: "[abc]" is not a style
                )

    run = control.follow(target, run_id, timeout=timeout, poll=poll, on_update=report)
    notes = job_notes(run, target.workflow)
    console.print(
        view.node_table(
            node_rows(run), dt.datetime.now(dt.UTC), notes, wrap=not console.is_terminal
        )
    )
    return run
