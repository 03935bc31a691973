"""End-to-end wall time of the churn pipeline on the local target, and engine overhead.

Deploys the workflow into a fresh local home, puts the 5,000-row churn data at the
workflow's ``input_uri``, then times ``glue-wf run --wait`` (the CLI, as a user runs
it). Per node it reports the job run time (StartedOn → CompletedOn); the engine's
overhead is the wall time minus the sum of node times on the critical path (trigger
evaluation, job process start-up, the CLI's polling). Every run passes ``--no-cache``,
so each node does its work (the step cache's reruns are ``bench_cache.py``). It runs
the pipeline twice
(first = cold, second = warm, with the warm Spark of local Spark jobs; then a
third with the warm Spark off, the before) and compares
both with a bare cold ``SparkSession`` start + ``count()`` in a new process, measured
before and after in the same run. Goals: second run <= 1.0x the reference, first
run <= 1.5x.

    .venv/bin/python bench/bench_pipeline.py [--data PATH] [--keep] [--no-warm-spark]
        [--after-deploy SECONDS]
"""

from __future__ import annotations

import argparse
import contextlib
import graphlib
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


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GLUE_WF, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def job_times(run: dict[str, Any]) -> tuple[dict[str, tuple[float, float]], dict[str, set[str]]]:
    """Job name → (start, end) epoch seconds of its last attempt; job → upstream jobs."""
    nodes = {n["UniqueId"]: n for n in run["Graph"]["Nodes"]}
    times: dict[str, tuple[float, float]] = {}
    for node in nodes.values():
        runs = (node.get("JobDetails") or {}).get("JobRuns") or []
        if node["Type"] == "JOB" and runs:
            last = max(runs, key=lambda r: r.get("Attempt") or 0)
            if last.get("CompletedOn"):
                times[node["Name"]] = (
                    last["StartedOn"].timestamp(),
                    last["CompletedOn"].timestamp(),
                )
    # job -> trigger -> job edges collapse to job -> job.
    into: dict[str, set[str]] = {}
    for edge in run["Graph"].get("Edges") or []:
        into.setdefault(edge["DestinationId"], set()).add(edge["SourceId"])
    upstream: dict[str, set[str]] = {}
    for uid, node in nodes.items():
        if node["Type"] != "JOB":
            continue
        parents = set()
        for trigger in into.get(uid, ()):
            parents |= {
                nodes[s]["Name"] for s in into.get(trigger, ()) if nodes[s]["Type"] == "JOB"
            }
        upstream[node["Name"]] = parents
    return times, upstream


def critical_path(
    times: dict[str, tuple[float, float]], upstream: dict[str, set[str]]
) -> list[str]:
    """The chain of executed jobs with the largest summed run time."""
    best: dict[str, tuple[float, list[str]]] = {}
    order = graphlib.TopologicalSorter({j: upstream.get(j, set()) for j in times})
    for job in order.static_order():
        if job not in times:
            continue
        own = times[job][1] - times[job][0]
        prior = max(
            (best[p] for p in upstream.get(job, ()) if p in best),
            key=lambda item: item[0],
            default=(0.0, []),
        )
        best[job] = (prior[0] + own, [*prior[1], job])
    return max(best.values(), key=lambda item: item[0])[1] if best else []


REFERENCE = (
    "from pyspark.sql import SparkSession\n"
    "spark = (SparkSession.builder.master('local[*]').config('spark.ui.enabled', 'false')"
    ".config('spark.sql.shuffle.partitions', '8').getOrCreate())\n"
    "spark.range(1000).count()\n"
)


