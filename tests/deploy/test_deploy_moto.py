"""The plan/deploy/destroy CLI against moto 5.2.5 in-process.

moto lacks UpdateJob/UpdateTrigger and overwrites duplicate creates: the
``motofill.MotoGlue`` before-call handlers fill exactly those gaps (see motofill.py),
and spy on every call (deploy must never start a run).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner
from moto import mock_aws
from motofill import ACCOUNT, MotoGlue
from wfdocs import BUCKET, ROLE, make_document

from glue_workflow.cli import cli
from glue_workflow.config import load_settings
from glue_workflow.deploy import deployer
from glue_workflow.document import OWNER_TAG, WorkflowDocument
from glue_workflow.errors import GlueWfError

SAGEMAKER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/glue-wf-sagemaker"
NO_RUNS = {"glue:StartWorkflowRun", "glue:ResumeWorkflowRun", "glue:StartJobRun"}


@dataclass(frozen=True)
class Result:
    output: str
    stdout: str
    exit_code: int


def run_cli(args: list[str], code: int = 0) -> Result:
    """Invoke the CLI in-process as glue_workflow.cli.main would (GlueWfError → exit 1)."""
    result = CliRunner().invoke(cli, args)
    output, exit_code = result.output, result.exit_code
    if isinstance(result.exception, GlueWfError):
        output += f"error: {result.exception}\n"
        exit_code = 1
    elif result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert exit_code == code, output
    return Result(output=output, stdout=result.stdout, exit_code=exit_code)


class World:
    """moto + hooks + the document the CLI will deploy."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
        self.hooks = MotoGlue(forbidden=set(NO_RUNS))
        self.project = project
        self._target: Any = None
        self.document: WorkflowDocument = make_document(
            "wf", ("a", "b", "c"), start_type="SCHEDULED"
        )
        monkeypatch.setattr(
            "glue_workflow.aws.clients.session_for", lambda _s: self.hooks.session()
        )
        monkeypatch.setattr("glue_workflow.deploy.deployer.build", lambda _t: self.document)

    def cli(self, *args: str, code: int = 0) -> Any:
        return run_cli([*args, "--project", str(self.project)], code)

    def plan(self) -> list[dict[str, Any]]:
        return json.loads(self.cli("plan", "--json").stdout)

    @property
    def glue(self) -> Any:
        return self.hooks.raw

    def api_deploy(self) -> None:
        """Deploy through the deployer API (the loops below; the CLI is tested above)."""
        if self._target is None:
            settings = load_settings(self.project)
            self._target = deployer.open_target(settings, session=self.hooks.session())
        deployer.deploy(self._target, self.document)

    def api_plan(self) -> list[dict[str, Any]]:
        assert self._target is not None
        return deployer.make_plan(self._target, self.document).to_list()


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[World]:
    (tmp_path / "glue-wf.toml").write_text(
        '[target]\ndefault = "aws"\n[target.aws]\nregion = "us-east-1"\n'
        f'bucket = "{BUCKET}"\nglue_role_arn = "{ROLE}"\n'
        f'sagemaker_role_arn = "{SAGEMAKER_ROLE}"\n'
    )
    with mock_aws():
        create_bucket_and_roles()
        yield World(monkeypatch, tmp_path)


def create_bucket_and_roles() -> None:
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    iam = boto3.client("iam")
    for arn in (ROLE, SAGEMAKER_ROLE):
        iam.create_role(RoleName=arn.rsplit("/", 1)[1], AssumeRolePolicyDocument="{}")


def owned(glue: Any, workflow: str) -> dict[str, list[str]]:
    tags = {OWNER_TAG: workflow}
    return {
        "jobs": sorted(glue.list_jobs(Tags=tags)["JobNames"]),
        "triggers": sorted(glue.list_triggers(Tags=tags)["TriggerNames"]),
    }


