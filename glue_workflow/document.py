"""The compiled workflow: the exact Glue API requests, and the files they point at.

``WorkflowDocument`` is what the compiler produces and what the deployer, the local
target and the console consume. Its JSON form is
``{"Workflow": CreateWorkflow request, "Jobs": [CreateJob requests],
"Triggers": [CreateTrigger requests]}``, deterministic (sorted keys, stable order).
Artifacts (job scripts, the job library archive) travel beside it: each is uploaded
to a content-addressed S3 URI that the requests already reference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# Tag keys that mark what a glue-wf workflow owns (deploy sweeps only what it owns).
OWNER_TAG = "glue-wf:workflow"
MANAGED_BY_TAG = "glue-wf:managed-by"


@dataclass(frozen=True, kw_only=True)
class Artifact:
    """A file the requests reference: its bytes, digest and destination URI."""

    source: str  # project-relative path (or a label for generated archives)
    uri: str  # s3://bucket/key, key content-addressed by sha256
    sha256: str
    content: bytes = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class WorkflowDocument:
    """CreateWorkflow / CreateJob / CreateTrigger request bodies, in a stable order."""

    workflow: dict[str, Any]
    jobs: tuple[dict[str, Any], ...]
    triggers: tuple[dict[str, Any], ...]
    artifacts: tuple[Artifact, ...] = ()
    # EventBridge rules starting the workflow: {"Rule": PutRule request, "Targets": [...]}
    event_rules: tuple[dict[str, Any], ...] = ()

    @property
    def name(self) -> str:
        return str(self.workflow["Name"])

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "Workflow": self.workflow,
            "Jobs": list(self.jobs),
            "Triggers": list(self.triggers),
        }
        if self.event_rules:
            result["EventRules"] = list(self.event_rules)
        return result

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def job(self, name: str) -> dict[str, Any]:
        for job in self.jobs:
            if job["Name"] == name:
                return job
        raise KeyError(name)

    def trigger(self, name: str) -> dict[str, Any]:
        for trigger in self.triggers:
            if trigger["Name"] == name:
                return trigger
        raise KeyError(name)
