"""What the target holds for one workflow: read-only, batched.

Reads, for any number of nodes: ``GetWorkflow``; ``ListJobs`` and ``ListTriggers``
filtered by the tag-digest tag (``deploy.tags``): when every declared job and trigger
carries the current digest, what they list is what this workflow owns (the digest
hashes the owner tag) and the tags are in sync; otherwise ``ListJobs`` /
``ListTriggers`` again filtered by the owner tag (what this workflow owns, including
what it no longer declares) and ``GetTags`` on each owned resource whose tags must be
compared. Then ``BatchGetJobs`` / ``BatchGetTriggers`` in chunks for the union of
declared and owned names. ``GetTags`` on the workflow only when ownership cannot be
told from its owned triggers, or when tags are read.

Artifacts: an artifact URI that an owned, deployed job already references is known
to exist (keys are content-addressed and the executor uploads before it writes the
job that references them), so only new URIs are checked: ``HeadObject`` for a few,
one ``ListObjectsV2`` per prefix for many. ``verify_artifacts`` checks them all
(e.g. after someone emptied the bucket).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from glue_workflow import naming
from glue_workflow.aws.errors import ResourceNotFound
from glue_workflow.deploy.event_rules import EventsDeployApi, read_event_rule
from glue_workflow.deploy.glue_deploy_calls import GlueDeployApi
from glue_workflow.deploy.store_api import S3Api, common_prefix, split_s3_uri
from glue_workflow.deploy.tags import DIGEST_TAG, tag_digest
from glue_workflow.document import OWNER_TAG, WorkflowDocument


@dataclass(frozen=True, kw_only=True)
class RemoteState:
    """A snapshot of one workflow's resources on the target."""

    workflow_name: str
    workflow: dict[str, Any] | None = None
    workflow_owned: bool = False
    jobs: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    triggers: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    owned_jobs: frozenset[str] = frozenset()
    owned_triggers: frozenset[str] = frozenset()
    # s3 URI -> size of existing artifact objects (None: referenced by a deployed job)
    objects: Mapping[str, int | None] = field(default_factory=dict)
    # the workflow's EventBridge rule, {"Rule", "Targets", "Tags"} (deploy.event_rules)
    event_rule: Mapping[str, Any] | None = None
    # tags read with GetTags, by resource key ("workflow", "job/<name>", "trigger/<name>");
    # a resource not here carries the current tag digest: its tags are as declared
    tags: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # "arn:<partition>:glue:<region>:<account>:" (None: account unknown, tags not written)
    glue_arn_prefix: str | None = None

    def arn(self, key: str) -> str | None:
        """The Glue ARN of resource key ``job/<name>`` etc. (``workflow``: the workflow)."""
        if self.glue_arn_prefix is None:
            return None
        resource = f"workflow/{self.workflow_name}" if key == "workflow" else key
        return self.glue_arn_prefix + resource


def owner_tags(workflow_name: str) -> dict[str, str]:
    return {OWNER_TAG: workflow_name}


def workflow_arn(region: str, account: str, name: str) -> str:
    return glue_arn_prefix(region, account) + f"workflow/{name}"


def glue_arn_prefix(region: str, account: str) -> str:
    """``arn:<partition>:glue:<region>:<account>:`` (partition from the region)."""
    return naming.regional_arn("glue", region, account, "")


