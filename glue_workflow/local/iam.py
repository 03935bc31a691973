"""IAM answered by the local target: ``GetRole`` for the roles the project is configured with.

The local target enforces no IAM; it knows the roles glue-wf's settings name (the Glue
job role and the SageMaker execution role of ``[target.local]``, or their environment
overrides) and the roles the locally deployed Glue jobs name, so clients that check a
role exists before using it (``aws iam get-role``, SDK helpers) get an answer.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from glue_workflow.config import LOCAL_ACCOUNT_ID, find_project_root, load_settings
from glue_workflow.errors import ConfigError
from glue_workflow.local.dispatch import LocalServiceError, not_supported
from glue_workflow.local.store import LocalHome
from glue_workflow.local.sts import partition

# which service assumes a role, from the setting that names it
_TRUSTED = {"glue_role_arn": "glue.amazonaws.com", "sagemaker_role_arn": "sagemaker.amazonaws.com"}


def configured_roles(env: dict[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """Role name -> (ARN, trusted service principal) from the local target's settings."""
    try:
        root = find_project_root()
    except ConfigError:
        # not inside a project (a job's work directory, a script elsewhere): the
        # environment overrides, else the local defaults
        root = Path.cwd()
    settings = load_settings(root, target="local", env=dict(os.environ if env is None else env))
    arns = {
        "glue_role_arn": settings.glue_role_arn,
        "sagemaker_role_arn": settings.sagemaker_role_arn,
    }
    return {role_name(arn): (arn, _TRUSTED[key]) for key, arn in arns.items() if arn}


def role_name(arn_or_name: str) -> str:
    """``arn:aws:iam::1:role/path/name`` -> ``name`` (a bare name stays itself)."""
    return arn_or_name.rsplit("/", 1)[-1] if ":role/" in arn_or_name else arn_or_name


class IamService:
    """The local IAM (``LocalService`` for botocore's ``iam`` client)."""

    def __init__(self, home: LocalHome) -> None:
        self.home = home

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation != "GetRole":
            raise not_supported("iam", operation)
        name = str(params["RoleName"])
        roles = {**self._deployed_job_roles(), **configured_roles()}
        found = roles.get(name)
        if found is None:
            # IAM's answer for a missing role: NoSuchEntity, HTTP 404, "The role with name
            # <name> cannot be found." (IAM API reference, GetRole errors; the message as
            # returned by AWS, e.g. in AWS CLI transcripts of SimulatePrincipalPolicy/GetRole).
            raise LocalServiceError(
                "NoSuchEntity", f"The role with name {name} cannot be found.", 404
            )
        arn, service = found
        return {"Role": _role(name, arn, service)}

    def _deployed_job_roles(self) -> dict[str, tuple[str, str]]:
        """Roles named by the Glue jobs deployed to this local target."""
        from glue_workflow.local.glue.state import GlueState

        roles: dict[str, tuple[str, str]] = {}
        for job in GlueState(self.home).all_docs("glue_jobs"):
            role = str(job.get("Role") or "")
            if role:
                arn = (
                    role
                    if role.startswith("arn:")
                    else (f"arn:{partition()}:iam::{LOCAL_ACCOUNT_ID}:role/{role}")
                )
                roles[role_name(role)] = (arn, "glue.amazonaws.com")
        return roles


def _role(name: str, arn: str, service: str) -> dict[str, Any]:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }
    path = arn.split(":role", 1)[-1].rsplit("/", 1)[0] + "/" if ":role/" in arn else "/"
    digest = hashlib.sha256(arn.encode()).hexdigest().upper()
    return {
        "Path": path or "/",
        "RoleName": name,
        # role ids are "AROA" + 17 upper-case alphanumerics (IAM User Guide, unique ID prefixes)
        "RoleId": "AROA" + "".join(c for c in digest if c.isalnum())[:17],
        "Arn": arn,
        "CreateDate": datetime.fromtimestamp(0, UTC),  # local roles are never created
        # IAM returns policy documents URL-encoded; botocore's json_decode_policies
        # (after-call.iam) turns them into dicts, as for a real answer
        "AssumeRolePolicyDocument": quote(json.dumps(trust)),
        "MaxSessionDuration": 3600,
        "RoleLastUsed": {},
    }
