"""Step caching on the shipped churn pipeline, locally: a warm rerun against a cold run.

Deploys into a fresh local home with the 5,000-row churn data, then times
``glue-wf run --wait`` (the CLI, as a user runs it) three times in one session:

1. cold: every node runs (the reference);
2. nothing changed: every cached node must be served from the cache; goal ≤ 3 s;
3. only ``num_round`` changed: preprocess must be served, train and what follows
   must run (train saying why: ``read num_round changed 100 -> 50``).

Prints each run's wall time, its ratio to the cold run, and each node's decision;
for the unchanged run also each node's job run time against the gate's, the one node
that is not cached and does almost nothing (a job process's start-up: the floor a
served node cannot go below on the same machine at the same moment).

    .venv/bin/python bench/bench_cache.py [--data PATH] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "churn_processed.csv"
GLUE_WF = str(Path(sys.executable).parent / "glue-wf")
WORKFLOW = "churn-pipeline"
CACHED = ("preprocess", "train", "evaluate", "register", "deploy")
WARM_GOAL_S = 3.0


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GLUE_WF, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def timed_run(env: dict[str, str], glue: Any, *extra: str) -> tuple[float, str, dict[str, str]]:
    started = time.perf_counter()
    ran = cli(env, "run", "--wait", *extra)
    wall = time.perf_counter() - started
    if ran.returncode != 0:
        print(ran.stdout, ran.stderr, file=sys.stderr)
        raise SystemExit(f"run {' '.join(extra)} failed")
    run_id = ran.stdout.split()[0]
    props = glue.get_workflow_run_properties(Name=WORKFLOW, RunId=run_id)["RunProperties"]
    return wall, run_id, props


def node_seconds(glue: Any, run_id: str) -> dict[str, float]:
    """Node -> StartedOn..CompletedOn of its last job run attempt, seconds; ``(run)``: the run's."""
    run = glue.get_workflow_run(Name=WORKFLOW, RunId=run_id, IncludeGraph=True)["Run"]
    found = {"(run)": (run["CompletedOn"] - run["StartedOn"]).total_seconds()}
    for node in run["Graph"]["Nodes"]:
        runs = (node.get("JobDetails") or {}).get("JobRuns") or []
        if runs:
            last = max(runs, key=lambda r: r.get("Attempt") or 0)
            seconds = (last["CompletedOn"] - last["StartedOn"]).total_seconds()
            found[node["Name"].removeprefix(WORKFLOW + "-")] = seconds
    return found


def decisions(props: dict[str, str]) -> dict[str, str]:
    found = {}
    for node in CACHED:
        record = json.loads(props.get(f"glue_wf_cache_{node}") or "{}")
        found[node] = str(record.get("decision")) + (
            f": {record['why']}" if record.get("why") else f" (run {record.get('run')})"
        )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--keep", action="store_true", help="Keep the local home.")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="glue-wf-bench-cache-"))
    env = {**os.environ, "GLUE_WF_HOME": str(home), "GLUE_WF_TARGET": "local"}
    from glue_workflow.aws.clients import client
    from glue_workflow.config import load_settings

    settings = load_settings(ROOT, target="local", env=env)
    failures = []
    try:
        s3 = client(settings, "s3")
        with contextlib.suppress(Exception):
            s3.create_bucket(Bucket=settings.bucket)
        s3.upload_file(str(args.data), settings.bucket, "data/churn.csv")
        deployed = cli(env, "deploy")
        if deployed.returncode != 0:
            print(deployed.stdout, deployed.stderr, file=sys.stderr)
            return 1
        glue = client(settings, "glue")
        cold, _, cold_props = timed_run(env, glue)
        warm, warm_id, warm_props = timed_run(env, glue)
        changed, _, changed_props = timed_run(env, glue, "-p", "num_round=50")
        print(f"data: {args.data}")
        print(f"{'run':<28} {'wall s':>7} {'ratio':>6}  decisions")
        for label, wall, props in (
            ("1 cold (reference)", cold, cold_props),
            ("2 nothing changed", warm, warm_props),
            ("3 num_round 100 -> 50", changed, changed_props),
        ):
            shown = "; ".join(f"{n} {d}" for n, d in decisions(props).items())
            print(f"{label:<28} {wall:7.2f} {wall / cold:6.3f}  {shown}")
        warm_d, changed_d = decisions(warm_props), decisions(changed_props)
        if not all(d.startswith("cached") for d in warm_d.values()):
            failures.append(f"run 2: not every cached node was served: {warm_d}")
        if warm > WARM_GOAL_S:
            failures.append(f"run 2 took {warm:.2f} s (goal <= {WARM_GOAL_S} s)")
        if not changed_d["preprocess"].startswith("cached"):
            failures.append(f"run 3: preprocess was not served: {changed_d['preprocess']}")
        if "read num_round changed 100 -> 50" not in changed_d["train"]:
            failures.append(f"run 3: train did not rerun for num_round: {changed_d['train']}")
        for node in ("evaluate", "register", "deploy"):
            if not changed_d[node].startswith("ran"):
                failures.append(f"run 3: {node} did not rerun: {changed_d[node]}")
        times = node_seconds(glue, warm_id)
        engine = times.pop("(run)")
        print(
            f"run 2 in the engine (StartedOn -> CompletedOn): {engine:.2f} s; CLI wall {warm:.2f} s"
        )
        floor = times["gate"]
        print("run 2 job run times (ratio to the uncached gate, same run):")
        for node, seconds in sorted(times.items(), key=lambda kv: kv[1]):
            print(f"  {node:<12} {seconds:6.2f} s  {seconds / floor:5.2f}")
        served = [times[n] for n in CACHED]
        print(
            f"served node mean {sum(served) / len(served):.2f} s = "
            f"{sum(served) / len(served) / floor:.2f} x the gate's job run"
        )
        print(f"goal: nothing-changed run <= {WARM_GOAL_S} s: {'met' if warm <= 3 else 'NOT met'}")
        for failure in failures:
            print(f"FAILED: {failure}", file=sys.stderr)
        return 1 if failures else 0
    finally:
        if not args.keep:
            with contextlib.suppress(Exception):
                sm = client(settings, "sagemaker")
                for endpoint in sm.list_endpoints()["Endpoints"]:
                    sm.delete_endpoint(EndpointName=endpoint["EndpointName"])
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
