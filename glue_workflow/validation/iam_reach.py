"""What the Glue job role ``infra/template.yaml`` creates would deny at run time.

``glue-wf infra deploy`` gives the workflow's Glue jobs a least-privilege role
(``GlueJobRole``, policy ``glue-wf-glue-job``). A definition can name things that role
may not touch: an ``s3://`` URI outside the two prefixes it reads, an EventBridge bus
or SNS topic other than the ones it publishes to, Glue connections or a security
configuration. AWS then denies the call inside the job run, long after ``validate``
said the definition was fine. These rules find that offline, as warnings: the user may
have widened the template, or run the jobs with a role of their own (``glue_role_arn``
in ``[target.aws]``), which validation cannot see.

Every message quotes the template statement (``Sid``) it is derived from;
``tests/definition/test_def_iam_reach.py`` checks those statements still say so.
``{workflow}`` in a URI is filled as the compiler fills it; ``{bucket}`` stays
symbolic unless the caller knows the bucket, and compares as the artifacts bucket.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from glue_workflow.compiler import fill_placeholders
from glue_workflow.errors import Problem
from glue_workflow.model.drift import DriftCheck
from glue_workflow.model.jobs import Job
from glue_workflow.model.notify import NOTIFIER_NODE, ToEventBridge, ToSns
from glue_workflow.model.triggers import Event
from glue_workflow.model.workflow import Workflow
from glue_workflow.naming import notification_topic_name, readable_prefixes

TEMPLATE = "infra/template.yaml"
# The GlueJobRole statements (Sid) of infra/template.yaml each rule is derived from.
READ_DATA = "ReadInputData"  # s3:GetObject on <bucket>/data/*
READ_WORKFLOW = "WorkflowObjects"  # s3:GetObject on <bucket>/glue-wf/<workflow>/*
LIST_PREFIXES = "ListWorkflowPrefixes"  # s3:ListBucket, s3:prefix data/* and glue-wf/<wf>/*
WRITE_OUTPUTS = "WriteRunOutputs"  # s3:PutObject under glue-wf/<workflow>/{runs,temp,cache}/
PUT_EVENTS = "PutVerdictEvents"  # events:PutEvents on event-bus/default
PUBLISH = "PublishVerdict"  # sns:Publish on the NotificationsTopic (<stack>-notifications)
LOGS = "GlueJobLogs"  # logs:CreateLogGroup/CreateLogStream/PutLogEvents on /aws-glue/*
BUCKET_KEY = "BucketKmsKey"  # kms:Decrypt/GenerateDataKey on the bucket's key, via S3 only
POLICY = "glue-wf-glue-job"  # the GlueJobRole policy holding them
DEFAULT_BUS = "default"
# What these warnings cannot know: the role the jobs really run as.
OWN_ROLE = "(a glue_role_arn of your own: grant it there)"
REDEPLOY = f"rerun 'glue-wf infra deploy' {OWN_ROLE}"
# Actions a Glue connection needs from the job role (AWS Glue Developer Guide, "Step 1:
# Create an IAM policy for the AWS Glue service"): none of them is in the template.
CONNECTION_ACTIONS = (
    "glue:GetConnection",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeRouteTables",
)
# A security configuration encrypting CloudWatch logs or S3 data with KMS ("Setting up
# AWS Glue to use security configurations"): the job role associates the key with its
# log group and uses the keys directly, not through S3.
SECURITY_ACTIONS = ("logs:AssociateKmsKey", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey")


def check_iam_reach(
    workflow: Workflow, *, bucket: str | None = None, stack_name: str | None = None
) -> list[Problem]:
    """Warnings for what the template's Glue job role would deny the workflow's jobs.

    ``bucket``: the artifacts bucket, when the caller knows it (then a URI naming
    another bucket is reported too); ``stack_name``: the infra stack, whose topic
    ``<stack>-notifications`` is the one ``ToSns`` may publish to.
    """
    reach = _Reach(workflow.name, bucket)
    problems = reach.defaults(workflow)
    for node in workflow.nodes:
        where = f"node {node.name!r}"
        if isinstance(node, DriftCheck):
            for what in ("baseline", "batch"):
                value = getattr(node, what)
                if value.startswith("s3://"):
                    problems += reach.read(where, f"{what}={value!r}", value)
        elif isinstance(node, Job):
            problems += reach.job(node)
    for trigger in workflow.triggers:
        for action in trigger.actions:
            for key, value in action.arguments.items():
                what = f"action argument {key}={value!r} of node {action.node!r}"
                problems += reach.argument(f"Trigger {trigger.name!r}", what, value)
    if isinstance(workflow.start, Event) and workflow.start.pattern is not None:
        problems += reach.event(workflow.start.pattern)
    for target in workflow.notify:
        problems += _notify(target, stack_name)
    return problems


def _warning(where: str, rule: str, message: str) -> Problem:
    return Problem(where=where, rule=rule, message=message, severity="warning")


class _Reach:
    """Where the Glue job role reads and writes objects, for one workflow."""

    def __init__(self, workflow: str, bucket: str | None) -> None:
        self.workflow = workflow
        self.bucket = bucket
        self.shown = bucket or "{bucket}"
        # the template's ReadInputData and WorkflowObjects prefixes, as the run guard has them
        self.data, self.outputs = readable_prefixes(self.shown, workflow)

    def outside(self, uri: str) -> tuple[str, str] | None:
        """(bucket, key) of ``uri`` when the role reads no object under it, else None.

        With the bucket unknown, any bucket is taken for the artifacts bucket (it may
        be its literal name): only the key is checked then.
        """
        filled = fill_placeholders(
            uri, bucket=self.shown, region="{region}", workflow=self.workflow
        )
        name, _, key = filled.removeprefix("s3://").partition("/")
        # with the bucket unknown, compare the key under whatever bucket the URI names
        readable = f"s3://{self.shown}/{key}".startswith((self.data, self.outputs))
        ours = self.bucket is None or name == self.bucket
        return None if readable and ours else (name, key)

    def _denied(
        self, what: str, uri: str, actions: str, fix: str, *, under: bool = False
    ) -> str | None:
        """The message for ``uri`` outside the readable prefixes (None: inside).

        A URI ending in '/' is a prefix: listed, then read; ``under``: the objects
        whose key starts with the URI's key (an event pattern's key prefix).
        """
        found = self.outside(uri)
        if found is None:
            return None
        name, key = found
        listed = not key or key.endswith("/")
        resource = f"arn:...:s3:::{name}/{key}{'*' if listed or under else ''}"
        if listed and not under:
            actions = f"s3:ListBucket ({LIST_PREFIXES}) and {actions}"
        verb = "are" if " and " in actions else "is"
        return (
            f"{what} would be denied on AWS: the Glue job role of {TEMPLATE} reads only "
            f"{self.data} and {self.outputs} (statements {READ_DATA}, {READ_WORKFLOW}), so "
            f"{actions} on {resource} {verb} missing: {fix}"
        )

    def read(self, where: str, what: str, uri: str, *, rule: str = "iam-s3-read") -> list[Problem]:
        fix = (
            f"move it under {self.data} or {self.outputs}, or widen statement "
            f"{READ_DATA} in {TEMPLATE} and {REDEPLOY}"
        )
        message = self._denied(what, uri, "s3:GetObject", fix)
        return [] if message is None else [_warning(where, rule, message)]

    def argument(self, where: str, what: str, value: str) -> list[Problem]:
        """An argument's ``s3://`` URI(s): read or written, the role does neither outside."""
        problems = []
        for uri in _uris(value):
            fix = (
                f"move it under {self.data} (read) or {self.outputs}runs/ (written), or widen "
                f"statement {READ_DATA} or {WRITE_OUTPUTS} in {TEMPLATE} and {REDEPLOY}"
            )
            shown = what if uri == value else f"{what} ({uri})"
            message = self._denied(shown, uri, "s3:GetObject and s3:PutObject", fix)
            if message is not None:
                problems.append(_warning(where, "iam-s3-argument", message))
        return problems

    def job(self, job: Job) -> list[Problem]:
        where = f"node {job.name!r}"
        problems = []
        for field in ("arguments", "non_overridable_arguments"):
            for key, value in getattr(job, field).items():
                problems += self.argument(where, f"argument {key}={value!r}", value)
        for module in job.additional_python_modules:
            if module.startswith("s3://"):
                what = f"additional_python_modules entry {module!r}"
                problems += self.read(where, what, module, rule="iam-s3-module")
        if job.connections:
            names = ", ".join(f"connection/{c}" for c in job.connections)
            problems.append(
                _warning(
                    where,
                    "iam-connections",
                    f"connections={job.connections!r} would be denied on AWS: no statement "
                    f"of policy {POLICY} in {TEMPLATE} grants {', '.join(CONNECTION_ACTIONS)} "
                    f"(on {names} and the connection's VPC), so the job run fails: add a "
                    f"statement granting them to GlueJobRole in {TEMPLATE} and {REDEPLOY}",
                )
            )
        if job.security_configuration is not None:
            problems.append(
                _warning(
                    where,
                    "iam-security-configuration",
                    f"security_configuration={job.security_configuration!r} would be denied "
                    f"on AWS if it encrypts logs or data with KMS: the Glue job role of "
                    f"{TEMPLATE} has {', '.join(SECURITY_ACTIONS)} on no key (statement "
                    f"{LOGS} grants logs:CreateLogGroup, logs:CreateLogStream, "
                    f"logs:PutLogEvents only; {BUCKET_KEY} the bucket's key through S3 "
                    f"only): grant them on the configuration's keys to GlueJobRole in "
                    f"{TEMPLATE} and {REDEPLOY}, or drop security_configuration",
                )
            )
        return problems

    def defaults(self, workflow: Workflow) -> list[Problem]:
        """Default run properties holding an ``s3://`` URI a node reads."""
        readers: dict[str, list[str]] = {}
        for node in workflow.nodes:
            for prop in node.reads:
                readers.setdefault(prop, []).append(repr(node.name))
        problems = []
        for prop, value in workflow.default_run_properties.items():
            if not value.startswith("s3://") or prop not in readers:
                continue
            where = f"workflow {workflow.name!r} default_run_properties[{prop!r}]"
            nodes = "node" if len(readers[prop]) == 1 else "nodes"
            what = f"run property {prop}={value!r} (read by {nodes} {', '.join(readers[prop])})"
            problems += self.read(where, what, value)
        return problems

    def event(self, pattern: Mapping[str, Any]) -> list[Problem]:
        """An S3 event pattern: the objects that start a run are the ones it reads."""
        if "aws.s3" not in _values(pattern.get("source")):
            return []
        detail = pattern.get("detail")
        if not isinstance(detail, Mapping):
            return []
        buckets = _values(_get(detail, "bucket", "name"))
        keys = _get(detail, "object", "key")
        prefixes = [*_values(keys)]
        prefixes += [
            k["prefix"]
            for k in _list(keys)
            if isinstance(k, Mapping) and isinstance(k.get("prefix"), str)
        ]
        fix = (
            f"have them land under {self.data}, or widen statement {READ_DATA} in {TEMPLATE} "
            f"and {REDEPLOY}"
        )
        problems = []
        for name in buckets:
            for prefix in prefixes:
                uri = f"s3://{name}/{prefix}"
                what = f"Event pattern starts runs on objects created under {uri!r}; reading them"
                message = self._denied(what, uri, "s3:GetObject", fix, under=True)
                if message is not None:
                    problems.append(_warning("start trigger", "iam-event-source", message))
        return problems


