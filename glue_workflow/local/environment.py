"""The environment that makes any Python subprocess use the local target.

``PYTHONPATH`` gets the directory holding glue-wf's ``sitecustomize`` (which installs
the local handlers in the child when botocore is first imported) and the local
``awsglue`` runtime; ``GLUE_WF_HOME`` names the state directory; region and dummy
credentials keep botocore from looking for a real account; the SageMaker Python SDK's
telemetry (sent over its own HTTP stack, not botocore) is turned off.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from glue_workflow.awsglue_local import (
    RUNTIME_DIR,
    SUBMIT_ARGS_ENV,
    s3_scheme_conf,
    spark_submit_args,
)
from glue_workflow.local.glue.procs import JOB_RUN_MARK
from glue_workflow.local.netguard import bypass_proxies_for_loopback, drop_proxies, proxy_names
from glue_workflow.local.spark import classcache

SITECUSTOMIZE_DIR = Path(__file__).resolve().parent / "sitecustomize"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the directory holding glue_workflow/
DEFAULT_REGION = "us-east-1"
# The SageMaker Python SDK (v2 and sagemaker-core) reads its admin defaults from this
# file; it sets TelemetryOptOut. Source: "Configuring and using defaults with the
# SageMaker Python SDK" (sagemaker.readthedocs.io, overview.html), sagemaker/config/config.py.
SDK_DEFAULTS_FILE = Path(__file__).resolve().parent / "sagemaker-sdk-defaults.yaml"
SDK_ENVIRONMENT = {"SAGEMAKER_ADMIN_CONFIG_OVERRIDE": str(SDK_DEFAULTS_FILE)}
# jobkit.sagemaker_ops.POLL_ENV (not imported: the job library costs this module 25 ms)
POLL_ENV = "GLUE_WF_POLL_SECONDS"
LOCAL_POLL_SECONDS = "0.02"  # local describes of running jobs wait for them (common.py)
# variables that would send a child's clients somewhere else, or to a real account, or
# tie it to the job run that started it (a service a job's call starts, a SageMaker
# worker or an executor, is not the job's: procs.kill_escaped)
_DROPPED = (
    JOB_RUN_MARK,
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_GLUE",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_SAGEMAKER",
    "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME",
    # every other source of real credentials botocore reads (its credential chain):
    # the local target's own pair is set below
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_CREDENTIAL_EXPIRATION",
)


def local_paths() -> list[str]:
    """The PYTHONPATH entries glue-wf adds, first to last."""
    return [str(SITECUSTOMIZE_DIR), str(RUNTIME_DIR), str(PACKAGE_ROOT)]


def local_credentials(env: MutableMapping[str, str]) -> None:
    """``env`` with the local target's own credentials and a region, and none of the
    sources of real ones: botocore finds no credentials to ask for elsewhere (the
    instance metadata service), nor a region to miss."""
    for name in _DROPPED:
        if name != JOB_RUN_MARK:
            env.pop(name, None)
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = region
    env["AWS_ACCESS_KEY_ID"] = "local"
    env["AWS_SECRET_ACCESS_KEY"] = "local"  # noqa: S105 - the local target checks none
    env["AWS_EC2_METADATA_DISABLED"] = "true"


def job_environment(home: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) changed to use the local target."""
    env = dict(os.environ if base is None else base)
    for name in _DROPPED:
        env.pop(name, None)
    existing = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    ours = local_paths()
    env["PYTHONPATH"] = os.pathsep.join(ours + [p for p in existing if p not in ours])
    env["GLUE_WF_HOME"] = str(Path(home).resolve())
    env.setdefault(
        SUBMIT_ARGS_ENV,
        spark_submit_args(
            java_options=classcache.java_options(),
            conf=s3_scheme_conf(Path(home).resolve() / "s3"),
        ),
    )
    local_credentials(env)
    bypass_proxies_for_loopback(env)  # local servers are reached directly, never by proxy
    drop_proxies(env)  # nor anything else: a loopback proxy forwards off the machine
    # jobkit's waits for SageMaker jobs and endpoints: a local describe costs milliseconds
    env.setdefault(POLL_ENV, LOCAL_POLL_SECONDS)
    env.update(SDK_ENVIRONMENT)
    return env


def exports(home: Path) -> dict[str, str]:
    """Only the variables ``job_environment`` sets or changes (for ``glue-wf env``)."""
    return job_environment(
        home,
        base={
            k: v
            for k, v in os.environ.items()
            if k in ("PYTHONPATH", "AWS_REGION", "AWS_DEFAULT_REGION", "NO_PROXY", "no_proxy")
        },
    )


def unsets() -> list[str]:
    """The variables of this process's environment that ``job_environment`` drops (for
    ``glue-wf env``, which unsets them in the shell)."""
    return sorted({*proxy_names(os.environ), *(n for n in _DROPPED if n in os.environ)})


__all__ = [
    "SDK_ENVIRONMENT",
    "exports",
    "job_environment",
    "local_credentials",
    "local_paths",
    "unsets",
]
