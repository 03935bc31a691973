"""A narrow CloudFormation facade: typed stack views, retries, error text.

Throttling is retried by glue-wf's one policy (``glue_workflow.aws.retry``,
``THROTTLING_ONLY``); every other AWS error is translated into an ``InfraError`` that
names the stack and the failing call.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from glue_workflow.aws.errors import error_code, error_message, operation_name, translate_botocore
from glue_workflow.aws.paginate import pages
from glue_workflow.aws.retry import THROTTLING_ONLY, RetryPolicy, retrying
from glue_workflow.errors import InfraError


@dataclass(frozen=True, kw_only=True)
class StackInfo:
    """What glue-wf needs to know about a stack."""

    stack_id: str
    name: str
    status: str
    status_reason: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)

    @property
    def in_progress(self) -> bool:
        return self.status.endswith("_IN_PROGRESS")


@dataclass(frozen=True, kw_only=True)
class StackEvent:
    """One entry of the stack's event log."""

    event_id: str
    timestamp: datetime
    logical_id: str
    resource_type: str
    status: str
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.status.endswith("_FAILED")

    def line(self) -> str:
        when = self.timestamp.strftime("%H:%M:%S")
        text = f"{when}  {self.status:<28} {self.logical_id} ({self.resource_type})"
        return f"{text}: {self.reason}" if self.reason else text


def is_missing_stack(exc: ClientError) -> bool:
    """DescribeStacks' answer for a stack that does not exist (a ValidationError)."""
    return error_code(exc) == "ValidationError" and "does not exist" in error_message(exc)


class CloudFormation:
    """The CloudFormation calls glue-wf makes, with retries and error translation."""

    def __init__(self, client: Any, *, policy: RetryPolicy = THROTTLING_ONLY) -> None:
        self._client = client
        self._policy = policy

    @property
    def region(self) -> str:
        return str(self._client.meta.region_name)

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Call ``operation`` (snake_case) under the retry policy; AWS errors propagate."""
        method = getattr(self._client, operation)
        try:
            response: dict[str, Any] = retrying(lambda: method(**params), policy=self._policy)
        except BotoCoreError as exc:  # no credentials, endpoint unreachable, bad region, ...
            name = operation_name(self._client, operation)
            raise translate_botocore(exc, name, base=InfraError) from exc
        return response

    def fail(self, what: str, exc: ClientError) -> InfraError:
        return InfraError(f"{what} failed ({error_code(exc)}): {error_message(exc)}")

    # -- stacks ---------------------------------------------------------------

    def describe(self, stack: str) -> StackInfo | None:
        """The stack named (or with the ID) ``stack``, or None when it does not exist."""
        try:
            response = self.call("describe_stacks", StackName=stack)
        except ClientError as exc:
            if is_missing_stack(exc):
                return None
            raise self.fail(f"describing stack {stack!r}", exc) from exc
        stacks = response.get("Stacks", [])
        if not stacks:
            return None
        return _stack_info(stacks[0])

    def events(self, stack_id: str, *, since: datetime | None = None) -> list[StackEvent]:
        """The stack's events, oldest first, stopping at ``since`` (inclusive)."""
        found: list[StackEvent] = []
        for page in self._pages("describe_stack_events", StackName=stack_id):
            for raw in page.get("StackEvents", []):
                event = _stack_event(raw)
                if since is not None and event.timestamp < since:
                    return list(reversed(found))
                found.append(event)
        return list(reversed(found))

    def latest_event(self, stack_id: str) -> StackEvent | None:
        """The newest event (first page only): the baseline before an operation."""
        for page in self._pages("describe_stack_events", StackName=stack_id):
            events = page.get("StackEvents", [])
            return _stack_event(events[0]) if events else None
        return None  # pragma: no cover - _pages yields at least one page

    def resources(self, stack_id: str) -> dict[str, str]:
        """Logical ID → physical ID of the stack's resources."""
        resources: dict[str, str] = {}
        for page in self._pages("list_stack_resources", StackName=stack_id):
            for item in page.get("StackResourceSummaries", []):
                if item.get("LogicalResourceId"):
                    resources[item["LogicalResourceId"]] = item.get("PhysicalResourceId", "")
        return resources

    def delete_stack(self, stack_id: str) -> None:
        try:
            self.call("delete_stack", StackName=stack_id)
        except ClientError as exc:
            raise self.fail(f"deleting stack {stack_id!r}", exc) from exc

    # -- change sets ----------------------------------------------------------

    def create_change_set(self, **params: Any) -> dict[str, Any]:
        return self.call("create_change_set", **params)

    def describe_change_set(self, change_set_id: str) -> dict[str, Any]:
        """The change set with every page of its ``Changes`` joined."""
        merged: dict[str, Any] = {}
        changes: list[dict[str, Any]] = []
        for page in self._pages("describe_change_set", ChangeSetName=change_set_id):
            merged = page
            changes.extend(page.get("Changes", []))
        merged = dict(merged)
        merged["Changes"] = changes
        return merged

    def execute_change_set(self, change_set_id: str) -> None:
        try:
            self.call("execute_change_set", ChangeSetName=change_set_id)
        except ClientError as exc:
            raise self.fail("executing the change set", exc) from exc

    def delete_change_set(self, change_set_id: str) -> None:
        try:
            self.call("delete_change_set", ChangeSetName=change_set_id)
        except ClientError as exc:
            if error_code(exc) != "ChangeSetNotFound":
                raise self.fail("deleting the change set", exc) from exc

    def _pages(self, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
        return pages(self._client, operation, policy=self._policy, base=InfraError, **params)


def _stack_info(raw: dict[str, Any]) -> StackInfo:
    return StackInfo(
        stack_id=str(raw["StackId"]),
        name=str(raw["StackName"]),
        status=str(raw["StackStatus"]),
        status_reason=str(raw.get("StackStatusReason") or ""),
        outputs={
            str(o["OutputKey"]): str(o.get("OutputValue", "")) for o in raw.get("Outputs") or []
        },
        parameters={
            str(p["ParameterKey"]): str(p.get("ParameterValue", ""))
            for p in raw.get("Parameters") or []
        },
    )


def _stack_event(raw: dict[str, Any]) -> StackEvent:
    return StackEvent(
        event_id=str(raw.get("EventId", "")),
        timestamp=raw["Timestamp"],
        logical_id=str(raw.get("LogicalResourceId", "")),
        resource_type=str(raw.get("ResourceType", "")),
        status=str(raw.get("ResourceStatus", "")),
        reason=str(raw.get("ResourceStatusReason") or ""),
    )
