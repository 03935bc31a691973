"""A workflow run that exists only while ``glue-wf job`` runs one job (local target).

A job reads and writes run properties through GetWorkflowRunProperties /
PutWorkflowRunProperties of its ``--WORKFLOW_RUN_ID``. To run one job alone with given
properties, the local target holds them in a run of the job's workflow, COMPLETED from
the start (no executor ever advances it), deleted again when the job has finished.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from glue_workflow.local.glue.recovery import new_run_id
from glue_workflow.local.glue.state import GlueState, now
from glue_workflow.local.store import LocalHome

PLAN = {"mode": "job-session"}  # tells the run apart from StartWorkflowRun's


def open_session(home: Path, workflow: str, properties: Mapping[str, str]) -> str:
    """A run of ``workflow`` holding ``properties``; its run id."""
    state = GlueState(LocalHome(home).ensure())
    run_id = new_run_id()
    with state.write() as conn:
        ts = now()
        conn.execute(
            "INSERT INTO glue_runs (run_id, workflow, status, started, completed, properties, "
            "snapshot, plan) VALUES (?, ?, 'COMPLETED', ?, ?, ?, '[]', ?)",
            (run_id, workflow, ts, ts, json.dumps(dict(properties)), json.dumps(PLAN)),
        )
    return run_id


def close_session(home: Path, run_id: str) -> dict[str, str]:
    """Delete the session's run; the run properties it ended with."""
    state = GlueState(LocalHome(home).ensure())
    with state.write() as conn:
        row = conn.execute(
            "SELECT properties FROM glue_runs WHERE run_id = ? AND plan = ?",
            (run_id, json.dumps(PLAN)),
        ).fetchone()
        conn.execute(
            "DELETE FROM glue_runs WHERE run_id = ? AND plan = ?", (run_id, json.dumps(PLAN))
        )
    return {} if row is None else dict(json.loads(row["properties"]))
