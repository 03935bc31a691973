"""StartJobRun / GetJobRun as Glue answers them: the run keeps what it was started with."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def glue(local_home: Path, tmp_path: Path) -> Any:
    script = tmp_path / "ok.py"
    script.write_text("print('ok')\n")
    client = boto3.client("glue")
    client.create_job(
        Name="spark",
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(script)},
        GlueVersion="5.0",
        WorkerType="G.1X",
        NumberOfWorkers=10,
        ExecutionProperty={"MaxConcurrentRuns": 5},
        DefaultArguments={"--job-language": "python", "--mode": "default"},
    )
    client.create_job(
        Name="shell",
        Role="r",
        Command={"Name": "pythonshell", "ScriptLocation": str(script), "PythonVersion": "3.9"},
        ExecutionProperty={"MaxConcurrentRuns": 5},
    )
    yield client
    for job in ("spark", "shell"):  # leave no executor behind
        for run in client.get_job_runs(JobName=job)["JobRuns"]:
            _finished(client, job, run["Id"])


def _finished(glue: Any, job: str, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if run["JobRunState"] not in ("STARTING", "RUNNING", "STOPPING") or (
            time.monotonic() > deadline
        ):
            return dict(run)
        time.sleep(0.05)


def test_get_job_run_keeps_the_capacity_the_run_was_started_with(glue: Any) -> None:
    run_id = glue.start_job_run(
        JobName="spark",
        WorkerType="G.2X",
        NumberOfWorkers=4,
        Timeout=7,
        ExecutionClass="STANDARD",
        Arguments={"--mode": "fast"},
    )["JobRunId"]
    run = _finished(glue, "spark", run_id)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert (run["WorkerType"], run["NumberOfWorkers"], run["Timeout"]) == ("G.2X", 4, 7)
    assert run["ExecutionClass"] == "STANDARD"
    assert run["GlueVersion"] == "5.0"
    assert "MaxCapacity" not in run
    # only what the run was started with: not the job's DefaultArguments, not Glue's own
    assert run["Arguments"] == {"--mode": "fast"}


def test_a_run_falls_back_to_the_jobs_settings(glue: Any) -> None:
    spark = _finished(glue, "spark", glue.start_job_run(JobName="spark")["JobRunId"])
    assert (spark["WorkerType"], spark["NumberOfWorkers"]) == ("G.1X", 10)
    assert spark["Arguments"] == {}
    counted = _finished(
        glue, "spark", glue.start_job_run(JobName="spark", NumberOfWorkers=3)["JobRunId"]
    )
    assert (counted["WorkerType"], counted["NumberOfWorkers"]) == ("G.1X", 3)
    shell = _finished(glue, "shell", glue.start_job_run(JobName="shell")["JobRunId"])
    assert shell["MaxCapacity"] == 0.0625
    one_dpu = _finished(
        glue, "shell", glue.start_job_run(JobName="shell", MaxCapacity=1.0)["JobRunId"]
    )
    assert one_dpu["MaxCapacity"] == 1.0


@pytest.mark.parametrize(
    ("job", "kwargs", "message"),
    [
        (
            "shell",
            {"AllocatedCapacity": 2, "MaxCapacity": 1.0},
            "Please set only Allocated Capacity or Max Capacity.",
        ),
        (
            "spark",
            {"MaxCapacity": 10.0, "WorkerType": "G.1X", "NumberOfWorkers": 10},
            "Please do not set Max Capacity if using Worker Type and Number of Workers.",
        ),
        (
            "spark",
            {"MaxCapacity": 10.0, "NumberOfWorkers": 10},
            "Please do not set Max Capacity if using Worker Type and Number of Workers.",
        ),
        ("shell", {"WorkerType": "G.1X"}, "Please set both Worker Type and Number of Workers."),
        (
            "spark",
            {"WorkerType": "G.1X", "NumberOfWorkers": 1},
            "To use Worker Type G.1X, minimum allowed value of Number of Workers is 2.",
        ),
    ],
)
def test_start_job_run_refuses_what_glue_refuses(
    glue: Any, job: str, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ClientError) as caught:
        glue.start_job_run(JobName=job, **kwargs)
    assert caught.value.response["Error"] == {"Code": "InvalidInputException", "Message": message}
    assert glue.get_job_runs(JobName=job)["JobRuns"] == []  # nothing started


def test_retrying_a_run_by_id_is_not_supported_locally(glue: Any) -> None:
    with pytest.raises(ClientError, match="StartJobRun with JobRunId") as caught:
        glue.start_job_run(JobName="shell", JobRunId="jr_previous")
    assert caught.value.response["Error"]["Code"] == "NotSupportedLocally"
