"""PutTargets / RemoveTargets answer 200 and fail per target (FailedEntries): a failed
entry is retried when EventBridge says it collided, and fails the deploy otherwise
(EventBridge API Reference, PutTargets and PutTargetsResultEntry)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from glue_workflow.aws.retry import RetryPolicy
from glue_workflow.deploy.event_rules import EventsDeployApi
from glue_workflow.errors import DeployError

RULE = {"Name": "glue-wf-wf-start", "EventPattern": '{"source": ["aws.s3"]}', "State": "ENABLED"}
TARGETS = [
    {"Id": "glue-wf", "Arn": "arn:aws:glue:us-east-1:123456789012:workflow/wf",
     "RoleArn": "arn:aws:iam::123456789012:role/events"},
]  # fmt: skip


def _api(client: Any) -> EventsDeployApi:
    return EventsDeployApi(client=client, policy=RetryPolicy(sleep=lambda _s: None))


@pytest.fixture
def events() -> Any:
    return boto3.client("events", region_name="us-east-1")


def test_a_target_that_collided_is_sent_again(events: Any) -> None:
    with Stubber(events) as stub:
        stub.add_response("put_rule", {"RuleArn": "arn:aws:events:us-east-1:1:rule/r"}, RULE)
        collided = {"TargetId": "glue-wf", "ErrorCode": "ConcurrentModificationException",
                    "ErrorMessage": "Rule was modified concurrently"}  # fmt: skip
        stub.add_response(
            "put_targets",
            {"FailedEntryCount": 1, "FailedEntries": [collided]},
            {"Rule": RULE["Name"], "Targets": TARGETS},
        )
        stub.add_response(
            "put_targets",
            {"FailedEntryCount": 0, "FailedEntries": []},
            {"Rule": RULE["Name"], "Targets": TARGETS},
        )
        _api(events).put({"Rule": RULE, "Targets": TARGETS}, None)
        stub.assert_no_pending_responses()


def test_a_target_that_failed_fails_the_deploy_by_name(events: Any) -> None:
    failed = {"TargetId": "glue-wf", "ErrorCode": "ValidationException",
              "ErrorMessage": "RoleArn is not supported for target"}  # fmt: skip
    with Stubber(events) as stub:
        stub.add_response("put_rule", {"RuleArn": "arn:aws:events:us-east-1:1:rule/r"}, RULE)
        stub.add_response(
            "put_targets",
            {"FailedEntryCount": 1, "FailedEntries": [failed]},
            {"Rule": RULE["Name"], "Targets": TARGETS},
        )
        with pytest.raises(DeployError) as caught:
            _api(events).put({"Rule": RULE, "Targets": TARGETS}, None)
    assert str(caught.value) == (
        "events:PutTargets on rule glue-wf-wf-start failed for 1 target(s) (target glue-wf: "
        "ValidationException: RoleArn is not supported for target): events would not start "
        "the workflow; fix the cause and rerun glue-wf deploy"
    )


def test_a_stale_target_that_cannot_be_removed_fails_the_deploy(events: Any) -> None:
    stale = {"Id": "old", "Arn": "arn:aws:glue:us-east-1:123456789012:workflow/old"}
    with Stubber(events) as stub:
        stub.add_response("put_rule", {"RuleArn": "arn:aws:events:us-east-1:1:rule/r"}, RULE)
        stub.add_response(
            "put_targets", {"FailedEntryCount": 0}, {"Rule": RULE["Name"], "Targets": TARGETS}
        )
        stub.add_response(
            "remove_targets",
            {"FailedEntryCount": 1, "FailedEntries": [
                {"TargetId": "old", "ErrorCode": "InternalError", "ErrorMessage": "x"}]},
            {"Rule": RULE["Name"], "Ids": ["old"]},
        )  # fmt: skip
        with pytest.raises(DeployError, match=r"events:RemoveTargets on rule glue-wf-wf-start"):
            _api(events).put({"Rule": RULE, "Targets": TARGETS}, {"Targets": [stale]})
