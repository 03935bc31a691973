"""CloudWatch Logs reads served from the local engine's log files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from glue_workflow.local.store import LocalHome

STARTED = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
STARTED_MS = int(STARTED.timestamp() * 1000)


def _glue_run(home: Path, job: str, command: str, run_id: str, text: str) -> None:
    from glue_workflow.local.glue.logs import job_log_path
    from glue_workflow.local.glue.state import GlueState

    boto3.client("glue").create_job(
        Name=job, Role="r", Command={"Name": command, "ScriptLocation": "s3://b/s.py"}
    )
    state = GlueState(LocalHome(home))
    with state.write() as conn:
        conn.execute(
            "INSERT INTO glue_job_runs (id, job, attempt, state, started, modified, arguments, "
            "timeout, doc) VALUES (?, ?, 0, 'SUCCEEDED', ?, ?, '{}', 10, '{}')",
            (run_id, job, STARTED.timestamp(), STARTED.timestamp()),
        )
    path = job_log_path(home, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _training_job(home: Path, name: str, text: str) -> Path:
    from glue_workflow.local.sagemaker.common import Resources

    log = home / "logs" / "sagemaker" / "TrainingJobs" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(text)
    record: dict[str, Any] = {"TrainingJobName": name, "CreationTime": STARTED, "_log": str(log)}
    Resources(LocalHome(home)).insert("training-job", name, record)
    return log


@pytest.fixture
def logs(local_home: Path) -> Any:
    _glue_run(local_home, "etl", "glueetl", "jr_spark1", "spark starts\nrows: 10\n")
    _glue_run(local_home, "train", "pythonshell", "jr_shell1", "hello\nTraceback\nValueError: x\n")
    _training_job(local_home, "churn-train-1", "[0]\ttrain-auc:0.8\n[1]\ttrain-auc:0.9\n")
    return boto3.client("logs")


def test_glue_job_runs_are_streams_of_their_job_types_group(logs: Any) -> None:
    spark = logs.describe_log_streams(logGroupName="/aws-glue/jobs/output")["logStreams"]
    assert [s["logStreamName"] for s in spark] == ["jr_spark1"]
    assert spark[0]["creationTime"] == STARTED_MS
    assert spark[0]["arn"] == (
        "arn:aws:logs:us-east-1:000000000000:log-group:/aws-glue/jobs/output:log-stream:jr_spark1"
    )
    shell = logs.get_log_events(
        logGroupName="/aws-glue/python-jobs/output", logStreamName="jr_shell1", startFromHead=True
    )
    assert [e["message"] for e in shell["events"]] == ["hello", "Traceback", "ValueError: x"]
    assert {e["timestamp"] for e in shell["events"]} == {STARTED_MS}


def test_training_job_streams_are_named_as_sagemaker_names_them(logs: Any) -> None:
    streams = logs.describe_log_streams(
        logGroupName="/aws/sagemaker/TrainingJobs",
        logStreamNamePrefix="churn-train-1/",
        orderBy="LogStreamName",
    )["logStreams"]
    name = f"churn-train-1/algo-1-{int(STARTED.timestamp())}"
    assert [s["logStreamName"] for s in streams] == [name]
    events = logs.get_log_events(
        logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=name, startFromHead=True
    )["events"]
    assert events[-1]["message"] == "[1]\ttrain-auc:0.9"


def test_get_log_events_pages_forward_and_backward(logs: Any, local_home: Path) -> None:
    log = _training_job(local_home, "long", "".join(f"line {i}\n" for i in range(5)))
    group, stream = "/aws/sagemaker/TrainingJobs", f"long/algo-1-{int(STARTED.timestamp())}"
    first = logs.get_log_events(
        logGroupName=group, logStreamName=stream, startFromHead=True, limit=2
    )
    assert [e["message"] for e in first["events"]] == ["line 0", "line 1"]
    second = logs.get_log_events(
        logGroupName=group, logStreamName=stream, nextToken=first["nextForwardToken"], limit=2
    )
    assert [e["message"] for e in second["events"]] == ["line 2", "line 3"]
    newest = logs.get_log_events(logGroupName=group, logStreamName=stream, limit=2)
    assert [e["message"] for e in newest["events"]] == ["line 3", "line 4"]
    back = logs.get_log_events(
        logGroupName=group, logStreamName=stream, nextToken=newest["nextBackwardToken"], limit=2
    )
    assert [e["message"] for e in back["events"]] == ["line 1", "line 2"]
    # at the end: no events, the same forward token (as CloudWatch answers a caught-up reader)
    end = logs.get_log_events(
        logGroupName=group, logStreamName=stream, nextToken=newest["nextForwardToken"]
    )
    assert end["events"] == []
    assert end["nextForwardToken"] == newest["nextForwardToken"]
    # a growing file: the reader that caught up sees only the new lines
    with log.open("a") as handle:
        handle.write("line 5\n")
    more = logs.get_log_events(
        logGroupName=group, logStreamName=stream, nextToken=newest["nextForwardToken"]
    )
    assert [e["message"] for e in more["events"]] == ["line 5"]


def test_filter_log_events_matches_text_patterns(logs: Any) -> None:
    found = logs.filter_log_events(
        logGroupName="/aws-glue/python-jobs/output", filterPattern="?Traceback ?ValueError"
    )
    assert [(e["logStreamName"], e["message"]) for e in found["events"]] == [
        ("jr_shell1", "Traceback"),
        ("jr_shell1", "ValueError: x"),
    ]
    assert found["searchedLogStreams"] == [
        {"logStreamName": "jr_shell1", "searchedCompletely": True}
    ]
    phrase = logs.filter_log_events(
        logGroupName="/aws-glue/python-jobs/output", filterPattern='"ValueError: x" -hello'
    )
    assert [e["message"] for e in phrase["events"]] == ["ValueError: x"]
    window = logs.filter_log_events(
        logGroupName="/aws-glue/python-jobs/output", startTime=STARTED_MS + 1
    )
    assert window["events"] == []


def test_describe_log_groups_lists_groups_with_streams(logs: Any) -> None:
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws")["logGroups"]
    assert [g["logGroupName"] for g in groups] == [
        "/aws-glue/jobs/output",
        "/aws-glue/python-jobs/output",
        "/aws/sagemaker/TrainingJobs",
    ]


def test_describe_log_groups_leaves_out_the_spare_servers_folder(
    logs: Any, local_home: Path
) -> None:
    # the spare endpoint servers log beside the endpoints: not a group (it had no
    # streams, and listing every group failed with "min() arg is an empty sequence")
    spares = local_home / "logs" / "sagemaker" / "Endpoints" / "_spares"
    spares.mkdir(parents=True)
    (spares / "0123abcd.log").write_text("spare ready\n")
    groups = logs.describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups] == [
        "/aws-glue/jobs/output",
        "/aws-glue/python-jobs/output",
        "/aws/sagemaker/TrainingJobs",
    ]


@pytest.mark.parametrize(
    ("call", "kwargs", "code", "message"),
    [
        (
            "describe_log_streams",
            {"logGroupName": "/aws/sagemaker/ProcessingJobs"},
            "ResourceNotFoundException",
            "The specified log group does not exist.",
        ),
        (
            "get_log_events",
            {"logGroupName": "/aws-glue/jobs/output", "logStreamName": "jr_nope"},
            "ResourceNotFoundException",
            "The specified log stream does not exist.",
        ),
        (
            "get_log_events",
            {
                "logGroupName": "/aws-glue/jobs/output",
                "logStreamName": "jr_spark1",
                "nextToken": "garbage",
            },
            "InvalidParameterException",
            "The specified nextToken is invalid.",
        ),
        (
            "describe_log_streams",
            {
                "logGroupName": "/aws-glue/jobs/output",
                "logStreamNamePrefix": "jr_",
                "orderBy": "LastEventTime",
            },
            "InvalidParameterException",
            "Cannot order by LastEventTime with a logStreamNamePrefix.",
        ),
    ],
)
def test_errors_are_cloudwatch_logs_answers(
    logs: Any, call: str, kwargs: dict[str, Any], code: str, message: str
) -> None:
    with pytest.raises(ClientError) as caught:
        getattr(logs, call)(**kwargs)
    assert caught.value.response["Error"] == {"Code": code, "Message": message}


def test_what_is_not_kept_locally_says_so(logs: Any) -> None:
    with pytest.raises(ClientError, match="stdout and stderr go to one file") as caught:
        logs.get_log_events(logGroupName="/aws-glue/jobs/error", logStreamName="jr_spark1")
    assert caught.value.response["Error"]["Code"] == "NotSupportedLocally"
    with pytest.raises(ClientError, match="JSON, space-delimited"):
        logs.filter_log_events(logGroupName="/aws-glue/jobs/output", filterPattern="{ $.a = 1 }")
    with pytest.raises(ClientError, match="logs:PutLogEvents is not supported"):
        logs.put_log_events(
            logGroupName="g", logStreamName="s", logEvents=[{"timestamp": 1, "message": "m"}]
        )