def cold_spark_seconds(env: dict[str, str]) -> float:
    """The reference: a new process's bare cold SparkSession start + count()."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", REFERENCE], env=env, capture_output=True, check=True, timeout=900
    )
    return time.perf_counter() - started


def timed_run(env: dict[str, str], settings: Any, label: str) -> tuple[float, bool]:
    """One ``glue-wf run --wait``, printed per node; (wall seconds, succeeded)."""
    from glue_workflow.aws.clients import client

    started = time.perf_counter()
    # every node does its work: the step cache would serve the second run (bench_cache.py)
    ran = cli(env, "run", "--wait", "--no-cache")
    total = time.perf_counter() - started
    glue = client(settings, "glue")
    run_id = ran.stdout.split()[0] if ran.stdout.strip() else ""
    run = glue.get_workflow_run(Name="churn-pipeline", RunId=run_id, IncludeGraph=True)["Run"]
    times, upstream = job_times(run)
    path = critical_path(times, upstream)
    path_s = sum(times[j][1] - times[j][0] for j in path)
    overhead = total - path_s
    print(f"{label} run --wait exit {ran.returncode}: total {total:.1f} s")
    first = min(s for s, _ in times.values()) if times else 0.0
    for job, (start, end) in sorted(times.items(), key=lambda kv: kv[1][0]):
        mark = "*" if job in path else " "
        print(f"  {mark} {job:<28} {end - start:6.1f} s  (starts at +{start - first:5.1f} s)")
    print(
        f"  critical path (*): {path_s:.1f} s; engine overhead {overhead:.1f} s = "
        f"{100 * overhead / total:.1f} % of total"
    )
    props = glue.get_workflow_run_properties(Name="churn-pipeline", RunId=run_id)["RunProperties"]
    print(f"  accuracy {props.get('accuracy')}, deploy_status {props.get('deploy_status')}")
    if ran.returncode != 0:
        print(ran.stdout, ran.stderr, file=sys.stderr)
    return total, ran.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--keep", action="store_true", help="Keep the local home and endpoint.")
    parser.add_argument(
        "--no-warm-spark", action="store_true", help="Runs without the warm Spark (the before)."
    )
    parser.add_argument(
        "--after-deploy",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="Start the first run this long after the deploy (default: at once), as a user "
        "who deploys, then runs, does: the deploy's warm-up has finished by then.",
    )
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"data file missing: {args.data}", file=sys.stderr)
        return 1
    home = Path(tempfile.mkdtemp(prefix="glue-wf-bench-"))
    env = {**os.environ, "GLUE_WF_HOME": str(home), "GLUE_WF_TARGET": "local"}
    # as installed: Python's bytecode cache on (a source checkout run with
    # PYTHONDONTWRITEBYTECODE set compiles every glue-wf module in every process)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["GLUE_WF_WARM_SPARK"] = "0" if args.no_warm_spark else "1"
    from glue_workflow.aws.clients import client
    from glue_workflow.config import load_settings
    from glue_workflow.local.spark import control

    settings = load_settings(ROOT, target="local", env=env)
    try:
        s3 = client(settings, "s3")
        with contextlib.suppress(Exception):
            s3.create_bucket(Bucket=settings.bucket)
        s3.upload_file(str(args.data), settings.bucket, "data/churn.csv")
        reference = [cold_spark_seconds(env)]
        print(f"data: {args.data} ({sum(1 for _ in args.data.open()) - 1} rows)")
        print(f"reference, bare cold SparkSession + count(): {reference[0]:.1f} s")
        started = time.perf_counter()
        deployed = cli(env, "deploy")
        print(f"deploy: {time.perf_counter() - started:.1f} s")
        if deployed.returncode != 0:
            print(deployed.stdout, deployed.stderr, file=sys.stderr)
            return 1
        if args.after_deploy:
            print(f"first run {args.after_deploy:.0f} s after the deploy")
            time.sleep(args.after_deploy)
        cold, ok_cold = timed_run(env, settings, "first (cold)")
        warm, ok_warm = timed_run(env, settings, "second (warm)")
        ok_off = True
        if not args.no_warm_spark:  # the before, in the same run: every Spark job cold
            control.stop(home)
            off, ok_off = timed_run({**env, "GLUE_WF_WARM_SPARK": "0"}, settings, "third (off)")
        reference.append(cold_spark_seconds(env))
        ref = sum(reference) / len(reference)
        print(
            f"reference, bare cold SparkSession + count(): {reference[1]:.1f} s "
            f"(mean of both {ref:.1f} s)"
        )
        print(
            f"ratio to the reference: first run {cold / ref:.2f} (goal <= 1.5), "
            f"second run {warm / ref:.2f} (goal <= 1.0); "
            f"warm Spark {'off' if args.no_warm_spark else 'on'}"
        )
        if not args.no_warm_spark:
            print(f"third run, warm Spark off (the before): ratio {off / ref:.2f}")
        return 0 if ok_cold and ok_warm and ok_off else 1
    finally:
        control.stop(home)
        if not args.keep:
            with contextlib.suppress(Exception):
                sm = client(settings, "sagemaker")
                for endpoint in sm.list_endpoints()["Endpoints"]:
                    sm.delete_endpoint(EndpointName=endpoint["EndpointName"])
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