def test_deploy_plan_change_destroy_scenario(world: World) -> None:
    first = world.plan()
    assert [(i["Action"], i["Type"]) for i in first][:4] == [
        ("upload", "artifact"), ("upload", "artifact"), ("upload", "artifact"),
        ("create", "workflow"),
    ]  # fmt: skip
    out = world.cli("deploy").output
    assert "deployed workflow wf (10 change(s))" in out
    glue = world.glue
    assert owned(glue, "wf") == {
        "jobs": ["wf-a", "wf-b", "wf-c"],
        "triggers": ["wf-on-a-succeeded", "wf-on-b-succeeded", "wf-start"],
    }
    for trigger in owned(glue, "wf")["triggers"]:
        assert glue.get_trigger(Name=trigger)["Trigger"]["State"] == "ACTIVATED"
    s3 = boto3.client("s3")
    for artifact in world.document.artifacts:
        key = artifact.uri.split("/", 3)[3]
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == artifact.content

    # In sync: an empty plan, and a redeploy makes no write at all.
    assert world.plan() == []
    world.hooks.reset_counts()
    assert "up to date, nothing to do" in world.cli("deploy").output
    assert world.hooks.writes() == {}
    assert sum(world.hooks.reads().values()) == 5  # Get/List/BatchGet: no S3 read

    # One script changes: exactly one upload and one job update.
    world.document = make_document("wf", ("a", "b", "c"), start_type="SCHEDULED",
                                   scripts={"b": b"print('b v2')\n"})  # fmt: skip
    plan = world.plan()
    assert [(i["Action"], i["Type"], i["Name"]) for i in plan] == [
        ("upload", "artifact", world.document.artifacts[1].uri),
        ("update", "job", "wf-b"),
    ]
    assert list(plan[1]["Changes"]) == ["Command"]
    world.hooks.reset_counts()
    # --json: stdout is exactly the executed plan (plan --json's list).
    assert json.loads(world.cli("deploy", "--json").stdout) == plan
    assert world.hooks.writes() == {"s3:PutObject": 1, "glue:UpdateJob": 1}
    script = glue.get_job(JobName="wf-b")["Job"]["Command"]["ScriptLocation"]
    assert script == world.document.artifacts[1].uri
    assert world.plan() == []

    # A foreign, untagged job survives destroy; everything owned goes.
    glue.create_job(Name="someone-elses-job", Role=ROLE,
                    Command={"Name": "glueetl", "ScriptLocation": "s3://x/y.py"})  # fmt: skip
    out = world.cli("destroy", "--yes").output
    assert "destroyed workflow wf (7 deletion(s))" in out
    assert owned(glue, "wf") == {"jobs": [], "triggers": []}
    assert glue.list_workflows()["Workflows"] == []
    assert glue.list_jobs()["JobNames"] == ["someone-elses-job"]
    assert s3.head_bucket(Bucket=BUCKET)  # the bucket stays
    assert world.hooks.calls["glue:StartTrigger"] == 0  # created ACTIVATED: no call needed


def test_deploy_never_starts_a_run_or_an_on_demand_trigger(world: World) -> None:
    world.document = make_document("wf", ("a", "b"), start_type="ON_DEMAND")
    world.cli("deploy")
    glue = world.glue
    assert glue.get_trigger(Name="wf-start")["Trigger"]["State"] == "CREATED"
    # Drift: conditional trigger deactivated by hand → deploy reactivates just that one.
    glue.stop_trigger(Name="wf-on-a-succeeded")
    assert [i["Action"] for i in world.plan()] == ["activate"]
    world.cli("deploy")
    assert world.hooks.calls["glue:StartTrigger"] == 1
    assert glue.get_trigger(Name="wf-on-a-succeeded")["Trigger"]["State"] == "ACTIVATED"
    assert not any(call in world.hooks.calls for call in NO_RUNS)
    assert glue.get_workflow_runs(Name="wf")["Runs"] == []


def test_dry_run_calls_no_write(world: World) -> None:
    out = world.cli("deploy", "--dry-run").output
    assert "would create workflow wf" in out
    assert world.hooks.writes() == {}
    assert world.glue.list_workflows()["Workflows"] == []


def test_replacing_start_trigger_deletes_before_creating(world: World) -> None:
    world.cli("deploy")
    world.document = make_document("wf", ("a", "b", "c"), start_type="ON_DEMAND")
    world.hooks.reset_counts()
    world.cli("deploy")
    trigger_writes = [c for c in world.hooks.sequence if c in
                      ("glue:DeleteTrigger", "glue:CreateTrigger")]  # fmt: skip
    assert trigger_writes == ["glue:DeleteTrigger", "glue:CreateTrigger"]
    assert world.glue.get_trigger(Name="wf-start")["Trigger"]["Type"] == "ON_DEMAND"
    assert world.plan() == []


