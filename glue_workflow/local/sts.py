"""STS answered by the local target: who is calling (the one local account).

Clients ask this on start: the SageMaker Python SDK's ``Session.default_bucket()``
names its bucket ``sagemaker-<region>-<account>`` from ``GetCallerIdentity``.
"""

from __future__ import annotations

import os
from typing import Any

import botocore.session

from glue_workflow.config import DEFAULT_REGION, LOCAL_ACCOUNT_ID
from glue_workflow.local.dispatch import not_supported
from glue_workflow.local.store import LocalHome


def partition(region: str | None = None) -> str:
    """``aws``, ``aws-cn`` or ``aws-us-gov`` for ``region``, from botocore's partition data."""
    name = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return str(botocore.session.get_session().get_partition_for_region(name or DEFAULT_REGION))


class StsService:
    """The local STS (``LocalService`` for botocore's ``sts`` client)."""

    def __init__(self, home: LocalHome) -> None:
        self.home = home

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG002
        if operation != "GetCallerIdentity":
            raise not_supported("sts", operation)
        # The local target has one identity, the account's root. UserId is the
        # aws:userid of the caller, which for the root user is the account id (IAM User
        # Guide, policy variables, "Principal" table; GetCallerIdentity's UserId refers to
        # it: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
        return {
            "UserId": LOCAL_ACCOUNT_ID,
            "Account": LOCAL_ACCOUNT_ID,
            "Arn": f"arn:{partition()}:iam::{LOCAL_ACCOUNT_ID}:root",
        }
