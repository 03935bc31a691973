"""The stack's template file and the parameters glue-wf passes to it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from glue_workflow.config import Settings
from glue_workflow.errors import ConfigError

TEMPLATE_PATH = Path("infra") / "template.yaml"
# CloudFormation accepts at most 51,200 bytes inline (TemplateBody); larger templates
# would have to be uploaded to S3 first.
MAX_TEMPLATE_BODY = 51_200
CAPABILITIES = ("CAPABILITY_IAM",)  # the template creates IAM roles (with generated names)

# Same rules as the template's AllowedPattern, checked before any AWS call.
_WORKFLOW_NAME = re.compile(r"[A-Za-z0-9_-]{1,200}")
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_KMS_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+")


@dataclass(frozen=True, kw_only=True)
class StackParameters:
    """Values for the template's parameters; ``None`` keeps the stack's current value."""

    workflow_name: str
    # SageMaker*Arns parameter -> comma-delimited ARN patterns (see infra/scopes.py)
    scope_arns: Mapping[str, str] = field(default_factory=dict)
    # Notify* parameter -> "true"/"false" (see infra/scopes.py)
    notify: Mapping[str, str] = field(default_factory=dict)
    bucket_name: str | None = None
    kms_key_arn: str | None = None

    def __post_init__(self) -> None:
        _check(
            _WORKFLOW_NAME,
            self.workflow_name,
            "workflow name",
            "--workflow-name",
            "1-200 letters, digits, '-' or '_'",
        )
        if self.bucket_name is not None:
            _check(
                _BUCKET_NAME,
                self.bucket_name,
                "bucket name",
                "--bucket-name",
                "3-63 lower-case letters, digits, '.' or '-'",
            )
        if self.kms_key_arn is not None:
            _check(
                _KMS_KEY_ARN,
                self.kms_key_arn,
                "KMS key ARN",
                "--kms-key-arn",
                "arn:aws:kms:<region>:<account>:key/<key id>",
            )

    def to_request(self, *, updating: bool) -> list[dict[str, object]]:
        """CloudFormation ``Parameters``: unset optional values keep the stack's on update.

        On create, unset values fall back to the template's defaults (a generated
        bucket name, SSE-S3).
        """
        fixed = {"WorkflowName": self.workflow_name, **self.scope_arns, **self.notify}
        optional = {"BucketName": self.bucket_name, "KmsKeyArn": self.kms_key_arn}
        params: list[dict[str, object]] = [
            {"ParameterKey": key, "ParameterValue": value} for key, value in fixed.items()
        ]
        for key, value in optional.items():
            if value is not None:
                params.append({"ParameterKey": key, "ParameterValue": value})
            elif updating:
                params.append({"ParameterKey": key, "UsePreviousValue": True})
        return params


def _check(pattern: re.Pattern[str], value: str, what: str, option: str, rule: str) -> None:
    if not pattern.fullmatch(value):
        raise ConfigError(f"invalid {what} {value!r} ({option}): use {rule}")


def template_path(settings: Settings, override: Path | None = None) -> Path:
    """The template to deploy: ``override`` or ``infra/template.yaml`` of the project."""
    if override is None:
        return settings.project_root / TEMPLATE_PATH
    return override if override.is_absolute() else settings.project_root / override


def read_template(path: Path) -> str:
    """The template's text, or a ConfigError saying what is wrong with the file."""
    try:
        body = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"CloudFormation template not found: {path} (expected {TEMPLATE_PATH} in the "
            "project, or pass --template PATH)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read CloudFormation template {path}: {exc}") from exc
    size = len(body.encode("utf-8"))
    if size > MAX_TEMPLATE_BODY:
        raise ConfigError(
            f"CloudFormation template {path} is {size} bytes; CloudFormation accepts at "
            f"most {MAX_TEMPLATE_BODY} bytes inline: shorten it"
        )
    return body
