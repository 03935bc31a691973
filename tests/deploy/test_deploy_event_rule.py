"""Deploy/destroy of an event-started workflow's EventBridge rule: moto (AWS requests) and
the local target (the same code path, then an event starts the workflow)."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from motofill import ACCOUNT, MotoGlue
from wfdocs import BUCKET, ROLE, make_document, tags

from glue_workflow.config import load_settings
from glue_workflow.deploy import deployer
from glue_workflow.document import OWNER_TAG, WorkflowDocument
from glue_workflow.errors import DeployError

EVENTS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/glue-wf-events"
PATTERN = {"source": ["aws.s3"], "detail": {"object": {"key": [{"prefix": "input/"}]}}}


def event_document(
    account: str = ACCOUNT, pattern: dict[str, Any] | None = None, role: str = EVENTS_ROLE
) -> WorkflowDocument:
    """``make_document`` with an EVENT start and the rule the compiler emits for it."""
    document = make_document("wf", ("a", "b"), start_type="EVENT")
    rule = {
        "Rule": {
            "Name": "glue-wf-wf",
            "EventPattern": json.dumps(pattern or PATTERN, sort_keys=True, separators=(",", ":")),
            "State": "ENABLED",
            "Description": "Starts Glue workflow wf (managed by glue-wf)",
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags("wf").items())],
        },
        "Targets": [
            {
                "Id": "glue-workflow",
                "Arn": f"arn:aws:glue:us-east-1:{account}:workflow/wf",
                "RoleArn": role,
            }
        ],
    }
    return dataclasses.replace(document, event_rules=(rule,))


@pytest.fixture
def aws_target(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[deployer.DeployTarget]:
    (tmp_path / "glue-wf.toml").write_text(
        '[target]\ndefault = "aws"\n[target.aws]\nregion = "us-east-1"\n'
        f'bucket = "{BUCKET}"\nglue_role_arn = "{ROLE}"\n'
        f'sagemaker_role_arn = "{ROLE}"\nevents_role_arn = "{EVENTS_ROLE}"\n'
    )
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        boto3.client("iam").create_role(RoleName="glue-wf-glue-job", AssumeRolePolicyDocument="{}")
        hooks = MotoGlue(forbidden={"glue:StartWorkflowRun"})
        yield deployer.open_target(load_settings(tmp_path), session=hooks.session())


def test_deploy_creates_the_rule_and_target_glue_documents(
    aws_target: deployer.DeployTarget,
) -> None:
    document = event_document()
    plan = deployer.deploy(aws_target, document)
    kinds = [(i.action, i.type) for i in plan.instructions]
    # the rule comes after the EVENT trigger is written
    assert kinds.index(("create", "rule")) > kinds.index(("create", "trigger"))
    events = boto3.client("events", region_name="us-east-1")
    rule = events.describe_rule(Name="glue-wf-wf")
    assert json.loads(rule["EventPattern"]) == PATTERN
    assert rule["State"] == "ENABLED"
    (target,) = events.list_targets_by_rule(Rule="glue-wf-wf")["Targets"]
    assert target == {
        "Id": "glue-workflow",
        "Arn": f"arn:aws:glue:us-east-1:{ACCOUNT}:workflow/wf",
        "RoleArn": EVENTS_ROLE,
    }
    tags_ = events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]
    assert {"Key": OWNER_TAG, "Value": "wf"} in tags_
    glue = boto3.client("glue", region_name="us-east-1")
    start = glue.get_trigger(Name="wf-start")["Trigger"]
    assert start["Type"] == "EVENT"
    # never started: AWS answers StartTrigger on an EVENT trigger with "Trigger Type
    # EVENT cannot be started" (moto would accept it and show ACTIVATED)
    assert start["State"] == "CREATED"
    assert not any(i.action == "activate" for i in plan.instructions)

    # in sync: nothing to do; a pattern change is an update of the rule only
    assert deployer.make_plan(aws_target, document).empty
    changed = event_document(pattern={"source": ["aws.s3"]})
    plan = deployer.deploy(aws_target, changed)
    assert [(i.action, i.type, sorted(i.changes)) for i in plan.instructions] == [
        ("update", "rule", ["EventPattern"])
    ]
    # shown as every other change is (From/To: the plan printed "None -> None")
    change = plan.instructions[0].changes["EventPattern"]
    assert json.loads(change["From"]) == PATTERN
    assert json.loads(change["To"]) == {"source": ["aws.s3"]}
    assert json.loads(events.describe_rule(Name="glue-wf-wf")["EventPattern"]) == {
        "source": ["aws.s3"]
    }

    # destroy removes the rule (targets first) before the triggers
    plan = deployer.destroy(aws_target, changed)
    assert (plan.instructions[0].action, plan.instructions[0].type) == ("delete", "rule")
    assert events.list_rules(NamePrefix="glue-wf-wf")["Rules"] == []


def test_a_rule_no_longer_declared_is_deleted(aws_target: deployer.DeployTarget) -> None:
    deployer.deploy(aws_target, event_document())
    on_demand = make_document("wf", ("a", "b"))
    plan = deployer.deploy(aws_target, on_demand)
    steps = [(i.action, i.type, i.name) for i in plan.instructions]
    assert steps[0] == ("delete", "rule", "glue-wf-wf")
    events = boto3.client("events", region_name="us-east-1")
    assert events.list_rules(NamePrefix="glue-wf-wf")["Rules"] == []


def test_a_rule_owned_by_someone_else_is_never_taken_over(
    aws_target: deployer.DeployTarget,
) -> None:
    events = boto3.client("events", region_name="us-east-1")
    events.put_rule(Name="glue-wf-wf", EventPattern='{"source": ["x"]}')
    with pytest.raises(DeployError, match="EventBridge rule 'glue-wf-wf'"):
        deployer.deploy(aws_target, event_document())


def test_local_deploy_then_an_s3_upload_starts_the_workflow(
    local_home: Path, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "glue-wf.toml").write_text(
        f'[target]\ndefault = "local"\n[target.local]\nhome = "{local_home}"\n'
    )
    settings = load_settings(project)
    target = deployer.open_target(settings)
    document = event_document(account="000000000000", role=str(settings.events_role_arn))
    deployer.deploy(target, document)
    events = boto3.client("events", region_name="us-east-1")
    assert [t["Id"] for t in events.list_targets_by_rule(Rule="glue-wf-wf")["Targets"]] == [
        "glue-workflow"
    ]
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="landing")
    s3.put_bucket_notification_configuration(
        Bucket="landing", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    s3.put_object(Bucket="landing", Key="input/day1.csv", Body=b"x")
    glue = boto3.client("glue", region_name="us-east-1")
    deadline = time.monotonic() + 20
    runs: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not runs:
        runs = glue.get_workflow_runs(Name="wf")["Runs"]
        time.sleep(0.05)
    (run,) = runs
    assert len(json.loads(run["WorkflowRunProperties"]["aws:eventIds"])) == 1
    glue.stop_workflow_run(Name="wf", RunId=run["WorkflowRunId"])
    deployer.destroy(target, document)
    assert events.list_rules()["Rules"] == []
