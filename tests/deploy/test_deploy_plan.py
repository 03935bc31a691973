"""The planner against in-memory remote state (pure: no clients at all)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from wfdocs import make_document

from glue_workflow.deploy.plan import OwnershipConflict, plan_deploy, plan_destroy
from glue_workflow.deploy.remote import RemoteState
from glue_workflow.document import WorkflowDocument

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def deployed(document: WorkflowDocument, **overrides: Any) -> RemoteState:
    """What GetJob/GetTrigger/GetWorkflow would return after deploying ``document``."""
    jobs = {}
    for request in document.jobs:
        job = {k: v for k, v in request.items() if k != "Tags"}
        # Fields the service adds on its own must not read as changes.
        job.update(CreatedOn=NOW, LastModifiedOn=NOW, AllocatedCapacity=0, JobMode="SCRIPT")
        jobs[request["Name"]] = job
    triggers = {}
    for request in document.triggers:
        trigger = {k: v for k, v in request.items() if k not in ("Tags", "StartOnCreation")}
        trigger["State"] = "CREATED" if request["Type"] in ("ON_DEMAND", "EVENT") else "ACTIVATED"
        trigger["Id"] = "x"
        triggers[request["Name"]] = trigger
    workflow = {k: v for k, v in document.workflow.items() if k != "Tags"}
    workflow.update(CreatedOn=NOW, LastModifiedOn=NOW)
    state = RemoteState(
        workflow_name=document.name,
        workflow=workflow,
        workflow_owned=True,
        jobs=jobs,
        triggers=triggers,
        owned_jobs=frozenset(jobs),
        owned_triggers=frozenset(triggers),
        objects={a.uri: len(a.content) for a in document.artifacts},
    )
    return replace(state, **overrides)


def actions(plan: Any) -> list[tuple[str, str, str]]:
    return [(i.action, i.type, i.name) for i in plan.instructions]


def test_first_deploy_orders_uploads_workflow_jobs_then_triggers() -> None:
    doc = make_document()
    plan = plan_deploy(doc, RemoteState(workflow_name="wf"))
    kinds = [(a, t) for a, t, _ in actions(plan)]
    assert kinds == [
        ("upload", "artifact"), ("upload", "artifact"), ("create", "workflow"),
        ("create", "job"), ("create", "job"), ("create", "trigger"), ("create", "trigger"),
    ]  # fmt: skip
    conditional = plan.instructions[-1]
    assert conditional.activation == "ACTIVATED"
    start = plan.instructions[-2]
    assert start.name == "wf-start"
    assert start.activation is None  # ON_DEMAND: never started by deploy


def test_in_sync_plan_is_empty() -> None:
    doc = make_document()
    plan = plan_deploy(doc, deployed(doc))
    assert plan.empty
    assert plan.to_list() == []


def test_changed_script_is_one_upload_and_one_full_job_update() -> None:
    doc = make_document()
    changed = make_document(scripts={"b": b"print('new b')\n"})
    plan = plan_deploy(changed, deployed(doc))
    assert actions(plan) == [
        ("upload", "artifact", changed.artifacts[1].uri),
        ("update", "job", "wf-b"),
    ]
    update = plan.instructions[1]
    assert list(update.changes) == ["Command"]
    assert update.changes["Command"]["To"]["ScriptLocation"] == changed.artifacts[1].uri
    # UpdateJob always carries the whole definition.
    assert update.request == changed.job("wf-b")
    assert plan.to_list()[1] == {
        "Action": "update",
        "Type": "job",
        "Name": "wf-b",
        "Changes": {"Command": update.changes["Command"]},
    }


def test_removed_default_argument_is_a_change() -> None:
    doc = make_document(extra_args={"a": {"--extra": "1"}})
    plan = plan_deploy(make_document(), deployed(doc))
    assert actions(plan) == [("update", "job", "wf-a")]
    assert plan.instructions[0].changes["DefaultArguments"]["To"] == {
        "--artifacts_bucket": "artifacts-bucket"
    }


def test_removed_nodes_are_swept_after_trigger_writes() -> None:
    old = make_document(nodes=("a", "b", "c"))
    new = make_document(nodes=("a", "b"))
    plan = plan_deploy(new, deployed(old))
    assert actions(plan) == [
        ("delete", "trigger", "wf-on-b-succeeded"),
        ("delete", "job", "wf-c"),
    ]
    assert plan.instructions[0].reason == "no longer declared"


def test_unowned_resources_are_never_touched() -> None:
    doc = make_document()
    state = deployed(doc)
    foreign_job = {"Name": "someone-else", "Role": "r", "Command": {"Name": "glueetl"}}
    state = replace(state, jobs={**state.jobs, "someone-else": foreign_job})
    assert plan_deploy(doc, state).empty
    destroy = plan_destroy(state)
    assert "someone-else" not in [i.name for i in destroy.instructions]


def test_declared_name_held_by_unowned_job_is_a_conflict() -> None:
    doc = make_document()
    state = deployed(doc)
    state = replace(state, owned_jobs=state.owned_jobs - {"wf-a"})
    with pytest.raises(OwnershipConflict) as err:
        plan_deploy(doc, state)
    assert str(err.value) == (
        "job 'wf-a': already on the target but not owned by workflow 'wf' (no tag "
        "glue-wf:workflow=wf); glue-wf never takes over resources it did not create: rename "
        "the workflow or nodes in the definition, or delete the existing resources"
    )


def test_unowned_workflow_is_a_conflict() -> None:
    doc = make_document()
    with pytest.raises(OwnershipConflict, match=r"^workflow 'wf': already on the target"):
        plan_deploy(doc, deployed(doc, workflow_owned=False))


def test_start_trigger_type_change_is_delete_then_create() -> None:
    old = make_document()
    new = make_document(start_type="SCHEDULED")
    plan = plan_deploy(new, deployed(old))
    assert actions(plan) == [
        ("delete", "trigger", "wf-start"),
        ("create", "trigger", "wf-start"),
    ]
    delete, create = plan.instructions
    assert delete.changes == {"Type": {"From": "ON_DEMAND", "To": "SCHEDULED"}}
    assert create.reason == "replace: Type changed"
    assert create.activation == "ACTIVATED"


def test_trigger_predicate_change_is_an_update_with_activation() -> None:
    doc = make_document()
    new_trigger = dict(doc.trigger("wf-on-a-succeeded"))
    new_trigger["Predicate"] = {"Logical": "ANY", "Conditions": [
        {"LogicalOperator": "EQUALS", "JobName": "wf-a", "State": "FAILED"}]}  # fmt: skip
    new = replace(doc, triggers=(doc.triggers[0], new_trigger))
    plan = plan_deploy(new, deployed(doc))
    assert actions(plan) == [("update", "trigger", "wf-on-a-succeeded")]
    assert set(plan.instructions[0].changes) == {"Predicate"}
    assert plan.instructions[0].activation == "ACTIVATED"


def test_a_member_removed_from_an_action_or_a_batching_condition_is_a_change() -> None:
    """UpdateTrigger replaces Actions and EventBatchingCondition whole: a removed action
    Timeout or BatchWindow must reach the target (it stayed live); Glue's default 900 s
    window held by the target is no change."""
    doc = make_document()
    remote = deployed(doc)
    name = "wf-on-a-succeeded"
    timed = dict(remote.triggers[name])
    timed["Actions"] = [{**timed["Actions"][0], "Timeout": 1}]
    plan = plan_deploy(doc, replace(remote, triggers={**remote.triggers, name: timed}))
    assert actions(plan) == [("update", "trigger", name)]
    assert plan.instructions[0].changes["Actions"]["From"][0]["Timeout"] == 1

    event = {
        "Name": "wf-start",
        "WorkflowName": "wf",
        "Type": "EVENT",
        "Actions": [{"JobName": "wf-a"}],
        "EventBatchingCondition": {"BatchSize": 1},
    }
    new = replace(doc, triggers=(event, *doc.triggers[1:]))
    current = deployed(new)
    for window, changed in ((20, True), (900, False)):
        held = {**current.triggers["wf-start"]}
        held["EventBatchingCondition"] = {"BatchSize": 1, "BatchWindow": window}
        plan = plan_deploy(new, replace(current, triggers={**current.triggers, "wf-start": held}))
        assert (actions(plan) == [("update", "trigger", "wf-start")]) is changed, window


def test_deactivated_conditional_trigger_is_activated() -> None:
    doc = make_document()
    state = deployed(doc)
    trigger = {**state.triggers["wf-on-a-succeeded"], "State": "DEACTIVATED"}
    state = replace(state, triggers={**state.triggers, "wf-on-a-succeeded": trigger})
    plan = plan_deploy(doc, state)
    assert plan.to_list() == [{
        "Action": "activate", "Type": "trigger", "Name": "wf-on-a-succeeded",
        "Changes": {"State": {"From": "DEACTIVATED", "To": "ACTIVATED"}},
    }]  # fmt: skip


def test_an_update_that_also_moves_the_activation_says_so() -> None:
    """An update's activation step starts or stops the trigger too: the plan shows it
    (a schedule edited and paused in one deploy read as an edit alone)."""
    doc = make_document()
    state = deployed(doc)
    name = "wf-on-a-succeeded"
    trigger = {**state.triggers[name], "State": "DEACTIVATED", "Predicate": {
        "Logical": "ANY",
        "Conditions": [{"LogicalOperator": "EQUALS", "JobName": "wf-a", "State": "FAILED"}],
    }}  # fmt: skip
    plan = plan_deploy(doc, replace(state, triggers={**state.triggers, name: trigger}))
    (update,) = plan.instructions
    assert update.changes["State"] == {"From": "DEACTIVATED", "To": "ACTIVATED"}
    assert update.describe() == f"update trigger {name} (Predicate, State)"


def test_on_demand_start_trigger_in_created_state_is_left_alone() -> None:
    doc = make_document()
    assert deployed(doc).triggers["wf-start"]["State"] == "CREATED"
    assert plan_deploy(doc, deployed(doc)).empty


def test_an_event_start_trigger_is_never_started_nor_stopped() -> None:
    """Glue keeps an EVENT trigger CREATED and answers StartTrigger "Trigger Type EVENT
    cannot be started" (hashicorp/terraform-provider-aws#49408)."""
    doc = make_document(start_type="EVENT")
    created = plan_deploy(doc, RemoteState(workflow_name="wf"))
    (start,) = [i for i in created.instructions if i.name == "wf-start"]
    assert (start.action, start.activation) == ("create", None)
    state = deployed(doc)
    assert state.triggers["wf-start"]["State"] == "CREATED"
    assert plan_deploy(doc, state).empty


