"""The local EventBridge: rules, targets, PutEvents, and Glue EVENT triggers batching."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from glue_workflow.cli.events import BatchStatus
from glue_workflow.local.glue.eventstart import EVENT_IDS_PROPERTY
from glue_workflow.local.glue.service import GlueService
from glue_workflow.local.store import LocalHome

WORKFLOW_ARN = "arn:aws:glue:us-east-1:000000000000:workflow/wf"
PATTERN = {"source": ["my.app"], "detail": {"key": [{"prefix": "input/"}]}}


@pytest.fixture
def events(local_home: Path) -> Any:
    return boto3.client("events", region_name="us-east-1")


@pytest.fixture
def glue(local_home: Path, tmp_path: Path) -> Any:
    client = boto3.client("glue", region_name="us-east-1")
    script = tmp_path / "ok.py"
    script.write_text("print('ok')\n")
    client.create_job(
        Name="j",
        Role="r",
        Command={"Name": "pythonshell", "ScriptLocation": str(script)},
        ExecutionProperty={"MaxConcurrentRuns": 10},
    )
    return client


def event_workflow(glue: Any, batching: dict[str, int] | None = None) -> None:
    glue.create_workflow(Name="wf")
    request: dict[str, Any] = {
        "Name": "wf-start",
        "WorkflowName": "wf",
        "Type": "EVENT",
        "Actions": [{"JobName": "j"}],
    }
    if batching:
        request["EventBatchingCondition"] = batching
    glue.create_trigger(**request)  # consumes events as created: it is never started


def route(events: Any) -> None:
    events.put_rule(Name="start-wf", EventPattern=json.dumps(PATTERN))
    events.put_targets(
        Rule="start-wf",
        Targets=[
            {"Id": "glue", "Arn": WORKFLOW_ARN, "RoleArn": "arn:aws:iam::000000000000:role/ev"}
        ],
    )


def put(events: Any, key: str, source: str = "my.app") -> dict[str, Any]:
    answer = events.put_events(
        Entries=[{"Source": source, "DetailType": "Thing", "Detail": json.dumps({"key": key})}]
    )
    return dict(answer["Entries"][0])


def wait_runs(glue: Any, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        runs = glue.get_workflow_runs(Name="wf")["Runs"]
        if len(runs) >= count and all(r["Status"] == "COMPLETED" for r in runs):
            return list(runs)
        time.sleep(0.05)
    raise AssertionError(f"expected {count} completed runs")


def test_rules_and_targets_crud_as_eventbridge(events: Any) -> None:
    arn = events.put_rule(
        Name="r", EventPattern='{"source": ["a"]}', Tags=[{"Key": "k", "Value": "v"}]
    )
    assert arn["RuleArn"] == "arn:aws:events:us-east-1:000000000000:rule/r"
    described = events.describe_rule(Name="r")
    assert (described["Name"], described["State"], described["EventBusName"]) == (
        "r",
        "ENABLED",
        "default",
    )
    assert events.list_tags_for_resource(ResourceARN=arn["RuleArn"])["Tags"] == [
        {"Key": "k", "Value": "v"}
    ]
    events.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": WORKFLOW_ARN}])
    assert [t["Id"] for t in events.list_targets_by_rule(Rule="r")["Targets"]] == ["t"]
    assert [r["Name"] for r in events.list_rules(NamePrefix="r")["Rules"]] == ["r"]
    with pytest.raises(ClientError) as caught:
        events.delete_rule(Name="r")
    assert caught.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Rule can't be deleted since it has targets.",
    }
    events.remove_targets(Rule="r", Ids=["t"])
    events.delete_rule(Name="r")
    with pytest.raises(
        events.exceptions.ResourceNotFoundException,
        match=r"DescribeRule operation: Rule r does not exist on EventBus default\.$",
    ):
        events.describe_rule(Name="r")
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": WORKFLOW_ARN}])


def test_put_rule_refuses_invalid_patterns(events: Any) -> None:
    with pytest.raises(events.exceptions.InvalidEventPatternException) as caught:
        events.put_rule(Name="r", EventPattern='{"source": "aws.s3"}')
    assert caught.value.response["Error"]["Message"].startswith(
        "Event pattern is not valid. Reason: "
    )
    with pytest.raises(ClientError, match="EventPattern or ScheduleExpression must be specified"):
        events.put_rule(Name="r")


def test_put_events_answers_each_entry(events: Any) -> None:
    answer = events.put_events(
        Entries=[
            {"Source": "a", "DetailType": "t", "Detail": "{}"},
            {"Source": "a", "DetailType": "t", "Detail": "[1]"},
            {"DetailType": "t", "Detail": "{}"},
        ]
    )
    assert answer["FailedEntryCount"] == 2
    first, second, third = answer["Entries"]
    assert "EventId" in first
    assert second == {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    assert third["ErrorCode"] == "InvalidArgument"
    assert (
        third["ErrorMessage"]
        == "Parameter Source is not valid. Reason: Source is a required argument."
    )


def test_put_events_refuses_an_aws_source_and_more_than_ten_entries(events: Any) -> None:
    own = events.put_events(Entries=[{"Source": "aws.s3", "DetailType": "t", "Detail": "{}"}])
    assert own["FailedEntryCount"] == 1
    assert own["Entries"] == [
        {
            "ErrorCode": "NotAuthorizedForSourceException",
            "ErrorMessage": "Not authorized for the source.",
        }
    ]
    eleven = [{"Source": "my.app", "DetailType": "t", "Detail": "{}"}] * 11
    with pytest.raises(ClientError) as caught:
        events.put_events(Entries=eleven)
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith("1 validation error detected: Value '")
    assert error["Message"].endswith(
        "' at 'entries' failed to satisfy constraint: Member must have length less than or "
        "equal to 10"
    )
    assert events.list_rules()["Rules"] == []  # the model's other limits hold too:
    with pytest.raises(ClientError, match="at 'name' failed to satisfy constraint: Member must"):
        events.put_rule(Name="r" * 65, EventPattern='{"source": ["my.app"]}')


def test_a_matching_event_starts_the_workflow_with_its_event_id(events: Any, glue: Any) -> None:
    event_workflow(glue)
    route(events)
    assert "EventId" in put(events, "output/x.csv")  # no match: no run
    assert "EventId" in put(events, "input/x.csv", source="other.app")
    assert glue.get_workflow_runs(Name="wf")["Runs"] == []
    event_id = put(events, "input/x.csv")["EventId"]
    (run,) = wait_runs(glue, 1)
    assert json.loads(run["WorkflowRunProperties"][EVENT_IDS_PROPERTY]) == [event_id]
    assert run["StartingEventBatchCondition"] == {"BatchSize": 1}
    properties = glue.get_workflow_run_properties(Name="wf", RunId=run["WorkflowRunId"])
    assert json.loads(properties["RunProperties"][EVENT_IDS_PROPERTY]) == [event_id]


def test_a_batch_starts_after_batch_size_events(events: Any, glue: Any) -> None:
    event_workflow(glue, {"BatchSize": 3, "BatchWindow": 900})
    route(events)
    ids = [put(events, f"input/{i}.csv")["EventId"] for i in range(2)]
    assert glue.get_workflow_runs(Name="wf")["Runs"] == []
    ids.append(put(events, "input/2.csv")["EventId"])
    (run,) = wait_runs(glue, 1)
    assert json.loads(run["WorkflowRunProperties"][EVENT_IDS_PROPERTY]) == ids
    assert run["StartingEventBatchCondition"] == {"BatchSize": 3}
    put(events, "input/3.csv")  # the batch condition reset: a new batch begins
    assert len(glue.get_workflow_runs(Name="wf")["Runs"]) == 1


def test_a_batch_starts_when_its_window_expires(events: Any, glue: Any, local_home: Path) -> None:
    event_workflow(glue, {"BatchSize": 5, "BatchWindow": 1})
    route(events)
    first = put(events, "input/a.csv")["EventId"]
    service = GlueService(LocalHome(local_home))
    assert service.events.flush_due() == []  # the window is still open
    assert service.events.pending("wf") == [first]
    time.sleep(1.1)
    (run_id,) = service.events.flush_due()
    (run,) = wait_runs(glue, 1)
    assert run["WorkflowRunId"] == run_id
    assert run["StartingEventBatchCondition"] == {"BatchWindow": 1}
    assert json.loads(run["WorkflowRunProperties"][EVENT_IDS_PROPERTY]) == [first]
    assert service.events.pending("wf") == []


def test_an_event_trigger_stays_created_and_is_neither_started_nor_stopped(
    events: Any, glue: Any
) -> None:
    """AWS's answers, reproduced against the live API in
    hashicorp/terraform-provider-aws#49408."""
    event_workflow(glue)
    assert glue.get_trigger(Name="wf-start")["Trigger"]["State"] == "CREATED"
    with pytest.raises(ClientError) as started:
        glue.start_trigger(Name="wf-start")
    assert started.value.response["Error"] == {
        "Code": "InvalidInputException",
        "Message": "Trigger Type EVENT cannot be started",
    }
    with pytest.raises(ClientError) as stopped:
        glue.stop_trigger(Name="wf-start")
    assert stopped.value.response["Error"]["Message"] == (
        "The operation is not allowed when trigger is in state: CREATED"
    )
    route(events)
    put(events, "input/x.csv")
    assert len(wait_runs(glue, 1)) == 1  # CREATED, it consumes the event


