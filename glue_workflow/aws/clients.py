"""boto3 sessions for a target: real AWS, or the local target's handlers.

Every other module gets its clients here, so the deployer, run control, console and
jobs share one code path for both targets.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from glue_workflow.config import Settings, profile_not_found
from glue_workflow.errors import ConfigError

# Adaptive retries for throttling; callers retry domain errors (ConcurrentModification…).
CLIENT_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 8})


def session_for(settings: Settings) -> boto3.Session:
    """A boto3 session for the settings' target (installs the local target if chosen)."""
    if settings.is_local:
        from glue_workflow.local import install

        if settings.spark_master:
            # Read by the local Glue engine when it starts a Spark job (local/glue/
            # sparkcluster.py), and by the network guard install() starts: its host is
            # the one reachable off the machine
            os.environ["GLUE_WF_SPARK_MASTER"] = settings.spark_master
        install(settings.home)
        from glue_workflow.local.spark.settings import record  # for the engine's Spark jobs

        record(settings.home, settings.warm_spark)
        return boto3.Session(
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the local target checks no credentials
            region_name=settings.region,
        )
    if _local_target_active():
        raise ConfigError(
            "--target aws in a process set up for the local target (glue-wf env's "
            f"sitecustomize with GLUE_WF_HOME={os.environ.get('GLUE_WF_HOME', '')}): every "
            "AWS call would be answered locally. Open a new shell, or run "
            "'unset GLUE_WF_HOME PYTHONPATH', then rerun"
        )
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.Session(profile_name=settings.profile, region_name=settings.region)
    except ProfileNotFound as exc:
        raise profile_not_found(exc) from None


def _local_target_active() -> bool:
    """Whether boto3 clients of this process are (or will be) served by the local target."""
    from glue_workflow.local import guard
    from glue_workflow.local.dispatch import installed_home
    from glue_workflow.local.environment import SITECUSTOMIZE_DIR

    if installed_home() is not None or guard.armed():
        return True
    origin = getattr(sys.modules.get("sitecustomize"), "__file__", None)
    armed = origin is not None and Path(origin).resolve().parent == SITECUSTOMIZE_DIR
    return armed and bool(os.environ.get("GLUE_WF_HOME"))


def client(settings: Settings, service: str, session: boto3.Session | None = None) -> Any:
    """A client for ``service`` on the settings' target, with glue-wf's retry config."""
    session = session or session_for(settings)
    kwargs: dict[str, Any] = {"config": CLIENT_CONFIG}
    if not settings.is_local and settings.endpoint_url:
        kwargs["endpoint_url"] = settings.endpoint_url
    return session.client(service, **kwargs)  # type: ignore[call-overload]