def test_artifact_of_other_size_is_uploaded_again() -> None:
    doc = make_document()
    uri = doc.artifacts[0].uri
    state = deployed(doc, objects={a.uri: len(a.content) for a in doc.artifacts} | {uri: 1})
    assert actions(plan_deploy(doc, state)) == [("upload", "artifact", uri)]


def test_workflow_property_change_is_an_update() -> None:
    doc = make_document()
    new = replace(doc, workflow={**doc.workflow, "DefaultRunProperties": {"min_accuracy": "0.8"}})
    plan = plan_deploy(new, deployed(doc))
    assert plan.to_list() == [{
        "Action": "update", "Type": "workflow", "Name": "wf",
        "Changes": {"DefaultRunProperties": {"From": {"min_accuracy": "0.9"},
                                             "To": {"min_accuracy": "0.8"}}},
    }]  # fmt: skip


def test_destroy_deletes_triggers_then_jobs_then_workflow() -> None:
    doc = make_document()
    plan = plan_destroy(deployed(doc))
    assert actions(plan) == [
        ("delete", "trigger", "wf-on-a-succeeded"),
        ("delete", "trigger", "wf-start"),
        ("delete", "job", "wf-a"),
        ("delete", "job", "wf-b"),
        ("delete", "workflow", "wf"),
    ]
    assert plan_destroy(deployed(doc, workflow_owned=False)).instructions[-1].type == "job"