def read_remote_state(
    glue: GlueDeployApi,
    s3: S3Api | None,
    document: WorkflowDocument,
    *,
    region: str,
    account: str | None,
    verify_artifacts: bool = False,
    events: EventsDeployApi | None = None,
    read_tags: bool = True,
) -> RemoteState:
    """Read what exists of ``document``'s workflow (``s3=None``: skip artifacts;
    ``read_tags=False``, for destroy: ownership from the owner tag only, no tags)."""
    name = document.name
    workflow = glue.get_workflow(name)
    declared_jobs = {job["Name"] for job in document.jobs}
    declared_triggers = {trigger["Name"] for trigger in document.triggers}
    digest = tag_digest(document) if read_tags else None
    in_sync = False
    listed_jobs: frozenset[str] = frozenset()
    listed_triggers: frozenset[str] = frozenset()
    if digest is not None:
        listed_jobs = frozenset(glue.list_tagged_jobs({DIGEST_TAG: digest}))
        listed_triggers = frozenset(glue.list_tagged_triggers({DIGEST_TAG: digest}))
        in_sync = declared_jobs <= listed_jobs and declared_triggers <= listed_triggers
    if in_sync:
        # The digest hashes the owner tag and deploy sets both together: what carries it
        # is ours (with the tags it records), including owned nodes no longer declared.
        owned_jobs, owned_triggers = listed_jobs, listed_triggers
    else:
        owned_jobs = frozenset(glue.list_tagged_jobs(owner_tags(name)))
        owned_triggers = frozenset(glue.list_tagged_triggers(owner_tags(name)))
    jobs = glue.batch_get_jobs(owned_jobs | declared_jobs)
    triggers = glue.batch_get_triggers(owned_triggers | declared_triggers)
    prefix = glue_arn_prefix(region, account) if account else None
    tags: dict[str, Mapping[str, str]] = {}
    owned = False
    if workflow is not None:
        # Our tagged triggers pointing at it prove ownership without another call.
        owned = any(triggers.get(t, {}).get("WorkflowName") == name for t in owned_triggers)
        if prefix is not None and (not owned or (read_tags and not in_sync)):
            current = glue.get_tags(prefix + f"workflow/{name}")
            owned = current.get(OWNER_TAG) == name
            if owned and read_tags:
                tags["workflow"] = current
    if read_tags and not in_sync and prefix is not None:
        # Only owned, declared resources whose digest is stale: tags are compared.
        stale = [f"job/{j}" for j in sorted(owned_jobs & declared_jobs - listed_jobs) if j in jobs]
        stale += [
            f"trigger/{t}"
            for t in sorted(owned_triggers & declared_triggers - listed_triggers)
            if t in triggers
        ]
        for key in stale:
            tags[key] = glue.get_tags(prefix + key)
    objects: dict[str, int | None] = {}
    if s3 is not None:
        referenced = (
            set()
            if verify_artifacts
            else referenced_uris(job for name, job in jobs.items() if name in owned_jobs)
        )
        objects = {a.uri: None for a in document.artifacts if a.uri in referenced}
        unknown = sorted({a.uri for a in document.artifacts} - referenced)
        objects.update(read_artifact_objects(s3, unknown))
    return RemoteState(
        workflow_name=name,
        workflow=workflow,
        workflow_owned=owned,
        jobs=jobs,
        triggers=triggers,
        owned_jobs=owned_jobs,
        owned_triggers=owned_triggers,
        objects=objects,
        tags=tags,
        glue_arn_prefix=prefix,
        # only an event-started workflow (declared or deployed) can have a rule: a
        # plain redeploy makes no EventBridge call
        event_rule=read_event_rule(events, name)
        if document.event_rules
        or triggers.get(naming.start_trigger_name(name), {}).get("Type") == "EVENT"
        else None,
    )


def referenced_uris(jobs: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every s3:// URI a job definition points at (script, arguments, comma lists)."""
    found: set[str] = set()
    for job in jobs:
        values = [str((job.get("Command") or {}).get("ScriptLocation") or "")]
        for key in ("DefaultArguments", "NonOverridableArguments"):
            values += [str(v) for v in (job.get(key) or {}).values()]
        for value in values:
            found.update(
                part.strip() for part in value.split(",") if part.strip().startswith("s3://")
            )
    return found


# Up to this many unknown artifacts: one HeadObject each; more: list their prefix.
HEAD_LIMIT = 3


def read_artifact_objects(s3: S3Api, uris: list[str]) -> dict[str, int | None]:
    """Sizes of the existing objects among ``uris``."""
    if len(uris) <= HEAD_LIMIT:
        sizes: dict[str, int | None] = {}
        for uri in uris:
            size = s3.object_size(*split_s3_uri(uri))
            if size is not None:
                sizes[uri] = size
        return sizes
    by_bucket: dict[str, list[str]] = {}
    for uri in uris:
        bucket, key = split_s3_uri(uri)
        by_bucket.setdefault(bucket, []).append(key)
    wanted = set(uris)
    found: dict[str, int | None] = {}
    for bucket, keys in sorted(by_bucket.items()):
        try:
            listed = s3.list_sizes(bucket, common_prefix(keys))
        except ResourceNotFound:  # no bucket yet: every artifact is missing
            continue
        for key, size in listed.items():
            uri = f"s3://{bucket}/{key}"
            if uri in wanted:
                found[uri] = size
    return found
