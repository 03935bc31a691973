"""Hand-written WorkflowDocuments shaped like the compiler's output (contract 1)."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from glue_workflow.document import MANAGED_BY_TAG, OWNER_TAG, Artifact, WorkflowDocument

ACCOUNT = "123456789012"
BUCKET = "artifacts-bucket"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/glue-wf-glue-job"


def tags(workflow: str) -> dict[str, str]:
    return {OWNER_TAG: workflow, MANAGED_BY_TAG: "glue-wf"}


def artifact(workflow: str, filename: str, content: bytes, bucket: str = BUCKET) -> Artifact:
    digest = hashlib.sha256(content).hexdigest()
    return Artifact(
        source=f"jobs/{filename}",
        uri=f"s3://{bucket}/glue-wf/{workflow}/artifacts/{digest[:16]}/{filename}",
        sha256=digest,
        content=content,
    )


def make_document(
    workflow: str = "wf",
    nodes: tuple[str, ...] = ("a", "b"),
    *,
    scripts: dict[str, bytes] | None = None,
    bucket: str = BUCKET,
    start_type: str = "ON_DEMAND",
    extra_args: dict[str, dict[str, str]] | None = None,
    handlers: dict[str, str] | None = None,
) -> WorkflowDocument:
    """A chain start → n0 → n1 → ...; one artifact (script) per node.

    ``handlers`` maps a chain node to a node that runs when it FAILS (a branch).
    """
    scripts = scripts or {}
    handlers = handlers or {}
    chain = nodes
    nodes = (*nodes, *handlers.values())
    artifacts = []
    jobs: list[dict[str, Any]] = []
    for node in nodes:
        art = artifact(
            workflow, f"{node}.py", scripts.get(node, f"print('{node}')\n".encode()), bucket
        )
        artifacts.append(art)
        args = {"--artifacts_bucket": bucket, **(extra_args or {}).get(node, {})}
        jobs.append(
            {
                "Name": f"{workflow}-{node}",
                "Role": ROLE,
                "Command": {
                    "Name": "pythonshell",
                    "PythonVersion": "3.9",
                    "ScriptLocation": art.uri,
                },
                "DefaultArguments": args,
                "GlueVersion": "3.0",
                "MaxCapacity": 0.0625,
                "MaxRetries": 0,
                "Timeout": 60,
                "ExecutionProperty": {"MaxConcurrentRuns": 1},
                "Tags": tags(workflow),
            }
        )
    start: dict[str, Any] = {
        "Name": f"{workflow}-start",
        "WorkflowName": workflow,
        "Type": start_type,
        "Actions": [{"JobName": f"{workflow}-{nodes[0]}"}],
        "Tags": tags(workflow),
    }
    if start_type == "SCHEDULED":
        start["Schedule"] = "cron(0 12 * * ? *)"
        start["StartOnCreation"] = True
    triggers = [start]
    edges = [(up, down, "SUCCEEDED") for up, down in itertools.pairwise(chain)]
    edges += [(up, down, "FAILED") for up, down in handlers.items()]
    for up, down, state in edges:
        triggers.append(
            {
                "Name": f"{workflow}-on-{up}-{state.lower()}",
                "WorkflowName": workflow,
                "Type": "CONDITIONAL",
                "StartOnCreation": True,
                "Predicate": {
                    "Logical": "AND",
                    "Conditions": [
                        {
                            "LogicalOperator": "EQUALS",
                            "JobName": f"{workflow}-{up}",
                            "State": state,
                        }
                    ],
                },
                "Actions": [{"JobName": f"{workflow}-{down}"}],
                "Tags": tags(workflow),
            }
        )
    return WorkflowDocument(
        workflow={
            "Name": workflow,
            "Description": "test workflow",
            "DefaultRunProperties": {"min_accuracy": "0.9"},
            "Tags": tags(workflow),
        },
        jobs=tuple(jobs),
        triggers=tuple(triggers),
        artifacts=tuple(artifacts),
    )
