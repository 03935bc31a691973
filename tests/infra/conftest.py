"""moto's CloudFormation, completed where moto 5.2.5 stops short of AWS.

moto executes change sets, but (as of 5.2.5):
- the stack's Outputs stay empty after ExecuteChangeSet (they are computed only when
  a stack is created directly);
- no per-resource stack events are recorded (only the stack's own);
- its AWS::S3::Bucket provider applies only BucketEncryption and Tags (not
  versioning, public access block, ownership controls, lifecycle), and
  AWS::S3::BucketPolicy is not supported at all;
- an UPDATE change set that changes nothing is not recognised when parameters are
  passed with UsePreviousValue or left at their defaults (AWS marks such a change
  set FAILED: "didn't contain changes");
- nothing ever fails, so failures cannot be observed;
- DescribeStacks renders a CommaDelimitedList parameter as a Python list
  (``['a', 'b']``) where AWS returns the value as passed (``a,b``).

``MotoCloudFormation`` fills these gaps with an ``after-call`` handler on
ExecuteChangeSet registered on the boto3 session the code under test uses (the
before-call/after-call hook mechanism, see aws-test-doubles.md §7): it recomputes
the outputs, records resource events, applies the bucket properties and bucket
policy exactly as the template declares them (intrinsics resolved by moto), or
turns the execution into a failed, rolled-back creation on request. An
``after-call`` handler on CreateChangeSet marks change sets that change nothing
FAILED the way AWS does.

The bucket policy is recorded in ``bucket_policies`` rather than put on moto's
bucket: moto evaluates bucket policies without the request's TLS context
(aws:SecureTransport, s3:TlsVersion), so the TLS-only Deny statements would refuse
every request, which AWS does not do for HTTPS requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = PROJECT_ROOT / "infra" / "template.yaml"
ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclass(kw_only=True)
class Failure:
    logical_id: str
    reason: str


@dataclass
class MotoCloudFormation:
    """Session hooks completing moto's change-set execution (see the module docstring)."""

    fail_next: Failure | None = None
    executed: list[str] = field(default_factory=list)
    bucket_policies: dict[str, dict[str, Any]] = field(default_factory=dict)

    def fail_next_execution(self, logical_id: str, reason: str) -> None:
        """Make the next ExecuteChangeSet fail at ``logical_id`` and roll back."""
        self.fail_next = Failure(logical_id=logical_id, reason=reason)

    def install(self, session: boto3.Session) -> None:
        session.events.register(
            "before-parameter-build.cloudformation.ExecuteChangeSet", self._remember
        )
        session.events.register("after-call.cloudformation.ExecuteChangeSet", self._complete)
        session.events.register("after-call.cloudformation.CreateChangeSet", self._no_changes)
        session.events.register("after-call.cloudformation.DescribeStacks", self._list_values)

    def _list_values(self, parsed: dict[str, Any], **_: Any) -> None:
        """AWS semantics: a CommaDelimitedList parameter's value reads back as passed."""
        import ast

        for stack in parsed.get("Stacks", []):
            for parameter in stack.get("Parameters", []):
                value = parameter.get("ParameterValue", "")
                if value.startswith("[") and value.endswith("]"):
                    parameter["ParameterValue"] = ",".join(ast.literal_eval(value))

    def _no_changes(self, parsed: dict[str, Any], **_: Any) -> None:
        """AWS semantics: an UPDATE change set with nothing to change is FAILED."""
        from moto.cloudformation.models import cloudformation_backends

        backend = cloudformation_backends[ACCOUNT][REGION]
        change_set = backend.change_sets.get(parsed.get("Id", ""))
        if change_set is None or change_set.change_set_type != "UPDATE":
            return
        stack = change_set.stack
        declared = change_set.template_dict.get("Parameters", {})
        resolved = {key: _text(spec.get("Default", "")) for key, spec in declared.items()}
        resolved.update({key: _text(value) for key, value in change_set.parameters.items()})
        current = {
            key: _text(value) for key, value in stack.stack_parameters.items() if key in declared
        }
        if stack.template_dict == change_set.template_dict and current == resolved:
            change_set.status = "FAILED"
            change_set.execution_status = "UNAVAILABLE"
            change_set.status_reason = (
                "The submitted information didn't contain changes. Submit different "
                "information to create a change set."
            )

    def _remember(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["glue_wf_change_set"] = params["ChangeSetName"]

    def _complete(self, context: dict[str, Any], **_: Any) -> None:
        from moto.cloudformation.models import cloudformation_backends

        backend = cloudformation_backends[ACCOUNT][REGION]
        change_set = backend.describe_change_set(context["glue_wf_change_set"])
        stack = backend.stacks[change_set.stack_id]
        self.executed.append(change_set.change_set_type)
        stack._parse_template()
        stack.output_map = stack._create_output_map()
        final = stack.events.pop()  # moto's stack-level *_COMPLETE: re-added last
        verb = "CREATE" if change_set.change_set_type == "CREATE" else "UPDATE"
        for logical_id, resource in _resources(stack):
            physical = getattr(resource, "physical_resource_id", logical_id) or logical_id
            kind = stack.template_dict["Resources"][logical_id]["Type"]
            _event(stack, logical_id, physical, kind, f"{verb}_IN_PROGRESS")
            if self.fail_next and self.fail_next.logical_id == logical_id:
                _event(stack, logical_id, physical, kind, f"{verb}_FAILED", self.fail_next.reason)
            elif self.fail_next:
                _event(
                    stack,
                    logical_id,
                    physical,
                    kind,
                    f"{verb}_FAILED",
                    "Resource creation cancelled",
                )
            else:
                _event(stack, logical_id, physical, kind, f"{verb}_COMPLETE")
        if self.fail_next:
            self.fail_next = None
            stack._add_stack_event("ROLLBACK_IN_PROGRESS", "The following resource(s) failed")
            stack._add_stack_event("ROLLBACK_COMPLETE")
            stack.status = "ROLLBACK_COMPLETE"
            return
        stack.events.append(final)
        _apply_bucket_properties(stack, self.bucket_policies)


def _text(value: Any) -> str:
    """A parameter value as CloudFormation compares it (lists: comma-delimited)."""
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def _resources(stack: Any) -> list[tuple[str, Any]]:
    declared = stack.template_dict.get("Resources", {})
    return [
        (logical_id, stack.resource_map._parsed_resources.get(logical_id))
        for logical_id in declared
    ]


def _event(
    stack: Any, logical_id: str, physical: str, kind: str, status: str, reason: str | None = None
) -> None:
    from moto.cloudformation.models import Event

    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical,
            resource_type=kind,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


def _apply_bucket_properties(stack: Any, policies: dict[str, dict[str, Any]]) -> None:
    """What CloudFormation's S3 providers do and moto's skip, from the resolved template."""
    from moto.cloudformation.parsing import clean_json

    resources = stack.template_dict["Resources"]
    s3 = boto3.client("s3", region_name=REGION)
    for logical_id, declared in resources.items():
        props = clean_json(declared.get("Properties", {}), stack.resource_map)
        if declared["Type"] == "AWS::S3::Bucket":
            bucket = stack.resource_map[logical_id].name
            if "VersioningConfiguration" in props:
                s3.put_bucket_versioning(
                    Bucket=bucket, VersioningConfiguration=props["VersioningConfiguration"]
                )
            if "PublicAccessBlockConfiguration" in props:
                s3.put_public_access_block(
                    Bucket=bucket,
                    PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"],
                )
            if "OwnershipControls" in props:
                s3.put_bucket_ownership_controls(
                    Bucket=bucket, OwnershipControls=props["OwnershipControls"]
                )
            if "LifecycleConfiguration" in props:
                s3.put_bucket_lifecycle_configuration(
                    Bucket=bucket,
                    LifecycleConfiguration={
                        "Rules": [
                            _lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]
                        ]
                    },
                )
        elif declared["Type"] == "AWS::S3::BucketPolicy":
            policies[props["Bucket"]] = props["PolicyDocument"]


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's lifecycle rule shape → the PutBucketLifecycleConfiguration shape."""
    api: dict[str, Any] = {
        "ID": rule["Id"],
        "Status": rule["Status"],
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    if "NoncurrentVersionExpiration" in rule:
        api["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        }
    if "ExpiredObjectDeleteMarker" in rule:
        api["Expiration"] = {"ExpiredObjectDeleteMarker": bool(rule["ExpiredObjectDeleteMarker"])}
    if "AbortIncompleteMultipartUpload" in rule:
        api["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(
                rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
            )
        }
    return api


@dataclass
class AwsDouble:
    session: boto3.Session
    cfn: MotoCloudFormation

    def client(self, service: str) -> Any:
        return self.session.client(service, region_name=REGION)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsDouble]:
    """In-process moto with the completion hooks; glue-wf's sessions get the hooks too."""
    from moto import mock_aws

    from glue_workflow.aws import clients

    hooks = MotoCloudFormation()
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        hooks.install(session)
        monkeypatch.setattr(clients, "session_for", lambda settings: session)
        yield AwsDouble(session=session, cfn=hooks)


@pytest.fixture
def aws_settings() -> Any:
    from glue_workflow.config import load_settings

    return load_settings(PROJECT_ROOT, target="aws", env={"AWS_REGION": REGION})


@pytest.fixture
def no_wait() -> Any:
    from glue_workflow.infra.progress import Waiting

    return Waiting(poll_seconds=0, timeout_seconds=5, sleep=lambda _s: None)
