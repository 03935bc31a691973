"""The template: cfn-lint clean, every policy least-privilege, every permission explained."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"

# Actions AWS only grants on "*" (no resource-level permissions). Value: the condition
# key that must narrow the statement, or None for read-only actions.
STAR_ALLOWLIST: dict[str, str | None] = {
    "ecr:GetAuthorizationToken": None,
    "sagemaker:ListTrainingJobs": None,
    "sagemaker:ListProcessingJobs": None,
    "sagemaker:ListModelPackageGroups": None,
    "sagemaker:ListModelPackages": None,
    "sagemaker:ListModels": None,
    "sagemaker:ListEndpointConfigs": None,
    "sagemaker:ListEndpoints": None,
    "cloudwatch:PutMetricData": "cloudwatch:namespace",
}


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    from cfnlint.decode import decode_str

    template, matches = decode_str(path.read_text(encoding="utf-8"))
    assert not matches, matches
    return dict(template)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every statement, with both branches of a conditional (Fn::If) statement."""
    for item in as_list(document["Statement"]):
        if isinstance(item, dict) and "Fn::If" in item:
            for branch in item["Fn::If"][1:]:
                if isinstance(branch, dict) and "Ref" not in branch:
                    yield branch
        else:
            yield item


def policies(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, statement) for every permission statement in the template."""
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        documents = []
        if resource["Type"] == "AWS::IAM::Role":
            documents = [(p["PolicyName"], p["PolicyDocument"]) for p in props.get("Policies", [])]
        elif resource["Type"] in (
            "AWS::IAM::Policy",
            "AWS::IAM::ManagedPolicy",
            "AWS::S3::BucketPolicy",
        ):
            documents = [("policy", props["PolicyDocument"])]
        for name, document in documents:
            for statement in statements(document):
                yield f"{logical_id}/{name}/{statement.get('Sid', '?')}", statement


def text(value: Any) -> str:
    """A resource as text: Fn::Sub patterns as written, GetAtt/Ref as placeholders."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "Fn::Sub" in value:
            return str(as_list(value["Fn::Sub"])[0])
        if "Fn::GetAtt" in value:
            return "${" + ".".join(as_list(value["Fn::GetAtt"])) + "}"
        if "Ref" in value:
            return "${" + value["Ref"] + "}"
    return json.dumps(value)


def policy_violations(template: dict[str, Any]) -> list[str]:
    problems = []
    for where, st in policies(template):
        if st.get("Effect") != "Allow":
            continue  # Deny statements (TLS-only) may be broad on purpose
        actions = [text(a) for a in as_list(st.get("Action", []))]
        resources = [text(r) for r in as_list(st.get("Resource", []))]
        condition = st.get("Condition", {})
        condition_keys = {key for block in condition.values() for key in block}
        if "NotAction" in st or "NotResource" in st:
            problems.append(f"{where}: NotAction/NotResource grant too much")
        for action in actions:
            if action == "*" or action.endswith(":*"):
                problems.append(f"{where}: service-wide action {action!r}")
            elif "*" in action:
                problems.append(f"{where}: wildcard action {action!r}")
        for resource in resources:
            flat = re.sub(r"\$\{[^}]*\}", "X", resource)  # ${AWS::Region} holds colons
            tail = flat.split(":", 5)[5] if flat.count(":") >= 5 else flat
            if resource != "*" and (tail == "*" or tail.startswith("*")):
                problems.append(f"{where}: whole-service resource {resource!r}")
        if "*" in resources:
            for action in actions:
                if action not in STAR_ALLOWLIST:
                    problems.append(f"{where}: {action} on Resource '*'")
                elif STAR_ALLOWLIST[action] and STAR_ALLOWLIST[action] not in condition_keys:
                    problems.append(f"{where}: {action} on '*' without {STAR_ALLOWLIST[action]}")
        if "iam:PassRole" in actions:
            passed = condition.get("StringEquals", {}).get("iam:PassedToService")
            if "*" in resources or any("*" in r for r in resources) or not passed:
                problems.append(f"{where}: unscoped iam:PassRole {resources} {condition}")
        if "sagemaker:AddTags" in actions and "sagemaker:TaggingAction" not in condition_keys:
            problems.append(f"{where}: sagemaker:AddTags outside Create* calls")
    return problems


def test_cfn_lint_clean() -> None:
    from cfnlint.api import lint_file
    from cfnlint.config import ManualArgs

    matches = lint_file(TEMPLATE, ManualArgs(include_checks=["I"], regions=["us-east-1"]))
    assert [str(m) for m in matches] == []


