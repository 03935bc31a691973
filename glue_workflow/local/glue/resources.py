"""Workflows, jobs, triggers, tags: create / get / update / delete / list, checked as Glue does."""

from __future__ import annotations

from typing import Any

from glue_workflow.cron import CronError, parse_schedule
from glue_workflow.glue_defaults import DEFAULT_TIMEOUT_MINUTES
from glue_workflow.local.glue.errors import (
    already_exists,
    entity_not_found,
    invalid_input,
    job_not_found,
    not_supported_feature,
)
from glue_workflow.local.glue.state import GlueState, now, to_datetime

TRIGGER_TYPES = ("SCHEDULED", "CONDITIONAL", "ON_DEMAND", "EVENT")
START_TYPES = ("SCHEDULED", "ON_DEMAND", "EVENT")
LISTENABLE_STATES = ("SUCCEEDED", "STOPPED", "FAILED", "TIMEOUT")
_TIMESTAMPS = ("CreatedOn", "LastModifiedOn")
_TABLES = {"workflow": "glue_workflows", "job": "glue_jobs", "trigger": "glue_triggers"}


def api_doc(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document with its timestamps as datetimes (what botocore would parse)."""
    out = dict(doc)
    for key in _TIMESTAMPS:
        if isinstance(out.get(key), int | float):
            out[key] = to_datetime(float(out[key]))
    return out


def page(
    items: list[Any], params: dict[str, Any], default_size: int = 100
) -> tuple[list[Any], str | None]:
    """Slice ``items`` by Glue's NextToken / MaxResults (the token is an offset)."""
    token = params.get("NextToken")
    try:
        start = int(token) if token else 0
    except ValueError as exc:
        raise invalid_input(f"invalid NextToken {token!r}") from exc
    size = int(params.get("MaxResults") or default_size)
    chunk = items[start : start + size]
    return chunk, (str(start + size) if start + size < len(items) else None)


class Resources:
    """Definition CRUD over ``GlueState``."""

    def __init__(self, state: GlueState) -> None:
        self.state = state

    # -- workflows -----------------------------------------------------------
    def workflow(self, name: str) -> dict[str, Any]:
        doc = self.state.get_doc("glue_workflows", name)
        if doc is None:
            raise entity_not_found(f"Workflow {name} not found")
        return doc

    def create_workflow(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["Name"])
        _check_max_runs(p.get("MaxConcurrentRuns"))
        with self.state.write() as conn:
            if self.state.get_doc("glue_workflows", name) is not None:
                raise already_exists(f"Workflow with name {name} already exists")
            ts = now()
            doc: dict[str, Any] = {
                "Name": name,
                "CreatedOn": ts,
                "LastModifiedOn": ts,
                "DefaultRunProperties": dict(p.get("DefaultRunProperties") or {}),
            }
            for key in ("Description", "MaxConcurrentRuns"):
                if p.get(key) is not None:
                    doc[key] = p[key]
            self.state.put_doc(conn, "glue_workflows", name, doc)
            self.state.set_tags(conn, _tag_key("workflow", name), dict(p.get("Tags") or {}))
        return {"Name": name}

    def update_workflow(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["Name"])
        _check_max_runs(p.get("MaxConcurrentRuns"))
        with self.state.write() as conn:
            doc = self.workflow(name)
            for key in ("Description", "DefaultRunProperties", "MaxConcurrentRuns"):
                if key in p:
                    doc[key] = p[key]
            doc["LastModifiedOn"] = now()
            self.state.put_doc(conn, "glue_workflows", name, doc)
        return {"Name": name}

    def delete_workflow(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["Name"])
        with self.state.write() as conn:
            self.state.delete_doc(conn, "glue_workflows", name)
            self.state.set_tags(conn, _tag_key("workflow", name), {})
            for trigger in self.state.triggers_of(name):
                self.state.delete_doc(conn, "glue_triggers", trigger["Name"])
                self.state.set_tags(conn, _tag_key("trigger", trigger["Name"]), {})
        return {"Name": name}

    def list_workflows(self, p: dict[str, Any]) -> dict[str, Any]:
        names = [d["Name"] for d in self.state.all_docs("glue_workflows")]
        chunk, token = page(names, p, 25)
        return {"Workflows": chunk, **({"NextToken": token} if token else {})}

    # -- jobs ----------------------------------------------------------------
    def job(self, name: str) -> dict[str, Any]:
        doc = self.state.get_doc("glue_jobs", name)
        if doc is None:
            raise entity_not_found(f"Job {name} not found")
        return doc

    def get_job(self, p: dict[str, Any]) -> dict[str, Any]:
        doc = self.state.get_doc("glue_jobs", str(p["JobName"]))
        if doc is None:
            raise job_not_found()  # GetJob's own answer names no job, as on AWS
        return {"Job": api_doc(doc)}

    def create_job(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["Name"])
        with self.state.write() as conn:
            if self.state.get_doc("glue_jobs", name) is not None:
                raise already_exists(f"Job with name {name} already exists")
            ts = now()
            doc = _job_doc(name, p, created=ts, modified=ts)
            self.state.put_doc(conn, "glue_jobs", name, doc)
            self.state.set_tags(conn, _tag_key("job", name), dict(p.get("Tags") or {}))
        return {"Name": name}

    def update_job(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["JobName"])
        with self.state.write() as conn:
            old = self.job(name)
            # UpdateJob replaces the whole definition: omitted fields return to defaults
            doc = _job_doc(name, dict(p["JobUpdate"]), created=old["CreatedOn"], modified=now())
            self.state.put_doc(conn, "glue_jobs", name, doc)
        return {"JobName": name}

    def delete_job(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["JobName"])
        with self.state.write() as conn:
            self.state.delete_doc(conn, "glue_jobs", name)
            self.state.set_tags(conn, _tag_key("job", name), {})
        # "If you delete a job, the job bookmark is deleted" (AWS doc "Tracking processed
        # data using job bookmarks")
        from glue_workflow.local.glue.bookmarks import bookmark_path

        bookmark_path(self.state.home.root, name).unlink(missing_ok=True)
        return {"JobName": name}

    def list_jobs(self, p: dict[str, Any]) -> dict[str, Any]:
        names = [d["Name"] for d in self._filter_tags("job", self.state.all_docs("glue_jobs"), p)]
        chunk, token = page(names, p, 25)
        return {"JobNames": chunk, **({"NextToken": token} if token else {})}

    def get_jobs(self, p: dict[str, Any]) -> dict[str, Any]:
        chunk, token = page(self.state.all_docs("glue_jobs"), p, 25)
        return {"Jobs": [api_doc(d) for d in chunk], **({"NextToken": token} if token else {})}

    def batch_get_jobs(self, p: dict[str, Any]) -> dict[str, Any]:
        found, missing = [], []
        for name in p["JobNames"]:
            doc = self.state.get_doc("glue_jobs", name)
            if doc is None:
                missing.append(name)
            else:
                found.append(api_doc(doc))
        return {"Jobs": found, "JobsNotFound": missing}

    # -- triggers ------------------------------------------------------------
    def trigger(self, name: str) -> dict[str, Any]:
        doc = self.state.get_doc("glue_triggers", name)
        if doc is None:
            raise entity_not_found(f"Trigger {name} not found")
        return doc

    def create_trigger(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["Name"])
        kind = str(p["Type"])
        if kind not in TRIGGER_TYPES:
            raise invalid_input(
                f"Trigger {name}: Type {kind!r} is not one of {', '.join(TRIGGER_TYPES)}"
            )
        if p.get("StartOnCreation") and kind == "ON_DEMAND":
            raise invalid_input(
                f"Trigger {name}: StartOnCreation is not supported for ON_DEMAND triggers"
            )
        with self.state.write() as conn:
            if self.state.get_doc("glue_triggers", name) is not None:
                raise already_exists(f"Trigger with name {name} already exists")
            doc: dict[str, Any] = {"Name": name, "Type": kind, "Id": name}
            workflow = p.get("WorkflowName")
            if workflow:
                self.workflow(str(workflow))
                doc["WorkflowName"] = workflow
                if kind in START_TYPES:
                    starts = [
                        t["Name"]
                        for t in self.state.triggers_of(str(workflow))
                        if t["Type"] in START_TYPES
                    ]
                    if starts:
                        raise invalid_input(
                            f"Trigger {name}: workflow {workflow} already has a start trigger "
                            f"({starts[0]}); a workflow has exactly one, delete it first"
                        )
            doc.update(self._checked_body(name, kind, p))
            # ON_DEMAND and EVENT triggers stay CREATED (runs.start_trigger)
            activated = kind not in ("ON_DEMAND", "EVENT") and bool(p.get("StartOnCreation"))
            doc["State"] = "ACTIVATED" if activated else "CREATED"
            self.state.put_doc(conn, "glue_triggers", name, doc)
            self.state.set_tags(conn, _tag_key("trigger", name), dict(p.get("Tags") or {}))
        return {"Name": name}

    def _checked_body(self, name: str, kind: str, p: dict[str, Any]) -> dict[str, Any]:
        """Validate and return Schedule / Predicate / Actions / Description / batching."""
        body: dict[str, Any] = {}
        if p.get("Description") is not None:
            body["Description"] = p["Description"]
        schedule = p.get("Schedule")
        if kind == "SCHEDULED":
            if not schedule:
                raise invalid_input(
                    f"Trigger {name}: Schedule cannot be null or empty for a SCHEDULED trigger"
                )
            try:
                parse_schedule(str(schedule))
            except CronError as exc:
                raise invalid_input(f"Trigger {name}: invalid Schedule: {exc}") from exc
            body["Schedule"] = schedule
        actions = list(p.get("Actions") or [])
        if not actions:
            raise invalid_input(f"Trigger {name}: Actions cannot be null or empty")
        for i, action in enumerate(actions):
            if action.get("CrawlerName"):
                raise not_supported_feature(f"Trigger {name}: crawler action Actions[{i}]")
            if not action.get("JobName"):
                raise invalid_input(f"Trigger {name}: Actions[{i}] needs a JobName")
            self.job(str(action["JobName"]))
        body["Actions"] = actions
        predicate = p.get("Predicate")
        if kind == "CONDITIONAL":
            body["Predicate"] = self._checked_predicate(name, predicate, actions)
        elif predicate:
            body["Predicate"] = predicate
        if p.get("EventBatchingCondition") is not None:
            body["EventBatchingCondition"] = p["EventBatchingCondition"]
        return body

    def _checked_predicate(self, name: str, predicate: Any, actions: list[Any]) -> dict[str, Any]:
        conditions = list((predicate or {}).get("Conditions") or [])
        if not predicate or not conditions:
            raise invalid_input("Predicate cannot be null or empty")
        logical = predicate.get("Logical")
        if logical is None and len(conditions) > 1:
            raise invalid_input(
                f"Trigger {name}: Predicate.Logical (AND or ANY) is required with "
                f"{len(conditions)} conditions"
            )
        if logical is not None and logical not in ("AND", "ANY"):
            raise invalid_input(f"Trigger {name}: Predicate.Logical {logical!r} must be AND or ANY")
        action_jobs = {a.get("JobName") for a in actions}
        for i, cond in enumerate(conditions):
            if cond.get("CrawlerName"):
                raise not_supported_feature(f"Trigger {name}: crawler condition Conditions[{i}]")
            if not cond.get("LogicalOperator"):
                raise invalid_input("Logical operator cannot be null or empty")
            if cond["LogicalOperator"] != "EQUALS":
                raise invalid_input(
                    f"Trigger {name}: Conditions[{i}].LogicalOperator must be EQUALS"
                )
            job = cond.get("JobName")
            if not job:
                raise invalid_input(f"Trigger {name}: Conditions[{i}] needs a JobName")
            self.job(str(job))
            if cond.get("State") not in LISTENABLE_STATES:
                raise invalid_input(
                    f"Trigger {name}: Conditions[{i}].State {cond.get('State')!r} cannot be "
                    f"watched; use one of {', '.join(LISTENABLE_STATES)}"
                )
            if job in action_jobs:
                raise invalid_input("Job cannot be a Predicate and Action for Conditional Trigger")
        return dict(predicate)

    def update_trigger(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["Name"])
        update = dict(p["TriggerUpdate"])
        with self.state.write() as conn:
            doc = self.trigger(name)
            merged = {**doc, **{k: v for k, v in update.items() if k != "Name"}}
            body = self._checked_body(name, doc["Type"], merged)
            doc.update(body)
            self.state.put_doc(conn, "glue_triggers", name, doc)
        return {"Trigger": doc}

    def delete_trigger(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["Name"])
        with self.state.write() as conn:
            self.state.delete_doc(conn, "glue_triggers", name)
            self.state.set_tags(conn, _tag_key("trigger", name), {})
        return {"Name": name}

    def set_trigger_state(self, name: str, state: str) -> dict[str, Any]:
        with self.state.write() as conn:
            doc = self.trigger(name)
            doc["State"] = state
            self.state.put_doc(conn, "glue_triggers", name, doc)
        return doc

    def _dependent(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        docs = self._filter_tags("trigger", self.state.all_docs("glue_triggers"), p)
        job = p.get("DependentJobName")
        if job:
            docs = [d for d in docs if any(a.get("JobName") == job for a in d.get("Actions", []))]
        return docs

    def list_triggers(self, p: dict[str, Any]) -> dict[str, Any]:
        chunk, token = page([d["Name"] for d in self._dependent(p)], p)
        return {"TriggerNames": chunk, **({"NextToken": token} if token else {})}

    def get_triggers(self, p: dict[str, Any]) -> dict[str, Any]:
        chunk, token = page(self._dependent(p), p)
        return {"Triggers": chunk, **({"NextToken": token} if token else {})}

    def batch_get_triggers(self, p: dict[str, Any]) -> dict[str, Any]:
        found, missing = [], []
        for name in p["TriggerNames"]:
            doc = self.state.get_doc("glue_triggers", name)
            if doc is None:
                missing.append(name)
            else:
                found.append(doc)
        return {"Triggers": found, "TriggersNotFound": missing}

    # -- tags ----------------------------------------------------------------
    def _resource(self, arn: str) -> str:
        kind, _, name = arn.rpartition(":")[2].partition("/")
        table = _TABLES.get(kind)
        if not arn.startswith("arn:") or table is None or not name:
            raise invalid_input(
                f"ResourceArn {arn!r}: expected arn:aws:glue:<region>:<account>:"
                "(workflow|job|trigger)/<name>"
            )
        if self.state.get_doc(table, name) is None:
            raise entity_not_found(f"{kind.capitalize()} {name} not found ({arn})")
        return _tag_key(kind, name)

    def get_tags(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"Tags": self.state.get_tags(self._resource(str(p["ResourceArn"])))}

    def tag_resource(self, p: dict[str, Any]) -> dict[str, Any]:
        key = self._resource(str(p["ResourceArn"]))
        with self.state.write() as conn:
            self.state.set_tags(conn, key, {**self.state.get_tags(key), **p["TagsToAdd"]})
        return {}

    def untag_resource(self, p: dict[str, Any]) -> dict[str, Any]:
        key = self._resource(str(p["ResourceArn"]))
        with self.state.write() as conn:
            tags = {k: v for k, v in self.state.get_tags(key).items() if k not in p["TagsToRemove"]}
            self.state.set_tags(conn, key, tags)
        return {}

    def _filter_tags(
        self, kind: str, docs: list[dict[str, Any]], p: dict[str, Any]
    ) -> list[dict[str, Any]]:
        wanted = p.get("Tags") or {}
        if not wanted:
            return docs
        return [
            d
            for d in docs
            if all(
                self.state.get_tags(_tag_key(kind, d["Name"])).get(k) == v
                for k, v in wanted.items()
            )
        ]


def _tag_key(kind: str, name: str) -> str:
    # keyed by kind and name, not the full ARN: region and account are the caller's choice
    return f"{kind}/{name}"


def _check_max_runs(value: Any) -> None:
    if value is not None and int(value) < 0:
        raise invalid_input(f"MaxConcurrentRuns {value} must be >= 0")


def _job_doc(name: str, p: dict[str, Any], *, created: float, modified: float) -> dict[str, Any]:
    command = dict(p.get("Command") or {})
    if not command.get("ScriptLocation"):
        raise invalid_input(f"Job {name}: Command.ScriptLocation is required")
    if not p.get("Role"):
        raise invalid_input(f"Job {name}: Role is required")
    doc = {k: v for k, v in p.items() if k not in ("Tags", "Name", "JobName")}
    doc.update(Name=name, CreatedOn=created, LastModifiedOn=modified, Command=command)
    doc.setdefault("ExecutionProperty", {"MaxConcurrentRuns": 1})
    doc["ExecutionProperty"].setdefault("MaxConcurrentRuns", 1)
    doc.setdefault("MaxRetries", 0)
    doc.setdefault("Timeout", DEFAULT_TIMEOUT_MINUTES)
    if command.get("Name") == "pythonshell":
        doc.setdefault("MaxCapacity", 0.0625)
    return doc
