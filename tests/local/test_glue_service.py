"""Local Glue control plane: CRUD, request checks and error codes as Glue names them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/glue"
ARN = "arn:aws:glue:us-east-1:123456789012"


@pytest.fixture
def glue(local_home: Path) -> Any:
    client = boto3.client("glue", region_name="us-east-1")
    client.create_workflow(Name="wf", Tags={"team": "ml"})
    for name in ("a", "b"):
        client.create_job(
            Name=name, Role=ROLE, Command={"Name": "pythonshell", "ScriptLocation": "s3://bkt/x.py"}
        )
    return client


def fail(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return str(info.value.response["Error"]["Code"]), str(info.value.response["Error"]["Message"])


def cond(job: str, state: str = "SUCCEEDED", **extra: Any) -> dict[str, Any]:
    return {"LogicalOperator": "EQUALS", "JobName": job, "State": state, **extra}


def test_duplicates_raise_already_exists(glue: Any) -> None:
    assert fail(glue.create_workflow, Name="wf") == (
        "AlreadyExistsException",
        "Workflow with name wf already exists",
    )
    assert fail(
        glue.create_job,
        Name="a",
        Role=ROLE,
        Command={"Name": "pythonshell", "ScriptLocation": "s3://b/x.py"},
    )[0] == ("AlreadyExistsException")
    glue.create_trigger(Name="t", WorkflowName="wf", Type="ON_DEMAND", Actions=[{"JobName": "a"}])
    assert fail(glue.create_trigger, Name="t", Type="ON_DEMAND", Actions=[{"JobName": "a"}]) == (
        "AlreadyExistsException",
        "Trigger with name t already exists",
    )


def test_missing_entities_raise_entity_not_found(glue: Any) -> None:
    assert fail(glue.get_workflow, Name="nope") == (
        "EntityNotFoundException",
        "Workflow nope not found",
    )
    # GetJob answers as AWS does, naming no job (docs/aws-parity.md)
    assert fail(glue.get_job, JobName="nope") == ("EntityNotFoundException", "Job not found.")
    assert fail(glue.get_trigger, Name="nope") == (
        "EntityNotFoundException",
        "Trigger nope not found",
    )
    assert fail(glue.get_workflow_run, Name="wf", RunId="wr_x")[0] == "EntityNotFoundException"
    assert fail(
        glue.create_trigger, Name="t", Type="ON_DEMAND", Actions=[{"JobName": "ghost"}]
    ) == ("EntityNotFoundException", "Job ghost not found")
    # deleting what is not there succeeds, as on AWS
    glue.delete_job(JobName="nope")
    glue.delete_trigger(Name="nope")
    glue.delete_workflow(Name="nope")


def test_workflow_crud_and_listing(glue: Any) -> None:
    glue.create_workflow(
        Name="wf2", Description="d", DefaultRunProperties={"k": "v"}, MaxConcurrentRuns=2
    )
    got = glue.get_workflow(Name="wf2")["Workflow"]
    assert (got["Description"], got["DefaultRunProperties"], got["MaxConcurrentRuns"]) == (
        "d",
        {"k": "v"},
        2,
    )
    assert got["CreatedOn"].tzinfo is not None
    glue.update_workflow(Name="wf2", DefaultRunProperties={"k2": "v2"})
    assert glue.get_workflow(Name="wf2")["Workflow"]["DefaultRunProperties"] == {"k2": "v2"}
    assert glue.list_workflows()["Workflows"] == ["wf", "wf2"]
    page = glue.list_workflows(MaxResults=1)
    assert page["Workflows"] == ["wf"]
    assert glue.list_workflows(NextToken=page["NextToken"])["Workflows"] == ["wf2"]
    batch = glue.batch_get_workflows(Names=["wf2", "zz"])
    assert [w["Name"] for w in batch["Workflows"]] == ["wf2"]
    assert batch["MissingWorkflows"] == ["zz"]
    glue.delete_workflow(Name="wf2")
    assert glue.list_workflows()["Workflows"] == ["wf"]


def test_job_defaults_update_replaces_and_batch_get(glue: Any) -> None:
    job = glue.get_job(JobName="a")["Job"]
    assert job["ExecutionProperty"] == {"MaxConcurrentRuns": 1}
    assert (job["MaxRetries"], job["Timeout"], job["MaxCapacity"]) == (0, 2880, 0.0625)
    glue.update_job(
        JobName="a",
        JobUpdate={
            "Role": ROLE,
            "Command": job["Command"],
            "DefaultArguments": {"--x": "1"},
            "MaxRetries": 2,
        },
    )
    updated = glue.get_job(JobName="a")["Job"]
    assert (updated["DefaultArguments"], updated["MaxRetries"]) == ({"--x": "1"}, 2)
    assert updated["CreatedOn"] == job["CreatedOn"]
    assert glue.list_jobs()["JobNames"] == ["a", "b"]
    assert [j["Name"] for j in glue.get_jobs()["Jobs"]] == ["a", "b"]
    batch = glue.batch_get_jobs(JobNames=["a", "zz"])
    assert ([j["Name"] for j in batch["Jobs"]], batch["JobsNotFound"]) == (["a"], ["zz"])


def test_trigger_states_and_activation(glue: Any) -> None:
    glue.create_trigger(
        Name="start", WorkflowName="wf", Type="ON_DEMAND", Actions=[{"JobName": "a"}]
    )
    glue.create_trigger(
        Name="c1",
        WorkflowName="wf",
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={"Logical": "AND", "Conditions": [cond("a")]},
        Actions=[{"JobName": "b"}],
    )
    glue.create_trigger(
        Name="c2",
        WorkflowName="wf",
        Type="CONDITIONAL",
        Predicate={"Conditions": [cond("a", "FAILED")]},
        Actions=[{"JobName": "b"}],
    )
    assert glue.get_trigger(Name="start")["Trigger"]["State"] == "CREATED"
    assert glue.get_trigger(Name="c1")["Trigger"]["State"] == "ACTIVATED"
    assert glue.get_trigger(Name="c2")["Trigger"]["State"] == "CREATED"
    glue.start_trigger(Name="c2")
    assert glue.get_trigger(Name="c2")["Trigger"]["State"] == "ACTIVATED"
    glue.stop_trigger(Name="c1")
    assert glue.get_trigger(Name="c1")["Trigger"]["State"] == "DEACTIVATED"
    assert glue.list_triggers(DependentJobName="b")["TriggerNames"] == ["c1", "c2"]
    assert [t["Name"] for t in glue.get_triggers(DependentJobName="a")["Triggers"]] == ["start"]
    batch = glue.batch_get_triggers(TriggerNames=["c1", "zz"])
    assert batch["TriggersNotFound"] == ["zz"]
    updated = glue.update_trigger(Name="c1", TriggerUpdate={"Description": "new"})["Trigger"]
    assert (updated["Description"], updated["State"]) == ("new", "DEACTIVATED")
    glue.delete_workflow(Name="wf")  # its triggers go with it
    assert glue.list_triggers()["TriggerNames"] == []


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"Type": "SCHEDULED", "Schedule": "cron(0 12 * * *)"},
            "Trigger t: invalid Schedule: schedule 'cron(0 12 * * *)': has 5 fields, needs 6",
        ),
        ({"Type": "SCHEDULED", "Schedule": "cron(0 12 * * MON *)"}, "exactly one of Day-of-month"),
        (
            {"Type": "SCHEDULED", "Schedule": "cron(0/1 * * * ? *)"},
            "Glue allows at most one run every 5 minutes",
        ),
        ({"Type": "SCHEDULED"}, "Schedule cannot be null or empty"),
        ({"Type": "CONDITIONAL"}, "Predicate cannot be null or empty"),
        (
            {
                "Type": "CONDITIONAL",
                "Predicate": {"Conditions": [{"JobName": "a", "State": "SUCCEEDED"}]},
            },
            "Logical operator cannot be null or empty",
        ),
        (
            {"Type": "CONDITIONAL", "Predicate": {"Conditions": [cond("a"), cond("b")]}},
            "Predicate.Logical (AND or ANY) is required with 2 conditions",
        ),
        (
            {
                "Type": "CONDITIONAL",
                "Predicate": {"Logical": "AND", "Conditions": [cond("a", "RUNNING")]},
            },
            "State 'RUNNING' cannot be watched",
        ),
        (
            {"Type": "CONDITIONAL", "Predicate": {"Logical": "AND", "Conditions": [cond("b")]}},
            "Job cannot be a Predicate and Action for Conditional Trigger",
        ),
        (
            {"Type": "ON_DEMAND", "StartOnCreation": True},
            "StartOnCreation is not supported for ON_DEMAND triggers",
        ),
        ({"Type": "WHENEVER"}, "Type 'WHENEVER' is not one of"),
    ],
)
def test_invalid_triggers_are_refused(glue: Any, kwargs: dict[str, Any], expected: str) -> None:
    code, message = fail(
        glue.create_trigger, Name="t", WorkflowName="wf", Actions=[{"JobName": "b"}], **kwargs
    )
    assert code == "InvalidInputException"
    assert expected in message
    assert glue.list_triggers()["TriggerNames"] == []


def test_update_trigger_checks_the_schedule(glue: Any) -> None:
    glue.create_trigger(
        Name="s",
        WorkflowName="wf",
        Type="SCHEDULED",
        Schedule="cron(0 12 * * ? *)",
        Actions=[{"JobName": "a"}],
    )
    code, message = fail(
        glue.update_trigger, Name="s", TriggerUpdate={"Schedule": "cron(0 12 * * ? * *)"}
    )
    assert (code, "has 7 fields, needs 6" in message) == ("InvalidInputException", True)
    assert glue.get_trigger(Name="s")["Trigger"]["Schedule"] == "cron(0 12 * * ? *)"


def test_one_start_trigger_per_workflow(glue: Any) -> None:
    glue.create_trigger(Name="s1", WorkflowName="wf", Type="ON_DEMAND", Actions=[{"JobName": "a"}])
    code, message = fail(
        glue.create_trigger,
        Name="s2",
        WorkflowName="wf",
        Type="SCHEDULED",
        Schedule="cron(0 12 * * ? *)",
        Actions=[{"JobName": "a"}],
    )
    assert code == "InvalidInputException"
    assert "workflow wf already has a start trigger (s1)" in message


def test_tags(glue: Any) -> None:
    arn = f"{ARN}:workflow/wf"
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"team": "ml"}
    glue.tag_resource(ResourceArn=arn, TagsToAdd={"a": "1"})
    glue.untag_resource(ResourceArn=arn, TagsToRemove=["team"])
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"a": "1"}
    assert glue.get_tags(ResourceArn=f"{ARN}:job/a")["Tags"] == {}
    assert fail(glue.get_tags, ResourceArn=f"{ARN}:job/zz")[0] == "EntityNotFoundException"
    glue.tag_resource(ResourceArn=f"{ARN}:job/a", TagsToAdd={"x": "y"})
    assert glue.list_jobs(Tags={"x": "y"})["JobNames"] == ["a"]


def test_unsupported_operations_fail_clearly(glue: Any) -> None:
    code, message = fail(glue.create_crawler, Name="c", Role=ROLE, Targets={})
    assert code == "NotSupportedLocally"
    assert "glue:CreateCrawler is not supported by the glue-wf local target" in message
    code, message = fail(
        glue.create_trigger,
        Name="t",
        WorkflowName="wf",
        Type="ON_DEMAND",
        Actions=[{"CrawlerName": "c"}],
    )
    assert code == "NotSupportedLocally"


def test_start_workflow_run_needs_one_start_trigger(glue: Any) -> None:
    code, message = fail(glue.start_workflow_run, Name="wf")
    assert code == "InvalidInputException"
    assert "needs exactly one start trigger" in message


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GLUE_WF_PYTHON", "/nonexistent/python", r"^GLUE_WF_PYTHON=/nonexistent/python is not an"),
        (
            "GLUE_WF_LOCAL_SECONDS_PER_MINUTE",
            "abc",
            r"^GLUE_WF_LOCAL_SECONDS_PER_MINUTE='abc' is not a positive number of seconds",
        ),
        ("GLUE_WF_LOCAL_SECONDS_PER_MINUTE", "0", r"^GLUE_WF_LOCAL_SECONDS_PER_MINUTE='0' is not"),
    ],
)
def test_a_run_no_executor_could_drive_is_not_recorded(
    glue: Any, monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    from glue_workflow.local.interpreters import project_python

    glue.create_trigger(Name="s", WorkflowName="wf", Type="ON_DEMAND", Actions=[{"JobName": "a"}])
    monkeypatch.setenv(name, value)
    project_python.cache_clear()
    try:
        for start in (
            lambda: glue.start_workflow_run(Name="wf"),
            lambda: glue.start_job_run(JobName="b"),
        ):
            with pytest.raises(Exception, match=message):
                start()
    finally:
        project_python.cache_clear()
    # before: a RUNNING run nobody drove, counted against MaxConcurrentRuns (or one whose
    # every job timed out at once)
    assert glue.get_workflow_runs(Name="wf")["Runs"] == []
    assert glue.get_job_runs(JobName="b")["JobRuns"] == []


def test_a_python_shell_setting_that_does_not_start_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from glue_workflow.errors import LocalTargetError
    from glue_workflow.local.interpreters import shell_python

    monkeypatch.setenv("GLUE_WF_PYTHON_SHELL", "/nonexistent/python3.9")
    with pytest.raises(LocalTargetError) as caught:
        shell_python("3.9")
    assert str(caught.value) == (
        "GLUE_WF_PYTHON_SHELL=/nonexistent/python3.9: /nonexistent/python3.9 did not start "
        "(No such file or directory); set it to a Python interpreter's path, 'auto' (the "
        "default) or 'project'"
    )
