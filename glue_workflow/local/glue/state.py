"""Glue control-plane and run state in the shared SQLite database (tables ``glue_*``).

Definitions (workflows, jobs, triggers) are stored as the JSON documents Glue returns;
runs keep the columns the engine queries (status, pids) next to JSON for the rest.
Every process (API callers, executors) opens its own connections; writes use
``BEGIN IMMEDIATE`` so concurrent executors serialise.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from glue_workflow.local.store import LocalHome, TableState

SCHEMA = """
CREATE TABLE IF NOT EXISTS glue_workflows (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS glue_jobs (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS glue_triggers (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS glue_tags (arn TEXT PRIMARY KEY, tags TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS glue_runs (
    run_id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    status TEXT NOT NULL,
    started REAL NOT NULL,
    completed REAL,
    error TEXT,
    previous_run_id TEXT,
    properties TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    plan TEXT NOT NULL,
    executor_pid INTEGER,
    executor_start TEXT
);
CREATE INDEX IF NOT EXISTS glue_runs_by_workflow ON glue_runs (workflow, status);
CREATE TABLE IF NOT EXISTS glue_run_triggers (
    run_id TEXT NOT NULL, trigger TEXT NOT NULL, fired REAL NOT NULL,
    PRIMARY KEY (run_id, trigger)
);
CREATE TABLE IF NOT EXISTS glue_run_copies (
    run_id TEXT NOT NULL, job_run_id TEXT NOT NULL, PRIMARY KEY (run_id, job_run_id)
);
CREATE TABLE IF NOT EXISTS glue_job_runs (
    id TEXT PRIMARY KEY,
    job TEXT NOT NULL,
    run_id TEXT,
    trigger TEXT,
    attempt INTEGER NOT NULL,
    previous_run_id TEXT,
    state TEXT NOT NULL,
    started REAL NOT NULL,
    modified REAL NOT NULL,
    completed REAL,
    error TEXT,
    arguments TEXT NOT NULL,
    timeout INTEGER NOT NULL,
    pid INTEGER,
    executor_pid INTEGER,
    executor_start TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS glue_job_runs_by_job ON glue_job_runs (job, state);
CREATE INDEX IF NOT EXISTS glue_job_runs_by_run ON glue_job_runs (run_id);
"""

RUNNING_JOB_STATES = ("STARTING", "RUNNING", "STOPPING", "WAITING")
FINAL_JOB_STATES = ("SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED")
ACTIVE_RUN_STATES = ("RUNNING", "STOPPING")


def now() -> float:
    return time.time()


def to_datetime(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


@dataclass(frozen=True, kw_only=True)
class JobRunRow:
    """One job run (one attempt) as stored."""

    id: str
    job: str
    run_id: str | None
    trigger: str | None
    attempt: int
    previous_run_id: str | None
    state: str
    started: float
    modified: float
    completed: float | None
    error: str | None
    arguments: dict[str, str]
    timeout: int
    pid: int | None
    doc: dict[str, Any]

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> JobRunRow:
        return cls(
            id=row["id"],
            job=row["job"],
            run_id=row["run_id"],
            trigger=row["trigger"],
            attempt=row["attempt"],
            previous_run_id=row["previous_run_id"],
            state=row["state"],
            started=row["started"],
            modified=row["modified"],
            completed=row["completed"],
            error=row["error"],
            arguments=json.loads(row["arguments"]),
            timeout=row["timeout"],
            pid=row["pid"],
            doc=json.loads(row["doc"]),
        )

    def to_api(self) -> dict[str, Any]:
        """The JobRun shape of GetJobRun / the run graph."""
        out: dict[str, Any] = {
            "Id": self.id,
            "Attempt": self.attempt,
            "JobName": self.job,
            "StartedOn": to_datetime(self.started),
            "LastModifiedOn": to_datetime(self.modified),
            "JobRunState": self.state,
            "Arguments": dict(self.arguments),
            "PredecessorRuns": [],
            "Timeout": self.timeout,
            "ExecutionTime": int((self.completed or now()) - self.started),
        }
        if self.previous_run_id:
            out["PreviousRunId"] = self.previous_run_id
        if self.trigger:
            out["TriggerName"] = self.trigger
        if self.completed is not None:
            out["CompletedOn"] = to_datetime(self.completed)
        if self.error:
            out["ErrorMessage"] = self.error
        out.update(self.doc)
        dpu_seconds = flex_dpu_seconds(out)
        if dpu_seconds is not None and self.completed is not None:
            out["DPUSeconds"] = dpu_seconds
        return out


# Glue API JobRun.DPUSeconds: "set for either job runs with execution class FLEX or when
# Auto Scaling is enabled ... the total time each executor ran ... multiplied by a DPU
# factor (1 for G.1X, 2 for G.2X, or 0.25 for G.025X workers)". The local target does
# not scale, so every worker runs the whole ExecutionTime.
WORKER_DPU = {"G.025X": 0.25, "G.1X": 1.0, "G.2X": 2.0, "G.4X": 4.0, "G.8X": 8.0}


def flex_dpu_seconds(job_run: dict[str, Any]) -> float | None:
    """``DPUSeconds`` of a finished FLEX job run, as Glue reports it (else None)."""
    factor = WORKER_DPU.get(str(job_run.get("WorkerType")))
    if job_run.get("ExecutionClass") != "FLEX" or factor is None:
        return None
    return float(job_run["ExecutionTime"]) * factor * int(job_run.get("NumberOfWorkers") or 0)


@dataclass(frozen=True, kw_only=True)
class RunRow:
    """One workflow run as stored."""

    run_id: str
    workflow: str
    status: str
    started: float
    completed: float | None
    error: str | None
    previous_run_id: str | None
    properties: dict[str, str]
    snapshot: list[dict[str, Any]]  # the workflow's triggers at run start
    plan: dict[str, Any]  # how the executor starts: {"start": [...]} or resume details
    executor_pid: int | None
    executor_start: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> RunRow:
        return cls(
            run_id=row["run_id"],
            workflow=row["workflow"],
            status=row["status"],
            started=row["started"],
            completed=row["completed"],
            error=row["error"],
            previous_run_id=row["previous_run_id"],
            properties=json.loads(row["properties"]),
            snapshot=json.loads(row["snapshot"]),
            plan=json.loads(row["plan"]),
            executor_pid=row["executor_pid"],
            executor_start=row["executor_start"],
        )


class GlueState(TableState):
    """Typed access to the ``glue_*`` tables."""

    def __init__(self, home: LocalHome) -> None:
        super().__init__(home, SCHEMA)

    # -- definitions ---------------------------------------------------------
    def get_doc(self, table: str, name: str) -> dict[str, Any] | None:
        row = self.conn.execute(f"SELECT doc FROM {table} WHERE name = ?", (name,)).fetchone()  # noqa: S608
        return None if row is None else dict(json.loads(row["doc"]))

    def put_doc(self, conn: sqlite3.Connection, table: str, name: str, doc: dict[str, Any]) -> None:
        conn.execute(
            f"INSERT OR REPLACE INTO {table} (name, doc) VALUES (?, ?)",  # noqa: S608
            (name, json.dumps(doc, default=_json_default)),
        )

    def delete_doc(self, conn: sqlite3.Connection, table: str, name: str) -> None:
        conn.execute(f"DELETE FROM {table} WHERE name = ?", (name,))  # noqa: S608

    def all_docs(self, table: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(f"SELECT doc FROM {table} ORDER BY name").fetchall()  # noqa: S608
        return [dict(json.loads(r["doc"])) for r in rows]

    def triggers_of(self, workflow: str) -> list[dict[str, Any]]:
        return [t for t in self.all_docs("glue_triggers") if t.get("WorkflowName") == workflow]

    def get_tags(self, arn: str) -> dict[str, str]:
        row = self.conn.execute("SELECT tags FROM glue_tags WHERE arn = ?", (arn,)).fetchone()
        return {} if row is None else dict(json.loads(row["tags"]))

    def set_tags(self, conn: sqlite3.Connection, arn: str, tags: dict[str, str]) -> None:
        if tags:
            conn.execute("INSERT OR REPLACE INTO glue_tags VALUES (?, ?)", (arn, json.dumps(tags)))
        else:
            conn.execute("DELETE FROM glue_tags WHERE arn = ?", (arn,))

    # -- workflow runs -------------------------------------------------------
    def run(self, run_id: str) -> RunRow | None:
        row = self.conn.execute("SELECT * FROM glue_runs WHERE run_id = ?", (run_id,)).fetchone()
        return None if row is None else RunRow.from_row(row)

    def runs_of(self, workflow: str) -> list[RunRow]:
        rows = self.conn.execute(
            "SELECT * FROM glue_runs WHERE workflow = ? ORDER BY started DESC, rowid DESC",
            (workflow,),
        ).fetchall()
        return [RunRow.from_row(r) for r in rows]

    def active_runs(self) -> list[RunRow]:
        rows = self.conn.execute(
            "SELECT * FROM glue_runs WHERE status IN ('RUNNING', 'STOPPING')"
        ).fetchall()
        return [RunRow.from_row(r) for r in rows]

    def fired(self, run_id: str) -> set[str]:
        rows = self.conn.execute(
            "SELECT trigger FROM glue_run_triggers WHERE run_id = ?", (run_id,)
        ).fetchall()
        return {r["trigger"] for r in rows}

    # -- job runs ------------------------------------------------------------
    def job_run(self, job_run_id: str) -> JobRunRow | None:
        row = self.conn.execute(
            "SELECT * FROM glue_job_runs WHERE id = ?", (job_run_id,)
        ).fetchone()
        return None if row is None else JobRunRow.from_row(row)

    def job_runs_of_run(self, run_id: str) -> list[JobRunRow]:
        """Job runs of a workflow run, including those copied into a resumed run."""
        rows = self.conn.execute(
            "SELECT * FROM glue_job_runs WHERE run_id = ? OR id IN "
            "(SELECT job_run_id FROM glue_run_copies WHERE run_id = ?) ORDER BY started, rowid",
            (run_id, run_id),
        ).fetchall()
        return [JobRunRow.from_row(r) for r in rows]

    def job_runs_of_job(self, job: str) -> list[JobRunRow]:
        rows = self.conn.execute(
            "SELECT * FROM glue_job_runs WHERE job = ? ORDER BY started DESC, rowid DESC", (job,)
        ).fetchall()
        return [JobRunRow.from_row(r) for r in rows]

    def running_count(self, conn: sqlite3.Connection, job: str) -> int:
        row = conn.execute(
            "SELECT COUNT(*) AS n FROM glue_job_runs WHERE job = ? AND state IN "
            "('STARTING', 'RUNNING', 'STOPPING', 'WAITING')",
            (job,),
        ).fetchone()
        return int(row["n"])

    def unfinished_standalone(self) -> list[JobRunRow]:
        rows = self.conn.execute(
            "SELECT * FROM glue_job_runs WHERE run_id IS NULL AND state IN "
            "('STARTING', 'RUNNING', 'STOPPING', 'WAITING')"
        ).fetchall()
        return [JobRunRow.from_row(r) for r in rows]

    def executor_of_job_run(self, job_run_id: str) -> tuple[int | None, str | None]:
        row = self.conn.execute(
            "SELECT executor_pid, executor_start FROM glue_job_runs WHERE id = ?", (job_run_id,)
        ).fetchone()
        return (None, None) if row is None else (row["executor_pid"], row["executor_start"])


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