def test_events_for_a_workflow_without_an_event_trigger_are_dropped(events: Any, glue: Any) -> None:
    glue.create_workflow(Name="wf")
    glue.create_trigger(Name="wf-start", WorkflowName="wf", Type="ON_DEMAND",
                        Actions=[{"JobName": "j"}])  # fmt: skip
    route(events)
    put(events, "input/x.csv")
    assert glue.get_workflow_runs(Name="wf")["Runs"] == []


def test_s3_object_created_starts_the_workflow(events: Any, glue: Any) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="data")
    event_workflow(glue)
    pattern = {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": ["data"]}, "object": {"key": [{"prefix": "input/"}]}},
    }
    events.put_rule(Name="start-wf", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="start-wf", Targets=[{"Id": "glue", "Arn": WORKFLOW_ARN}])
    s3.put_object(Bucket="data", Key="input/before.csv", Body=b"a")  # notifications off
    assert glue.get_workflow_runs(Name="wf")["Runs"] == []
    s3.put_bucket_notification_configuration(
        Bucket="data", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    assert "EventBridgeConfiguration" in s3.get_bucket_notification_configuration(Bucket="data")
    s3.put_object(Bucket="data", Key="other/x.csv", Body=b"a")
    s3.put_object(Bucket="data", Key="input/x.csv", Body=b"abc")
    (run,) = wait_runs(glue, 1)
    assert len(json.loads(run["WorkflowRunProperties"][EVENT_IDS_PROPERTY])) == 1


def test_unserved_notification_destinations_fail_clearly(local_home: Path) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="data")
    with pytest.raises(ClientError, match="TopicConfigurations are not supported"):
        s3.put_bucket_notification_configuration(
            Bucket="data",
            NotificationConfiguration={
                "TopicConfigurations": [
                    {
                        "TopicArn": "arn:aws:sns:us-east-1:000000000000:t",
                        "Events": ["s3:ObjectCreated:*"],
                    }
                ]
            },
        )


