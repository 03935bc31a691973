"""Tags: what deploy keeps on each resource, and how it tells they changed cheaply.

Glue's ``UpdateJob`` / ``UpdateTrigger`` / ``UpdateWorkflow`` carry no tags, and
``GetWorkflow`` / ``BatchGetJobs`` / ``BatchGetTriggers`` return none: tags change
only through ``TagResource`` / ``UntagResource`` and are read only by ``GetTags``, one
call per resource. Reading them on every deploy would break the no-op budget (5 reads
for the shipped workflow), so deploy records *which* tags it last wrote in one more
glue-wf tag, ``glue-wf:tags`` (``DIGEST_TAG``), whose value is the same on every
resource of a workflow: a digest of all the definition's tags (the owner tag
included, so it also names the workflow), then the definition's tag keys.

The read lists jobs and triggers filtered by that tag (one key, like the owner-tag
filter it replaces on that path: no reliance on how Glue combines several keys).
When every declared job and trigger carries the current digest, the tags are as the
definition wants and nothing more is read: the same ``ListJobs`` / ``ListTriggers``
calls, 0 extra reads. Otherwise (tags changed in the definition, new nodes, a first
deploy, resources deployed before this tag existed) the read falls back to the
owner-tag lists and ``GetTags`` on each owned resource whose digest is stale, and the
plan writes ``tag`` steps, the new digest included. A tag changed by hand on AWS is
therefore corrected only by the next deploy that reads tags (as artifacts deployed
jobs reference are trusted without a re-check). Storing the record elsewhere was
rejected: job arguments and workflow run properties reach the job runs, descriptions
are the user's text; a tag is where tags live, and the list filter reads it for free.

Which keys may be removed: the docs promise only that a definition's ``tags`` are set,
and say nothing of tags added on AWS by hand (cost allocation, tag policies, other
tools), so deploy removes only keys that a previous deploy set: the keys recorded in
that resource's ``glue-wf:tags`` value (the definition's keys at that deploy) and no
longer declared for it. Hand-added keys stay; ``glue-wf:`` keys (the owner tag above
all) and ``aws:`` keys are never removed. When the keys do not fit in the value (256
characters) or contain whitespace, only the digest is recorded and nothing is removed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from glue_workflow.document import OWNER_TAG, WorkflowDocument
from glue_workflow.errors import DeployError

DIGEST_TAG = "glue-wf:tags"
MAX_TAGS = 50  # Glue's (and EventBridge's) limit per resource
MAX_VALUE = 256
PROTECTED_PREFIXES = ("glue-wf:", "aws:")


def rule_tags(rule: Mapping[str, Any]) -> dict[str, str]:
    """EventBridge's ``[{"Key", "Value"}]`` as a map."""
    return {str(t["Key"]): str(t["Value"]) for t in rule.get("Tags") or []}


def declared_tags(document: WorkflowDocument) -> dict[str, dict[str, str]]:
    """Resource key (``workflow``, ``job/<name>``, ``trigger/<name>``, ``rule``) -> tags."""
    found = {"workflow": dict(document.workflow.get("Tags") or {})}
    found.update({f"job/{j['Name']}": dict(j.get("Tags") or {}) for j in document.jobs})
    found.update({f"trigger/{t['Name']}": dict(t.get("Tags") or {}) for t in document.triggers})
    if document.event_rules:
        found["rule"] = rule_tags(document.event_rules[0]["Rule"])
    return found


def tag_digest(document: WorkflowDocument) -> str | None:
    """The ``glue-wf:tags`` value for ``document`` (None: a resource has no room for it).

    Resources whose tags equal the workflow's are hashed as one, so adding or removing
    such a node keeps the digest (and writes no tag elsewhere)."""
    declared = declared_tags(document)
    if any(len(tags) >= MAX_TAGS for tags in declared.values()):
        return None
    common = declared["workflow"]
    other = {key: tags for key, tags in sorted(declared.items()) if tags != common}
    text = json.dumps({"common": common, "other": other}, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    keys = sorted({k for tags in declared.values() for k in tags if not _protected(k)})
    value = " ".join([digest, *keys])
    if len(value) > MAX_VALUE or any(not k or k != "".join(k.split()) for k in keys):
        return digest
    return value


def recorded_keys(tags: Mapping[str, str]) -> frozenset[str]:
    """The keys a previous deploy set, as its ``glue-wf:tags`` value records them."""
    return frozenset(str(tags.get(DIGEST_TAG) or "").split()[1:])


def with_digest(tags: Mapping[str, str], digest: str | None) -> dict[str, str]:
    return {**tags, DIGEST_TAG: digest} if digest else dict(tags)


def tag_changes(
    desired: Mapping[str, str], current: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """(TagsToAdd, TagsToRemove) that take ``current`` to ``desired`` (see the module
    docstring for which keys may be removed)."""
    add = {k: v for k, v in desired.items() if current.get(k) != v}
    previous = recorded_keys(current)
    remove = sorted(k for k in current if k not in desired and k in previous and not _protected(k))
    if OWNER_TAG in remove or (OWNER_TAG in current and OWNER_TAG not in desired):
        raise DeployError(f"internal plan error: would remove the ownership tag {OWNER_TAG}")
    return add, remove


def tag_diff(
    add: Mapping[str, str], remove: Iterable[str], current: Mapping[str, str]
) -> dict[str, dict[str, str | None]]:
    """``{key: {"From": old, "To": new}}`` for a plan's ``Changes``."""
    diff: dict[str, dict[str, str | None]] = {
        k: {"From": current.get(k), "To": v} for k, v in sorted(add.items())
    }
    diff.update({k: {"From": current.get(k), "To": None} for k in remove})
    return diff


def describe_tag_diff(diff: Mapping[str, Any]) -> str:
    """``cost-center: 42 -> 43, +team=ml, -old`` (the digest tag as ``glue-wf:tags``)."""
    parts: list[str] = []
    for key, change in sorted(diff.items()):
        old, new = change.get("From"), change.get("To")
        if key == DIGEST_TAG:
            continue
        if old is None:
            parts.append(f"+{key}={new}")
        elif new is None:
            parts.append(f"-{key}")
        else:
            parts.append(f"{key}: {old} -> {new}")
    if DIGEST_TAG in diff:
        parts.append(DIGEST_TAG)
    return ", ".join(parts)


def _protected(key: str) -> bool:
    return key.startswith(PROTECTED_PREFIXES)