def test_artifact_referenced_by_a_deployed_job_is_not_uploaded_again() -> None:
    doc = make_document()
    referenced = deployed(doc, objects={a.uri: None for a in doc.artifacts})
    assert plan_deploy(doc, referenced).empty
    missing = deployed(doc, objects={})
    assert [i.action for i in plan_deploy(doc, missing).instructions] == ["upload", "upload"]


def test_a_changed_map_is_shown_key_by_key() -> None:
    from glue_workflow.cli.deploy import change_lines

    before = {"input_uri": "s3://b/" + "x" * 200, "min_accuracy": "0.8", "old": "1"}
    after = {"input_uri": "s3://b/" + "x" * 200, "min_accuracy": "0.7", "new": "2"}
    assert change_lines("DefaultRunProperties", before, after) == [
        "DefaultRunProperties.min_accuracy: '0.8' -> '0.7'",
        "DefaultRunProperties.new: added '2'",
        "DefaultRunProperties.old: removed (was '1')",
    ]
    nested = change_lines(
        "Command", {"Name": "glueetl", "Script": "a"}, {"Name": "glueetl", "Script": "b"}
    )
    assert nested == ["Command.Script: 'a' -> 'b'"]
    assert change_lines("Timeout", 60, 90) == ["Timeout: 60 -> 90"]


