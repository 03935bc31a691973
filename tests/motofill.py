"""Per-operation before-call handlers that make moto 5.2.5 behave like AWS for deploy.

moto lacks ``UpdateJob`` and ``UpdateTrigger`` and silently overwrites on duplicate
``Create*`` (see ../shared/reference/aws-test-doubles.md §2-§3). These handlers fill
exactly those gaps through moto's public API (delete + create keeping the tags, or an
``AlreadyExistsException``); every other call goes to moto untouched. They also
count calls by operation and can inject a fault at the k-th mutating call.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
READ_PREFIXES = ("Get", "List", "BatchGet", "Head", "Describe")
_PARAMS = "motofill_params"


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


def _error(code: str, message: str, status: int = 400) -> tuple[AWSResponse, dict[str, Any]]:
    headers = {"x-amzn-errortype": code}
    parsed = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers},
    }
    return AWSResponse("https://glue.motofill/", status, headers, None), parsed


def _ok(body: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    body["ResponseMetadata"] = {"HTTPStatusCode": 200, "HTTPHeaders": {}}
    return AWSResponse("https://glue.motofill/", 200, {}, None), body


@dataclass
class MotoGlue:
    """Hooks for one boto3 session (install before its clients are created)."""

    region: str = "us-east-1"
    calls: Counter[str] = field(default_factory=Counter)
    sequence: list[str] = field(default_factory=list)
    fail_at: int | None = None  # 1-based index among mutating calls
    fail_after_call: bool = False  # the call succeeds, then the caller sees an error
    mutations: int = 0
    forbidden: set[str] = field(default_factory=set)

    _session: Any = None

    def session(self) -> boto3.Session:
        """The session carrying the hooks; reused, so service models load once."""
        if self._session is None:
            self._session = boto3.Session(region_name=self.region)
            events = self._session.events
            events.register_last("before-parameter-build", self._stash)
            events.register("before-call", self._before)
            events.register("after-call", self._after)
        return self._session

    _raw: Any = None

    @property
    def raw(self) -> Any:
        """A plain client (no hooks) straight to moto."""
        if self._raw is None:
            self._raw = boto3.client("glue", region_name=self.region)
        return self._raw

    # -- event handlers ------------------------------------------------------------------

    def _stash(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS] = params

    def _key(self, model: Any) -> str:
        return f"{model.service_model.service_id.hyphenize()}:{model.name}"

    def _before(self, model: Any, context: dict[str, Any], **_: Any) -> Any:
        key = self._key(model)
        self.calls[key] += 1
        self.sequence.append(key)
        params = context.get(_PARAMS) or {}
        if key in self.forbidden or (
            key == "glue:StartTrigger" and self._trigger_type(params["Name"]) == "ON_DEMAND"
        ):
            raise AssertionError(f"{key} must never be called here ({params})")
        if not is_read(model.name):
            self.mutations += 1
            if self.fail_at == self.mutations and not self.fail_after_call:
                return _error("InjectedFault", f"injected fault at mutating call {self.mutations}")
        if key.startswith("glue:"):
            fill = getattr(self, f"_fill_{model.name}", None)
            if fill is not None:
                return fill(params)
        return None

    def _after(self, model: Any, **_: Any) -> None:
        if (
            self.fail_after_call
            and not is_read(model.name)
            and self.fail_at == self.mutations
            and self.sequence[-1] == self._key(model)
        ):
            self.fail_at = None  # once
            raise ClientError(
                {"Error": {"Code": "InjectedFault", "Message": "response lost after the call"}},
                model.name,
            )

    # -- gap fillers -----------------------------------------------------------------------

    def _trigger_type(self, name: str) -> str | None:
        try:
            return str(self.raw.get_trigger(Name=name)["Trigger"]["Type"])
        except ClientError:
            return None

    def _exists(self, getter: str, **params: Any) -> bool:
        try:
            getattr(self.raw, getter)(**params)
        except ClientError:
            return False
        return True

    def _fill_CreateJob(self, params: dict[str, Any]) -> Any:
        if self._exists("get_job", JobName=params["Name"]):
            return _error("AlreadyExistsException", f"Job {params['Name']} already exists.")
        return None

    def _fill_CreateTrigger(self, params: dict[str, Any]) -> Any:
        if self._exists("get_trigger", Name=params["Name"]):
            return _error("AlreadyExistsException", f"Trigger {params['Name']} already exists.")
        return None

    def _fill_CreateWorkflow(self, params: dict[str, Any]) -> Any:
        if self._exists("get_workflow", Name=params["Name"]):
            return _error("AlreadyExistsException", f"Workflow {params['Name']} already exists.")
        return None

    def _arn(self, kind: str, name: str) -> str:
        return f"arn:aws:glue:{self.region}:{ACCOUNT}:{kind}/{name}"

    def _fill_UpdateJob(self, params: dict[str, Any]) -> Any:
        # AWS: the previous definition is completely overwritten; tags stay.
        name = params["JobName"]
        raw = self.raw
        if not self._exists("get_job", JobName=name):
            return _error("EntityNotFoundException", f"Job {name} not found")
        tags = raw.get_tags(ResourceArn=self._arn("job", name))["Tags"]
        raw.delete_job(JobName=name)
        raw.create_job(Name=name, Tags=tags, **json.loads(json.dumps(params["JobUpdate"])))
        return _ok({"JobName": name})

    def _fill_UpdateTrigger(self, params: dict[str, Any]) -> Any:
        # AWS keeps Type, WorkflowName, tags and (per glue-semantics §15 #7, unknown)
        # the activation state; deploy reconciles the state after updates anyway.
        name = params["Name"]
        raw = self.raw
        try:
            old = raw.get_trigger(Name=name)["Trigger"]
        except ClientError:
            return _error("EntityNotFoundException", f"Trigger {name} not found")
        tags = raw.get_tags(ResourceArn=self._arn("trigger", name))["Tags"]
        new = {k: v for k, v in old.items() if k in ("Type", "WorkflowName", "Description",
                                                      "Schedule", "Actions", "Predicate",
                                                      "EventBatchingCondition")}  # fmt: skip
        new.update({k: v for k, v in params["TriggerUpdate"].items() if k != "Name"})
        raw.delete_trigger(Name=name)
        raw.create_trigger(Name=name, Tags=tags, **new)
        if old.get("State") == "ACTIVATED":
            raw.start_trigger(Name=name)
        return _ok({"Trigger": raw.get_trigger(Name=name)["Trigger"]})

    # -- summaries -------------------------------------------------------------------------

    def reset_counts(self) -> None:
        self.calls.clear()
        self.sequence.clear()

    def writes(self) -> dict[str, int]:
        return {k: v for k, v in self.calls.items() if not is_read(k.split(":", 1)[1])}

    def reads(self) -> dict[str, int]:
        return {k: v for k, v in self.calls.items() if is_read(k.split(":", 1)[1])}


@contextmanager
def patched_session(monkeypatch: Any, hooks: MotoGlue) -> Iterator[MotoGlue]:
    """Make glue_workflow.aws.clients hand out sessions carrying ``hooks``."""
    monkeypatch.setattr("glue_workflow.aws.clients.session_for", lambda settings: hooks.session())
    yield hooks
