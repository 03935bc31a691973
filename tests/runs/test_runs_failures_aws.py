"""A failed node on AWS: Glue says only "Command failed with exit code 1" (Python shell,
awslabs/aws-glue-libs#221); status shows the reason the job recorded in the run property
glue_wf_error_<node>, the job type's log groups and the job run's console page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from click.testing import CliRunner
from rungraphs import WF, run_answer

from glue_workflow.aws.retry import RetryPolicy
from glue_workflow.cli import cli
from glue_workflow.config import load_settings
from glue_workflow.console.workflows import Workflows
from glue_workflow.runs import control, view
from glue_workflow.runs.failure_report import run_failures
from glue_workflow.runs.failures import log_groups
from glue_workflow.runs.glue_run_calls import GlueRunsApi
from glue_workflow.runs.run_nodes import node_rows
from glue_workflow.runs.verdict import judge

GLUE_SAYS = "Command failed with exit code 1"  # awslabs/aws-glue-libs#221
REASON = (
    "glue-wf job input error: missing run property 'train_uri' (expected from node 'preprocess')"
)
TRAIN_JOB = {
    "Name": f"{WF}-train",
    "Role": "arn:aws:iam::123456789012:role/glue",
    "Command": {"Name": "pythonshell", "ScriptLocation": "s3://b/train.py", "PythonVersion": "3.9"},
    "GlueVersion": "3.0",
}
PREPROCESS_JOB = {
    "Name": f"{WF}-preprocess",
    "Role": "arn:aws:iam::123456789012:role/glue",
    "Command": {"Name": "glueetl", "ScriptLocation": "s3://b/pre.py", "PythonVersion": "3"},
    "GlueVersion": "5.0",
}
URL = (
    "https://eu-west-1.console.aws.amazon.com/gluestudio/home?region=eu-west-1"
    f"#/job/{WF}-train/run/jr_train_0"
)


def failed_train_run() -> dict[str, Any]:
    run = run_answer(
        {"preprocess": "SUCCEEDED", "train": "FAILED"},
        properties={"glue_wf_error_train": REASON, "min_accuracy": "0.8"},
    )
    for node in run["Graph"]["Nodes"]:
        for job_run in (node.get("JobDetails") or {}).get("JobRuns") or []:
            if job_run["JobRunState"] == "FAILED":
                job_run["ErrorMessage"] = GLUE_SAYS
    return run


@pytest.fixture
def aws(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[control.RunTarget, Stubber]]:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # the conftest's us-east-1 would win
    (tmp_path / "glue-wf.toml").write_text(
        '[target]\ndefault = "aws"\n[target.aws]\nregion = "eu-west-1"\n'
    )
    settings = load_settings(tmp_path)
    client = boto3.client("glue", region_name="eu-west-1",
                          config=Config(retries={"total_max_attempts": 1}))  # fmt: skip
    api = GlueRunsApi(client=client, policy=RetryPolicy(sleep=lambda _s: None))
    with Stubber(client) as stubber:
        yield control.RunTarget(settings=settings, workflow=WF, glue=api), stubber
        stubber.assert_no_pending_responses()


def test_rows_and_verdict_prefer_the_recorded_reason() -> None:
    run = failed_train_run()
    train = {r.name: r for r in node_rows(run)}[f"{WF}-train"]
    assert (train.error_message, train.glue_error_message) == (REASON, GLUE_SAYS)
    assert judge(run).summary == f"failed — {WF}-train FAILED: {REASON}"
    table = view.node_table(node_rows(run))
    assert "missing run property 'train_uri'" in str(table.columns[-1]._cells)


def test_reason_only_for_a_failed_last_attempt() -> None:
    # A retry that succeeded keeps the first attempt's property: it must not show.
    run = run_answer({"train": ["FAILED", "SUCCEEDED"]}, properties={"glue_wf_error_train": REASON})
    train = {r.name: r for r in node_rows(run)}[f"{WF}-train"]
    assert (train.state, train.error_message) == ("SUCCEEDED", None)
    # A timeout is Glue's verdict: its own message wins.
    run = run_answer({"train": "TIMEOUT"}, properties={"glue_wf_error_train": REASON})
    assert {r.name: r for r in node_rows(run)}[f"{WF}-train"].error_message == "boom"


def test_status_json_and_human_output(
    aws: tuple[control.RunTarget, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    target, stubber = aws
    run = failed_train_run()
    stubber.add_response("get_workflow_run", {"Run": run},
                         {"Name": WF, "RunId": "wr_1", "IncludeGraph": True})  # fmt: skip
    stubber.add_response("batch_get_jobs", {"Jobs": [TRAIN_JOB], "JobsNotFound": []},
                         {"JobNames": [f"{WF}-train"]})  # fmt: skip
    got = target.glue.run(WF, "wr_1")
    status = view.status_json(WF, got, failures=run_failures(target, got))
    train = next(n for n in status["Nodes"] if n["Name"] == f"{WF}-train")
    assert (train["ErrorMessage"], train["GlueErrorMessage"]) == (REASON, GLUE_SAYS)
    assert status["Failures"] == [
        {
            "Node": "train",
            "Job": f"{WF}-train",
            "State": "FAILED",
            "Reason": REASON,
            "GlueErrorMessage": GLUE_SAYS,
            "JobRunId": "jr_train_0",
            "LogGroups": {
                "Output": "/aws-glue/python-jobs/output",
                "Error": "/aws-glue/python-jobs/error",
            },
            "LogFile": None,
            "ConsoleUrl": URL,
        }
    ]

    from glue_workflow.cli.runs import _print_verdict

    stubber.add_response("batch_get_jobs", {"Jobs": [TRAIN_JOB], "JobsNotFound": []},
                         {"JobNames": [f"{WF}-train"]})  # fmt: skip
    _print_verdict(target, got)
    out = capsys.readouterr().out
    assert f"train FAILED: {REASON}\n" in out
    assert (
        "  logs: log groups /aws-glue/python-jobs/output and /aws-glue/python-jobs/error, "
        "stream jr_train_0\n"
    ) in out
    assert f"  console: {URL}\n" in out


def test_status_command_on_aws(
    aws: tuple[control.RunTarget, Stubber], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target, stubber = aws
    monkeypatch.setattr(control, "open_runs", lambda *_a, **_k: target)
    # "wr_1" is not a full run id: looked up as a prefix among the listed runs
    stubber.add_response("get_workflow_runs", {"Runs": [{"WorkflowRunId": "wr_1"}]},
                         {"Name": WF, "IncludeGraph": False, "MaxResults": 1000})  # fmt: skip
    stubber.add_response("get_workflow_run", {"Run": failed_train_run()},
                         {"Name": WF, "RunId": "wr_1", "IncludeGraph": True})  # fmt: skip
    stubber.add_response("batch_get_jobs", {"Jobs": [TRAIN_JOB], "JobsNotFound": []},
                         {"JobNames": [f"{WF}-train"]})  # fmt: skip
    result = CliRunner().invoke(
        cli, ["status", "wr_1", "--json", "--workflow", WF, "--project", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["Failures"][0]["Reason"] == REASON
    assert status["Failures"][0]["ConsoleUrl"] == URL


def test_console_api_shows_the_same(aws: tuple[control.RunTarget, Stubber]) -> None:
    target, stubber = aws
    client = stubber.client
    run = failed_train_run()
    stubber.add_response("get_workflow", {"Workflow": {"Name": WF}}, {"Name": WF})
    # "wr_1" is not a full run id: resolved among the listed runs, as the CLI does
    stubber.add_response("get_workflow_runs", {"Runs": [{**run, "Graph": {}}]})
    stubber.add_response("get_workflow_run", {"Run": run},
                         {"Name": WF, "RunId": "wr_1", "IncludeGraph": True})  # fmt: skip
    stubber.add_response("get_workflow_run_properties",
                         {"RunProperties": run["WorkflowRunProperties"]},
                         {"Name": WF, "RunId": "wr_1"})  # fmt: skip
    stubber.add_response("batch_get_jobs", {"Jobs": [TRAIN_JOB], "JobsNotFound": []},
                         {"JobNames": [f"{WF}-train"]})  # fmt: skip
    answer = Workflows(client, settings=target.settings, log_path=None).run(WF, "wr_1")
    assert answer["verdict_summary"] == f"failed — {WF}-train FAILED: {REASON}"
    assert answer["failures"] == [
        {
            "node": "train",
            "job": f"{WF}-train",
            "state": "FAILED",
            "reason": REASON,
            "glue_error": GLUE_SAYS,
            "job_run_id": "jr_train_0",
            "log_groups": {
                "output": "/aws-glue/python-jobs/output",
                "error": "/aws-glue/python-jobs/error",
            },
            "log_file": None,
            "console_url": URL,
        }
    ]
    node = next(n for n in answer["graph"]["nodes"] if n["name"] == f"{WF}-train")
    assert node["failure"] == answer["failures"][0]
    assert (node["runs"][-1]["error"], node["runs"][-1]["glue_error"]) == (REASON, GLUE_SAYS)


@pytest.mark.parametrize(
    ("job", "arguments", "expected"),
    [
        (TRAIN_JOB, {}, ("/aws-glue/python-jobs/output", "/aws-glue/python-jobs/error")),
        (PREPROCESS_JOB, {}, ("/aws-glue/jobs/output", "/aws-glue/jobs/error")),
        (
            PREPROCESS_JOB,
            {"--custom-logGroup-prefix": "/team/etl"},
            ("/team/etl/output", "/team/etl/error"),
        ),
        (
            {**PREPROCESS_JOB, "GlueVersion": "4.0"},
            {"--enable-continuous-cloudwatch-log": "true"},
            ("/aws-glue/jobs/logs-v2", "/aws-glue/jobs/logs-v2"),
        ),
        (
            {**PREPROCESS_JOB, "GlueVersion": "4.0"},
            {},
            ("/aws-glue/jobs/output", "/aws-glue/jobs/error"),
        ),
    ],
)
def test_log_groups_by_job_type(
    job: dict[str, Any], arguments: dict[str, str], expected: tuple[str, str]
) -> None:
    groups = log_groups(job, arguments)
    assert (groups.output, groups.error) == expected


def test_console_links_follow_the_partition_of_the_region() -> None:
    from glue_workflow.runs.failures import job_run_console_url
    from glue_workflow.runs.view import console_url

    assert job_run_console_url("cn-north-1", "train job", "jr_1") == (
        "https://cn-north-1.console.amazonaws.cn/gluestudio/home?region=cn-north-1"
        "#/job/train%20job/run/jr_1"
    )
    assert console_url("us-gov-west-1", "wf") == (
        "https://console.amazonaws-us-gov.com/glue/home?region=us-gov-west-1"
        "#/v2/etl-configuration/workflows/view/wf"
    )


def test_a_handled_failure_says_which_branch_handled_it(
    aws: tuple[control.RunTarget, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    # listed like an unhandled one, with its log commands, the run looked broken
    from rungraphs import REJECTED

    from glue_workflow.cli.runs import _print_verdict

    target, stubber = aws
    run = run_answer(REJECTED)
    gate = {**TRAIN_JOB, "Name": f"{WF}-gate"}
    stubber.add_response("batch_get_jobs", {"Jobs": [gate], "JobsNotFound": []},
                         {"JobNames": [f"{WF}-gate"]})  # fmt: skip
    _print_verdict(target, run)
    out = capsys.readouterr().out
    assert f"gate FAILED (handled by {WF}-on-gate-failed): boom\n" in out
