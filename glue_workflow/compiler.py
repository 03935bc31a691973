"""Definition -> the exact CreateWorkflow / CreateJob / CreateTrigger requests.

Pure: no boto3, no file or network I/O, no clock. Identical inputs give
byte-identical JSON. Artifacts (already read and hashed by
``glue_workflow.artifacts``) arrive in the ``CompileContext``; the requests
reference their content-addressed S3 URIs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from glue_workflow import __version__, naming
from glue_workflow.cache_config import CACHE_ARGUMENT, cache_argument
from glue_workflow.document import MANAGED_BY_TAG, OWNER_TAG, Artifact, WorkflowDocument
from glue_workflow.errors import DefinitionError, Problem
from glue_workflow.glue_defaults import default_timeout
from glue_workflow.jobkit.context import DEFAULTS_PRODUCER
from glue_workflow.model.jobs import Job, PythonShellJob, SparkJob, training_arguments
from glue_workflow.model.topology import LogicalTrigger, resolve_triggers
from glue_workflow.model.triggers import Action, Event
from glue_workflow.model.workflow import Workflow

MANAGED_BY = "glue-wf"
_PLACEHOLDER = re.compile(r"\{(bucket|region|workflow)\}")
PRODUCERS_ARGUMENT = "--glue_wf_producers"
# The node's declared reads/writes, enforced by the job library at run time.
CONTRACT_ARGUMENT = "--glue_wf_contract"
UriFn = Callable[[str, str], str]
FillFn = Callable[[Mapping[str, str]], dict[str, str]]


@dataclass(frozen=True, kw_only=True)
class CompileContext:
    """Where the workflow deploys, and the artifacts its requests point at."""

    bucket: str
    glue_role_arn: str
    # None: the infra stack made none (a workflow without SageMaker); a job handed it fails
    sagemaker_role_arn: str | None
    region: str
    xgboost_image_uri: str
    artifacts: tuple[Artifact, ...] = ()
    # the role EventBridge assumes to notify Glue (needed by Event(pattern=...) only)
    events_role_arn: str | None = None
    # the SNS topic ToSns() publishes to by default (infra output NotificationsTopicArn)
    notify_topic_arn: str | None = None
    # the page a notification links to, ``{run_id}`` filled per run; default: Glue console
    console_url: str | None = None

    def artifact(self, source: str, where: str) -> Artifact:
        for artifact in self.artifacts:
            if artifact.source == source:
                return artifact
        raise DefinitionError(
            [
                Problem(
                    where=where,
                    rule="artifact",
                    message=f"no artifact for {source!r}: collect it with "
                    "glue_workflow.artifacts.collect_artifacts before compiling",
                )
            ]
        )


def resolve_placeholders(value: str, workflow: str, context: CompileContext) -> str:
    """Fill ``{bucket}``, ``{region}`` and ``{workflow}`` from the deployment."""
    return fill_placeholders(value, bucket=context.bucket, region=context.region, workflow=workflow)


def fill_placeholders(value: str, *, bucket: str, region: str, workflow: str) -> str:
    """``value`` with ``{bucket}``, ``{region}`` and ``{workflow}`` filled in."""
    values = {"bucket": bucket, "region": region, "workflow": workflow}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], value)


def compile_workflow(workflow: Workflow, context: CompileContext) -> WorkflowDocument:
    """The WorkflowDocument for ``workflow`` deployed into ``context``."""
    wf = workflow.name
    owner = {OWNER_TAG: wf, MANAGED_BY_TAG: MANAGED_BY}
    triggers = resolve_triggers(workflow)
    producers = _producers(workflow)
    used = {a.source: a for a in context.artifacts}
    referenced: dict[str, Artifact] = {}

    def uri(source: str, where: str) -> str:
        artifact = used.get(source) or context.artifact(source, where)
        referenced[source] = artifact
        return artifact.uri

    def fill(mapping: Mapping[str, str]) -> dict[str, str]:
        return {k: resolve_placeholders(v, wf, context) for k, v in mapping.items()}

    workflow_request: dict[str, Any] = {
        "Name": wf,
        "Description": workflow.description or f"{wf} (managed by glue-wf)",
        "DefaultRunProperties": fill(workflow.default_run_properties),
        "Tags": {**workflow.tags, **owner},
    }
    if workflow.max_concurrent_runs is not None:
        workflow_request["MaxConcurrentRuns"] = workflow.max_concurrent_runs

    jobs = [
        _job_request(
            job,
            wf,
            context=context,
            uri=uri,
            fill=fill,
            producers=producers,
            tags={**workflow.tags, **owner},
        )
        for job in sorted(workflow.jobs, key=lambda j: j.name)
    ]
    trigger_requests = [_trigger_request(t, wf, fill, {**workflow.tags, **owner}) for t in triggers]
    return WorkflowDocument(
        workflow=workflow_request,
        jobs=tuple(jobs),
        triggers=tuple(trigger_requests),
        artifacts=tuple(referenced[k] for k in sorted(referenced)),
        event_rules=_event_rules(workflow, context, {**workflow.tags, **owner}),
    )


def _event_rules(
    workflow: Workflow, context: CompileContext, tags: Mapping[str, str]
) -> tuple[dict[str, Any], ...]:
    """The EventBridge rule + target Glue documents for event-started workflows.

    AWS Glue Developer Guide, "Starting an AWS Glue workflow with an Amazon EventBridge
    event" (starting-workflow-eventbridge.html): a rule on the default bus whose target
    is the workflow's ARN, with a role EventBridge assumes that may ``glue:notifyEvent``.
    """
    start = workflow.start
    if not isinstance(start, Event) or start.pattern is None:
        return ()
    if not context.events_role_arn:
        raise DefinitionError(
            [
                Problem(
                    where="start trigger",
                    rule="events-role",
                    message="Event(pattern=...) deploys an EventBridge rule whose target needs "
                    "the role EventBridge assumes: deploy the infra stack (glue-wf infra "
                    "deploy: output EventsRoleArn) or set events_role_arn in [target.aws] "
                    "of glue-wf.toml (or GLUE_WF_EVENTS_ROLE_ARN)",
                )
            ]
        )
    account = context.glue_role_arn.split(":")[4] if context.glue_role_arn.count(":") >= 5 else ""
    wf = workflow.name
    rule = {
        "Name": naming.event_rule_name(wf),
        "EventPattern": json.dumps(start.pattern, sort_keys=True, separators=(",", ":")),
        "State": "ENABLED",
        "Description": f"Starts Glue workflow {wf} (managed by glue-wf)",
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
    }
    target = {
        "Id": naming.EVENT_TARGET_ID,
        "Arn": naming.regional_arn("glue", context.region, account, f"workflow/{wf}"),
        "RoleArn": context.events_role_arn,
    }
    return ({"Rule": rule, "Targets": [target]},)


def _producers(workflow: Workflow) -> dict[str, str]:
    """Who provides each run property, for jobkit's 'missing property' messages."""
    writers: dict[str, list[str]] = {}
    for node in workflow.nodes:
        for prop in node.writes:
            writers.setdefault(prop, []).append(node.name)
    result = {}
    for prop, nodes in writers.items():
        result[prop] = " or ".join(
            f"node {n!r} (job {naming.job_name(workflow.name, n)})" for n in sorted(nodes)
        )
    for prop in workflow.start_parameters:
        result.setdefault(prop, "a start-time run property (glue-wf run --property NAME=VALUE)")
    for prop in workflow.default_run_properties:
        result.setdefault(prop, DEFAULTS_PRODUCER)
    return result