def _uris(value: str) -> Iterator[str]:
    """The ``s3://`` URIs of an argument value (one, or a comma-separated list)."""
    if value.startswith("s3://"):
        yield from (part for part in value.split(",") if part.startswith("s3://"))


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _values(value: Any) -> list[str]:
    """The exact-match strings of a pattern field."""
    return [v for v in _list(value) if isinstance(v, str)]


def _get(value: Any, *path: str) -> Any:
    """``value[path[0]][path[1]]...``, or None where a level is missing."""
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _notify(target: ToEventBridge | ToSns, stack_name: str | None) -> list[Problem]:
    where = f"node {NOTIFIER_NODE!r}"
    if isinstance(target, ToEventBridge):
        bus = target.bus
        if bus == DEFAULT_BUS or (bus.startswith("arn:") and bus.endswith(":event-bus/default")):
            return []
        resource = bus if bus.startswith("arn:") else f"arn:...:events:...:event-bus/{bus}"
        return [
            _warning(
                where,
                "iam-notify-bus",
                f"ToEventBridge(bus={bus!r}) would be denied on AWS: statement {PUT_EVENTS} "
                f"of {TEMPLATE} allows events:PutEvents on event-bus/default only, so "
                f"events:PutEvents on {resource} is missing and no verdict is published: use "
                f"ToEventBridge() (the default bus), or widen statement {PUT_EVENTS} and "
                f"{REDEPLOY}",
            )
        ]
    if target.topic_arn is None:
        return []  # the stack's own topic
    topic = target.topic_arn.split(":")[5]
    suffix = notification_topic_name("")  # "-notifications"
    ours = topic == notification_topic_name(stack_name) if stack_name else topic.endswith(suffix)
    if ours:
        return []  # may be the stack's topic: its account and region are not known here
    stack = f"{stack_name}{suffix}" if stack_name else f"<stack>{suffix}"
    return [
        _warning(
            where,
            "iam-notify-topic",
            f"ToSns(topic_arn={target.topic_arn!r}) would be denied on AWS: statement "
            f"{PUBLISH} of {TEMPLATE} allows sns:Publish on the stack's topic {stack} only, "
            f"so sns:Publish on {target.topic_arn} is missing and no verdict is published: "
            f"use ToSns() (the stack's topic), or widen statement {PUBLISH} and {REDEPLOY}",
        )
    ]


__all__ = ["check_iam_reach"]