def test_every_policy_is_least_privilege() -> None:
    template = load_template()
    assert len(list(policies(template))) >= 15
    assert policy_violations(template) == []


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"},
            "service-wide action '*'",
        ),
        (
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b"},
            "service-wide action 's3:*'",
        ),
        (
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"},
            "s3:PutObject on Resource '*'",
        ),
        (
            {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"},
            "cloudwatch:PutMetricData on '*' without cloudwatch:namespace",
        ),
        (
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/r"},
            "unscoped iam:PassRole",
        ),
        (
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            },
            "unscoped iam:PassRole",
        ),
        (
            {
                "Effect": "Allow",
                "Action": "sagemaker:AddTags",
                "Resource": {"Fn::Sub": "arn:aws:sagemaker:r:a:model/x*"},
            },
            "sagemaker:AddTags outside Create* calls",
        ),
        (
            {
                "Effect": "Allow",
                "Action": "sagemaker:DescribeModel",
                "Resource": {"Fn::Sub": "arn:${AWS::Partition}:sagemaker:r:a:*"},
            },
            "whole-service resource",
        ),
    ],
)
def test_policy_check_catches(statement: dict[str, Any], expected: str) -> None:
    bad = {
        "Resources": {
            "R": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [statement]}}]
                },
            }
        }
    }
    problems = policy_violations(bad)
    assert any(expected in p for p in problems), problems


def test_every_action_exists_in_the_service_authorization_reference() -> None:
    import cfnlint.data.AdditionalSpecs as specs

    known = json.loads((Path(specs.__file__).parent / "Policies.json").read_text())
    unknown = []
    for where, st in policies(load_template()):
        for action in as_list(st.get("Action", [])):
            service, _, name = action.partition(":")
            deny_all = st["Effect"] == "Deny" and name == "*"  # the TLS-only statements
            if not deny_all and name.lower() not in known.get(service, {}).get("Actions", {}):
                unknown.append(f"{where}: {action}")
    assert unknown == []


def test_trust_policies_use_only_conditions_the_service_is_documented_to_send() -> None:
    """SageMaker documents aws:SourceAccount for its execution roles (SageMaker Developer
    Guide, "Cross-service confused deputy prevention"); Glue documents no such key for
    its service role ("Step 2: Create an IAM role for AWS Glue"), so Glue's trust has
    no condition that would fail on every job run."""
    template = load_template()
    expected = {
        "GlueJobRole": ("glue.amazonaws.com", None),
        "SageMakerExecutionRole": (
            "sagemaker.amazonaws.com",
            {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
        ),
    }
    for logical_id, (service, condition) in expected.items():
        trust = template["Resources"][logical_id]["Properties"]["AssumeRolePolicyDocument"]
        (statement,) = trust["Statement"]
        assert statement["Principal"] == {"Service": service}
        assert statement["Action"] == "sts:AssumeRole"
        assert statement.get("Condition") == condition


def test_pass_role_is_only_the_sagemaker_role_to_sagemaker() -> None:
    passes = [st for _, st in policies(load_template()) if "iam:PassRole" in as_list(st["Action"])]
    assert passes == [
        {
            "Sid": "PassSageMakerRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": {"Fn::GetAtt": ["SageMakerExecutionRole", "Arn"]},
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        }
    ]


def test_bucket_is_private_encrypted_versioned_and_tls_only() -> None:
    template = load_template()
    bucket = template["Resources"]["ArtifactsBucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    sse = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == {
        "Fn::If": ["UseKms", "aws:kms", "AES256"]
    }
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": {"Ref": "NoncurrentVersionDays"}
    }
    deny = template["Resources"]["ArtifactsBucketPolicy"]["Properties"]["PolicyDocument"]
    assert deny["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_outputs_are_the_contract_names() -> None:
    assert set(load_template()["Outputs"]) == {
        "ArtifactsBucketName",
        "GlueJobRoleArn",
        "SageMakerExecutionRoleArn",
        "EventsRoleArn",
        "NotificationsTopicArn",
    }


def test_events_role_lets_eventbridge_notify_this_workflow_only() -> None:
    role = load_template()["Resources"]["EventsRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    (policy,) = role["Policies"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "glue:notifyEvent"
    assert statement["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:workflow/"
        "${WorkflowName}"
    }


def test_every_permission_has_a_comment_saying_why() -> None:
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()
    conditions = {f"- {name}" for name in load_template()["Conditions"]}
    missing = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        starts_statement = stripped.startswith("- Sid:") or (
            stripped.startswith("- Effect:") and "Principal" in lines[index + 1]
        )
        if not starts_statement:
            continue
        above = index - 1
        while lines[above].strip() == "- !If" or lines[above].strip() in conditions:
            above -= 1
        if not lines[above].strip().startswith("#"):
            missing.append(f"line {index + 1}: {stripped}")
    assert missing == []
    sids = re.findall(r"- Sid: (\w+)", "\n".join(lines))
    assert len(sids) >= 17