# Context arguments only some targets supply: (rule, how to get one) when missing.
TARGET_CONTEXT = {
    "notify_topic_arn": (
        "notify-topic",
        "ToSns() without topic_arn publishes to the topic the infra stack creates: deploy it "
        "(glue-wf infra deploy: output NotificationsTopicArn) or pass ToSns(topic_arn=...)",
    ),
    "sagemaker_role_arn": (
        "sagemaker-role",
        "context argument sagemaker_role_arn: the target has no SageMaker execution role "
        "(the infra stack creates one only for a workflow that uses SageMaker): rerun "
        "'glue-wf infra deploy' for this definition, or set sagemaker_role_arn in glue-wf.toml",
    ),
}


def _job_request(
    job: Job,
    wf: str,
    *,
    context: CompileContext,
    uri: UriFn,
    fill: FillFn,
    producers: Mapping[str, str],
    tags: Mapping[str, str],
) -> dict[str, Any]:
    where = f"{job.kind} {job.name!r}"
    args: dict[str, str] = dict(fill(job.arguments))
    context_values = {
        "artifacts_bucket": context.bucket,
        "sagemaker_role_arn": context.sagemaker_role_arn or "",
        "xgboost_image_uri": context.xgboost_image_uri,
        "notify_topic_arn": context.notify_topic_arn or "",
    }
    if "console_url" in job.context_arguments:  # a console link needs the region's partition
        context_values["console_url"] = context.console_url or naming.workflow_console_url(
            context.region, wf
        )
    missing = [
        Problem(where=where, rule=rule, message=message)
        for name, (rule, message) in TARGET_CONTEXT.items()
        if name in job.context_arguments and not context_values[name]
    ]
    if missing:
        raise DefinitionError(missing)
    for name in job.context_arguments:
        args[f"--{name}"] = context_values[name]
    for key, path in job.files.items():
        args[key] = uri(path, where)
    py_files = [uri(job.jobkit_source, where)] if job.jobkit_source else []
    py_files += [uri(p, where) for p in job.extra_py_files]
    if py_files:
        args["--extra-py-files"] = ",".join(py_files)
    if job.jobkit:
        args[CACHE_ARGUMENT] = cache_argument(
            job, wf, context.bucket, lambda source: context.artifact(source, where).sha256
        )
    if job.additional_python_modules:
        args["--additional-python-modules"] = ",".join(job.additional_python_modules)
    if job.reads:
        args[PRODUCERS_ARGUMENT] = json.dumps(
            {p: producers.get(p, "nobody (declare a writer or a default)") for p in job.reads},
            sort_keys=True,
            separators=(",", ":"),
        )
    args[CONTRACT_ARGUMENT] = json.dumps(
        {"node": job.name, "reads": list(job.reads), "writes": list(job.writes)},
        sort_keys=True,
        separators=(",", ":"),
    )
    request: dict[str, Any] = {
        "Name": naming.job_name(wf, job.name),
        "Description": job.description or f"{wf} node {job.name}",
        "Role": context.glue_role_arn,
        "ExecutionProperty": {"MaxConcurrentRuns": job.max_concurrent_runs},
        "MaxRetries": job.max_retries,
        "Tags": {**tags, **job.tags},
    }
    script = uri(job.script, where)
    if isinstance(job, SparkJob):
        args["--job-language"] = "python"
        args["--TempDir"] = naming.temp_dir_uri(context.bucket, wf)
        args["--job-bookmark-option"] = (
            "job-bookmark-enable" if job.job_bookmarks else "job-bookmark-disable"
        )
        if job.extra_files:
            args["--extra-files"] = ",".join(uri(p, where) for p in job.extra_files)
        request["Command"] = {"Name": "glueetl", "ScriptLocation": script, "PythonVersion": "3"}
        request["GlueVersion"] = job.glue_version
        # (max_capacity is refused for Spark: Glue 2.0+ jobs take workers only)
        request["WorkerType"] = job.worker_type
        request["NumberOfWorkers"] = job.number_of_workers
        if job.execution_class is not None:
            request["ExecutionClass"] = job.execution_class
    elif isinstance(job, PythonShellJob):
        args["library-set"] = job.library_set
        args.update(training_arguments(job))
        request["Command"] = {
            "Name": "pythonshell",
            "ScriptLocation": script,
            "PythonVersion": job.python_version,
        }
        request["GlueVersion"] = job.glue_version
        request["MaxCapacity"] = float(job.max_capacity)
    request["Timeout"] = job.timeout or default_timeout(request["GlueVersion"])
    request["DefaultArguments"] = dict(sorted(args.items()))
    if job.connections:
        request["Connections"] = {"Connections": list(job.connections)}
    if job.security_configuration is not None:
        request["SecurityConfiguration"] = job.security_configuration
    if job.notify_delay_after is not None:
        request["NotificationProperty"] = {"NotifyDelayAfter": job.notify_delay_after}
    if job.non_overridable_arguments:
        request["NonOverridableArguments"] = fill(job.non_overridable_arguments)
    return request


