"""Where one command acts: the target, resolved once from settings and the infra stack.

``Target`` is plain data, built once per command (``glue_workflow.infra.outputs.
resolve_target`` fills what the settings leave unset from the ``glue-wf infra deploy``
stack's outputs). Commands take the bucket and roles from it, never from settings, so
none formats a missing bucket into a URI: ``require_bucket`` says how to get one.
"""

from __future__ import annotations

from dataclasses import dataclass

from glue_workflow.config import CONFIG_FILE, Settings, TargetName
from glue_workflow.errors import ConfigError

# The fields the infra stack can provide, and the setting / environment naming each.
RESOURCE_SETTINGS = {
    "bucket": "GLUE_WF_BUCKET",
    "glue_role_arn": "GLUE_WF_GLUE_ROLE_ARN",
    "sagemaker_role_arn": "GLUE_WF_SAGEMAKER_ROLE_ARN",
}
BUCKET_ONLY = frozenset({"bucket"})
DEPLOY_RESOURCES = frozenset(RESOURCE_SETTINGS)
# Read from the stack when unset, but not required: the stack has a SageMaker execution
# role only when the workflow uses SageMaker (the compiler refuses a job handed none).
OPTIONAL_RESOURCES = frozenset({"sagemaker_role_arn"})


@dataclass(frozen=True, kw_only=True)
class Target:
    """The target of one command: local or AWS, its region and endpoint, bucket and roles."""

    name: TargetName
    region: str
    profile: str | None = None
    endpoint_url: str | None = None
    bucket: str | None = None
    glue_role_arn: str | None = None
    sagemaker_role_arn: str | None = None
    events_role_arn: str | None = None
    stack_name: str = "glue-wf"

    @classmethod
    def from_settings(cls, settings: Settings) -> Target:
        """The target as the settings name it (no AWS call; nothing from the stack)."""
        return cls(
            name=settings.target,
            region=settings.region,
            profile=settings.profile,
            endpoint_url=settings.endpoint_url,
            bucket=settings.bucket,
            glue_role_arn=settings.glue_role_arn,
            sagemaker_role_arn=settings.sagemaker_role_arn,
            events_role_arn=settings.events_role_arn,
            stack_name=settings.stack_name,
        )

    @property
    def is_local(self) -> bool:
        return self.name == "local"

    def missing(self, needs: frozenset[str] = DEPLOY_RESOURCES) -> list[str]:
        """Which of the ``needs`` fields (``RESOURCE_SETTINGS`` keys) are unset."""
        return [name for name in RESOURCE_SETTINGS if name in needs and not getattr(self, name)]

    def require(self, needs: frozenset[str] = DEPLOY_RESOURCES) -> None:
        """Raise a ConfigError naming each unset field of ``needs`` and how to set it."""
        missing = self.missing(needs)
        if not missing:
            return
        names = ", ".join(f"{name} ({RESOURCE_SETTINGS[name]})" for name in missing)
        raise ConfigError(
            f"target {self.name!r} has no {names}: run 'glue-wf infra deploy' to create "
            f"them (see infra/README.md), or set them in the [target.{self.name}] table "
            f"of {CONFIG_FILE} or in the environment"
        )

    def deploy_resources(self) -> tuple[str, str, str | None]:
        """Bucket, Glue role ARN and SageMaker role ARN (None: the target has none), or a
        ConfigError naming the fix."""
        self.require(DEPLOY_RESOURCES - OPTIONAL_RESOURCES)
        return str(self.bucket), str(self.glue_role_arn), self.sagemaker_role_arn

    def require_bucket(self) -> str:
        """The artifacts bucket, or a ConfigError saying how to get one."""
        self.require(BUCKET_ONLY)
        return str(self.bucket)

    def s3_uri(self, key: str) -> str:
        """``s3://<bucket>/<key>`` in the target's artifacts bucket."""
        return f"s3://{self.require_bucket()}/{key.lstrip('/')}"
