"""Runs whose executor died: noticed on the next read, their unfinished nodes failed.

A run is only ever advanced by its executor process. If that process is gone (kill -9,
crash, reboot) while the run is RUNNING/STOPPING, the first API call that reads runs
marks the unfinished job runs FAILED with a message saying why, kills their process
groups, and completes the run so it can be resumed.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from glue_workflow.local.glue.procs import PID_GRACE_SECONDS, is_alive, kill_group
from glue_workflow.local.glue.state import GlueState, now

_UNFINISHED = "('STARTING', 'RUNNING', 'STOPPING', 'WAITING')"


def new_run_id() -> str:
    return f"wr_{uuid.uuid4().hex}{uuid.uuid4().hex}"


def new_job_run_id() -> str:
    return f"jr_{uuid.uuid4().hex}{uuid.uuid4().hex}"


def abandon_run(state: GlueState, run_id: str, message: str) -> None:
    """Fail the run's unfinished job runs with ``message`` and complete the run."""
    with state.write() as conn:
        row = conn.execute(
            "SELECT status, workflow FROM glue_runs WHERE run_id = ?", (run_id,)
        ).fetchone()
        if row is None or row["status"] not in ("RUNNING", "STOPPING"):
            return
        pids = conn.execute(
            f"SELECT id, pid FROM glue_job_runs WHERE run_id = ? AND state IN {_UNFINISHED}",  # noqa: S608
            (run_id,),
        ).fetchall()
        ts = now()
        started = conn.execute(
            "SELECT COUNT(*) FROM glue_job_runs WHERE run_id = ?", (run_id,)
        ).fetchone()[0]
        if not started:  # nothing to resume: the run's graph never began
            message = (
                f"the local executor of workflow run {run_id} ended before the run's first "
                "job started; start a new run (glue-wf run)"
            )
        conn.execute(
            f"UPDATE glue_job_runs SET state = 'FAILED', error = ?, completed = ?, modified = ? "  # noqa: S608
            f"WHERE run_id = ? AND state IN {_UNFINISHED}",
            (message, ts, ts, run_id),
        )
        status = "STOPPED" if row["status"] == "STOPPING" else "COMPLETED"
        conn.execute(
            "UPDATE glue_runs SET status = ?, completed = ?, error = ? WHERE run_id = ?",
            (status, ts, message, run_id),
        )
    for pid_row in pids:
        kill_group(pid_row["pid"])
    drop_cache_entries(state.home.s3_root, str(row["workflow"]), {r["id"] for r in pids})


def drop_cache_entries(s3_root: Path, workflow: str, job_run_ids: set[str]) -> None:
    """Delete the step-cache entries the failed job runs recorded: a job whose executor
    died may still have finished and recorded one (its process outlived the executor),
    and no run may be served by a job run that history says FAILED (docs/caching.md:
    "a failed run records nothing")."""
    if not job_run_ids:
        return
    # entries live at <bucket>/glue-wf/<workflow>/cache/<node>/<key>.json (naming.cache_prefix)
    for entry in s3_root.glob(f"*/glue-wf/{workflow}/cache/*/*.json"):
        try:
            recorded = json.loads(entry.read_text()).get("job_run_id")
        except (OSError, ValueError, AttributeError):
            continue
        if recorded in job_run_ids:
            entry.unlink(missing_ok=True)


def reconcile(state: GlueState) -> None:
    """Abandon every active run / standalone job run whose executor process is gone."""
    ts = now()
    for run in state.active_runs():
        if run.executor_pid is None:
            if ts - run.started < PID_GRACE_SECONDS:
                continue
        elif is_alive(run.executor_pid, run.executor_start):
            continue
        abandon_run(
            state,
            run.run_id,
            f"the local executor process (pid {run.executor_pid}) of workflow run "
            f"{run.run_id} ended unexpectedly while this node was unfinished; "
            "resume the run (ResumeWorkflowRun / glue-wf resume) to retry it",
        )
    for job_run in state.unfinished_standalone():
        pid, start = state.executor_of_job_run(job_run.id)
        if pid is None and ts - job_run.started < PID_GRACE_SECONDS:
            continue
        if pid is not None and is_alive(pid, start):
            continue
        with state.write() as conn:
            conn.execute(
                "UPDATE glue_job_runs SET state = 'FAILED', error = ?, completed = ?, "
                "modified = ? WHERE id = ? AND state IN ('STARTING', 'RUNNING', 'STOPPING')",
                (
                    f"the local executor process (pid {pid}) of this job run ended unexpectedly",
                    ts,
                    ts,
                    job_run.id,
                ),
            )
        kill_group(job_run.pid)