def _trigger_request(
    trigger: LogicalTrigger, wf: str, fill: FillFn, tags: Mapping[str, str]
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "Name": trigger.name,
        "WorkflowName": wf,
        "Type": trigger.type,
        "Description": trigger.description,
        "Actions": [_action(a, wf, fill) for a in trigger.actions],
        "Tags": dict(tags),
    }
    if trigger.type == "SCHEDULED":
        request["Schedule"] = trigger.schedule
        request["StartOnCreation"] = trigger.active
    elif trigger.type == "EVENT":
        batching: dict[str, int] = {"BatchSize": trigger.batch_size or 1}
        if trigger.batch_window is not None:
            batching["BatchWindow"] = trigger.batch_window
        request["EventBatchingCondition"] = batching
    elif trigger.type == "CONDITIONAL":
        request["Predicate"] = {
            "Logical": trigger.logical,
            "Conditions": [
                {
                    "LogicalOperator": "EQUALS",
                    "JobName": naming.job_name(wf, c.node),
                    "State": c.state,
                }
                for c in trigger.conditions
            ],
        }
        request["StartOnCreation"] = trigger.active
    return request


def _action(action: Action, wf: str, fill: FillFn) -> dict[str, Any]:
    result: dict[str, Any] = {"JobName": naming.job_name(wf, action.node)}
    if action.arguments:
        result["Arguments"] = fill(action.arguments)
    if action.timeout is not None:
        result["Timeout"] = action.timeout
    if action.notify_delay_after is not None:
        result["NotificationProperty"] = {"NotifyDelayAfter": action.notify_delay_after}
    return result