ARN_PREFIX = "arn:aws:glue:us-east-1:1:"


def _with_tags(document: WorkflowDocument, extra: dict[str, str]) -> WorkflowDocument:
    def tagged(request: dict[str, Any]) -> dict[str, Any]:
        return {**request, "Tags": {**request["Tags"], **extra}}

    return replace(
        document,
        workflow=tagged(document.workflow),
        jobs=tuple(tagged(j) for j in document.jobs),
        triggers=tuple(tagged(t) for t in document.triggers),
    )


def test_tags_read_from_the_target_are_compared_key_by_key() -> None:
    from glue_workflow.deploy.tags import DIGEST_TAG, tag_digest

    old = _with_tags(make_document(), {"cost-center": "42", "env": "prod"})
    new = _with_tags(make_document(), {"cost-center": "43"})
    recorded = tag_digest(old)
    assert recorded is not None
    assert recorded.split()[1:] == ["cost-center", "env"]
    current = {**old.job("wf-a")["Tags"], DIGEST_TAG: recorded, "by-hand": "x"}
    remote = deployed(old, tags={"job/wf-a": current}, glue_arn_prefix=ARN_PREFIX)
    plan = plan_deploy(new, remote)
    assert actions(plan) == [("tag", "job", "wf-a")]  # the others' digests are current
    step = plan.instructions[0]
    assert step.request == {
        "ResourceArn": ARN_PREFIX + "job/wf-a",
        "TagsToAdd": {"cost-center": "43", DIGEST_TAG: tag_digest(new)},
        "TagsToRemove": ["env"],  # set by a deploy; "by-hand" and glue-wf:* stay
    }
    assert step.describe() == "tag job wf-a (cost-center: 42 -> 43, -env, glue-wf:tags)"


def test_owner_tag_is_never_removed_and_foreign_resources_never_tagged() -> None:
    from glue_workflow.deploy.tags import DIGEST_TAG, tag_changes
    from glue_workflow.document import OWNER_TAG
    from glue_workflow.errors import DeployError

    doc = make_document()
    stale = {OWNER_TAG: "wf", DIGEST_TAG: f"0 {OWNER_TAG} team", "team": "x"}
    remote = deployed(
        doc,
        tags={"workflow": stale, "trigger/wf-start": stale},
        glue_arn_prefix=ARN_PREFIX,
        owned_triggers=frozenset({"wf-on-wf-a-succeeded"}),
    )
    with pytest.raises(OwnershipConflict):  # wf-start is not ours: never touched
        plan_deploy(doc, remote)
    plan = plan_deploy(doc, replace(remote, owned_triggers=frozenset(remote.triggers)))
    for step in plan.instructions:
        assert OWNER_TAG not in step.request["TagsToRemove"]
        assert step.request["TagsToRemove"] == ["team"]
    with pytest.raises(DeployError, match="ownership tag"):
        tag_changes({"k": "v"}, {OWNER_TAG: "wf"})


def test_no_account_means_no_tag_step() -> None:
    doc = make_document()
    remote = deployed(doc, tags={"job/wf-a": {"glue-wf:workflow": "wf", "x": "1"}})
    assert plan_deploy(doc, remote).empty  # no ARN: tags cannot be written