def test_foreign_job_with_a_declared_name_stops_the_plan(world: World) -> None:
    world.glue.create_job(Name="wf-a", Role=ROLE,
                          Command={"Name": "glueetl", "ScriptLocation": "s3://x/y.py"})  # fmt: skip
    result = world.cli("plan", code=1)
    assert "error: job 'wf-a': already on the target but not owned by workflow 'wf'" in (
        result.output
    )


def test_missing_bucket_and_role_point_at_infra(world: World) -> None:
    boto3.client("iam").delete_role(RoleName="glue-wf-sagemaker")
    result = world.cli("deploy", code=1)
    assert (
        f"error: SageMaker role {SAGEMAKER_ROLE} does not exist: create the roles with "
        "'glue-wf infra deploy' (CloudFormation in infra/)"
    ) in result.output
    boto3.client("s3").delete_bucket(Bucket=BUCKET)
    result = world.cli("deploy", code=1)
    assert (
        f"error: artifacts bucket '{BUCKET}' does not exist in us-east-1: create the bucket "
        "and roles with 'glue-wf infra deploy'"
    ) in result.output
    assert world.hooks.writes() == {}


@pytest.mark.parametrize("after_call", [False, True], ids=["before", "after"])
def test_interrupted_deploy_converges_on_rerun(world: World, after_call: bool) -> None:
    """Fail the k-th mutating call of a first deploy, for every k: a rerun converges.

    "before": the call never happens; "after": it happens but its response is lost.
    Each k deploys its own workflow in the same moto account.
    """
    total = 10  # 3 uploads, workflow, 3 jobs, 3 triggers (checked below)
    for k in range(1, total + 1):
        name = f"wf{k}"
        world.document = make_document(name, ("a", "b", "c"), start_type="SCHEDULED")
        world.hooks.mutations = 0
        world.hooks.fail_at = k
        world.hooks.fail_after_call = after_call
        with pytest.raises(GlueWfError, match="InjectedFault"):
            world.api_deploy()
        world.hooks.fail_at = None
        done = world.hooks.mutations - (0 if after_call else 1)
        world.hooks.mutations = 0
        world.api_deploy()
        assert done + world.hooks.mutations == total
        assert world.api_plan() == []
        assert owned(world.glue, name)["jobs"] == [f"{name}-a", f"{name}-b", f"{name}-c"]


def test_verify_artifacts_restores_a_deleted_script(world: World) -> None:
    world.cli("deploy")
    uri = world.document.artifacts[0].uri
    boto3.client("s3").delete_object(Bucket=BUCKET, Key=uri.split("/", 3)[3])
    world.hooks.reset_counts()
    assert world.plan() == []  # trusted: a deployed job references it
    assert "s3:ListObjectsV2" not in world.hooks.calls
    plan = json.loads(world.cli("plan", "--json", "--verify-artifacts").stdout)
    assert [(i["Action"], i["Name"]) for i in plan] == [("upload", uri)]
    world.cli("deploy", "--verify-artifacts")
    assert json.loads(world.cli("plan", "--json", "--verify-artifacts").stdout) == []


def test_bucket_and_roles_come_from_the_infra_stack(world: World) -> None:
    (world.project / "glue-wf.toml").write_text('[target]\ndefault = "aws"\n')
    missing = world.cli("plan", code=1)
    assert "glue-wf infra deploy" in missing.output
    template = {
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket",
                                 "Properties": {"BucketName": "stack-bucket"}}},
        "Outputs": {
            "ArtifactsBucketName": {"Value": {"Ref": "Bucket"}},
            "GlueJobRoleArn": {"Value": ROLE},
            "SageMakerExecutionRoleArn": {"Value": SAGEMAKER_ROLE},
        },
    }  # fmt: skip
    boto3.client("cloudformation").create_stack(StackName="glue-wf",
                                                TemplateBody=json.dumps(template))  # fmt: skip
    world.document = make_document("wf", ("a",), bucket="stack-bucket")
    world.cli("deploy")
    assert boto3.client("s3").list_objects_v2(Bucket="stack-bucket")["KeyCount"] == 1


