"""The planner: desired document + remote state → ordered, frozen instructions.

Pure: no I/O. Rules it encodes (see glue-semantics.md §2, §10, §14):

* ownership by tag: only resources tagged ``glue-wf:workflow=<name>`` are updated
  or deleted; a declared name held by anything else is a conflict, never adopted;
* ``UpdateJob`` carries the whole definition; ``UpdateTrigger`` only what it can
  change: a new ``Type`` or ``WorkflowName`` means delete + create;
* trigger deletions come before trigger creations, so a start trigger is replaced
  delete-then-create (a workflow never has two start triggers);
* activation of SCHEDULED / CONDITIONAL triggers is reconciled after every create
  and update (the executor reads ``State``), and for unchanged triggers whose state
  drifted; ON_DEMAND triggers are never started by deploy, nor EVENT triggers: Glue
  keeps them CREATED (they consume events so) and refuses ``StartTrigger`` ("Trigger
  Type EVENT cannot be started", hashicorp/terraform-provider-aws#49408, reproduced
  against the API).
* tags: ``Create*`` requests carry the declared tags plus the digest tag (see
  deploy.tags); an owned resource whose tags were read (its digest was stale) gets a
  ``tag`` step (``TagResource`` / ``UntagResource``): the workflow's right after the
  workflow's own step, before anything that carries the new digest; the jobs' and
  triggers' last, after job deletions, so a deploy interrupted before them re-reads
  tags (and the owner-tag lists) on its rerun.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from glue_workflow import naming
from glue_workflow.deploy.diff import CLEARABLE_JOB_FIELDS, changes
from glue_workflow.deploy.event_rules import desired_rule, is_owned, rule_changes
from glue_workflow.deploy.glue_deploy_calls import (
    JOB_UPDATE_FIELDS,
    TRIGGER_UPDATE_FIELDS,
    WORKFLOW_UPDATE_FIELDS,
)
from glue_workflow.deploy.remote import RemoteState
from glue_workflow.deploy.tags import (
    DIGEST_TAG,
    describe_tag_diff,
    rule_tags,
    tag_changes,
    tag_diff,
    tag_digest,
    with_digest,
)
from glue_workflow.document import OWNER_TAG, Artifact, WorkflowDocument
from glue_workflow.errors import DeployError

Action = Literal["upload", "create", "update", "delete", "activate", "deactivate", "tag"]
Kind = Literal["artifact", "workflow", "job", "trigger", "rule"]

GLUE_KINDS = frozenset({"workflow", "job", "trigger"})
ACTIVE_STATES = frozenset({"ACTIVATED", "ACTIVATING"})
# the reason of a trigger deleted to be created again (Type or WorkflowName changed)
REPLACE = "replace: "
ACTIVATED = "ACTIVATED"
DEACTIVATED = "DEACTIVATED"


class OwnershipConflict(DeployError):
    """A declared resource name is held by something this workflow does not own."""


@dataclass(frozen=True, kw_only=True)
class Instruction:
    """One write: what, on which resource, and the field-level changes it makes."""

    action: Action
    type: Kind
    name: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    request: Mapping[str, Any] = field(default_factory=dict, repr=False)
    artifact: Artifact | None = field(default=None, repr=False)
    # for trigger create/update: the activation state to reconcile to afterwards
    activation: str | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "Action": self.action,
            "Type": self.type,
            "Name": self.name,
            "Changes": dict(self.changes),
        }
        if self.reason:
            data["Reason"] = self.reason
        return data

    def describe(self) -> str:
        fields = ", ".join(sorted(self.changes))
        text = f"{self.action} {self.type} {self.name}"
        if fields and self.action == "update":
            text += f" ({fields})"
        if self.action == "tag":
            text += f" ({describe_tag_diff(self.changes)})"
        if self.reason:
            text += f" [{self.reason}]"
        return text


@dataclass(frozen=True, kw_only=True)
class Plan:
    workflow_name: str
    instructions: tuple[Instruction, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.instructions

    def to_list(self) -> list[dict[str, Any]]:
        return [instruction.to_dict() for instruction in self.instructions]


def desired_activation(request: Mapping[str, Any]) -> str | None:
    """ACTIVATED/DEACTIVATED for triggers that need activation; None for ON_DEMAND and
    EVENT triggers, which are never started (see the module docstring)."""
    if request.get("Type", "ON_DEMAND") in ("ON_DEMAND", "EVENT"):
        return None
    return ACTIVATED if request.get("StartOnCreation", True) else DEACTIVATED


def plan_deploy(document: WorkflowDocument, remote: RemoteState) -> Plan:
    """The instructions that make the target hold exactly ``document``."""
    name = document.name
    _check_ownership(document, remote)
    digest = tag_digest(document)
    uploads = _plan_uploads(document, remote)
    workflow = _plan_workflow(document, remote)
    if remote.workflow is not None and remote.workflow_owned:
        workflow += _tag_step(
            "workflow", name, "workflow", document.workflow, remote=remote, digest=digest
        )
    desired_triggers = {t["Name"]: t for t in document.triggers}
    desired_jobs = {j["Name"]: j for j in document.jobs}

    trigger_deletes: list[Instruction] = []
    trigger_writes: list[Instruction] = []
    trigger_states: list[Instruction] = []
    for trigger_name in sorted(remote.owned_triggers - set(desired_triggers)):
        if trigger_name in remote.triggers:
            trigger_deletes.append(
                Instruction(
                    action="delete", type="trigger", name=trigger_name, reason="no longer declared"
                )
            )
    for request in document.triggers:
        _plan_trigger(request, remote, trigger_deletes, trigger_writes, trigger_states)

    job_writes: list[Instruction] = []
    for request in document.jobs:
        current = remote.jobs.get(request["Name"])
        if current is None:
            job_writes.append(_create("job", request))
            continue
        diff = changes(request, current, JOB_UPDATE_FIELDS, clearable=CLEARABLE_JOB_FIELDS)
        if diff:
            job_writes.append(
                Instruction(
                    action="update", type="job", name=request["Name"], changes=diff, request=request
                )
            )
    job_deletes = [
        Instruction(action="delete", type="job", name=job, reason="no longer declared")
        for job in sorted(remote.owned_jobs - set(desired_jobs))
        if job in remote.jobs
    ]
    rule_deletes, rule_writes = _plan_event_rule(_rules_with_digest(document, digest), remote)
    tag_steps = [
        step
        for request in document.jobs
        if request["Name"] in remote.owned_jobs
        for step in _tag_step(
            "job", request["Name"], f"job/{request['Name']}", request, remote=remote, digest=digest
        )
    ]
    replaced = {i.name for i in trigger_deletes}
    tag_steps += [
        step
        for request in document.triggers
        if request["Name"] in remote.owned_triggers and request["Name"] not in replaced
        for step in _tag_step(
            "trigger",
            request["Name"],
            f"trigger/{request['Name']}",
            request,
            remote=remote,
            digest=digest,
        )
    ]
    ordered = (
        *uploads,
        *workflow,
        *rule_deletes,  # events stop reaching the workflow before its triggers change
        *trigger_deletes,
        *job_writes,
        *trigger_writes,
        *trigger_states,
        *rule_writes,  # events flow only once the EVENT trigger is active
        *job_deletes,
        *tag_steps,  # last: the new digest says "tags in sync" only once all are done
    )
    return Plan(workflow_name=name, instructions=tuple(_stamp_digest(i, digest) for i in ordered))


def _stamp_digest(step: Instruction, digest: str | None) -> Instruction:
    """A Glue ``create`` step whose request (and changes) also carry the digest tag."""
    if digest is None or step.action != "create" or step.type not in GLUE_KINDS:
        return step
    tags = with_digest(step.request.get("Tags") or {}, digest)
    changes = {**step.changes, "Tags": {"From": None, "To": tags}}
    return replace(step, request={**step.request, "Tags": tags}, changes=changes)


def _rules_with_digest(document: WorkflowDocument, digest: str | None) -> WorkflowDocument:
    """``document`` whose EventBridge rule also carries the digest tag."""
    if digest is None or not document.event_rules:
        return document
    rules = tuple(
        {
            **rule,
            "Rule": {
                **rule["Rule"],
                "Tags": [
                    {"Key": k, "Value": v}
                    for k, v in sorted(with_digest(rule_tags(rule["Rule"]), digest).items())
                ],
            },
        }
        for rule in document.event_rules
    )
    return replace(document, event_rules=rules)


def _tag_step(
    kind: Kind,
    name: str,
    key: str,
    request: Mapping[str, Any],
    *,
    remote: RemoteState,
    digest: str | None,
) -> list[Instruction]:
    """The ``tag`` step of an owned resource whose tags were read (else none: its digest
    is current, or the account is unknown and no ARN can be built)."""
    current, arn = remote.tags.get(key), remote.arn(key)
    if current is None or arn is None:
        return []
    desired = with_digest(request.get("Tags") or {}, digest)
    return _tag_instruction(kind, name, arn, desired, current)


def _tag_instruction(
    kind: Kind, name: str, arn: str, desired: Mapping[str, str], current: Mapping[str, str]
) -> list[Instruction]:
    add, remove = tag_changes(desired, current)
    if not add and not remove:
        return []
    reason = "" if set(add) | set(remove) != {DIGEST_TAG} else "tag digest"
    return [
        Instruction(
            action="tag",
            type=kind,
            name=name,
            changes=tag_diff(add, remove, current),
            request={"ResourceArn": arn, "TagsToAdd": add, "TagsToRemove": remove},
            reason=reason,
        )
    ]


def plan_destroy(remote: RemoteState) -> Plan:
    """Delete everything the workflow owns (its event rule, triggers, jobs, workflow)."""
    steps: list[Instruction] = []
    if is_owned(remote.event_rule, remote.workflow_name):
        steps.append(
            Instruction(
                action="delete",
                type="rule",
                name=naming.event_rule_name(remote.workflow_name),
                reason="destroy",
            )
        )
    steps += [
        Instruction(action="delete", type="trigger", name=t, reason="destroy")
        for t in sorted(remote.owned_triggers)
        if t in remote.triggers
    ]
    steps += [
        Instruction(action="delete", type="job", name=j, reason="destroy")
        for j in sorted(remote.owned_jobs)
        if j in remote.jobs
    ]
    if remote.workflow is not None and remote.workflow_owned:
        steps.append(
            Instruction(
                action="delete", type="workflow", name=remote.workflow_name, reason="destroy"
            )
        )
    return Plan(workflow_name=remote.workflow_name, instructions=tuple(steps))


def _create(kind: Kind, request: Mapping[str, Any], reason: str = "") -> Instruction:
    activation = desired_activation(request) if kind == "trigger" else None
    return Instruction(
        action="create",
        type=kind,
        name=str(request["Name"]),
        changes={k: {"From": None, "To": v} for k, v in request.items() if k != "Name"},
        request=request,
        activation=activation,
        reason=reason,
    )


def _check_ownership(document: WorkflowDocument, remote: RemoteState) -> None:
    name = document.name
    conflicts: list[str] = []
    if remote.workflow is not None and not remote.workflow_owned:
        conflicts.append(f"workflow {name!r}")
    conflicts += [
        f"job {job['Name']!r}"
        for job in document.jobs
        if job["Name"] in remote.jobs and job["Name"] not in remote.owned_jobs
    ]
    conflicts += [
        f"trigger {t['Name']!r}"
        for t in document.triggers
        if t["Name"] in remote.triggers and t["Name"] not in remote.owned_triggers
    ]
    if document.event_rules and remote.event_rule and not is_owned(remote.event_rule, name):
        conflicts.append(f"EventBridge rule {remote.event_rule['Rule']['Name']!r}")
    if conflicts:
        raise OwnershipConflict(
            f"{', '.join(conflicts)}: already on the target but not owned by workflow "
            f"{name!r} (no tag {OWNER_TAG}={name}); glue-wf never "
            "takes over resources it did not create: rename the workflow or nodes in the "
            "definition, or delete the existing resources"
        )


def _plan_uploads(document: WorkflowDocument, remote: RemoteState) -> list[Instruction]:
    steps: list[Instruction] = []
    seen: set[str] = set()
    for artifact in document.artifacts:
        if artifact.uri in seen:
            continue
        seen.add(artifact.uri)
        if artifact.uri in remote.objects and remote.objects[artifact.uri] in (
            None,  # referenced by a deployed job: uploaded before that job was written
            len(artifact.content),  # content-addressed key of the same size
        ):
            continue
        steps.append(
            Instruction(
                action="upload",
                type="artifact",
                name=artifact.uri,
                changes={
                    "source": artifact.source,
                    "sha256": artifact.sha256,
                    "bytes": len(artifact.content),
                },
                artifact=artifact,
            )
        )
    return steps


def _plan_workflow(document: WorkflowDocument, remote: RemoteState) -> list[Instruction]:
    if remote.workflow is None:
        return [_create("workflow", document.workflow)]
    diff = changes(document.workflow, remote.workflow, WORKFLOW_UPDATE_FIELDS)
    if not diff:
        return []
    return [
        Instruction(
            action="update",
            type="workflow",
            name=document.name,
            changes=diff,
            request=document.workflow,
        )
    ]


def _plan_event_rule(
    document: WorkflowDocument, remote: RemoteState
) -> tuple[list[Instruction], list[Instruction]]:
    """(deletes, writes) for the workflow's EventBridge rule (see deploy.event_rules)."""
    desired, current = desired_rule(document), remote.event_rule
    if desired is None:
        if is_owned(current, document.name):
            name = naming.event_rule_name(document.name)
            return [
                Instruction(action="delete", type="rule", name=name, reason="no longer declared")
            ], []
        return [], []
    name = str(desired["Rule"]["Name"])
    if current is None:
        create = Instruction(
            action="create",
            type="rule",
            name=name,
            changes={k: {"From": None, "To": v} for k, v in desired.items()},
            request=desired,
        )
        return [], [create]
    diff = rule_changes(desired, current)
    tags = (
        _tag_instruction(
            "rule", name, str(current["Rule"]["Arn"]), rule_tags(desired["Rule"]), current["Tags"]
        )
        if is_owned(current, document.name) and current["Rule"].get("Arn")
        else []
    )
    if not diff:
        return [], tags
    update = Instruction(
        action="update",
        type="rule",
        name=name,
        changes=diff,
        request={**desired, "current": current},
    )
    return [], [update, *tags]


