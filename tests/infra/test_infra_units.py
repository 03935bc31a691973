"""Facade retries, error translation, change rows, following and failure messages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import NoCredentialsError
from botocore.stub import Stubber

from glue_workflow.aws.retry import THROTTLING_ONLY
from glue_workflow.errors import ConfigError, InfraError
from glue_workflow.infra.changes import change_rows, render_table
from glue_workflow.infra.plan import StackNeedsRecreateError, change_set_type
from glue_workflow.infra.progress import (
    StackEvent,
    Waiting,
    failure_message,
    follow,
    root_causes,
)
from glue_workflow.infra.stacks import CloudFormation, StackInfo
from glue_workflow.infra.template import StackParameters

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/glue-wf/abc"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def stubbed() -> Iterator[tuple[Stubber, CloudFormation, list[float]]]:
    client = boto3.client("cloudformation", region_name="us-east-1")
    sleeps: list[float] = []
    with Stubber(client) as stubber:
        policy = replace(THROTTLING_ONLY, sleep=sleeps.append, rng=lambda: 1.0)  # exact delays
        yield stubber, CloudFormation(client, policy=policy), sleeps
        stubber.assert_no_pending_responses()


def stack(status: str, reason: str = "") -> dict[str, Any]:
    raw: dict[str, Any] = {
        "StackId": STACK_ID,
        "StackName": "glue-wf",
        "CreationTime": T0,
        "StackStatus": status,
    }
    if reason:
        raw["StackStatusReason"] = reason
    return {"Stacks": [raw]}


def event(
    n: int, logical: str, status: str, reason: str = "", kind: str = "AWS::IAM::Role"
) -> dict[str, Any]:
    raw = {
        "StackId": STACK_ID,
        "EventId": f"e{n}",
        "StackName": "glue-wf",
        "LogicalResourceId": logical,
        "ResourceType": kind,
        "Timestamp": T0 + timedelta(seconds=n),
        "ResourceStatus": status,
    }
    if reason:
        raw["ResourceStatusReason"] = reason
    return raw


def test_throttling_is_retried_with_backoff(stubbed: Any) -> None:
    stubber, cf, sleeps = stubbed
    stubber.add_client_error("describe_stacks", "Throttling", "Rate exceeded", 400)
    stubber.add_client_error("describe_stacks", "Throttling", "Rate exceeded", 400)
    stubber.add_response("describe_stacks", stack("CREATE_COMPLETE"))

    info = cf.describe("glue-wf")

    assert info is not None
    assert info.status == "CREATE_COMPLETE"
    assert sleeps == [0.5, 1.0]


def test_other_errors_are_not_retried_and_name_the_call(stubbed: Any) -> None:
    stubber, cf, sleeps = stubbed
    stubber.add_client_error(
        "describe_stacks",
        "AccessDenied",
        "User is not authorized to perform cloudformation:DescribeStacks",
    )

    with pytest.raises(InfraError) as denied:
        cf.describe("glue-wf")
    assert str(denied.value) == (
        "describing stack 'glue-wf' failed (AccessDenied): User is not authorized to "
        "perform cloudformation:DescribeStacks"
    )
    assert sleeps == []


def test_missing_stack_is_none(stubbed: Any) -> None:
    stubber, cf, _ = stubbed
    stubber.add_client_error(
        "describe_stacks", "ValidationError", "Stack with id glue-wf does not exist"
    )
    assert cf.describe("glue-wf") is None


def test_missing_credentials_are_a_config_error() -> None:
    class NoCreds:
        def describe_stacks(self, **_: Any) -> Any:
            raise NoCredentialsError

    with pytest.raises(ConfigError, match="no AWS credentials found"):
        CloudFormation(NoCreds()).describe("glue-wf")


def test_change_rows_keep_replacement() -> None:
    rows = change_rows(
        [
            {
                "Type": "Resource",
                "ResourceChange": {
                    "Action": "Modify",
                    "LogicalResourceId": "ArtifactsBucket",
                    "ResourceType": "AWS::S3::Bucket",
                    "Replacement": "True",
                },
            },
            {
                "Type": "Resource",
                "ResourceChange": {
                    "Action": "Modify",
                    "LogicalResourceId": "GlueJobRole",
                    "ResourceType": "AWS::IAM::Role",
                    "Replacement": "Conditional",
                },
            },
        ]
    )
    assert render_table(rows).splitlines() == [
        "Action  Logical ID       Type             Replacement",
        "------  ---------------  ---------------  -----------",
        "Modify  ArtifactsBucket  AWS::S3::Bucket  True",
        "Modify  GlueJobRole      AWS::IAM::Role   Conditional",
    ]


def test_follow_streams_each_event_once_until_settled(stubbed: Any) -> None:
    stubber, cf, sleeps = stubbed
    first = [event(1, "GlueJobRole", "CREATE_IN_PROGRESS")]
    second = [event(2, "GlueJobRole", "CREATE_COMPLETE"), *first]
    stubber.add_response("describe_stack_events", {"StackEvents": first})
    stubber.add_response("describe_stacks", stack("CREATE_IN_PROGRESS"))
    stubber.add_response("describe_stack_events", {"StackEvents": second})
    stubber.add_response("describe_stacks", stack("CREATE_COMPLETE"))
    seen: list[StackEvent] = []

    info, events = follow(
        cf,
        STACK_ID,
        since=T0,
        on_event=seen.append,
        waiting=Waiting(poll_seconds=3, sleep=sleeps.append),
    )

    assert info.status == "CREATE_COMPLETE"
    assert [e.status for e in seen] == ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]
    assert events == seen
    assert sleeps == [3]
    assert seen[1].line() == "00:00:02  CREATE_COMPLETE              GlueJobRole (AWS::IAM::Role)"


def test_follow_gives_up_after_the_timeout(stubbed: Any) -> None:
    stubber, cf, _ = stubbed
    stubber.add_response("describe_stack_events", {"StackEvents": []})
    stubber.add_response("describe_stacks", stack("UPDATE_IN_PROGRESS"))
    clock = iter([0.0, 11.0])

    with pytest.raises(InfraError) as slow:
        follow(
            cf,
            STACK_ID,
            since=None,
            waiting=Waiting(
                timeout_seconds=10, sleep=lambda _s: None, monotonic=lambda: next(clock)
            ),
        )
    assert str(slow.value) == (
        "stack glue-wf is still UPDATE_IN_PROGRESS after 10s; follow it in the "
        "CloudFormation console and rerun the command once it settles"
    )


def test_failure_message_names_root_causes_not_cancellations() -> None:
    events = [
        StackEvent(
            event_id=str(n),
            timestamp=T0,
            logical_id=lid,
            resource_type="AWS::IAM::Role",
            status=status,
            reason=reason,
        )
        for n, (lid, status, reason) in enumerate(
            [
                ("GlueJobRole", "UPDATE_FAILED", "Resource update cancelled"),
                (
                    "SageMakerExecutionRole",
                    "UPDATE_FAILED",
                    "MalformedPolicyDocument: Policy has invalid action",
                ),
            ]
        )
    ]
    info = StackInfo(stack_id=STACK_ID, name="glue-wf", status="UPDATE_ROLLBACK_COMPLETE")

    assert [e.logical_id for e in root_causes(events)] == ["SageMakerExecutionRole"]
    assert failure_message(info, events, "Update") == (
        "Update of stack glue-wf failed: the stack is UPDATE_ROLLBACK_COMPLETE\n"
        "  - SageMakerExecutionRole (AWS::IAM::Role) UPDATE_FAILED: "
        "MalformedPolicyDocument: Policy has invalid action"
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("UPDATE_IN_PROGRESS", "stack glue-wf is busy (UPDATE_IN_PROGRESS): wait until"),
        (
            "UPDATE_ROLLBACK_FAILED",
            "aws cloudformation continue-update-rollback --stack-name glue-wf",
        ),
        ("DELETE_FAILED", "stack glue-wf is DELETE_FAILED: rerun 'glue-wf infra destroy'"),
    ],
)
def test_unusable_stack_states_explain_the_way_out(status: str, expected: str) -> None:
    info = StackInfo(stack_id=STACK_ID, name="glue-wf", status=status)
    with pytest.raises(InfraError) as refused:
        change_set_type("glue-wf", info)
    assert expected in str(refused.value)


def test_change_set_type_by_stack_state() -> None:
    def info(status: str) -> StackInfo:
        return StackInfo(stack_id=STACK_ID, name="glue-wf", status=status)

    assert change_set_type("glue-wf", None) == "CREATE"
    assert change_set_type("glue-wf", info("REVIEW_IN_PROGRESS")) == "CREATE"
    assert change_set_type("glue-wf", info("UPDATE_ROLLBACK_COMPLETE")) == "UPDATE"
    with pytest.raises(StackNeedsRecreateError):
        change_set_type("glue-wf", info("ROLLBACK_COMPLETE"))


def test_parameters_keep_previous_optional_values_on_update() -> None:
    params = StackParameters(
        workflow_name="churn-pipeline", scope_arns={"SageMakerJobArns": "arn:a,arn:b"}
    )
    assert params.to_request(updating=False) == [
        {"ParameterKey": "WorkflowName", "ParameterValue": "churn-pipeline"},
        {"ParameterKey": "SageMakerJobArns", "ParameterValue": "arn:a,arn:b"},
    ]
    assert params.to_request(updating=True)[2:] == [
        {"ParameterKey": "BucketName", "UsePreviousValue": True},
        {"ParameterKey": "KmsKeyArn", "UsePreviousValue": True},
    ]


def test_bad_kms_key_is_refused() -> None:
    with pytest.raises(ConfigError) as bad:
        StackParameters(workflow_name="w", kms_key_arn="alias/mine")
    assert str(bad.value) == (
        "invalid KMS key ARN 'alias/mine' (--kms-key-arn): use "
        "arn:aws:kms:<region>:<account>:key/<key id>"
    )


PARAMS = StackParameters(workflow_name="churn-pipeline")
CHANGE_SET_ID = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/glue-wf-1/x"


def test_update_that_changes_nothing_is_an_empty_plan(stubbed: Any) -> None:
    from glue_workflow.infra.plan import create_plan

    stubber, cf, _ = stubbed
    stubber.add_response("describe_stacks", stack("UPDATE_COMPLETE"))
    stubber.add_client_error(
        "create_change_set", "ValidationError", "No updates are to be performed."
    )

    plan = create_plan(cf, stack_name="glue-wf", template_body="{}", parameters=PARAMS)

    assert plan.empty
    assert plan.change_set_type == "UPDATE"


def test_rejected_change_set_is_deleted_and_explained(stubbed: Any) -> None:
    from glue_workflow.infra.plan import create_plan

    stubber, cf, _ = stubbed
    stubber.add_response("describe_stacks", stack("UPDATE_COMPLETE"))
    stubber.add_response("create_change_set", {"Id": CHANGE_SET_ID, "StackId": STACK_ID})
    stubber.add_response(
        "describe_change_set",
        {
            "ChangeSetId": CHANGE_SET_ID,
            "StackId": STACK_ID,
            "Status": "FAILED",
            "StatusReason": "Parameter 'KmsKeyArn' must match pattern ...",
        },
    )
    stubber.add_response("delete_change_set", {}, {"ChangeSetName": CHANGE_SET_ID})

    with pytest.raises(InfraError) as rejected:
        create_plan(
            cf,
            stack_name="glue-wf",
            template_body="{}",
            parameters=PARAMS,
            waiting=Waiting(poll_seconds=0, sleep=lambda _s: None),
        )
    assert str(rejected.value) == (
        "CloudFormation rejected the change set for stack glue-wf: Parameter 'KmsKeyArn' "
        "must match pattern ..."
    )
