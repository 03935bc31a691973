"""Every physical name glue-wf gives a resource: jobs, triggers, artifact keys.

One place, so the compiler, the deployer, the local target and the tests agree.
Names are deterministic functions of the definition (never of time or randomness).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

# Computed by jobs on Glue too, where only the job library is installed: defined there.
from glue_workflow.jobkit.drift import DRIFT_PREFIX as DRIFT_PREFIX  # noqa: PLC0414
from glue_workflow.jobkit.drift import drift_property as drift_property  # noqa: PLC0414
from glue_workflow.jobkit.failure import ERROR_PROPERTY_PREFIX as ERROR_PROPERTY_PREFIX  # noqa: PLC0414
from glue_workflow.jobkit.failure import error_property as error_property  # noqa: PLC0414
from glue_workflow.jobkit.failure import node_of_job as node_of_job  # noqa: PLC0414
from glue_workflow.jobkit.gate import GATE_PREFIX as GATE_PREFIX  # noqa: PLC0414
from glue_workflow.jobkit.gate import gate_property as gate_property  # noqa: PLC0414

ARTIFACTS_PREFIX = "glue-wf"
START_TRIGGER_SUFFIX = "start"
EVENT_TARGET_ID = "glue-workflow"  # the Id of the one target of an event rule
DIGEST_CHARS = 16  # artifact key prefix: enough to never collide for one workflow


def job_name(workflow: str, node: str) -> str:
    """Glue job name of a node: ``<workflow>-<node>``, e.g. ``churn-pipeline-train``."""
    return f"{workflow}-{node}"


def start_trigger_name(workflow: str) -> str:
    """The single start trigger: ``<workflow>-start``."""
    return f"{workflow}-{START_TRIGGER_SUFFIX}"


def event_rule_name(workflow: str) -> str:
    """The EventBridge rule that starts an event-started workflow: ``glue-wf-<workflow>``.

    Rule names are at most 64 characters ``[.-_A-Za-z0-9]`` (PutRule, API reference):
    longer workflow names keep a readable head and a digest of the whole name.
    """
    name = f"glue-wf-{workflow}"
    if len(name) <= 64:
        return name
    digest = hashlib.sha256(workflow.encode()).hexdigest()[:8]
    return f"{name[:55]}-{digest}"


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


# The job library archive: a pure-Python wheel, which Python shell jobs pip-install from
# --extra-py-files. Spark jobs get the same bytes as a .zip: PySpark puts .zip, .egg and
# .jar entries of --extra-py-files on the path, and AWS documents .py and .zip for Spark
# ("Including Python files with PySpark native features"); a .whl is neither.
JOBKIT_SOURCE = "glue_workflow/jobkit"
JOBKIT_ZIP_SOURCE = "glue_workflow/jobkit.zip"
JOBKIT_DISTRIBUTION = "glue_wf_jobkit"


def jobkit_filename(version: str, archive: str = "whl") -> str:
    if archive == "zip":
        return f"{JOBKIT_DISTRIBUTION}-{version}.zip"
    return f"{JOBKIT_DISTRIBUTION}-{version}-py3-none-any.whl"


def jobkit_source(spark: bool) -> str:
    """The job library's artifact source for a Spark job (.zip) or a Python shell job."""
    return JOBKIT_ZIP_SOURCE if spark else JOBKIT_SOURCE


# -------------------------------------------------------------- ARNs and console links

# AWS Management Console host per partition. The console has no entry in botocore's
# partition data. Sources: "AWS Management Console endpoints" (AWS General Reference,
# https://docs.aws.amazon.com/general/latest/gr/mgmt-console.html) for aws;
# https://<region>.console.amazonaws.cn for China and https://console.amazonaws-us-gov.com
# for GovCloud (US) ("Accessing the AWS GovCloud (US) Regions", GovCloud User Guide).
_CONSOLE_HOSTS = {
    "aws": "https://{region}.console.aws.amazon.com",
    "aws-cn": "https://{region}.console.amazonaws.cn",
    "aws-us-gov": "https://console.amazonaws-us-gov.com",
}


