"""The EventBridge rule that starts an event-started workflow: read, plan, apply.

AWS Glue Developer Guide, "Starting an AWS Glue workflow with an Amazon EventBridge
event": the workflow's EVENT trigger consumes events that a rule on the default bus
sends to the workflow's ARN, with a role EventBridge assumes (``glue:notifyEvent``).

The rule has a deterministic name (``naming.event_rule_name``) and carries the owner
tag: deploy reads that one name, creates / updates / deletes it only when owned, and
orders it around the triggers: a new rule after the EVENT trigger is active, a removed
rule before the triggers go (events stop first). ``PutRule`` is an upsert; targets
are replaced with ``PutTargets`` and stale ids removed with ``RemoveTargets``;
``DeleteRule`` needs the targets removed first ("Rule can't be deleted since it has
targets.").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from glue_workflow import naming
from glue_workflow.aws.errors import ResourceNotFound
from glue_workflow.aws.paginate import items
from glue_workflow.aws.retry import RetryPolicy, request
from glue_workflow.document import OWNER_TAG, WorkflowDocument
from glue_workflow.errors import DeployError

RULE_FIELDS = ("EventPattern", "State", "Description")
# The per-entry error code worth sending again (EventBridge API Reference,
# PutTargetsResultEntry: "If the value is ConcurrentModificationException, too many
# requests were made at the same time").
RETRIED_ENTRY_CODES = frozenset({"ConcurrentModificationException"})


@dataclass(frozen=True, kw_only=True)
class EventsDeployApi:
    """Rule and target CRUD on one EventBridge client."""

    client: Any = field(repr=False)
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        return request(self.client, operation, policy=self.policy, **params)

    def read(self, name: str) -> dict[str, Any] | None:
        """``{"Rule", "Targets", "Tags"}`` of rule ``name``, or None when it does not exist."""
        try:
            rule = self._call("DescribeRule", Name=name)
        except ResourceNotFound:
            return None
        rule = {k: v for k, v in rule.items() if k != "ResponseMetadata"}
        targets = items(self.client, "ListTargetsByRule", "Targets", policy=self.policy, Rule=name)
        tags = self._call("ListTagsForResource", ResourceARN=rule["Arn"])
        return {
            "Rule": rule,
            "Targets": targets,
            "Tags": {t["Key"]: t["Value"] for t in tags.get("Tags") or []},
        }

    def _entries(self, operation: str, rule: str, key: str, entries: list[Any]) -> None:
        """PutTargets / RemoveTargets, which answer 200 and fail per target: each failed
        entry is in FailedEntries (EventBridge API Reference, "PutTargets": "This action
        can partially fail"). A ConcurrentModificationException entry is sent again under
        the retry policy; any other fails the deploy by name."""
        for attempt in range(1, self.policy.max_attempts + 1):
            answer = self._call(operation, Rule=rule, **{key: entries})
            failed = answer.get("FailedEntries") or []
            if not answer.get("FailedEntryCount") and not failed:
                return
            ids = {f.get("TargetId") for f in failed}
            codes = {f.get("ErrorCode") for f in failed}
            if codes <= RETRIED_ENTRY_CODES and attempt < self.policy.max_attempts:
                self.policy.sleep(self.policy.delay(attempt))
                entries = [e for e in entries if (e["Id"] if key == "Targets" else e) in ids]
                continue
            detail = "; ".join(
                f"target {f.get('TargetId')}: {f.get('ErrorCode')}: {f.get('ErrorMessage')}"
                for f in failed
            )
            raise DeployError(
                f"events:{operation} on rule {rule} failed for {len(failed) or 'some'} "
                f"target(s) ({detail}): events would not start the workflow; fix the cause "
                "and rerun glue-wf deploy"
            )

    def put(self, desired: Mapping[str, Any], current: Mapping[str, Any] | None) -> None:
        rule = desired["Rule"]["Name"]
        self._call("PutRule", **desired["Rule"])
        self._entries("PutTargets", rule, "Targets", list(desired["Targets"]))
        wanted = {t["Id"] for t in desired["Targets"]}
        stale = sorted({t["Id"] for t in (current or {}).get("Targets") or []} - wanted)
        if stale:
            self._entries("RemoveTargets", rule, "Ids", stale)

    def tag(self, arn: str, add: Mapping[str, str], remove: Iterable[str]) -> None:
        """EventBridge TagResource / UntagResource (PutRule sets tags only on create)."""
        if add:
            tags = [{"Key": k, "Value": v} for k, v in sorted(add.items())]
            self._call("TagResource", ResourceARN=arn, Tags=tags)
        keys = list(remove)
        if keys:
            self._call("UntagResource", ResourceARN=arn, TagKeys=keys)

    def delete(self, name: str) -> None:
        current = self.read(name)
        if current is None:
            return
        ids = [t["Id"] for t in current["Targets"]]
        if ids:
            self._entries("RemoveTargets", name, "Ids", ids)
        self._call("DeleteRule", Name=name)


def read_event_rule(api: EventsDeployApi | None, workflow: str) -> dict[str, Any] | None:
    """The workflow's rule as the target holds it (None: absent or no EventBridge)."""
    return None if api is None else api.read(naming.event_rule_name(workflow))


def is_owned(current: Mapping[str, Any] | None, workflow: str) -> bool:
    return current is not None and current.get("Tags", {}).get(OWNER_TAG) == workflow


def rule_changes(desired: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """Field-level changes from ``current`` to ``desired`` (patterns compared as JSON)."""
    diff: dict[str, Any] = {}
    for key in RULE_FIELDS:
        want, have = desired["Rule"].get(key), current["Rule"].get(key)
        if key == "EventPattern" and want and have and json.loads(want) == json.loads(have):
            continue
        if want != have:
            diff[key] = {"From": have, "To": want}
    want_targets = sorted(desired["Targets"], key=lambda t: t["Id"])
    have_targets = sorted(
        ({k: t.get(k) for k in ("Id", "Arn", "RoleArn") if t.get(k)} for t in current["Targets"]),
        key=lambda t: str(t["Id"]),
    )
    if want_targets != have_targets:
        diff["Targets"] = {"From": have_targets, "To": want_targets}
    return diff


def desired_rule(document: WorkflowDocument) -> dict[str, Any] | None:
    return document.event_rules[0] if document.event_rules else None
