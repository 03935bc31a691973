"""A failing job records its one-line reason in the run property glue_wf_error_<node>."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from glue_workflow.errors import DefinitionError
from glue_workflow.jobkit import JobExit, JobFailed, JobInputError, run_job
from glue_workflow.jobkit.failure import (
    error_property,
    node_of_job,
    one_line_reason,
    record_failure,
)
from glue_workflow.model import PythonShellJob, Workflow, failed, succeeded
from glue_workflow.validation import check, validate

ARGV = [
    "train.py",
    "--JOB_NAME",
    "churn-pipeline-train",
    "--WORKFLOW_NAME",
    "churn-pipeline",
    "--WORKFLOW_RUN_ID",
    "wr_1",
    "--db_password",
    "hunter2-secret",
]


class _Session:
    def __init__(self, client: Any) -> None:
        self._client = client

    def client(self, service: str) -> Any:
        return self._client


@pytest.fixture
def glue() -> Any:
    return boto3.client("glue", region_name="us-east-1")


def test_property_name_fits_glue_limits() -> None:
    assert error_property("train") == "glue_wf_error_train"
    assert node_of_job("churn-pipeline", "churn-pipeline-train") == "train"
    assert node_of_job("churn-pipeline", "other") == "other"
    long = error_property("x" * 300)
    assert len(long) == 255  # PutWorkflowRunProperties: keys of 1-255 characters
    assert long.startswith("glue_wf_error_xxx")
    assert long != error_property("x" * 301)


def test_reason_is_one_line_trimmed_at_both_ends_without_secrets() -> None:
    text = "bad input\n  " + "y" * 2000 + " db_password=hunter2-secret AKIAABCDEFGHIJKLMNOP; fix it"
    reason = one_line_reason(text, {"db_password": "hunter2-secret"})
    assert "\n" not in reason
    assert len(reason) <= 603
    assert reason.startswith("bad input y")
    assert reason.endswith("[redacted]; fix it")
    assert "hunter2" not in one_line_reason("token: abc123 and hunter2-secret", {
        "db_password": "hunter2-secret"})  # fmt: skip
    assert one_line_reason("api_key=abcd1234 ok") == "api_key=[redacted] ok"
    assert one_line_reason("model_name=xgb ok") == "model_name=xgb ok"


def test_record_failure_puts_the_property(glue: Any) -> None:
    with Stubber(glue) as stub:
        stub.add_response(
            "put_workflow_run_properties",
            {},
            {
                "Name": "churn-pipeline",
                "RunId": "wr_1",
                "RunProperties": {"glue_wf_error_train": "boom: see [redacted]"},
            },
        )
        key = record_failure("boom: see hunter2-secret", ARGV, session=_Session(glue))
        stub.assert_no_pending_responses()
    assert key == "glue_wf_error_train"


def test_record_failure_outside_a_workflow_run_does_nothing() -> None:
    assert record_failure("boom", ["job.py", "--JOB_NAME", "j"]) is None


def test_a_failing_write_never_hides_the_jobs_own_error(
    glue: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ARGV)
    monkeypatch.setattr(
        "glue_workflow.jobkit.context.JobContext.client", lambda _self, _service: glue
    )

    def main() -> None:
        raise JobInputError("missing run property 'train_uri'")

    with Stubber(glue) as stub:
        # AWS's answer for a role without glue:PutWorkflowRunProperties.
        stub.add_client_error(
            "put_workflow_run_properties",
            service_error_code="AccessDeniedException",
            service_message="User: arn:aws:sts::123456789012:assumed-role/glue/x is not "
            "authorized to perform: glue:PutWorkflowRunProperties",
        )
        with pytest.raises(JobExit) as caught:
            run_job(main)
    assert caught.value.code == 1
    assert caught.value.reason == "glue-wf job input error: missing run property 'train_uri'"
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(
        "glue-wf: could not record the failure reason in run property glue_wf_error_train "
        "(AccessDeniedException: An error occurred (AccessDeniedException)"
    )
    assert err[-1] == "glue-wf job input error: missing run property 'train_uri'"


def test_run_job_records_bugs_and_reraises(glue: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.argv", ARGV)
    monkeypatch.setattr(
        "glue_workflow.jobkit.context.JobContext.client", lambda _self, _service: glue
    )
    with Stubber(glue) as stub:
        stub.add_response("put_workflow_run_properties", {}, {
            "Name": "churn-pipeline", "RunId": "wr_1",
            "RunProperties": {"glue_wf_error_train": "ZeroDivisionError: division by zero"},
        })  # fmt: skip
        with pytest.raises(ZeroDivisionError):
            run_job(lambda: 1 / 0)
        stub.add_response("put_workflow_run_properties", {}, {
            "Name": "churn-pipeline", "RunId": "wr_1",
            "RunProperties": {"glue_wf_error_train": "glue-wf job failed: rejected"},
        })  # fmt: skip
        with pytest.raises(JobExit):
            run_job(lambda: (_ for _ in ()).throw(JobFailed("rejected")))
        stub.assert_no_pending_responses()


def _job(name: str, **kw: Any) -> PythonShellJob:
    return PythonShellJob(name=name, script=f"jobs/{name}.py", **kw)


def test_reading_a_nodes_error_property_is_allowed() -> None:
    train = _job("train")
    notify = _job("notify", after=failed(train), reads=["glue_wf_error_train"])
    assert check(Workflow(name="wf", nodes=(train, notify), max_concurrent_runs=1)) == []


def test_error_properties_are_reserved() -> None:
    train = _job("train", writes=["glue_wf_error_train"])
    typo = _job("notify", after=succeeded(train), reads=["glue_wf_error_trian"])
    workflow = Workflow(
        name="wf",
        nodes=(train, typo),
        default_run_properties={"glue_wf_error_x": ""},
        max_concurrent_runs=1,
    )
    messages = [f"{p.where}: {p.message} [{p.rule}]" for p in validate(workflow)]
    reserved = (
        "declares run property {!r}, but names starting with 'glue_wf_error_' are reserved: "
        "a failing job records its reason there itself; rename the property (reading "
        "glue_wf_error_<node> in reads= is allowed) [reserved-property]"
    )
    assert sorted(messages) == sorted([
        "node 'notify': reads run property 'glue_wf_error_trian', but no node of the workflow "
        "is named 'trian' (did you mean 'glue_wf_error_train'?): glue_wf_error_<node> holds "
        "the failure reason of node <node> [property-contract]",
        "node 'train': writes " + reserved.format("glue_wf_error_train"),
        "workflow 'wf': default_run_properties " + reserved.format("glue_wf_error_x"),
    ])  # fmt: skip
    with pytest.raises(DefinitionError):
        check(workflow)


def test_a_success_empties_a_reason_an_earlier_attempt_recorded(glue: Any) -> None:
    """A retry or a resumed run that succeeds leaves no stale reason for a reader."""
    from glue_workflow.jobkit.failure import clear_failure

    run = {"Name": "churn-pipeline", "RunId": "wr_1"}
    with Stubber(glue) as stub:
        stub.add_response(
            "get_workflow_run_properties",
            {"RunProperties": {"glue_wf_error_train": "boom", "other": "x"}},
            run,
        )
        stub.add_response(
            "put_workflow_run_properties", {}, {**run, "RunProperties": {"glue_wf_error_train": ""}}
        )
        assert clear_failure(ARGV, session=_Session(glue)) == "glue_wf_error_train"
        # nothing recorded: one read, no write
        stub.add_response("get_workflow_run_properties", {"RunProperties": {"other": "x"}}, run)
        assert clear_failure(ARGV, session=_Session(glue)) is None
        stub.assert_no_pending_responses()
    assert clear_failure(["job.py", "--JOB_NAME", "j"]) is None  # not in a workflow run
