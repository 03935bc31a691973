"""Spark ETL at scale: jobs/preprocess.py on 1M, 5M and 10M generated churn rows, in
local mode and on a 2-worker Spark standalone cluster on the same machine.

    .venv/bin/python bench/bench_scale_etl.py [--rows 1000000,5000000,10000000]
        [--modes local,cluster] [--worker-memory-mb 2048] [--local-memory 4g] [--data-dir DIR]
        [--keep-data]

The input is the project's sample-data generator (``glue_workflow.demo.sample_data``, seed 7):
the largest size is written once; each smaller size is its first rows (the generator is
a stream, so those bytes are what ``glue-wf sample-data --rows N`` writes). Each run is
``glue-wf job jobs/preprocess.py`` as a user runs it (a new process, its own JVM, the
warm Spark off), in a fresh local home; on the cluster the job is the driver of an
application on the master (``spark_master``), with two 1-core executors. Time is the
command's wall time; the cluster's master, two workers and their JVMs stay up for the
whole bench. Per mode, a least-squares line ``seconds = fixed + per_million * millions``
over the sizes shows how cost grows with data (the residuals say how linear it is).
Inputs are deleted at the end unless ``--keep-data``; every output after its run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GLUE_WF = str(Path(sys.executable).parent / "glue-wf")
SEED = 7
CONTRACT = ROOT / "jobs" / "datasets" / "churn.json"


@dataclass(frozen=True)
class Result:
    rows: int
    mode: str
    seconds: float
    rows_read: int
    load_before: float
    load_after: float


def inputs(data_dir: Path, sizes: list[int]) -> dict[int, Path]:
    """One CSV per size: the largest generated, the others its first rows."""
    from glue_workflow.demo.sample_data import write_csv

    data_dir.mkdir(parents=True, exist_ok=True)

    def path(rows: int) -> Path:
        return data_dir / f"churn-{rows}-seed{SEED}.csv"

    largest = max(sizes)
    if not path(largest).is_file():
        print(f"generating {largest:,} rows into {path(largest)} ...", flush=True)
        partial = path(largest).with_suffix(".partial")
        with partial.open("w", encoding="utf-8", newline="") as handle:
            write_csv(handle, largest, SEED)
        partial.replace(path(largest))
    for rows in sorted(sizes):
        if path(rows).is_file():
            continue
        partial = path(rows).with_suffix(".partial")
        with path(largest).open("rb") as source, partial.open("wb") as target:
            for _ in range(rows + 1):  # the header, then the rows
                target.write(source.readline())
        partial.replace(path(rows))
    return {rows: path(rows) for rows in sizes}


def run_job(env: dict[str, str], data: Path, out: Path, log: Path) -> tuple[float, int]:
    """``glue-wf job jobs/preprocess.py`` on ``data``: (wall seconds, rows read)."""
    shutil.rmtree(out, ignore_errors=True)
    command = [
        GLUE_WF,
        "job",
        "jobs/preprocess.py",
        *("--arg", f"input_uri={data}"),
        *("--arg", f"output_uri={out}/"),
        *("--arg", f"dataset_config_uri={CONTRACT}"),
    ]
    started = time.perf_counter()
    with log.open("wb") as handle:
        done = subprocess.run(
            command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, check=False
        )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        kept = Path(tempfile.gettempdir()) / f"glue-wf-bench-scale-{log.name}"
        shutil.copy(log, kept)  # the scratch directory goes at exit
        raise SystemExit(f"preprocess failed ({kept}):\n{log.read_text()[-4000:]}")
    manifest = json.loads((out / "feature_manifest.json").read_text())
    shutil.rmtree(out, ignore_errors=True)
    return seconds, int(manifest["rows"]["input"])


def fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least squares ``y = a + b x``: (a, b)."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    b = sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0
    return my - b * mx, b


def report(results: list[Result]) -> None:
    print("\n| rows | mode | wall s | rows/s | s per 1M rows | load before → after |")
    print("|---:|---|---:|---:|---:|---|")
    for r in results:
        print(
            f"| {r.rows:,} | {r.mode} | {r.seconds:.1f} | {r.rows_read / r.seconds:,.0f} | "
            f"{r.seconds / (r.rows / 1e6):.1f} | {r.load_before:.1f} → {r.load_after:.1f} |"
        )
    by = {(r.rows, r.mode): r for r in results}
    for rows in sorted({r.rows for r in results}):
        if (rows, "local") in by and (rows, "cluster") in by:
            ratio = by[rows, "cluster"].seconds / by[rows, "local"].seconds
            print(f"{rows:,} rows: cluster / local = {ratio:.2f}")
    for mode in ("local", "cluster"):
        points = [(r.rows / 1e6, r.seconds) for r in results if r.mode == mode]
        if len(points) < 2:
            continue
        fixed, per_million = fit(points)
        residuals = ", ".join(f"{y - (fixed + per_million * x):+.1f}" for x, y in points)
        print(
            f"{mode}: seconds = {fixed:.1f} + {per_million:.1f} x millions of rows "
            f"(residuals {residuals} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="1000000,5000000,10000000")
    parser.add_argument("--modes", default="local,cluster")
    parser.add_argument("--worker-memory-mb", type=int, default=2048)
    parser.add_argument("--local-memory", default="4g", help="local mode's JVM heap")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()
    sizes = sorted(int(n) for n in args.rows.split(","))
    modes = [m.strip() for m in args.modes.split(",")]
    if set(modes) - {"local", "cluster"}:
        parser.error("--modes takes local and/or cluster")
    data_dir = args.data_dir or Path(tempfile.gettempdir()) / "glue-wf-bench-scale"
    from glue_workflow.awsglue_local import spark_submit_args
    from glue_workflow.local.glue.standalone import standalone_cluster

    print(f"load average at start: {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores")
    print(f"local mode: local[*], {args.local_memory} heap", flush=True)
    files = inputs(data_dir, sizes)
    results: list[Result] = []
    try:
        with tempfile.TemporaryDirectory(prefix="glue-wf-scale-") as scratch:
            work = Path(scratch)
            env = {
                **os.environ,
                "GLUE_WF_HOME": str(work / "home"),
                "GLUE_WF_WARM_SPARK": "0",  # every run starts its own JVM, in both modes
            }
            env.pop("GLUE_WF_SPARK_MASTER", None)
            with standalone_cluster(
                work / "cluster", workers=2, cores=1, memory_mb=args.worker_memory_mb
            ) as cluster:
                print(f"cluster: {cluster.master}, 2 workers x 1 core, {args.worker_memory_mb} MB")
                # the same executor memory in both modes: one local JVM of 2 x the
                # worker memory, or two executors of the worker memory (and a driver)
                local = {**env, "PYSPARK_SUBMIT_ARGS": spark_submit_args(args.local_memory)}
                envs = {"local": local, "cluster": {**env, **cluster.environment()}}
                for rows in sizes:
                    mb = files[rows].stat().st_size / 1e6
                    for mode in modes:
                        before = os.getloadavg()[0]
                        log = work / f"{mode}-{rows}.log"
                        seconds, read = run_job(envs[mode], files[rows], work / "out", log)
                        result = Result(rows, mode, seconds, read, before, os.getloadavg()[0])
                        results.append(result)
                        print(
                            f"{rows:,} rows ({mb:,.0f} MB), {mode}: {seconds:.1f} s, "
                            f"{read / seconds:,.0f} rows/s (load {before:.1f} → "
                            f"{result.load_after:.1f})",
                            flush=True,
                        )
                        if read != rows:
                            raise SystemExit(f"the job read {read:,} rows, expected {rows:,}")
                if "cluster" in modes:
                    state = cluster.state()
                    apps = [a["name"] for a in state.get("completedapps", [])]
                    ran = [a for a in apps if a.startswith("preprocess jr_")]
                    print(f"master's completed applications: {len(ran)} preprocess runs")
                    if len(ran) != len(sizes):
                        raise SystemExit(f"expected {len(sizes)} applications, got {apps}")
    finally:
        if not args.keep_data:
            for path in files.values():
                path.unlink(missing_ok=True)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    report(results)


if __name__ == "__main__":
    main()