def _v1(name: str) -> WorkflowDocument:
    return make_document(name, ("a", "b", "c"), start_type="ON_DEMAND")


def _v2(name: str) -> WorkflowDocument:
    """A script change, a start trigger replaced (type), a node removed, one added."""
    return make_document(name, ("a", "b", "d"), start_type="SCHEDULED",
                         scripts={"b": b"print('b v2')\n"})  # fmt: skip


def test_interrupted_update_converges_on_rerun(world: World) -> None:
    """Same as above for an update deploy (fault after the call: the harder case)."""
    world.hooks.fail_after_call = True
    world.document = _v1("probe")
    world.api_deploy()
    world.document = _v2("probe")
    world.hooks.mutations = 0
    world.api_deploy()
    total = world.hooks.mutations
    assert (
        total == 8
    )  # 2 uploads, start delete+create, b update, d create, trigger update, c delete
    for k in range(1, total + 1):
        name = f"upd{k}"
        world.document = _v1(name)
        world.api_deploy()
        world.document = _v2(name)
        world.hooks.mutations = 0
        world.hooks.fail_at = k
        with pytest.raises(GlueWfError, match="InjectedFault"):
            world.api_deploy()
        world.hooks.fail_at = None
        world.api_deploy()
        assert world.api_plan() == []
        assert owned(world.glue, name) == {
            "jobs": [f"{name}-a", f"{name}-b", f"{name}-d"],
            "triggers": [f"{name}-on-a-succeeded", f"{name}-on-b-succeeded", f"{name}-start"],
        }
        start = world.glue.get_trigger(Name=f"{name}-start")["Trigger"]
        assert (start["Type"], start["State"]) == ("SCHEDULED", "ACTIVATED")


def test_foreign_workflow_of_the_same_name_is_left_alone(world: World) -> None:
    world.glue.create_workflow(Name="wf", Description="someone else's")
    result = world.cli("deploy", code=1)
    assert "error: workflow 'wf': already on the target but not owned by workflow 'wf'" in (
        result.output
    )
    assert world.hooks.calls["glue:GetTags"] == 1  # no owned trigger proves it ours
    assert "would delete" not in world.cli("destroy", "--dry-run").output
    assert world.glue.get_workflow(Name="wf")["Workflow"]["Description"] == "someone else's"


def test_destroy_dry_run_lists_without_deleting(world: World) -> None:
    world.cli("deploy")
    out = world.cli("destroy", "--dry-run").output
    assert "would delete trigger wf-start [destroy]" in out
    assert "would delete workflow wf [destroy]" in out
    assert len(owned(world.glue, "wf")["jobs"]) == 3


def _retagged(
    document: WorkflowDocument, common: dict[str, str], job_tags: dict[str, dict[str, str]]
) -> WorkflowDocument:
    """``document`` with definition tags ``common`` everywhere, plus per-job ones."""

    def tagged(request: dict[str, Any], extra: dict[str, str]) -> dict[str, Any]:
        owner = {k: v for k, v in request["Tags"].items() if k.startswith("glue-wf:")}
        return {**request, "Tags": {**common, **extra, **owner}}

    return replace(
        document,
        workflow=tagged(document.workflow, {}),
        jobs=tuple(tagged(j, job_tags.get(j["Name"], {})) for j in document.jobs),
        triggers=tuple(tagged(t, {}) for t in document.triggers),
    )


def _tags(glue: Any, kind: str, name: str) -> dict[str, str]:
    tags: dict[str, str] = glue.get_tags(
        ResourceArn=f"arn:aws:glue:us-east-1:{ACCOUNT}:{kind}/{name}"
    )["Tags"]
    return {k: v for k, v in tags.items() if k != "glue-wf:tags"}


