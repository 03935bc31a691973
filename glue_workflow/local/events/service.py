"""Amazon EventBridge answered by the local target: the default bus, rules, targets, events.

Rules match events with EventBridge's pattern rules (``glue_workflow.eventpattern``);
a matching enabled rule delivers the event to each of its targets. Targets the local
target can reach: Glue workflows (``arn:...:glue:<region>:<account>:workflow/<name>``,
delivered to the workflow's EVENT trigger as Glue receives them, see
``local.glue.eventstart``). Events for other targets are logged as not delivered, with
the reason. Only the ``default`` bus exists. Every call also closes expired batch windows.

Error codes and messages: Amazon EventBridge API Reference (PutRule, DeleteRule,
PutTargets, PutEvents "Errors" sections), with messages as AWS sends them (quoted by
users of the real service in getmoto/moto#5056, hashicorp/terraform-provider-aws#18519,
turbot/steampipe-plugin-aws#1591, and LocalStack's events provider for PutEvents entries).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from glue_workflow.config import DEFAULT_REGION, LOCAL_ACCOUNT_ID
from glue_workflow.eventpattern import PatternError, matches, parse_pattern
from glue_workflow.local.dispatch import LocalServiceError, not_supported
from glue_workflow.local.events.store import EventsState
from glue_workflow.local.glue.state import now
from glue_workflow.local.store import LocalHome
from glue_workflow.local.sts import partition

BUS = "default"
MAX_TARGETS = 5  # targets per rule (EventBridge quotas, "Targets per rule": 5)
MAX_ENTRIES_BYTES = 256 * 1024  # PutEvents: total entry size (PutEvents, "Entries")
_GLUE_WORKFLOW = re.compile(r"^arn:[\w-]+:glue:[\w-]+:\d{12}:workflow/(?P<name>.+)$")
Handler = Callable[[dict[str, Any]], dict[str, Any]]


def _error(code: str, message: str, status: int = 400) -> LocalServiceError:
    return LocalServiceError(code, message, status)


def _no_rule(name: str) -> LocalServiceError:
    return _error("ResourceNotFoundException", f"Rule {name} does not exist on EventBus {BUS}.")


def _region() -> str:
    import os

    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def rule_arn(name: str) -> str:
    region = _region()
    return f"arn:{partition(region)}:events:{region}:{LOCAL_ACCOUNT_ID}:rule/{name}"


class EventsService:
    """The local EventBridge (``LocalService`` for botocore's ``eventbridge`` client)."""

    def __init__(self, home: LocalHome) -> None:
        self.home = home
        self.state = EventsState(home)
        self._glue: Any = None
        self._ops: dict[str, Handler] = {
            "PutRule": self.put_rule,
            "DescribeRule": lambda p: self._rule(str(p["Name"]), p),
            "DeleteRule": self.delete_rule,
            "ListRules": self.list_rules,
            "EnableRule": lambda p: self._set_state(p, "ENABLED"),
            "DisableRule": lambda p: self._set_state(p, "DISABLED"),
            "PutTargets": self.put_targets,
            "RemoveTargets": self.remove_targets,
            "ListTargetsByRule": self.list_targets_by_rule,
            "ListTagsForResource": self.list_tags,
            "TagResource": self.tag_resource,
            "UntagResource": self.untag_resource,
            "PutEvents": self.put_events,
        }

    @property
    def glue(self) -> Any:
        if self._glue is None:
            from glue_workflow.local.glue.service import GlueService

            self._glue = GlueService(self.home)
        return self._glue

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        op = self._ops.get(operation)
        if op is None:
            raise not_supported("events", operation)
        self.glue.events.flush_due()
        return op(params)

    # -- rules -------------------------------------------------------------------------
    @staticmethod
    def _check_bus(p: dict[str, Any]) -> None:
        bus = str(p.get("EventBusName") or BUS)
        if bus not in (BUS, rule_arn(BUS).replace(":rule/", ":event-bus/")):
            raise _error("ResourceNotFoundException", f"Event bus {bus} does not exist.")

    def _rule(self, name: str, p: dict[str, Any]) -> dict[str, Any]:
        self._check_bus(p)
        rule = self.state.rule(name)
        if rule is None:
            raise _no_rule(name)
        return {k: v for k, v in rule.items() if k != "Tags"}

    def put_rule(self, p: dict[str, Any]) -> dict[str, Any]:
        self._check_bus(p)
        name = str(p["Name"])
        if p.get("ScheduleExpression"):
            raise _error(
                "NotSupportedLocally",
                "scheduled EventBridge rules are not supported by the glue-wf local target: "
                "start a workflow on a schedule with Scheduled(cron=...)",
                501,
            )
        if not p.get("EventPattern"):
            raise _error(
                "ValidationException",
                "Parameter(s) EventPattern or ScheduleExpression must be specified.",
            )
        try:
            parse_pattern(str(p["EventPattern"]))
        except PatternError as exc:
            raise _error(
                "InvalidEventPatternException", f"Event pattern is not valid. Reason: {exc}"
            ) from exc
        current = self.state.rule(name)
        doc = {
            "Name": name,
            "Arn": rule_arn(name),
            "EventPattern": str(p["EventPattern"]),
            "State": str(p.get("State") or "ENABLED"),
            "EventBusName": BUS,
            "CreatedBy": LOCAL_ACCOUNT_ID,
            # PutRule on an existing rule leaves its tags unchanged (PutRule, "Tags")
            "Tags": current["Tags"] if current else list(p.get("Tags") or []),
        }
        for key in ("Description", "RoleArn"):
            if p.get(key):
                doc[key] = p[key]
        with self.state.write() as conn:
            self.state.put_rule(conn, doc)
        return {"RuleArn": doc["Arn"]}

    def delete_rule(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["Name"])
        self._rule(name, p)
        if self.state.targets(name):
            raise _error("ValidationException", "Rule can't be deleted since it has targets.")
        with self.state.write() as conn:
            conn.execute("DELETE FROM events_rules WHERE name = ?", (name,))
        return {}

    def list_rules(self, p: dict[str, Any]) -> dict[str, Any]:
        self._check_bus(p)
        prefix = str(p.get("NamePrefix") or "")
        rules = [
            {k: v for k, v in r.items() if k != "Tags"}
            for r in self.state.rules()
            if r["Name"].startswith(prefix)
        ]
        start = int(p.get("NextToken") or 0)
        limit = int(p.get("Limit") or 100)
        out: dict[str, Any] = {"Rules": rules[start : start + limit]}
        if start + limit < len(rules):
            out["NextToken"] = str(start + limit)
        return out

    def _set_state(self, p: dict[str, Any], state: str) -> dict[str, Any]:
        rule = self._rule(str(p["Name"]), p)
        rule["State"] = state
        rule["Tags"] = (self.state.rule(rule["Name"]) or {}).get("Tags", [])
        with self.state.write() as conn:
            self.state.put_rule(conn, rule)
        return {}

    # -- targets -----------------------------------------------------------------------
    def put_targets(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["Rule"])
        self._rule(name, p)
        current = {t["Id"] for t in self.state.targets(name)}
        wanted = {str(t["Id"]) for t in p["Targets"]}
        if len(current | wanted) > MAX_TARGETS:
            raise _error(
                "LimitExceededException",
                "The requested resource exceeds the maximum number allowed.",
            )
        with self.state.write() as conn:
            for target in p["Targets"]:
                conn.execute(
                    "INSERT OR REPLACE INTO events_targets VALUES (?, ?, ?)",
                    (name, str(target["Id"]), json.dumps(target)),
                )
        return {"FailedEntryCount": 0, "FailedEntries": []}

    def remove_targets(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["Rule"])
        self._rule(name, p)
        with self.state.write() as conn:
            conn.executemany(
                "DELETE FROM events_targets WHERE rule = ? AND id = ?",
                [(name, str(i)) for i in p["Ids"]],
            )
        return {"FailedEntryCount": 0, "FailedEntries": []}

    def list_targets_by_rule(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["Rule"])
        self._rule(name, p)
        return {"Targets": self.state.targets(name)}

    # -- tags --------------------------------------------------------------------------
    def _tagged(self, arn: str) -> dict[str, Any]:
        name = arn.rpartition(":rule/")[2]
        rule = self.state.rule(name) if ":rule/" in arn else None
        if rule is None or rule["Arn"] != arn:
            raise _no_rule(name or arn)
        return rule

    def list_tags(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"Tags": list(self._tagged(str(p["ResourceARN"])).get("Tags") or [])}

    def tag_resource(self, p: dict[str, Any]) -> dict[str, Any]:
        rule = self._tagged(str(p["ResourceARN"]))
        tags = {t["Key"]: t["Value"] for t in rule.get("Tags") or []}
        tags.update({t["Key"]: t["Value"] for t in p["Tags"]})
        rule["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
        with self.state.write() as conn:
            self.state.put_rule(conn, rule)
        return {}

    def untag_resource(self, p: dict[str, Any]) -> dict[str, Any]:
        rule = self._tagged(str(p["ResourceARN"]))
        drop = set(p["TagKeys"])
        rule["Tags"] = [t for t in rule.get("Tags") or [] if t["Key"] not in drop]
        with self.state.write() as conn:
            self.state.put_rule(conn, rule)
        return {}

    # -- events ------------------------------------------------------------------------
    def put_events(self, p: dict[str, Any]) -> dict[str, Any]:
        entries = list(p["Entries"])
        size = sum(len(json.dumps(e, default=str)) for e in entries)
        if size > MAX_ENTRIES_BYTES:
            raise _error(
                "ValidationException", "Total size of the entries in the request is over the limit."
            )
        results: list[dict[str, Any]] = []
        for entry in entries:
            problem = _entry_problem(entry)
            if problem is not None:
                results.append(problem)
                continue
            if entry.get("EventBusName") not in (None, "", BUS):
                self._check_bus({"EventBusName": entry["EventBusName"]})
            results.append({"EventId": self.publish(entry)})
        failed = sum(1 for r in results if "ErrorCode" in r)
        return {"FailedEntryCount": failed, "Entries": results}

    def publish(self, entry: dict[str, Any]) -> str:
        """Put one valid entry on the bus: match rules, deliver, log. Returns its id."""
        event_id = str(uuid.uuid4())
        ts = now()
        when = entry.get("Time") or datetime.fromtimestamp(ts, UTC)
        event = {
            "version": "0",
            "id": event_id,
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": LOCAL_ACCOUNT_ID,
            "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": _region(),
            "resources": list(entry.get("Resources") or []),
            "detail": json.loads(entry["Detail"]),
        }
        deliveries: list[dict[str, Any]] = []
        for rule in self.state.rules():
            if rule.get("State") != "ENABLED":
                continue
            if not matches(json.loads(rule["EventPattern"]), event):
                continue
            for target in self.state.targets(rule["Name"]):
                deliveries.append(self._deliver(rule["Name"], target, event_id))
        self.state.log(event_id, ts, event, deliveries)
        return event_id

    def _deliver(self, rule: str, target: dict[str, Any], event_id: str) -> dict[str, Any]:
        arn = str(target["Arn"])
        found = _GLUE_WORKFLOW.match(arn)
        result: dict[str, Any] = {"rule": rule, "target": arn}
        if found is None:
            result["error"] = "the local target delivers events to Glue workflows only"
            return result
        try:
            result["runs"] = self.glue.events.notify(found["name"], event_id)
        except LocalServiceError as exc:
            result["error"] = f"{exc.code}: {exc.message}"
        return result


def _entry_problem(entry: dict[str, Any]) -> dict[str, Any] | None:
    for field in ("Source", "DetailType", "Detail"):
        if not entry.get(field):
            return {
                "ErrorCode": "InvalidArgument",
                "ErrorMessage": f"Parameter {field} is not valid. Reason: {field} is a "
                "required argument.",
            }
    try:
        detail = json.loads(str(entry["Detail"]))
    except ValueError:
        detail = None
    if not isinstance(detail, dict):
        return {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    if str(entry["Source"]).startswith("aws."):
        # AWS services' own sources: refused per entry (EventBridge's answer to
        # `aws events put-events` with Source "aws.<service>", in public transcripts)
        return {
            "ErrorCode": "NotAuthorizedForSourceException",
            "ErrorMessage": "Not authorized for the source.",
        }
    return None
