"""What the target holds for one workflow: read-only, batched.

Reads, for any number of nodes: ``GetWorkflow``; ``ListJobs`` and ``ListTriggers``
filtered by the owner tag (what this workflow owns, including what it no longer
declares); ``BatchGetJobs`` / ``BatchGetTriggers`` in chunks for the union of
declared and owned names; one ``ListObjectsV2`` per artifact prefix. ``GetTags`` on
the workflow only when ownership cannot be told from its owned triggers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from glue_workflow.deploy.awscall import ResourceNotFound
from glue_workflow.deploy.glue_api import GlueDeployApi
from glue_workflow.deploy.store_api import S3Api, common_prefix, split_s3_uri
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
    # s3 URI -> size of every existing object under the artifacts' prefixes
    objects: Mapping[str, int] = field(default_factory=dict)


def owner_tags(workflow_name: str) -> dict[str, str]:
    return {OWNER_TAG: workflow_name}


def workflow_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:glue:{region}:{account}:workflow/{name}"


def read_remote_state(
    glue: GlueDeployApi,
    s3: S3Api | None,
    document: WorkflowDocument,
    *,
    region: str,
    account: str | None,
) -> RemoteState:
    """Read what exists of ``document``'s workflow (``s3=None``: skip artifacts)."""
    name = document.name
    tags = owner_tags(name)
    workflow = glue.get_workflow(name)
    owned_jobs = frozenset(glue.list_tagged_jobs(tags))
    owned_triggers = frozenset(glue.list_tagged_triggers(tags))
    jobs = glue.batch_get_jobs(owned_jobs | {job["Name"] for job in document.jobs})
    triggers = glue.batch_get_triggers(
        owned_triggers | {trigger["Name"] for trigger in document.triggers}
    )
    owned = False
    if workflow is not None:
        # Our tagged triggers pointing at it prove ownership without another call.
        owned = any(triggers.get(t, {}).get("WorkflowName") == name for t in owned_triggers)
        if not owned and account:
            owned = glue.get_tags(workflow_arn(region, account, name)).get(OWNER_TAG) == name
    objects: dict[str, int] = {}
    if s3 is not None:
        objects = read_artifact_objects(s3, [a.uri for a in document.artifacts])
    return RemoteState(
        workflow_name=name,
        workflow=workflow,
        workflow_owned=owned,
        jobs=jobs,
        triggers=triggers,
        owned_jobs=owned_jobs,
        owned_triggers=owned_triggers,
        objects=objects,
    )


def read_artifact_objects(s3: S3Api, uris: list[str]) -> dict[str, int]:
    """Sizes of the existing objects among ``uris``: one listing per bucket prefix."""
    by_bucket: dict[str, list[str]] = {}
    for uri in uris:
        bucket, key = split_s3_uri(uri)
        by_bucket.setdefault(bucket, []).append(key)
    wanted = set(uris)
    found: dict[str, int] = {}
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
