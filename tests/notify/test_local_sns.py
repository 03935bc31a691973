"""The local SNS: topics, loopback HTTP subscriptions, Publish recorded and delivered."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from glue_workflow.local.sns import recorded_messages
from glue_workflow.local.store import LocalHome

INFRA_TOPIC = "arn:aws:sns:us-east-1:000000000000:glue-wf-notifications"


@pytest.fixture
def sns(local_home: Path) -> Any:
    return boto3.client("sns", region_name="us-east-1")


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = {k.lower(): v for k, v in self.headers.items()}
            received.append({"headers": headers, "body": json.loads(body)})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def test_the_infra_topic_exists_and_create_topic_is_idempotent(sns: Any) -> None:
    assert {t["TopicArn"] for t in sns.list_topics()["Topics"]} == {INFRA_TOPIC}
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    assert arn == "arn:aws:sns:us-east-1:000000000000:alerts"
    assert sns.create_topic(Name="alerts")["TopicArn"] == arn
    with pytest.raises(ClientError) as caught:
        sns.create_topic(Name="bad name!")
    assert error_of(caught) == ("InvalidParameter", "Invalid parameter: Topic Name")


def test_a_deleted_infra_topic_stays_deleted_until_created_again(sns: Any) -> None:
    """Publishing to it fails (the verdict notifier says so): no silent subscriber-less topic."""
    sns.delete_topic(TopicArn=INFRA_TOPIC)
    assert sns.list_topics()["Topics"] == []
    with pytest.raises(ClientError) as caught:
        sns.publish(TopicArn=INFRA_TOPIC, Message="x")
    assert error_of(caught) == ("NotFound", "Topic does not exist")
    assert sns.create_topic(Name=INFRA_TOPIC.rsplit(":", 1)[1])["TopicArn"] == INFRA_TOPIC
    assert {t["TopicArn"] for t in sns.list_topics()["Topics"]} == {INFRA_TOPIC}


def test_publish_to_a_missing_topic_is_not_found(sns: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sns.publish(TopicArn="arn:aws:sns:us-east-1:000000000000:nope", Message="x")
    assert error_of(caught) == ("NotFound", "Topic does not exist")


def test_publish_is_recorded_and_posted_to_the_webhook(
    sns: Any, local_home: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    sub = sns.subscribe(TopicArn=INFRA_TOPIC, Protocol="http", Endpoint=url)["SubscriptionArn"]
    assert sub.startswith(INFRA_TOPIC + ":")
    message_id = sns.publish(
        TopicArn=INFRA_TOPIC,
        Subject="glue-wf wf run wr_1: failed",
        Message='{"verdict": "failed"}',
        MessageAttributes={"verdict": {"DataType": "String", "StringValue": "failed"}},
    )["MessageId"]
    assert len(received) == 1
    body = received[0]["body"]
    assert (body["Type"], body["MessageId"], body["TopicArn"], body["Message"]) == (
        "Notification",
        message_id,
        INFRA_TOPIC,
        '{"verdict": "failed"}',
    )
    assert body["MessageAttributes"] == {"verdict": {"Type": "String", "Value": "failed"}}
    assert received[0]["headers"]["x-amz-sns-message-type"] == "Notification"
    [recorded] = recorded_messages(LocalHome(local_home))
    assert recorded["MessageId"] == message_id
    assert recorded["Deliveries"] == [{"endpoint": url, "status": 200}]


def test_subscriptions_off_the_machine_are_refused(sns: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sns.subscribe(TopicArn=INFRA_TOPIC, Protocol="https", Endpoint="https://example.com/x")
    assert error_of(caught) == (
        "InvalidParameter",
        "Invalid parameter: Endpoint: https://example.com/x is not on this machine; the "
        "glue-wf local target delivers only to 127.0.0.1, ::1 or localhost (it never reaches "
        "off the machine)",
    )
    with pytest.raises(ClientError) as caught:
        sns.subscribe(TopicArn=INFRA_TOPIC, Protocol="email", Endpoint="a@example.com")
    assert error_of(caught)[0] == "NotSupportedLocally"


def test_a_webhook_that_is_down_is_recorded_not_raised(sns: Any, local_home: Path) -> None:
    sns.subscribe(TopicArn=INFRA_TOPIC, Protocol="http", Endpoint="http://127.0.0.1:9/down")
    sns.publish(TopicArn=INFRA_TOPIC, Message="hello")
    [recorded] = recorded_messages(LocalHome(local_home))
    assert recorded["Deliveries"][0]["endpoint"] == "http://127.0.0.1:9/down"
    assert recorded["Deliveries"][0]["error"]


def test_subject_rules_as_sns(sns: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sns.publish(TopicArn=INFRA_TOPIC, Message="x", Subject="line\nbreak")
    assert error_of(caught) == ("InvalidParameter", "Invalid parameter: Subject")


def test_a_redirecting_webhook_is_not_followed(sns: Any, local_home: Path) -> None:
    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(302)
            self.send_header("Location", "http://10.8.8.8/elsewhere")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        sns.subscribe(TopicArn=INFRA_TOPIC, Protocol="http", Endpoint=url)
        sns.publish(TopicArn=INFRA_TOPIC, Message="hello")
    finally:
        server.shutdown()
        server.server_close()
    [recorded] = recorded_messages(LocalHome(local_home))
    # the 302 is the outcome: its Location, off the machine, is never requested
    assert recorded["Deliveries"][0] == {"endpoint": url, "status": 302, "error": "HTTP 302"}