def test_tag_changes_are_planned_applied_and_shown(world: World) -> None:
    base = world.document
    world.document = _retagged(base, {"team": "ml"}, {"wf-a": {"cost-center": "42"}})
    world.cli("deploy")
    glue = world.glue
    assert _tags(glue, "job", "wf-a")["cost-center"] == "42"
    world.hooks.reset_counts()
    assert world.plan() == []  # in sync: the digest lists every declared resource
    assert sum(world.hooks.reads().values()) == 5
    assert "glue:GetTags" not in world.hooks.calls

    # cost-center 42 -> 43 on one job, a new workflow tag: tag steps, nothing else.
    world.document = _retagged(base, {"team": "ml", "env": "prod"}, {"wf-a": {"cost-center": "43"}})
    out = world.cli("plan").output
    assert "tag job wf-a (cost-center: 42 -> 43, +env=prod, glue-wf:tags)" in out
    assert "tag workflow wf (+env=prod, glue-wf:tags)" in out
    assert "tag trigger wf-start (+env=prod, glue-wf:tags)" in out
    plan = world.plan()
    assert {i["Action"] for i in plan} == {"tag"}
    assert plan[0]["Type"] == "workflow"  # before anything carrying the new digest
    assert plan[-1]["Changes"]["env"] == {"From": None, "To": "prod"}
    world.hooks.reset_counts()
    assert "tag job wf-a (cost-center: 42 -> 43" in world.cli("deploy").output
    assert set(world.hooks.writes()) == {"glue:TagResource"}
    assert _tags(glue, "job", "wf-a") == {
        "team": "ml", "env": "prod", "cost-center": "43",
        OWNER_TAG: "wf", "glue-wf:managed-by": "glue-wf",
    }  # fmt: skip
    assert _tags(glue, "workflow", "wf")["env"] == "prod"
    assert _tags(glue, "trigger", "wf-on-a-succeeded")["env"] == "prod"

    # A no-op redeploy: 0 writes, the same 5 reads, no GetTags.
    world.hooks.reset_counts()
    assert "up to date, nothing to do" in world.cli("deploy").output
    assert world.hooks.writes() == {}
    assert sum(world.hooks.reads().values()) == 5
    assert "glue:GetTags" not in world.hooks.calls


def test_removed_definition_tag_is_untagged_hand_added_and_owner_tags_stay(world: World) -> None:
    base = world.document
    world.document = _retagged(base, {"team": "ml", "env": "prod"}, {})
    world.cli("deploy")
    glue = world.glue
    arn = f"arn:aws:glue:us-east-1:{ACCOUNT}:job/wf-b"
    glue.tag_resource(ResourceArn=arn, TagsToAdd={"added-by-hand": "yes"})

    world.document = _retagged(base, {"team": "ml"}, {})
    plan = world.plan()
    job_b = next(i for i in plan if i["Name"] == "wf-b")
    assert job_b["Changes"]["env"] == {"From": "prod", "To": None}
    assert "added-by-hand" not in job_b["Changes"]
    world.hooks.reset_counts()
    world.cli("deploy")
    assert world.hooks.writes()["glue:UntagResource"] == 7  # workflow, 3 jobs, 3 triggers
    assert _tags(glue, "job", "wf-b") == {
        "team": "ml", "added-by-hand": "yes", OWNER_TAG: "wf", "glue-wf:managed-by": "glue-wf",
    }  # fmt: skip
    for kind, name in (("workflow", "wf"), ("trigger", "wf-start"), ("job", "wf-a")):
        assert _tags(glue, kind, name)[OWNER_TAG] == "wf"
        assert "env" not in _tags(glue, kind, name)
    assert world.plan() == []


def test_resources_deployed_without_the_digest_are_read_once_then_trusted(world: World) -> None:
    world.cli("deploy")
    glue = world.glue
    for kind, name in (("job", "wf-a"), ("trigger", "wf-start")):
        arn = f"arn:aws:glue:us-east-1:{ACCOUNT}:{kind}/{name}"
        glue.untag_resource(ResourceArn=arn, TagsToRemove=["glue-wf:tags"])
    plan = world.plan()
    assert [(i["Action"], i["Name"], i.get("Reason")) for i in plan] == [
        ("tag", "wf-a", "tag digest"), ("tag", "wf-start", "tag digest"),
    ]  # fmt: skip
    world.cli("deploy")
    world.hooks.reset_counts()
    assert world.plan() == []
    assert sum(world.hooks.reads().values()) == 5
