"""The job library: arguments, run properties, the one-line failure contract."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from glue_workflow.jobkit import JobContext, JobFailed, JobInputError, parse_arguments, run_job
from glue_workflow.jobkit import context as context_module

ARGV = [
    "script.py",
    "--JOB_NAME",
    "churn-pipeline-gate",
    "--WORKFLOW_NAME",
    "churn-pipeline",
    "--WORKFLOW_RUN_ID",
    "wr_1",
    "--glue_wf_producers",
    json.dumps({"accuracy": "node 'evaluate' (job churn-pipeline-evaluate)"}),
    "--extra-py-files=s3://b/k.whl",
    "--flag",
]


class _Session:
    def __init__(self, client: Any) -> None:
        self._client = client

    def client(self, service: str) -> Any:
        assert service == "glue"
        return self._client


@pytest.fixture
def glue() -> Any:
    return boto3.client("glue", region_name="us-east-1")


def test_parse_arguments() -> None:
    args = parse_arguments(ARGV)
    assert args["WORKFLOW_NAME"] == "churn-pipeline"
    assert args["extra_py_files"] == "s3://b/k.whl"
    assert args["flag"] == ""


def test_from_argv_requires_arguments() -> None:
    with pytest.raises(JobInputError) as caught:
        JobContext.from_argv(ARGV, required=("artifacts_bucket", "sagemaker_role_arn"))
    assert str(caught.value) == (
        "missing job argument(s) --artifacts_bucket, --sagemaker_role_arn: set them in the "
        "job's DefaultArguments (the workflow definition) or the trigger action's Arguments"
    )


def test_require_names_missing_property_and_producer(glue: Any) -> None:
    ctx = JobContext.from_argv(ARGV, session=_Session(glue))
    with Stubber(glue) as stub:
        stub.add_response(
            "get_workflow_run_properties",
            {"RunProperties": {"min_accuracy": "0.9"}},
            {"Name": "churn-pipeline", "RunId": "wr_1"},
        )
        with pytest.raises(JobInputError) as caught:
            ctx.require("accuracy", "min_accuracy")
    assert str(caught.value) == (
        "missing run property 'accuracy' (expected from node 'evaluate' (job "
        "churn-pipeline-evaluate)) in run wr_1 of workflow churn-pipeline"
    )


def test_require_returns_values(glue: Any) -> None:
    ctx = JobContext.from_argv(ARGV, session=_Session(glue))
    with Stubber(glue) as stub:
        stub.add_response(
            "get_workflow_run_properties", {"RunProperties": {"a": "1", "b": "2", "c": "3"}}
        )
        assert ctx.require("a", "c") == {"a": "1", "c": "3"}


def test_put_retries_concurrent_modification(glue: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context_module.time, "sleep", lambda _: None)
    ctx = JobContext.from_argv(ARGV, session=_Session(glue))
    expected = {
        "Name": "churn-pipeline",
        "RunId": "wr_1",
        "RunProperties": {"accuracy": "0.93", "rows": "5"},
    }
    with Stubber(glue) as stub:
        stub.add_client_error("put_workflow_run_properties", "ConcurrentModificationException")
        stub.add_client_error("put_workflow_run_properties", "ConcurrentModificationException")
        stub.add_response("put_workflow_run_properties", {}, expected)
        ctx.put(accuracy="0.93", rows=5)
        stub.assert_no_pending_responses()


def test_put_does_not_retry_other_errors(glue: Any) -> None:
    ctx = JobContext.from_argv(ARGV, session=_Session(glue))
    with Stubber(glue) as stub:
        stub.add_client_error("put_workflow_run_properties", "EntityNotFoundException")
        with pytest.raises(Exception, match="EntityNotFoundException"):
            ctx.put(a="1")


def test_put_refuses_non_string_values(glue: Any) -> None:
    ctx = JobContext.from_argv(ARGV, session=_Session(glue))
    with pytest.raises(TypeError, match="run property 'm' must be a string"):
        ctx.put(m={"a": 1})


def test_outside_a_workflow_run() -> None:
    ctx = JobContext.from_argv(["script.py"])
    with pytest.raises(JobInputError, match="this job was not started by a workflow run"):
        ctx.properties()


def test_run_job_prints_one_line_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    def bad_input() -> None:
        raise JobInputError("missing run property 'x'")

    def rejected() -> None:
        raise JobFailed("gate q: rejected: acc = 0.5 fails acc >= 0.9 (0.9)")

    for main, line in (
        (bad_input, "glue-wf job input error: missing run property 'x'\n"),
        (rejected, "glue-wf job failed: gate q: rejected: acc = 0.5 fails acc >= 0.9 (0.9)\n"),
    ):
        with pytest.raises(SystemExit) as caught:
            run_job(main)
        assert caught.value.code == 1
        assert capsys.readouterr().err == line


def test_run_job_reraises_bugs() -> None:
    def buggy() -> None:
        raise ZeroDivisionError("bug")

    with pytest.raises(ZeroDivisionError):
        run_job(buggy)


def test_jobkit_and_gate_parse_as_python_3_9() -> None:
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = [
        *sorted((root / "glue_workflow" / "jobkit").glob("*.py")),
        *sorted((root / "glue_workflow" / "scripts").glob("[!_]*.py")),
    ]
    for path in files:
        text = path.read_text()
        ast.parse(text, filename=str(path), feature_version=(3, 9))
        assert "from __future__ import annotations" in text, path