def artifact_sources(workflow: Workflow) -> tuple[str, ...]:
    """Every file the compiled requests reference (sorted; jobkit included if used)."""
    sources: set[str] = set()
    for job in workflow.jobs:
        sources.update(job.files_and_script)
        if job.jobkit_source:
            sources.add(job.jobkit_source)
    return tuple(sorted(sources))


def placeholder_context(workflow: Workflow, bucket: str) -> CompileContext:
    """A context whose artifacts are empty placeholders: compile without reading files."""
    digest = "0" * 64
    role = f"arn:aws:iam::000000000000:role/{bucket}"
    return CompileContext(
        bucket=bucket,
        glue_role_arn=role,
        sagemaker_role_arn=role,
        region="us-east-1",
        xgboost_image_uri="000000000000.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:x",
        events_role_arn=role,
        notify_topic_arn="arn:aws:sns:us-east-1:000000000000:glue-wf-notifications",
        artifacts=tuple(
            Artifact(
                source=source,
                uri=naming.artifact_uri(bucket, workflow.name, digest, artifact_filename(source)),
                sha256=digest,
                content=b"",
            )
            for source in artifact_sources(workflow)
        ),
    )


def artifact_filename(source: str) -> str:
    """File name of an artifact in S3 (the job library is a versioned wheel)."""
    if source == naming.JOBKIT_SOURCE:
        return naming.jobkit_filename(__version__)
    if source == naming.JOBKIT_ZIP_SOURCE:
        return naming.jobkit_filename(__version__, "zip")
    return PurePosixPath(source).name