@functools.lru_cache(maxsize=64)
def partition(region: str) -> str:
    """The ARN partition of ``region`` (``aws``, ``aws-cn``, ``aws-us-gov``, ...).

    From botocore's partition data, so a new region of an existing partition needs no
    change here: its ``partitions.json`` (7 KB, matched as botocore's endpoint resolver
    matches: a listed region, else the partition's region pattern), else botocore's
    ``Session.get_partition_for_region`` (which parses the 1 MB endpoints.json: a
    tenth of a second of every CLI start).
    """
    from glue_workflow.errors import ConfigError

    found = _partition_from_data(region)
    if found is not None:
        return found
    import botocore.session
    from botocore.exceptions import UnknownRegionError

    try:
        return str(botocore.session.get_session().get_partition_for_region(region))
    except UnknownRegionError:
        raise ConfigError(
            f"unknown AWS region {region!r}: botocore knows no partition for it; set "
            "region in glue-wf.toml (or AWS_REGION) to a region such as us-east-1"
        ) from None


def _partition_from_data(region: str) -> str | None:
    import json
    import re
    from importlib.util import find_spec

    spec = find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    try:
        data = json.loads((folder / "data" / "partitions.json").read_text(encoding="utf-8"))
        for entry in data["partitions"]:
            # "aws-global" and the like are listed there, but are no region to botocore
            listed = region in entry["regions"] and not region.endswith("-global")
            if listed or re.match(entry["regionRegex"], region):
                return str(entry["id"])
    except (OSError, ValueError, KeyError, TypeError, re.error):
        return None
    return None


def local_partition(region: str) -> str:
    """The partition the local target gives ARNs: ``region``'s, ``aws`` when unknown
    (the local target accepts any region name; AWS would refuse it before any ARN)."""
    from glue_workflow.errors import ConfigError

    try:
        return partition(region)
    except ConfigError:
        return "aws"


def arn(partition_name: str, service: str, region: str, account: str, resource: str) -> str:
    """``arn:<partition>:<service>:<region>:<account>:<resource>``."""
    return f"arn:{partition_name}:{service}:{region}:{account}:{resource}"


def regional_arn(service: str, region: str, account: str, resource: str) -> str:
    """An ARN in ``region``'s partition."""
    return arn(partition(region), service, region, account, resource)


def iam_role_arn(region: str, account: str, name: str) -> str:
    """A role's ARN (IAM is global within the partition of ``region``)."""
    return arn(partition(region), "iam", "", account, f"role/{name}")


def console_url(region: str, path: str, fragment: str = "") -> str:
    """A page of the AWS Management Console of ``region``'s partition.

    ``console_url("us-east-1", "glue/home", "/v2/...")`` →
    ``https://us-east-1.console.aws.amazon.com/glue/home?region=us-east-1#/v2/...``.
    """
    from glue_workflow.errors import NotSupportedError

    name = partition(region)
    host = _CONSOLE_HOSTS.get(name)
    if host is None:
        raise NotSupportedError(
            f"console links for partition {name!r} (region {region}): glue-wf knows the "
            f"console hosts of {', '.join(_CONSOLE_HOSTS)} only"
        )
    url = f"{host.format(region=region)}/{path.lstrip('/')}?region={region}"
    return f"{url}#{fragment}" if fragment else url


def notification_topic_name(stack_name: str) -> str:
    """The SNS topic the infra stack creates for run verdicts (``ToSns()``)."""
    return f"{stack_name}-notifications"


def workflow_console_url(region: str, workflow: str) -> str:
    """The Glue console page of a workflow (its Runs tab lists each run)."""
    return console_url(region, "glue/home", f"/v2/etl-configuration/workflows/view/{workflow}")


# Job scripts shipped inside the glue-wf package (not in the user's project): their
# source names start here and are read from the installed package at deploy time.
PACKAGED_SCRIPTS = "glue_workflow/scripts/"


def is_packaged(source: str) -> bool:
    return source.startswith(PACKAGED_SCRIPTS)


def readable_prefixes(bucket: str, workflow: str) -> tuple[str, str]:
    """Where the Glue job role may read objects: the template's ReadInputData
    (``data/*``) and WorkflowObjects (``glue-wf/<workflow>/*``) statements."""
    return f"s3://{bucket}/data/", f"s3://{bucket}/{ARTIFACTS_PREFIX}/{workflow}/"


def cache_prefix(workflow: str, node: str) -> str:
    """S3 key prefix of a node's step-cache entries: ``glue-wf/<workflow>/cache/<node>/``."""
    return f"{ARTIFACTS_PREFIX}/{workflow}/cache/{node}/"


LOCAL_CONSOLE = "http://127.0.0.1:8321"  # glue-wf console's default host and port


def local_console_url(workflow: str, run_id: str) -> str:
    """The run's page in the local console (``glue-wf console`` with its defaults)."""
    from urllib.parse import quote

    return f"{LOCAL_CONSOLE}/workflows/{quote(workflow, safe='')}/runs/{quote(run_id, safe='')}"
