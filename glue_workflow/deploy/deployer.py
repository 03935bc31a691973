"""Deploy, plan and destroy for a target: settings → clients → read → plan → execute.

The document is built (and so validated) before any call; the bucket and roles are
checked only when the plan has writes, so a no-op redeploy makes reads only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from glue_workflow.aws import clients
from glue_workflow.aws.retry import RetryPolicy
from glue_workflow.config import LOCAL_ACCOUNT_ID, Settings
from glue_workflow.deploy.event_rules import EventsDeployApi
from glue_workflow.deploy.execute import DisplayExecutor, Echo, Executor
from glue_workflow.deploy.glue_deploy_calls import GlueDeployApi
from glue_workflow.deploy.plan import Plan, plan_deploy, plan_destroy
from glue_workflow.deploy.remote import RemoteState, read_remote_state
from glue_workflow.deploy.store_api import IamApi, S3Api, split_s3_uri
from glue_workflow.document import WorkflowDocument
from glue_workflow.errors import DeployError
from glue_workflow.infra.outputs import fill_from_stack


def _silent(_: str) -> None:
    return None


@dataclass(frozen=True, kw_only=True)
class DeployTarget:
    """Resolved settings and the facades of one target."""

    settings: Settings
    glue: GlueDeployApi
    s3: S3Api
    iam: IamApi | None  # None on the local target (no IAM there)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    events: EventsDeployApi | None = None  # the rule of an event-started workflow

    @property
    def account(self) -> str | None:
        if self.settings.is_local:
            return LOCAL_ACCOUNT_ID
        arn = self.settings.glue_role_arn or ""
        parts = arn.split(":")
        return parts[4] if len(parts) > 4 and parts[4] else None


def open_target(
    settings: Settings, *, session: Any = None, policy: RetryPolicy | None = None
) -> DeployTarget:
    session = session or clients.session_for(settings)
    settings = fill_from_stack(settings, session)  # bucket/roles from the stack (contract 8)
    policy = policy or RetryPolicy()
    return DeployTarget(
        settings=settings,
        glue=GlueDeployApi(client=clients.client(settings, "glue", session), policy=policy),
        s3=S3Api(client=clients.client(settings, "s3", session), policy=policy),
        iam=None
        if settings.is_local
        else IamApi(client=clients.client(settings, "iam", session), policy=policy),
        policy=policy,
        events=EventsDeployApi(client=clients.client(settings, "events", session), policy=policy),
    )


def build(target: DeployTarget) -> WorkflowDocument:
    from glue_workflow.definition import build_document

    return build_document(target.settings)


def read(
    target: DeployTarget, document: WorkflowDocument, *, verify_artifacts: bool = False
) -> RemoteState:
    return read_remote_state(
        target.glue,
        target.s3,
        document,
        region=target.settings.region,
        account=target.account,
        verify_artifacts=verify_artifacts,
        events=target.events,
    )


def note_active_run(workflow: Mapping[str, Any] | None, effect: str, echo: Echo) -> None:
    """Say so when the workflow's last run (GetWorkflow's LastRun, already read: no call
    more) is still going: the change reaches it."""
    workflow = workflow or {}
    last = workflow.get("LastRun") or {}
    if last.get("Status") in ("RUNNING", "STOPPING"):
        run, status = last.get("WorkflowRunId"), str(last.get("Status")).lower()
        echo(f"note: run {run} of workflow {workflow.get('Name')} is {status}: {effect}")


def active_run_effect(plan: Plan) -> str:
    """What a deploy does to a run still going: the run keeps the graph it started with,
    so its nodes not started yet run the updated jobs, and fail if their job is gone."""
    deleted = sorted(i.name for i in plan.instructions if i.type == "job" and i.action == "delete")
    effect = "its nodes not started yet run the updated jobs (the run keeps its graph)"
    if deleted:
        effect += (
            f"; those of the jobs this deploy deletes ({', '.join(deleted[:4])}"
            f"{', ...' if len(deleted) > 4 else ''}) will fail, job not found: let the run "
            "finish, or stop it, before deploying"
        )
    return effect


def note_replaced(plan: Plan, remote: RemoteState, echo: Echo) -> None:
    """Say so when a deploy deletes most of the deployed jobs: the usual cause is another
    project deploying a workflow of the same name to the same target (the two then
    replace each other on every deploy), not an edit."""
    deleted = sorted(i.name for i in plan.instructions if i.type == "job" and i.action == "delete")
    if len(deleted) >= 2 and 2 * len(deleted) > len(remote.owned_jobs):
        echo(
            f"note: this deploy deletes {len(deleted)} of the {len(remote.owned_jobs)} deployed "
            f"jobs of workflow {plan.workflow_name} ({', '.join(deleted[:4])}"
            f"{', ...' if len(deleted) > 4 else ''}): if another project deploys a workflow "
            "of this name to the same target, the two replace each other: give one another "
            "name"
        )


def make_plan(
    target: DeployTarget, document: WorkflowDocument, *, verify_artifacts: bool = False
) -> Plan:
    return plan_deploy(document, read(target, document, verify_artifacts=verify_artifacts))


def apply(target: DeployTarget, plan: Plan, document: WorkflowDocument | None, echo: Echo) -> None:
    if plan.empty:
        echo(f"workflow {plan.workflow_name}: up to date, nothing to do")
        return
    if document is not None and any(i.action != "delete" for i in plan.instructions):
        preflight(target, document, echo)
    Executor(
        glue=target.glue, s3=target.s3, echo=echo, policy=target.policy, events=target.events
    ).execute(plan)


def deploy(
    target: DeployTarget,
    document: WorkflowDocument,
    *,
    dry_run: bool = False,
    verify_artifacts: bool = False,
    echo: Echo = _silent,
) -> Plan:
    remote = read(target, document, verify_artifacts=verify_artifacts)
    plan = plan_deploy(document, remote)
    if not plan.empty:
        note_active_run(remote.workflow, active_run_effect(plan), echo)
        note_replaced(plan, remote, echo)
    if dry_run:
        DisplayExecutor(echo=echo).execute(plan)
    else:
        if target.settings.is_local:  # first: what it starts comes up while this deploys
            prepare_local(target.settings, document)
        apply(target, plan, document, echo)
    return plan


# The context argument of jobs that run SageMaker's XGBoost container (training,
# processing, endpoints): docs/definition.md, context_arguments.
XGBOOST_CONTEXT = "--xgboost_image_uri"


def prepare_local(settings: Settings, document: WorkflowDocument) -> None:
    """Start what a local workflow's first run needs ahead of it, as Glue's and
    SageMaker's warm pools keep capacity ready: the warm Spark (warmed up) for Spark
    jobs, and spare SageMaker workers and endpoint server (numpy and xgboost imported:
    ``local/sagemaker/spares.py``) for jobs that use the XGBoost container. Nothing to
    wait for; ``[target.local] warm_spark = false`` and ``GLUE_WF_ENDPOINT_SPARE=0``
    turn them off."""
    from glue_workflow.local.environment import job_environment

    home = settings.home.resolve()
    env = job_environment(home)
    jobs = document.jobs
    if any(XGBOOST_CONTEXT in (job.get("DefaultArguments") or {}) for job in jobs):
        from glue_workflow.local.sagemaker import spares
        from glue_workflow.local.store import LocalHome

        spares.prepare(LocalHome(home).ensure(), env)
    if any((job.get("Command") or {}).get("Name") == "glueetl" for job in jobs):
        from glue_workflow.local.spark import control

        control.prepare(home, env)


def destroy(
    target: DeployTarget, document: WorkflowDocument, *, dry_run: bool = False, echo: Echo = _silent
) -> Plan:
    """Delete what the workflow owns; the bucket, its artifacts and the roles stay."""
    remote = read_remote_state(
        target.glue,
        None,
        document,
        region=target.settings.region,
        account=target.account,
        events=target.events,
        read_tags=False,  # ownership from the owner tag alone: sweep all it marks
    )
    plan = plan_destroy(remote)
    last = (remote.workflow or {}).get("LastRun") or {}
    if not plan.empty and last.get("Status") in ("RUNNING", "STOPPING"):
        # its nodes not started yet would fail (job not found), and once the workflow is
        # gone no glue-wf command finds the run to stop it
        note_active_run(
            remote.workflow, "stopping it first (with its jobs gone it could not go on)", echo
        )
        if not dry_run and last.get("Status") == "RUNNING":
            target.glue.stop_run(document.name, str(last.get("WorkflowRunId")))
    if dry_run:
        DisplayExecutor(echo=echo).execute(plan)
    else:
        apply(target, plan, None, echo)
    return plan


def preflight(target: DeployTarget, document: WorkflowDocument, echo: Echo) -> None:
    """Before the first write: the bucket exists (local: is created), the roles exist."""
    settings = target.settings
    buckets = {split_s3_uri(a.uri)[0] for a in document.artifacts}
    if settings.bucket:
        buckets.add(settings.bucket)
    for bucket in sorted(buckets):
        if target.s3.bucket_exists(bucket):
            continue
        if settings.is_local:
            echo(f"create local bucket {bucket}")
            target.s3.create_bucket(bucket, settings.region)
            continue
        raise DeployError(
            f"artifacts bucket {bucket!r} does not exist in {settings.region}: create the "
            "bucket and roles with 'glue-wf infra deploy' (CloudFormation in infra/), or "
            "set bucket in the [target.aws] table of glue-wf.toml / GLUE_WF_BUCKET"
        )
    if target.iam is None:
        return
    roles = {("Glue job", settings.glue_role_arn), ("SageMaker", settings.sagemaker_role_arn)}
    roles |= {("Glue job", job.get("Role")) for job in document.jobs}
    for label, arn in sorted((label, arn) for label, arn in roles if arn):
        if ":role/" not in arn:
            raise DeployError(
                f"{label} role {arn!r} is not an IAM role ARN "
                "(arn:aws:iam::<account>:role/<name>): fix glue_role_arn/sagemaker_role_arn"
            )
        if target.iam.role_exists(arn) is False:
            raise DeployError(
                f"{label} role {arn} does not exist: create the roles with "
                "'glue-wf infra deploy' (CloudFormation in infra/), or point "
                "glue_role_arn/sagemaker_role_arn in glue-wf.toml at existing roles"
            )


__all__ = [
    "DeployTarget",
    "apply",
    "build",
    "deploy",
    "destroy",
    "make_plan",
    "open_target",
    "preflight",
    "read",
]