def test_glue_wf_events_put_and_list(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from glue_workflow.cli import cli

    project = tmp_path / "project"
    project.mkdir()
    (project / "glue-wf.toml").write_text('[target.local]\nhome = ".state"\n')
    runner = CliRunner()
    from glue_workflow.local.dispatch import install

    install(project / ".state")
    events = boto3.client("events", region_name="us-east-1")
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": WORKFLOW_ARN}])
    args = ["--project", str(project), "--source", "my.app", "--detail-type", "Thing"]
    result = runner.invoke(cli, ["events", "put", *args, "--detail", '{"key": "input/a"}'])
    assert result.exit_code == 0, result.output
    assert "put on the default bus" in result.output
    # the workflow does not exist: delivery fails, and says why
    assert f"rule r -> {WORKFLOW_ARN}: not delivered (EntityNotFoundException" in result.output
    bad = runner.invoke(cli, ["events", "put", *args, "--detail", "[1]"])
    assert bad.exit_code == 2
    assert "must be a JSON object" in bad.output
    aws_own = ["--project", str(project), "--source", "aws.s3", "--detail-type", "Object Created"]
    refused = runner.invoke(cli, ["events", "put", *aws_own])
    assert refused.exit_code == 1
    assert (
        "EventBridge refused the event: NotAuthorizedForSourceException: Not authorized for "
        "the source.; aws.s3 is an AWS service's own source, which only that service may put: "
        "cause the event itself"
    ) in refused.output
    listed = runner.invoke(cli, ["events", "list", "--project", str(project)])
    assert listed.exit_code == 0, listed.output
    assert "my.app / Thing" in listed.output
    as_json = runner.invoke(cli, ["events", "list", "--project", str(project), "--json"])
    (first,) = json.loads(as_json.stdout)  # the "[1]" detail was refused before the bus
    assert set(first) == {"Time", "Event", "Deliveries"}
    assert first["Time"].endswith("+00:00")
    assert "T" in first["Time"]
    assert first["Event"]["detail-type"] == "Thing"
    (delivery,) = first["Deliveries"]
    assert delivery["Rule"] == "r"
    assert delivery["Runs"] == []
    assert delivery["Error"].startswith("EntityNotFoundException")
    assert delivery["Status"].startswith(f"rule r -> {WORKFLOW_ARN}: not delivered")


def test_a_batch_held_by_max_concurrent_runs_starts_when_the_run_ends(
    events: Any, local_home: Path, tmp_path: Path
) -> None:
    # The second event's batch is ready while the first run holds the workflow's only
    # slot: it starts when that run ends, with no further EventBridge call to flush it.
    glue = boto3.client("glue", region_name="us-east-1")
    script = tmp_path / "slow.py"
    script.write_text("import time\ntime.sleep(1.5)\n")
    glue.create_job(
        Name="j", Role="r", Command={"Name": "pythonshell", "ScriptLocation": str(script)}
    )
    glue.create_workflow(Name="wf", MaxConcurrentRuns=1)
    glue.create_trigger(
        Name="wf-start", WorkflowName="wf", Type="EVENT", Actions=[{"JobName": "j"}]
    )
    route(events)
    put(events, "input/a.csv")
    second = put(events, "input/b.csv")["EventId"]
    assert len(glue.get_workflow_runs(Name="wf")["Runs"]) == 1
    held = GlueService(LocalHome(local_home)).events.pending("wf")
    assert held == [second]
    batches = BatchStatus(LocalHome(local_home))  # what `glue-wf events list` says of it
    assert batches.status(WORKFLOW_ARN, second).startswith("delivered (queued: waiting for")
    runs = wait_runs(glue, 2)
    (later,) = [
        r for r in runs if json.loads(r["WorkflowRunProperties"][EVENT_IDS_PROPERTY]) == held
    ]
    assert batches.status(WORKFLOW_ARN, second) == (
        f"delivered, started run {later['WorkflowRunId']} with its batch"
    )


def test_events_list_starts_a_batch_whose_window_expired(
    events: Any, glue: Any, local_home: Path, tmp_path: Path
) -> None:
    """The list shows where an event went: never "queued" past its batch's window."""
    from click.testing import CliRunner

    from glue_workflow.cli import cli

    event_workflow(glue, {"BatchSize": 5, "BatchWindow": 1})
    route(events)
    put(events, "input/a.csv")
    project = tmp_path / "project"
    project.mkdir()
    (project / "glue-wf.toml").write_text(f'[target.local]\nhome = "{local_home}"\n')
    time.sleep(1.1)
    listed = CliRunner().invoke(cli, ["events", "list", "--project", str(project)])
    assert listed.exit_code == 0, listed.output
    (run,) = wait_runs(glue, 1)
    assert run["StartingEventBatchCondition"] == {"BatchWindow": 1}
    assert f"started run {run['WorkflowRunId']} with its batch" in listed.output
