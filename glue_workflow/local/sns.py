"""Amazon SNS answered by the local target: topics, HTTP subscriptions, Publish.

Every published message is recorded (table ``sns_messages``, shown by ``glue-wf
notifications``) and delivered to the topic's ``http``/``https`` subscriptions as SNS
delivers to HTTP endpoints: a POST of the JSON notification document with the
``x-amz-sns-*`` headers ("HTTP/S notification JSON format", SNS Developer Guide,
sns-message-and-json-formats.html). Locally a subscription endpoint must be on this
machine (127.0.0.1, ::1 or localhost): the local target never reaches off the machine.
Subscriptions are confirmed at once (no SubscriptionConfirmation round trip) and
messages are not signed; the notification carries ``SignatureVersion`` "local".

The infra stack's notifications topic (``<stack>-notifications``, see
``naming.notification_topic_name``) exists locally as the infra roles do
(``local.iam``): the local target stands in for the stack.

Errors as SNS answers them (SNS API Reference, CreateTopic / Publish / Subscribe
"Errors"; messages as the service sends them: "Topic does not exist" with NotFound,
"Invalid parameter: ..." with InvalidParameter, quoted in aws/aws-sdk-js#1484 and
getmoto/moto's sns responses).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from glue_workflow import naming
from glue_workflow.config import LOCAL_ACCOUNT_ID, find_project_root, load_settings
from glue_workflow.errors import ConfigError
from glue_workflow.local.dispatch import LocalServiceError, not_supported
from glue_workflow.local.guard import is_loopback
from glue_workflow.local.store import LocalHome, ThreadLocalConnections, transaction
from glue_workflow.local.sts import partition

# CreateTopic "Name": up to 256 alphanumerics, hyphens and underscores (".fifo" for FIFO).
_TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
MAX_MESSAGE_BYTES = 256 * 1024  # Publish "Message": at most 256 KB
SUBJECT_MAX = 100  # Publish "Subject": under 100 characters
DELIVERY_TIMEOUT = 5.0  # seconds per HTTP delivery
Handler = Callable[[dict[str, Any]], dict[str, Any]]

SCHEMA = """
CREATE TABLE IF NOT EXISTS sns_topics (arn TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sns_deleted (arn TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS sns_subscriptions (
    arn TEXT PRIMARY KEY, topic TEXT NOT NULL, protocol TEXT NOT NULL, endpoint TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sns_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, time REAL NOT NULL,
    topic TEXT NOT NULL, subject TEXT, message TEXT NOT NULL, attributes TEXT NOT NULL,
    deliveries TEXT NOT NULL
);
"""


def _invalid(what: str) -> LocalServiceError:
    return LocalServiceError("InvalidParameter", f"Invalid parameter: {what}", 400)


def _not_found() -> LocalServiceError:
    return LocalServiceError("NotFound", "Topic does not exist", 404)


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def topic_arn(name: str) -> str:
    region = _region()
    return naming.arn(partition(region), "sns", region, LOCAL_ACCOUNT_ID, name)


def infra_topic_name() -> str:
    """The local stand-in for the infra stack's topic, from the local target's settings."""
    try:
        root = find_project_root()
    except ConfigError:
        root = Path.cwd()  # a job's work directory: environment overrides, else defaults
    settings = load_settings(root, target="local", env=dict(os.environ))
    return naming.notification_topic_name(settings.stack_name)


class SnsService:
    """The local SNS (``LocalService`` for botocore's ``sns`` client)."""

    def __init__(self, home: LocalHome) -> None:
        self.home = home
        self._db = ThreadLocalConnections(home.db_path, SCHEMA)
        self._ops: dict[str, Handler] = {
            "CreateTopic": self.create_topic,
            "DeleteTopic": self.delete_topic,
            "ListTopics": self.list_topics,
            "GetTopicAttributes": self.get_topic_attributes,
            "Subscribe": self.subscribe,
            "Unsubscribe": self.unsubscribe,
            "ListSubscriptionsByTopic": self.list_subscriptions_by_topic,
            "Publish": self.publish,
        }

    @property
    def conn(self) -> sqlite3.Connection:
        return self._db.get()

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        op = self._ops.get(operation)
        if op is None:
            raise not_supported("sns", operation)
        return op(params)

    # -- topics ------------------------------------------------------------------------
    def _topics(self) -> dict[str, str]:
        rows = self.conn.execute("SELECT arn, name FROM sns_topics ORDER BY arn").fetchall()
        topics = {str(r["arn"]): str(r["name"]) for r in rows}
        infra = infra_topic_name()
        # the infra stack's topic is there until someone deletes it (as on AWS, out of
        # band): then publishing to it fails, it does not reach no subscriber silently
        deleted = self.conn.execute("SELECT 1 FROM sns_deleted WHERE arn = ?", (topic_arn(infra),))
        if deleted.fetchone() is None:
            topics.setdefault(topic_arn(infra), infra)
        return topics

    def _topic(self, value: Any) -> str:
        arn = str(value or "")
        if arn.count(":") != 5 or ":sns:" not in arn:
            raise _invalid("TopicArn")
        if arn not in self._topics():
            raise _not_found()
        return arn

    def create_topic(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["Name"])
        if not _TOPIC_NAME.fullmatch(name):
            raise _invalid("Topic Name")
        if (p.get("Attributes") or {}).get("FifoTopic") == "true":
            raise LocalServiceError(
                "NotSupportedLocally",
                "FIFO topics are not supported by the glue-wf local target",
                501,
            )
        arn = topic_arn(name)  # idempotent: an existing topic's ARN (CreateTopic)
        with transaction(self.conn) as conn:
            conn.execute("INSERT OR IGNORE INTO sns_topics VALUES (?, ?)", (arn, name))
            conn.execute("DELETE FROM sns_deleted WHERE arn = ?", (arn,))
        return {"TopicArn": arn}

    def delete_topic(self, p: dict[str, Any]) -> dict[str, Any]:
        arn = str(p["TopicArn"])
        with transaction(self.conn) as conn:  # deleting a missing topic succeeds (DeleteTopic)
            conn.execute("DELETE FROM sns_topics WHERE arn = ?", (arn,))
            conn.execute("DELETE FROM sns_subscriptions WHERE topic = ?", (arn,))
            if arn == topic_arn(infra_topic_name()):
                conn.execute("INSERT OR IGNORE INTO sns_deleted VALUES (?)", (arn,))
        return {}

    def list_topics(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"Topics": [{"TopicArn": arn} for arn in self._topics()]}

    def get_topic_attributes(self, p: dict[str, Any]) -> dict[str, Any]:
        arn = self._topic(p["TopicArn"])
        subs = self._subscriptions(arn)
        return {
            "Attributes": {
                "TopicArn": arn,
                "Owner": LOCAL_ACCOUNT_ID,
                "DisplayName": "",
                "SubscriptionsConfirmed": str(len(subs)),
                "SubscriptionsPending": "0",
                "SubscriptionsDeleted": "0",
            }
        }

    # -- subscriptions -----------------------------------------------------------------
    def _subscriptions(self, topic: str) -> list[dict[str, str]]:
        rows = self.conn.execute(
            "SELECT arn, protocol, endpoint FROM sns_subscriptions WHERE topic = ? ORDER BY arn",
            (topic,),
        ).fetchall()
        return [
            {
                "SubscriptionArn": r["arn"],
                "Owner": LOCAL_ACCOUNT_ID,
                "Protocol": r["protocol"],
                "Endpoint": r["endpoint"],
                "TopicArn": topic,
            }
            for r in rows
        ]

    def subscribe(self, p: dict[str, Any]) -> dict[str, Any]:
        topic = self._topic(p["TopicArn"])
        protocol = str(p["Protocol"]).lower()
        endpoint = str(p.get("Endpoint") or "")
        if protocol not in ("http", "https"):
            if protocol in (
                "email",
                "email-json",
                "sms",
                "sqs",
                "lambda",
                "application",
                "firehose",
            ):
                raise LocalServiceError(
                    "NotSupportedLocally",
                    f"SNS {protocol} subscriptions are not supported by the glue-wf local "
                    "target: subscribe an http://127.0.0.1 webhook, or use --target aws",
                    501,
                )
            raise _invalid(f"Amazon SNS does not support this protocol string: {protocol}")
        if not endpoint.lower().startswith(f"{protocol}://"):
            raise _invalid("Endpoint must match the specified protocol")
        if not is_loopback(endpoint):
            raise _invalid(
                f"Endpoint: {endpoint} is not on this machine; the glue-wf local target "
                "delivers only to 127.0.0.1, ::1 or localhost (it never reaches off the "
                "machine)"
            )
        for sub in self._subscriptions(topic):  # the same endpoint twice: the same subscription
            if sub["Protocol"] == protocol and sub["Endpoint"] == endpoint:
                return {"SubscriptionArn": sub["SubscriptionArn"]}
        arn = f"{topic}:{uuid.uuid4()}"
        with transaction(self.conn) as conn:
            conn.execute(
                "INSERT INTO sns_subscriptions VALUES (?, ?, ?, ?)",
                (arn, topic, protocol, endpoint),
            )
        return {"SubscriptionArn": arn}

    def unsubscribe(self, p: dict[str, Any]) -> dict[str, Any]:
        with transaction(self.conn) as conn:
            conn.execute(
                "DELETE FROM sns_subscriptions WHERE arn = ?", (str(p["SubscriptionArn"]),)
            )
        return {}

    def list_subscriptions_by_topic(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"Subscriptions": self._subscriptions(self._topic(p["TopicArn"]))}

    # -- publish -----------------------------------------------------------------------
    def publish(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("TargetArn") or p.get("PhoneNumber"):
            raise LocalServiceError(
                "NotSupportedLocally",
                "SNS Publish to a TargetArn or PhoneNumber is not supported by the glue-wf "
                "local target: publish to a topic",
                501,
            )
        topic = self._topic(p.get("TopicArn"))
        message = str(p["Message"])
        if not message:
            raise _invalid("Empty message")
        if len(message.encode()) > MAX_MESSAGE_BYTES:
            raise _invalid("Message too long")
        subject = p.get("Subject")
        if subject is not None and (
            not subject or len(subject) >= SUBJECT_MAX or not subject.isprintable()
        ):
            raise _invalid("Subject")
        message_id = str(uuid.uuid4())
        ts = time.time()
        attributes = {
            k: {"Type": v.get("DataType"), "Value": v.get("StringValue")}
            for k, v in (p.get("MessageAttributes") or {}).items()
        }
        document = {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": topic,
            "Subject": subject,
            "Message": message,
            "Timestamp": datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
            + "Z",
            "SignatureVersion": "local",
            "MessageAttributes": attributes,
        }
        deliveries = [deliver(s, document) for s in self._subscriptions(topic)]
        with transaction(self.conn) as conn:
            conn.execute(
                "INSERT INTO sns_messages (id, time, topic, subject, message, attributes, "
                "deliveries) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    message_id,
                    ts,
                    topic,
                    subject,
                    message,
                    json.dumps(attributes),
                    json.dumps(deliveries),
                ),
            )
        return {"MessageId": message_id}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx answer is the delivery's outcome: following its Location could leave the
    machine (the subscription was checked, not where it points)."""

    def redirect_request(self, *_: Any, **__: Any) -> None:
        return None


# No proxy either: HTTP_PROXY would carry the loopback POST off the machine.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def deliver(subscription: dict[str, str], document: dict[str, Any]) -> dict[str, Any]:
    """POST ``document`` to an HTTP subscription (loopback only); the outcome, recorded."""
    endpoint = subscription["Endpoint"]
    result: dict[str, Any] = {"endpoint": endpoint}
    if not is_loopback(endpoint):  # checked at Subscribe too: never reach off the machine
        result["error"] = "refused: endpoint is not on this machine"
        return result
    request = urllib.request.Request(  # noqa: S310 - http(s) on loopback, checked above
        endpoint,
        data=json.dumps(document).encode(),
        method="POST",
        headers={
            "Content-Type": "text/plain; charset=UTF-8",
            "x-amz-sns-message-type": "Notification",
            "x-amz-sns-message-id": document["MessageId"],
            "x-amz-sns-topic-arn": document["TopicArn"],
            "x-amz-sns-subscription-arn": subscription["SubscriptionArn"],
        },
    )
    try:
        with _OPENER.open(request, timeout=DELIVERY_TIMEOUT) as answer:
            result["status"] = int(answer.status)
    except urllib.error.HTTPError as exc:
        result["status"] = exc.code
        result["error"] = f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        result["error"] = str(getattr(exc, "reason", exc))
    return result


def recorded_messages(home: LocalHome, limit: int = 50) -> list[dict[str, Any]]:
    """The most recent messages published to local topics, newest first."""
    db = ThreadLocalConnections(home.db_path, SCHEMA)
    rows = db.get().execute(
        "SELECT id, time, topic, subject, message, attributes, deliveries FROM sns_messages "
        "ORDER BY seq DESC LIMIT ?",
        (limit,),
    )
    return [
        {
            "MessageId": r["id"],
            "Time": r["time"],
            "TopicArn": r["topic"],
            "Subject": r["subject"],
            "Message": r["message"],
            "MessageAttributes": json.loads(r["attributes"]),
            "Deliveries": json.loads(r["deliveries"]),
        }
        for r in rows
    ]
