"""A local Spark JVM keeps its temporary files in the local home, deleted as its run ends."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3

from glue_workflow.local.spark import scratch


def test_environment_points_spark_and_java_temp_at_the_directory(tmp_path: Path) -> None:
    directory = tmp_path / "a b" / "tmp"
    env = scratch.environment(directory, {"SPARK_SUBMIT_OPTS": "-Dx=1"})
    assert directory.is_dir()
    assert env["SPARK_LOCAL_DIRS"] == str(directory)
    # the launcher splits the options as a shell would: a space in the home stays quoted
    assert shlex.split(env["SPARK_SUBMIT_OPTS"]) == ["-Dx=1", f"-Djava.io.tmpdir={directory}"]
    alone = scratch.environment(directory, {})
    assert shlex.split(alone["SPARK_SUBMIT_OPTS"]) == [f"-Djava.io.tmpdir={directory}"]


def test_sweep_deletes_the_directories_of_dead_processes_only(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / str(dead.pid) / "blockmgr-1").mkdir(parents=True)
    (tmp_path / str(os.getpid())).mkdir()
    (tmp_path / "notes").mkdir()
    scratch.sweep(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([str(os.getpid()), "notes"])
    scratch.sweep(tmp_path / "missing")  # nothing to sweep: no error


def test_a_spark_jobs_temporary_files_are_in_its_run_and_deleted_as_it_ends(
    local_home: Path, tmp_path: Path
) -> None:
    # What the job's JVM would be started with, and a file where its block manager writes.
    script = tmp_path / "job.py"
    script.write_text(
        "import json, os, pathlib\n"
        "tmp = pathlib.Path(os.environ['SPARK_LOCAL_DIRS'])\n"
        "(tmp / 'blockmgr-1').mkdir()\n"
        "print(json.dumps({'dir': str(tmp), 'opts': os.environ['SPARK_SUBMIT_OPTS']}))\n"
    )
    glue = boto3.client("glue")
    glue.create_job(
        Name="spark",
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(script)},
        GlueVersion="5.0",
        WorkerType="G.1X",
        NumberOfWorkers=2,
    )
    run_id = glue.start_job_run(JobName="spark")["JobRunId"]
    deadline = time.monotonic() + 60
    run: dict[str, Any] = {}
    while time.monotonic() < deadline:
        run = glue.get_job_run(JobName="spark", RunId=run_id)["JobRun"]
        if run["JobRunState"] not in ("STARTING", "RUNNING", "STOPPING"):
            break
        time.sleep(0.05)
    assert run["JobRunState"] == "SUCCEEDED", run
    log = (local_home / "logs" / "jobs" / f"{run_id}.log").read_text()
    seen = json.loads(log.strip().splitlines()[-1])
    tmp = Path(seen["dir"])
    assert tmp == local_home.resolve() / "work" / "jobs" / run_id / "spark-tmp"
    assert f"-Djava.io.tmpdir={tmp}" in shlex.split(seen["opts"])
    assert not tmp.exists()  # deleted with what the JVM left in it
    assert tmp.parent.is_dir()  # the run's working directory stays
