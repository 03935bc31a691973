"""boto3 sessions for a target: real AWS, or the local target's handlers.

Every other module gets its clients here, so the deployer, run control, console and
jobs share one code path for both targets.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from glue_workflow.config import Settings

# Adaptive retries for throttling; callers retry domain errors (ConcurrentModification…).
CLIENT_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 8})


def session_for(settings: Settings) -> boto3.Session:
    """A boto3 session for the settings' target (installs the local target if chosen)."""
    if settings.is_local:
        from glue_workflow.local import install

        install(settings.home)
        return boto3.Session(
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the local target checks no credentials
            region_name=settings.region,
        )
    return boto3.Session(profile_name=settings.profile, region_name=settings.region)


def client(settings: Settings, service: str, session: boto3.Session | None = None) -> Any:
    """A client for ``service`` on the settings' target, with glue-wf's retry config."""
    session = session or session_for(settings)
    kwargs: dict[str, Any] = {"config": CLIENT_CONFIG}
    if not settings.is_local and settings.endpoint_url:
        kwargs["endpoint_url"] = settings.endpoint_url
    return session.client(service, **kwargs)  # type: ignore[call-overload]
