"""Bucket notifications of the local S3: Amazon EventBridge delivery of "Object Created".

A bucket sends its events to EventBridge once its notification configuration holds
``EventBridgeConfiguration`` (PutBucketNotificationConfiguration; Amazon S3 User Guide,
"Enabling Amazon EventBridge", enable-event-notifications-eventbridge.html). Each new
object then puts an ``Object Created`` event on the default bus, shaped as the S3 User
Guide's "EventBridge event message structure" (ev-events.html): source ``aws.s3``, the
bucket ARN in ``resources``, and ``detail`` with bucket, object (key, size, etag,
sequencer), requester and ``reason`` (PutObject, CopyObject, CompleteMultipartUpload).

SNS / SQS / Lambda destinations are not served locally: configuring one fails clearly.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from glue_workflow.config import LOCAL_ACCOUNT_ID
from glue_workflow.local.dispatch import LocalServiceError
from glue_workflow.local.store import LocalHome, ThreadLocalConnections

SCHEMA = """
CREATE TABLE IF NOT EXISTS s3_notifications (bucket TEXT PRIMARY KEY, config TEXT NOT NULL);
"""
_UNSERVED = ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations")


class BucketNotifications:
    """Per-bucket notification configuration, and the events it sends."""

    def __init__(self, home: LocalHome) -> None:
        self.home = home
        self._db = ThreadLocalConnections(home.db_path, SCHEMA)

    def put(self, bucket: str, config: dict[str, Any]) -> dict[str, Any]:
        unserved = [key for key in _UNSERVED if config.get(key)]
        if unserved:
            raise LocalServiceError(
                "NotSupportedLocally",
                f"{', '.join(unserved)} are not supported by the glue-wf local target; "
                "EventBridgeConfiguration is (S3 events on the local EventBridge bus)",
                501,
            )
        self._db.get().execute(
            "INSERT OR REPLACE INTO s3_notifications VALUES (?, ?)", (bucket, json.dumps(config))
        )
        return {}

    def get(self, bucket: str) -> dict[str, Any]:
        row = (
            self._db.get()
            .execute("SELECT config FROM s3_notifications WHERE bucket = ?", (bucket,))
            .fetchone()
        )
        return {} if row is None else dict(json.loads(row["config"]))

    def forget(self, bucket: str) -> None:
        self._db.get().execute("DELETE FROM s3_notifications WHERE bucket = ?", (bucket,))

    def object_created(self, bucket: str, key: str, size: int, etag: str, reason: str) -> None:
        """Put the ``Object Created`` event when ``bucket`` sends events to EventBridge."""
        if "EventBridgeConfiguration" not in self.get(bucket):
            return
        from glue_workflow.local.events.service import EventsService

        detail = {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {
                "key": key,
                "size": size,
                "etag": etag.strip('"'),
                # orders events for one key: a monotonically increasing hex string
                "sequencer": f"{time.time_ns():016X}",
            },
            "request-id": uuid.uuid4().hex[:16].upper(),
            "requester": LOCAL_ACCOUNT_ID,
            "source-ip-address": "127.0.0.1",
            "reason": reason,
        }
        EventsService(self.home).publish(
            {
                "Source": "aws.s3",
                "DetailType": "Object Created",
                "Detail": json.dumps(detail),
                "Resources": [f"arn:aws:s3:::{bucket}"],
            }
        )