def _plan_trigger(
    request: Mapping[str, Any],
    remote: RemoteState,
    deletes: list[Instruction],
    writes: list[Instruction],
    states: list[Instruction],
) -> None:
    name = str(request["Name"])
    current = remote.triggers.get(name)
    if current is None:
        writes.append(_create("trigger", request))
        return
    replaced = {
        key: {"From": current.get(key), "To": request.get(key)}
        for key in ("Type", "WorkflowName")
        if request.get(key) != current.get(key)
    }
    if replaced:
        # UpdateTrigger cannot change these: delete first (also keeps one start trigger).
        reason = REPLACE + ", ".join(sorted(replaced)) + " changed"
        deletes.append(
            Instruction(action="delete", type="trigger", name=name, changes=replaced, reason=reason)
        )
        writes.append(_create("trigger", request, reason=reason))
        return
    diff = changes(request, current, TRIGGER_UPDATE_FIELDS)
    activation = desired_activation(request)
    state = str(current.get("State", ""))
    moves = activation is not None and (activation == ACTIVATED) != (state in ACTIVE_STATES)
    if diff:
        if moves:  # the update's activation step moves it too: the plan says so
            diff = {**diff, "State": {"From": state, "To": activation}}
        writes.append(
            Instruction(
                action="update",
                type="trigger",
                name=name,
                changes=diff,
                request=request,
                activation=activation,
            )
        )
        return
    if moves:
        action: Action = "activate" if activation == ACTIVATED else "deactivate"
        states.append(
            Instruction(
                action=action,
                type="trigger",
                name=name,
                changes={"State": {"From": state, "To": activation}},
                request=request,
                activation=activation,
            )
        )
