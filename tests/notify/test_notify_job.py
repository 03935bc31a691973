"""The verdict notifier's logic (verdict_notifier): when a run has settled, what the message
says, and the exact PutEvents / SNS Publish requests (botocore Stubber)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from glue_workflow.jobkit.errors import JobFailed
from glue_workflow.verdict_notifier import (
    EVENT_DETAIL_TYPE,
    EVENT_SOURCE,
    build_message,
    pending,
    publish,
    wait_settled,
    without_job,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runs"))
from rungraphs import HAPPY, REJECT_PROPS, REJECTED, WF, job_run, run_answer

NOTIFIER = f"{WF}-notify-verdict"
CONSOLE = "http://127.0.0.1:8321/workflows/churn-pipeline/runs/{run_id}"
TOPIC = "arn:aws:sns:us-east-1:123456789012:glue-wf-notifications"
ALL = ["succeeded", "rejected", "failed", "awaiting_approval"]


def with_notifier(run: dict[str, Any], state: str = "RUNNING") -> dict[str, Any]:
    """``run`` as GetWorkflowRun shows it while the notifier itself still runs."""
    nodes = run["Graph"]["Nodes"]
    nodes.append(
        {
            "Type": "JOB",
            "Name": NOTIFIER,
            "UniqueId": "wnode_notify",
            "JobDetails": {"JobRuns": [job_run("notify-verdict", state)]},
        }
    )
    return {**run, "Status": "RUNNING"}


def test_a_run_is_settled_only_when_no_job_is_active_and_no_trigger_is_due() -> None:
    running = without_job(with_notifier(run_answer({"preprocess": "RUNNING"})), NOTIFIER)
    assert pending(running, {}) == "job churn-pipeline-preprocess (RUNNING)"
    # preprocess SUCCEEDED, its trigger's action (train) not started yet: Glue's trigger lag
    due = without_job(with_notifier(run_answer({"preprocess": "SUCCEEDED"})), NOTIFIER)
    assert pending(due, {}) == "trigger churn-pipeline-on-preprocess-succeeded to start its actions"
    done = without_job(with_notifier(run_answer(HAPPY)), NOTIFIER)
    assert pending(done, {}) is None


def test_a_failed_attempt_with_retries_left_is_not_settled() -> None:
    run = without_job(
        with_notifier(run_answer({"preprocess": "SUCCEEDED", "train": "FAILED"})), NOTIFIER
    )
    retries = {f"{WF}-train": 1}
    assert pending(run, retries) == "job churn-pipeline-train (retry 1 of 1)"
    assert pending(run, {}) is None
    retried = without_job(
        with_notifier(run_answer({"preprocess": "SUCCEEDED", "train": ["FAILED", "FAILED"]})),
        NOTIFIER,
    )
    assert pending(retried, retries) is None


def test_wait_settled_reads_until_settled_twice_in_a_row() -> None:
    answers = [
        with_notifier(run_answer({"preprocess": "RUNNING"})),
        with_notifier(run_answer(HAPPY)),
        with_notifier(run_answer(HAPPY)),
    ]
    sleeps: list[float] = []
    logged: list[str] = []
    run = wait_settled(
        lambda: answers.pop(0),
        NOTIFIER,
        {},
        poll_seconds=10,
        sleep=sleeps.append,
        log=logged.append,
    )
    assert answers == []
    assert sleeps == [1.0, 3.0]
    assert logged == ["notifier: waiting for job churn-pipeline-preprocess (RUNNING)"]
    assert NOTIFIER not in {n["Name"] for n in run["Graph"]["Nodes"]}


def test_message_of_a_failed_run_names_the_node_and_its_reason() -> None:
    answer = run_answer({"preprocess": "SUCCEEDED", "train": "FAILED"})
    run = without_job(with_notifier(answer), NOTIFIER)
    message = build_message(run, WF, CONSOLE)
    assert message == {
        "workflow": WF,
        "runId": "wr_1",
        "verdict": "failed",
        "summary": "failed — churn-pipeline-train FAILED: boom",
        "failedNode": "train",
        "reason": "boom",
        "consoleUrl": "http://127.0.0.1:8321/workflows/churn-pipeline/runs/wr_1",
        "startedOn": "2026-01-01T12:00:00+00:00",
    }


def test_message_of_a_rejection_and_of_an_awaiting_approval() -> None:
    # the gate node "gate" records decision "min_accuracy"; its failure reason names it
    recorded = {
        **REJECT_PROPS,
        "glue_wf_error_gate": "glue-wf job failed: gate min_accuracy: rejected: accuracy = "
        "0.8123 fails accuracy >= min_accuracy (0.9)",
    }
    rejected = without_job(with_notifier(run_answer(REJECTED, properties=recorded)), NOTIFIER)
    message = build_message(rejected, WF, CONSOLE)
    assert (message["verdict"], message["failedNode"], message["reason"]) == (
        "rejected",
        "gate",  # the node, not its decision's name
        "accuracy 0.8123 < min_accuracy 0.9",
    )
    waiting = run_answer(
        HAPPY, properties={"deploy_status": "awaiting_approval", "model_package_arn": "arn:p/1"}
    )
    message = build_message(without_job(with_notifier(waiting), NOTIFIER), WF, CONSOLE)
    assert message["verdict"] == "awaiting_approval"
    assert message["failedNode"] is None


def clients() -> tuple[Any, Any]:
    events = boto3.client("events", region_name="us-east-1")
    sns = boto3.client("sns", region_name="us-east-1")
    return events, sns


MESSAGE = {"workflow": WF, "runId": "wr_1", "verdict": "failed", "summary": "failed — x"}


def test_publish_sends_the_eventbridge_entry_and_the_sns_message_aws_expects() -> None:
    events, sns = clients()
    body = json.dumps(MESSAGE, sort_keys=True)
    with Stubber(events) as ev, Stubber(sns) as sn:
        ev.add_response(
            "put_events",
            {"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]},
            {
                "Entries": [
                    {
                        "Source": EVENT_SOURCE,
                        "DetailType": EVENT_DETAIL_TYPE,
                        "Detail": body,
                        "EventBusName": "default",
                    }
                ]
            },
        )
        sn.add_response(
            "publish",
            {"MessageId": "m-1"},
            {
                "TopicArn": TOPIC,
                "Subject": "glue-wf churn-pipeline run wr_1: failed",
                "Message": body,
                "MessageAttributes": {
                    "workflow": {"DataType": "String", "StringValue": WF},
                    "verdict": {"DataType": "String", "StringValue": "failed"},
                },
            },
        )
        sent = publish(
            MESSAGE,
            [
                {"type": "eventbridge", "bus": "default", "on": ALL},
                {"type": "sns", "topic_arn": TOPIC, "on": ALL},
            ],
            {"events": events, "sns": sns}.__getitem__,
        )
        ev.assert_no_pending_responses()
        sn.assert_no_pending_responses()
    assert sent == ["eventbridge:default", f"sns:{TOPIC}"]


def test_publish_skips_targets_not_asking_for_the_verdict() -> None:
    events, _ = clients()
    with Stubber(events):  # any call would raise "Unexpected API Call"
        sent = publish(
            MESSAGE, [{"type": "eventbridge", "on": ["succeeded"]}], {"events": events}.__getitem__
        )
    assert sent == []


def test_a_refused_entry_fails_the_notifier_with_eventbridges_reason() -> None:
    events, _ = clients()
    with Stubber(events) as ev:
        ev.add_response(
            "put_events",
            {
                "FailedEntryCount": 1,
                "Entries": [{"ErrorCode": "AccessDeniedException", "ErrorMessage": "denied"}],
            },
        )
        with pytest.raises(JobFailed) as caught:
            publish(MESSAGE, [{"type": "eventbridge", "on": ALL}], {"events": events}.__getitem__)
    assert str(caught.value) == (
        "EventBridge refused the verdict event on bus default: AccessDeniedException denied"
    )


def test_moto_accepts_both_requests() -> None:
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    with mock_aws():
        events, sns = clients()
        topic = sns.create_topic(Name="glue-wf-notifications")["TopicArn"]
        sent = publish(
            MESSAGE,
            [
                {"type": "eventbridge", "bus": "default", "on": ALL},
                {"type": "sns", "topic_arn": topic, "on": ALL},
            ],
            {"events": events, "sns": sns}.__getitem__,
        )
        assert sent == ["eventbridge:default", f"sns:{topic}"]
        [(_, body, subject, *_)] = (
            sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].topics[topic].sent_notifications
        )
        assert json.loads(body) == MESSAGE
        assert subject == "glue-wf churn-pipeline run wr_1: failed"


def test_a_run_being_stopped_is_judged_stopped() -> None:
    run = without_job(with_notifier(run_answer({"preprocess": "RUNNING"})), NOTIFIER)
    message = build_message({**run, "Status": "STOPPING"}, WF, CONSOLE)
    assert (message["verdict"], message["summary"]) == ("stopped", "stopped before completing")
