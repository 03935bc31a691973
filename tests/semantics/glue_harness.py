"""Helpers of the Glue semantics conformance suite: tiny Python shell jobs on the local engine.

Workflows are created with plain boto3 Glue calls (no definition model), jobs are
one-line scripts. Timeouts are scaled (one Glue minute = 0.4 s) so TIMEOUT cases
stay fast.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import boto3

SECONDS_PER_MINUTE = 0.4

SCRIPTS = {
    "ok": "print('ok')\n",
    "fail": "raise ValueError('boom')\n",
    # sleeps for --seconds (default 30)
    "sleep": (
        "import sys, time\n"
        "a = sys.argv[1:]\n"
        "time.sleep(float(a[a.index('--seconds') + 1]) if '--seconds' in a else 30)\n"
    ),
    # fails while the file named by --flag does not exist, creating it (fails once)
    "flaky": (
        "import os, sys\n"
        "a = sys.argv[1:]\n"
        "flag = a[a.index('--flag') + 1]\n"
        "if not os.path.exists(flag):\n"
        "    open(flag, 'w').close()\n"
        "    raise SystemExit('first attempt fails')\n"
    ),
    # writes its argv as JSON to --out
    "args": (
        "import json, sys\na = sys.argv[1:]\njson.dump(a, open(a[a.index('--out') + 1], 'w'))\n"
    ),
    # PutWorkflowRunProperties(--key = --value) through plain boto3 (the local target
    # comes from the job environment's sitecustomize)
    "put": (
        "import sys, boto3\n"
        "a = dict(zip(sys.argv[1::2], sys.argv[2::2]))\n"
        "boto3.client('glue').put_workflow_run_properties(Name=a['--WORKFLOW_NAME'],\n"
        "    RunId=a['--WORKFLOW_RUN_ID'], RunProperties={a['--key']: a['--value']})\n"
    ),
    # fails unless run property --key equals --value
    "expect": (
        "import sys, boto3\n"
        "a = dict(zip(sys.argv[1::2], sys.argv[2::2]))\n"
        "p = boto3.client('glue').get_workflow_run_properties(Name=a['--WORKFLOW_NAME'],\n"
        "    RunId=a['--WORKFLOW_RUN_ID'])['RunProperties']\n"
        "if p.get(a['--key']) != a['--value']:\n"
        '    raise SystemExit(f\'property {a["--key"]} is {p.get(a["--key"])!r}\')\n'
    ),
}


class Harness:
    """Builds workflows and follows runs through a boto3 Glue client."""

    def __init__(self, home: Path, scripts: Path) -> None:
        self.home = home
        self.scripts = scripts
        self.glue = boto3.client("glue", region_name="us-east-1")
        for name, text in SCRIPTS.items():
            (scripts / f"{name}.py").write_text(text)

    def job(self, name: str, script: str, **kwargs: Any) -> str:
        self.glue.create_job(
            Name=name,
            Role="arn:aws:iam::123456789012:role/glue",
            Command={
                "Name": kwargs.pop("command", "pythonshell"),
                "PythonVersion": "3.9",
                "ScriptLocation": str(self.scripts / f"{script}.py"),
            },
            **kwargs,
        )
        return name

    def workflow(self, name: str, **kwargs: Any) -> str:
        self.glue.create_workflow(Name=name, **kwargs)
        return name

    def start(self, workflow: str, *jobs: str, name: str | None = None, **action: Any) -> str:
        trigger = name or f"{workflow}-start"
        self.glue.create_trigger(
            Name=trigger,
            WorkflowName=workflow,
            Type="ON_DEMAND",
            Actions=[{"JobName": j, **action} for j in jobs],
        )
        return trigger

    def on(
        self,
        workflow: str,
        name: str,
        conditions: list[tuple[str, str]],
        *jobs: str,
        logical: str = "AND",
        activate: bool = True,
        **action: Any,
    ) -> str:
        self.glue.create_trigger(
            Name=name,
            WorkflowName=workflow,
            Type="CONDITIONAL",
            StartOnCreation=activate,
            Predicate={
                "Logical": logical,
                "Conditions": [
                    {"LogicalOperator": "EQUALS", "JobName": j, "State": s} for j, s in conditions
                ],
            },
            Actions=[{"JobName": j, **action} for j in jobs],
        )
        return name

    def run(self, workflow: str, **kwargs: Any) -> str:
        return str(self.glue.start_workflow_run(Name=workflow, **kwargs)["RunId"])

    def get(self, workflow: str, run_id: str) -> dict[str, Any]:
        run: dict[str, Any] = self.glue.get_workflow_run(
            Name=workflow, RunId=run_id, IncludeGraph=True
        )["Run"]
        return run

    def wait(self, workflow: str, run_id: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            run = self.get(workflow, run_id)
            if run["Status"] not in ("RUNNING", "STOPPING"):
                return run
            if time.monotonic() > deadline:
                raise AssertionError(f"run {run_id} still {run['Status']} after {timeout}s")
            time.sleep(0.02)

    def wait_state(
        self, workflow: str, run_id: str, job: str, state: str, timeout: float = 10.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = job_runs(self.get(workflow, run_id), job)
            if runs and runs[-1]["JobRunState"] == state:
                return runs[-1]
            time.sleep(0.02)
        raise AssertionError(f"{job} never reached {state}")

    def executor_pid(self, run_id: str) -> int:
        with contextlib.closing(sqlite3.connect(self.home / "state.db")) as conn:
            row = conn.execute(
                "SELECT executor_pid FROM glue_runs WHERE run_id = ?", (run_id,)
            ).fetchone()
        return int(row[0])


def job_runs(run: dict[str, Any], job: str) -> list[dict[str, Any]]:
    for node in run["Graph"]["Nodes"]:
        if node["Type"] == "JOB" and node["Name"] == job:
            runs = (node.get("JobDetails") or {}).get("JobRuns") or []
            return sorted(runs, key=lambda r: (r["Attempt"], r["StartedOn"]))
    raise AssertionError(f"no job node {job}")


def states(run: dict[str, Any]) -> dict[str, str | None]:
    """job -> state of its last attempt (None: not reached)."""
    out: dict[str, str | None] = {}
    for node in run["Graph"]["Nodes"]:
        if node["Type"] == "JOB":
            runs = job_runs(run, node["Name"])
            out[node["Name"]] = runs[-1]["JobRunState"] if runs else None
    return out


def node_id(run: dict[str, Any], job: str) -> str:
    return next(n["UniqueId"] for n in run["Graph"]["Nodes"] if n["Name"] == job)


def kill_leftovers(home: Path) -> None:
    """Never leave executors or job processes behind, even when a test fails."""
    db = home / "state.db"
    if not db.exists():
        return
    with contextlib.closing(sqlite3.connect(db)) as conn:
        pids = [
            r[0]
            for r in conn.execute(
                "SELECT executor_pid FROM glue_runs WHERE status IN ('RUNNING', 'STOPPING')"
            )
        ]
        pids += [
            r[0]
            for r in conn.execute(
                "SELECT pid FROM glue_job_runs WHERE state IN ('STARTING', 'RUNNING', 'STOPPING')"
            )
        ]
        pids += [
            r[0]
            for r in conn.execute(
                "SELECT executor_pid FROM glue_job_runs WHERE state IN ('STARTING', 'RUNNING')"
            )
        ]
    for pid in pids:
        if pid:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
