"""Every physical name glue-wf gives a resource: jobs, triggers, artifact keys.

One place, so the compiler, the deployer, the local target and the tests agree.
Names are deterministic functions of the definition (never of time or randomness).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

ARTIFACTS_PREFIX = "glue-wf"
START_TRIGGER_SUFFIX = "start"
DIGEST_CHARS = 16  # artifact key prefix: enough to never collide for one workflow


def job_name(workflow: str, node: str) -> str:
    """Glue job name of a node: ``<workflow>-<node>``, e.g. ``churn-pipeline-train``."""
    return f"{workflow}-{node}"


def node_of_job(workflow: str, job: str) -> str:
    """Inverse of :func:`job_name` (the job name itself when it is not one of ours)."""
    prefix = f"{workflow}-"
    return job[len(prefix) :] if job.startswith(prefix) else job


def start_trigger_name(workflow: str) -> str:
    """The single start trigger: ``<workflow>-start``."""
    return f"{workflow}-{START_TRIGGER_SUFFIX}"


def named_trigger_name(workflow: str, trigger: str) -> str:
    """A trigger the definition names explicitly: ``<workflow>-<trigger>``."""
    return f"{workflow}-{trigger}"


def dependency_trigger_name(
    workflow: str, conditions: Iterable[tuple[str, str]], logical: str
) -> str:
    """A trigger derived from ``after=`` dependencies.

    One condition: ``<workflow>-on-<node>-<state>`` (``churn-pipeline-on-gate-failed``).
    Several: ``<workflow>-on-<all|any>-<first node>-and-<n-1>-more-<hash8>``: readable,
    bounded in length, and unique per condition set.
    """
    items = sorted(conditions)
    if len(items) == 1:
        node, state = items[0]
        return f"{workflow}-on-{node}-{state.lower()}"
    word = "all" if logical == "AND" else "any"
    canonical = ";".join(f"{node}={state}" for node, state in items) + f";{logical}"
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:8]
    return f"{workflow}-on-{word}-{items[0][0]}-and-{len(items) - 1}-more-{digest}"


def artifacts_prefix(workflow: str) -> str:
    """S3 key prefix under which a workflow's artifacts live."""
    return f"{ARTIFACTS_PREFIX}/{workflow}/artifacts/"


def artifact_key(workflow: str, sha256: str, filename: str) -> str:
    """Content-addressed key: ``glue-wf/<workflow>/artifacts/<sha256[:16]>/<filename>``."""
    return f"{artifacts_prefix(workflow)}{sha256[:DIGEST_CHARS]}/{filename}"


def artifact_uri(bucket: str, workflow: str, sha256: str, filename: str) -> str:
    return f"s3://{bucket}/{artifact_key(workflow, sha256, filename)}"


def temp_dir_uri(bucket: str, workflow: str) -> str:
    """Spark jobs' ``--TempDir``."""
    return f"s3://{bucket}/{ARTIFACTS_PREFIX}/{workflow}/temp/"


def gate_property(gate: str, what: str) -> str:
    """Run property a gate records: ``gate_<gate>_decision`` / ``gate_<gate>_reason``."""
    return f"gate_{gate}_{what}"


# The job library archive: a pure-Python wheel (Python shell 3.9 takes .whl).
JOBKIT_SOURCE = "glue_workflow/jobkit"
JOBKIT_DISTRIBUTION = "glue_wf_jobkit"


def jobkit_filename(version: str) -> str:
    return f"{JOBKIT_DISTRIBUTION}-{version}-py3-none-any.whl"
