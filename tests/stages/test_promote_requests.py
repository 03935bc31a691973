"""glue-wf promote against botocore Stubber: the AWS requests it sends, in order and shape.

Pinned: refusal of a package that is not Approved or lacks a stage's manual approval,
the blue/green UpdateEndpoint, the AddTags record on the package, and the rollback
(UpdateEndpoint back to the previous config) when the smoke test fails.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from awsanswers import add_not_found
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from glue_workflow.jobkit import endpoint_deploy
from glue_workflow.stage_config import Stage
from glue_workflow.stages import records
from glue_workflow.stages.promote import Clients, PromotionError, names, promote

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ACCOUNT = "123456789012"
PACKAGE = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package/churn-xgb/3"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker"
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/alice@example.com"
PROD = Stage(name="prod", endpoint="churn-prod", instance_count=2, approval_required=True)
DEV = Stage(name="dev", endpoint="churn-dev")
OLD = "churn-prod-0123456789"
ROWS = ["0.5,3,2", "0.1,1,0"]


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(endpoint_deploy.ops.time, "sleep", lambda _s: None)
    monkeypatch.setattr(records, "now_utc", lambda: "2026-01-02T03:04:05Z")
    monkeypatch.setattr(records.getpass, "getuser", lambda: "alice")


class Stubs:
    def __init__(self) -> None:
        self.clients = {
            name: boto3.client(name, region_name="us-east-1")
            for name in ("sagemaker", "sagemaker-runtime", "s3", "sts")
        }
        self.stubs = {name: Stubber(c) for name, c in self.clients.items()}
        for stub in self.stubs.values():
            stub.activate()
        self.sm = self.stubs["sagemaker"]
        self.runtime = self.stubs["sagemaker-runtime"]
        self.sts = self.stubs["sts"]

    def bundle(self) -> Clients:
        c = self.clients
        return Clients(sm=c["sagemaker"], runtime=c["sagemaker-runtime"], s3=c["s3"], sts=c["sts"])

    def verify(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def package(status: str = "Approved") -> dict[str, Any]:
    return {
        "ModelPackageName": "churn-xgb",
        "ModelPackageGroupName": "churn-xgb",
        "ModelPackageVersion": 3,
        "ModelPackageArn": PACKAGE,
        "CreationTime": T0,
        "ModelPackageStatus": "Completed",
        "ModelApprovalStatus": status,
        "ModelPackageStatusDetails": {"ValidationStatuses": []},
        "CustomerMetadataProperties": {"glue-wf-workflow": "churn-pipeline"},
    }


def endpoint(config: str, status: str = "InService") -> dict[str, Any]:
    return {
        "EndpointName": "churn-prod",
        "EndpointArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/churn-prod",
        "EndpointConfigName": config,
        "EndpointStatus": status,
        "CreationTime": T0,
        "LastModifiedTime": T0,
    }


def config(name: str, model: str) -> dict[str, Any]:
    return {
        "EndpointConfigName": name,
        "EndpointConfigArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint-config/{name}",
        "CreationTime": T0,
        "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": model}],
    }


def answer(text: bytes) -> dict[str, Any]:
    return {"Body": StreamingBody(io.BytesIO(text), len(text)), "ContentType": "text/csv"}


APPROVAL = {"Key": "glue-wf:approval:prod", "Value": "at=2026-01-01T00:00:00Z by=x user=bob"}


def stub_up_to_update(s: Stubs, new: str) -> None:
    """Approved package with its prod approval; model and config made; blue/green update."""
    s.sm.add_response("describe_model_package", package(), {"ModelPackageName": PACKAGE})
    s.sm.add_response("list_tags", {"Tags": [APPROVAL]}, {"ResourceArn": PACKAGE})
    s.sm.add_response("describe_endpoint", endpoint(OLD), {"EndpointName": "churn-prod"})
    add_not_found(s.sm, "describe_model", new)
    s.sm.add_response(
        "create_model",
        {"ModelArn": "arn:aws:sagemaker:us-east-1:123456789012:model/m"},
        {
            "ModelName": new,
            "Containers": [{"ModelPackageName": PACKAGE}],
            "ExecutionRoleArn": ROLE,
            "Tags": [{"Key": "glue-wf:workflow", "Value": "churn-pipeline"}],
        },
    )
    add_not_found(s.sm, "describe_endpoint_config", new)
    s.sm.add_response(
        "create_endpoint_config",
        {"EndpointConfigArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/c"},
        {
            "EndpointConfigName": new,
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "ModelName": new,
                    "InitialInstanceCount": 2,
                    "InstanceType": "ml.m5.large",
                    "InitialVariantWeight": 1.0,
                }
            ],
            "Tags": ANY,
        },
    )
    s.sm.add_response("describe_endpoint", endpoint(OLD), {"EndpointName": "churn-prod"})
    s.sm.add_response(
        "update_endpoint",
        {"EndpointArn": endpoint(OLD)["EndpointArn"]},
        {
            "EndpointName": "churn-prod",
            "EndpointConfigName": new,
            "DeploymentConfig": endpoint_deploy.deployment_config(),
        },
    )
    s.sm.add_response("describe_endpoint", endpoint(new, "Updating"))
    s.sm.add_response("describe_endpoint", endpoint(new))


def test_promotion_updates_blue_green_tags_the_package_and_retires_the_old_config() -> None:
    s = Stubs()
    new = names(PROD, PACKAGE)
    stub_up_to_update(s, new)
    s.runtime.add_response(
        "invoke_endpoint",
        answer(b"0.91\n0.12\n"),
        {
            "EndpointName": "churn-prod",
            "ContentType": "text/csv",
            "Accept": "text/csv",
            "Body": "\n".join(ROWS),
        },
    )
    s.sts.add_response(
        "get_caller_identity", {"UserId": "AROAEXAMPLE:alice", "Account": ACCOUNT, "Arn": CALLER}
    )
    s.sm.add_response(
        "add_tags",
        {"Tags": []},
        {
            "ResourceArn": PACKAGE,
            "Tags": [
                {
                    "Key": "glue-wf:stage:prod",
                    "Value": f"endpoint=churn-prod config={new} at=2026-01-02T03:04:05Z "
                    f"by={CALLER} user=alice",
                }
            ],
        },
    )
    s.sm.add_response(
        "describe_endpoint_config", config(OLD, "old-model"), {"EndpointConfigName": OLD}
    )
    s.sm.add_response("delete_endpoint_config", {}, {"EndpointConfigName": OLD})
    s.sm.add_response("delete_model", {}, {"ModelName": "old-model"})
    log: list[str] = []
    done = promote(s.bundle(), PACKAGE, PROD, role_arn=ROLE, sample=ROWS, log=log.append)
    s.verify()
    assert (done.endpoint, done.endpoint_config, done.previous_config) == ("churn-prod", new, OLD)
    assert done.scores == (0.91, 0.12)
    assert (done.by, done.user) == (CALLER, "alice")
    assert log == [
        f"feature layout not compared: model package {PACKAGE} records no "
        "feature-manifest-uri (let the register node read feature_manifest_uri)",
        f"updating endpoint churn-prod: {OLD} -> {new} (blue/green)",
        "endpoint churn-prod: Updating",
        "endpoint churn-prod: InService",
        f"deleted endpoint config {OLD} and its model (no longer served)",
    ]


def test_failed_smoke_test_rolls_back_to_the_previous_config() -> None:
    s = Stubs()
    new = names(PROD, PACKAGE)
    stub_up_to_update(s, new)
    s.runtime.add_client_error(
        "invoke_endpoint",
        "ModelError",
        'Received client error (400) from primary with message "feature_names mismatch".',
        424,
    )
    s.sm.add_response(
        "update_endpoint",
        {"EndpointArn": endpoint(OLD)["EndpointArn"]},
        {
            "EndpointName": "churn-prod",
            "EndpointConfigName": OLD,
            "DeploymentConfig": endpoint_deploy.deployment_config(),
        },
    )
    s.sm.add_response("describe_endpoint", endpoint(OLD))
    s.sm.add_response("describe_endpoint_config", config(new, new), {"EndpointConfigName": new})
    s.sm.add_response("delete_endpoint_config", {}, {"EndpointConfigName": new})
    s.sm.add_response("delete_model", {}, {"ModelName": new})
    with pytest.raises(PromotionError) as info:
        promote(s.bundle(), PACKAGE, PROD, role_arn=ROLE, sample=ROWS, log=lambda _l: None)
    s.verify()  # no AddTags: a promotion that failed is not recorded
    assert str(info.value) == (
        "promote: smoke test of endpoint churn-prod failed: ModelError: Received client error "
        '(400) from primary with message "feature_names mismatch".; rolled back endpoint '
        f"churn-prod to its previous endpoint config {OLD} (InService)"
    )


def test_rollback_that_fails_says_so_and_how_to_fix() -> None:
    s = Stubs()
    new = names(PROD, PACKAGE)
    stub_up_to_update(s, new)
    s.runtime.add_response("invoke_endpoint", answer(b"0.5\n"))  # one score for two rows
    s.sm.add_client_error(
        "update_endpoint", "ValidationException", "Cannot update in-progress endpoint", 400
    )
    with pytest.raises(PromotionError) as info:
        promote(s.bundle(), PACKAGE, PROD, role_arn=ROLE, sample=ROWS, log=lambda _l: None)
    message = str(info.value)
    assert message.startswith(
        "promote: smoke test of endpoint churn-prod failed: endpoint churn-prod returned "
        "1 scores for 2 rows"
    )
    assert message.endswith(
        "ROLLBACK FAILED (ValidationException: Cannot update in-progress endpoint): check "
        "endpoint churn-prod with 'glue-wf endpoints' and update it back to endpoint config "
        f"{OLD} by hand"
    )


def test_package_not_approved_is_refused_before_any_change() -> None:
    s = Stubs()
    s.sm.add_response("describe_model_package", package("PendingManualApproval"))
    s.sm.add_response("list_tags", {"Tags": []})
    with pytest.raises(PromotionError) as info:
        promote(s.bundle(), PACKAGE, DEV, role_arn=ROLE, sample=ROWS)
    s.verify()
    assert str(info.value) == (
        f"promote: model package {PACKAGE} is PendingManualApproval, not Approved: only an "
        "Approved package is promoted; approve it first with 'glue-wf approve churn-xgb/3'"
    )


def test_stage_needing_manual_approval_refuses_without_it() -> None:
    s = Stubs()
    s.sm.add_response("describe_model_package", package())
    s.sm.add_response("list_tags", {"Tags": [{"Key": "glue-wf:approval:qa", "Value": "at=x"}]})
    with pytest.raises(PromotionError) as info:
        promote(s.bundle(), PACKAGE, PROD, role_arn=ROLE, sample=ROWS)
    s.verify()
    assert str(info.value) == (
        f"promote: stage 'prod' requires a manual approval of {PACKAGE} (approval_required "
        "in [stages.prod] of glue-wf.toml): record it with 'glue-wf approve --stage prod "
        "churn-xgb/3', then promote again"
    )


def test_stage_after_another_refuses_a_package_not_promoted_there_first() -> None:
    after_qa = Stage(name="prod", endpoint="churn-prod", after="qa")
    s = Stubs()
    s.sm.add_response("describe_model_package", package())
    dev_only = [{"Key": "glue-wf:stage:dev", "Value": "endpoint=churn-dev"}]
    s.sm.add_response("list_tags", {"Tags": dev_only})
    with pytest.raises(PromotionError) as info:
        promote(s.bundle(), PACKAGE, after_qa, role_arn=ROLE, sample=ROWS)
    s.verify()  # refused before any change: no further request
    assert str(info.value) == (
        "promote: stage 'prod' takes packages promoted to 'qa' first (after in [stages.prod] "
        f"of glue-wf.toml), and {PACKAGE} has no promotion to 'qa': run 'glue-wf promote "
        "churn-xgb/3 --to qa' first"
    )


def test_stage_approval_is_an_add_tags_request() -> None:
    s = Stubs()
    s.sts.add_response("get_caller_identity", {"UserId": "u", "Account": ACCOUNT, "Arn": CALLER})
    s.sm.add_response(
        "add_tags",
        {"Tags": []},
        {
            "ResourceArn": PACKAGE,
            "Tags": [
                {
                    "Key": "glue-wf:approval:prod",
                    "Value": f"at=2026-01-02T03:04:05Z by={CALLER} user=alice",
                }
            ],
        },
    )
    tag = records.record_approval(s.clients["sagemaker"], s.clients["sts"], PACKAGE, "prod")
    s.verify()
    assert records.approvals({tag["Key"]: tag["Value"]}) == {
        "prod": {"at": "2026-01-02T03:04:05Z", "by": CALLER, "user": "alice"}
    }


def test_tag_values_keep_to_the_characters_sagemaker_allows() -> None:
    who = records.Caller(arn="arn:aws:sts::1:assumed-role/r/a,b;c", user="dom\\user name")
    tag = records.promotion_tag("prod", endpoint="e", config="c", at="t", by=who)
    assert (
        tag["Value"]
        == "endpoint=e config=c at=t by=arn:aws:sts::1:assumed-role/r/a_b_c user=dom_user_name"
    )
    long = records.Caller(arn="a" * 400, user="u")
    assert len(records.approval_tag("prod", at="t", by=long)["Value"]) == 256


def test_first_deployment_failing_its_smoke_test_deletes_the_endpoint() -> None:
    s = Stubs()
    new = names(DEV, PACKAGE)
    s.sm.add_response("describe_model_package", package())
    s.sm.add_response("list_tags", {"Tags": []})
    add_not_found(s.sm, "describe_endpoint", "churn-dev")
    add_not_found(s.sm, "describe_model", new)
    s.sm.add_response("create_model", {"ModelArn": "arn:aws:sagemaker:us-east-1:1:model/m"})
    add_not_found(s.sm, "describe_endpoint_config", new)
    s.sm.add_response(
        "create_endpoint_config", {"EndpointConfigArn": "arn:aws:sagemaker:us-east-1:1:ec/c"}
    )
    add_not_found(s.sm, "describe_endpoint", "churn-dev")
    s.sm.add_response(
        "create_endpoint",
        {"EndpointArn": "arn:aws:sagemaker:us-east-1:1:endpoint/churn-dev"},
        {"EndpointName": "churn-dev", "EndpointConfigName": new, "Tags": ANY},
    )
    s.sm.add_response("describe_endpoint", endpoint(new) | {"EndpointName": "churn-dev"})
    s.runtime.add_response("invoke_endpoint", answer(b"not,a,number\n"))
    s.sm.add_response("delete_endpoint", {}, {"EndpointName": "churn-dev"})
    s.sm.add_response(
        "describe_endpoint", endpoint(new, "Deleting") | {"EndpointName": "churn-dev"}
    )
    add_not_found(s.sm, "describe_endpoint", "churn-dev")
    s.sm.add_response("describe_endpoint_config", config(new, new), {"EndpointConfigName": new})
    s.sm.add_response("delete_endpoint_config", {}, {"EndpointConfigName": new})
    s.sm.add_response("delete_model", {}, {"ModelName": new})
    with pytest.raises(PromotionError) as info:
        promote(s.bundle(), PACKAGE, DEV, role_arn=ROLE, sample=ROWS, log=lambda _l: None)
    s.verify()
    assert str(info.value) == (
        "promote: smoke test of endpoint churn-dev failed: endpoint churn-dev answered a "
        "non-numeric body: 'not,a,number\\n'; deleted endpoint churn-dev, which this "
        "promotion had created"
    )


def test_update_sagemaker_rolled_back_fails_and_removes_the_unused_config() -> None:
    s = Stubs()
    new = names(PROD, PACKAGE)
    s.sm.add_response("describe_model_package", package())
    s.sm.add_response("list_tags", {"Tags": [APPROVAL]})
    s.sm.add_response("describe_endpoint", endpoint(OLD))
    s.sm.add_response(
        "describe_model",
        {
            "ModelName": new,
            "ModelArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model/{new}",
            "CreationTime": T0,
        },
    )
    s.sm.add_response("describe_endpoint_config", config(new, new))
    s.sm.add_response("describe_endpoint", endpoint(OLD))
    s.sm.add_response("update_endpoint", {"EndpointArn": endpoint(OLD)["EndpointArn"]})
    reason = "Instance failed health check; rolled back to the previous configuration"
    s.sm.add_response("describe_endpoint", endpoint(OLD) | {"FailureReason": reason})
    s.sm.add_response("describe_endpoint", endpoint(OLD) | {"FailureReason": reason})
    s.sm.add_response("describe_endpoint_config", config(new, new), {"EndpointConfigName": new})
    s.sm.add_response("delete_endpoint_config", {}, {"EndpointConfigName": new})
    s.sm.add_response("delete_model", {}, {"ModelName": new})
    with pytest.raises(PromotionError) as info:
        promote(s.bundle(), PACKAGE, PROD, role_arn=ROLE, sample=ROWS, log=lambda _l: None)
    s.verify()  # no InvokeEndpoint, no AddTags
    assert str(info.value) == (
        f"promote: endpoint churn-prod is InService on config {OLD}, not the new {new}: {reason}"
    )


def test_a_package_scoring_another_row_layout_is_refused_before_any_change() -> None:
    s = Stubs()
    served = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package/churn-xgb/2"

    def described(arn: str, uri: str) -> dict[str, Any]:
        meta = {"glue-wf-workflow": "churn-pipeline", "feature-manifest-uri": uri}
        return {**package(), "ModelPackageArn": arn, "CustomerMetadataProperties": meta}

    s.sm.add_response("describe_model_package", described(PACKAGE, "s3://b/new.json"))
    s.sm.add_response("list_tags", {"Tags": [APPROVAL]}, {"ResourceArn": PACKAGE})
    s.sm.add_response("describe_endpoint", endpoint(OLD))
    s.sm.add_response("describe_endpoint_config", config(OLD, "old-model"))
    s.sm.add_response(
        "describe_model",
        {
            "ModelName": "old-model",
            "ExecutionRoleArn": ROLE,
            "CreationTime": T0,
            "ModelArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model/old-model",
            "PrimaryContainer": {"ModelPackageName": served},
        },
    )
    s.sm.add_response("describe_model_package", described(served, "s3://b/old.json"))
    s3 = s.stubs["s3"]
    for key, features in (("old.json", ["a", "b"]), ("new.json", ["a"])):
        text = json.dumps({"features": [{"name": n} for n in features]}).encode()
        s3.add_response(
            "get_object",
            {"Body": StreamingBody(io.BytesIO(text), len(text))},
            {"Bucket": "b", "Key": key},
        )
    with pytest.raises(PromotionError) as caught:
        promote(s.bundle(), PACKAGE, PROD, role_arn=ROLE, sample=ROWS)
    s.verify()
    assert str(caught.value) == (
        f"promote: model package {PACKAGE} scores another row layout than endpoint churn-prod "
        "serves (2 features served, 1 in the new model; gone: b): its callers' rows would be "
        "scored on the wrong columns. Serve it on a new endpoint and move the callers, or pass "
        "--allow-feature-change to replace the layout"
    )


def test_smoke_rows_that_cannot_be_read_name_where_they_were_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from glue_workflow.errors import ConfigError
    from glue_workflow.jobkit import JobFailed
    from glue_workflow.stages.promote import sample_rows

    def missing(_s3: Any, uri: str) -> list[str]:
        raise JobFailed(f"no non-empty object under {uri}")

    monkeypatch.setattr(endpoint_deploy, "smoke_rows", missing)
    stage = Stage(name="qa", endpoint="churn-qa", smoke_test_uri="s3://bkt/nope/test/")
    with pytest.raises(ConfigError) as caught:
        sample_rows(Clients(sm=None, s3=None, runtime=None, sts=None), {}, stage, [])
    assert str(caught.value) == (
        "promote: smoke-test rows from smoke_test_uri of [stages.qa] in glue-wf.toml: no "
        "non-empty object under s3://bkt/nope/test/"
    )


def test_a_package_createmodel_refuses_is_named_with_its_artifact_and_nothing_changes() -> None:
    """CreateModel refusing the package (its artifact gone, or unreadable by the role)."""
    s = Stubs()
    new = names(PROD, PACKAGE)
    s.sm.add_response("describe_model_package", package(), {"ModelPackageName": PACKAGE})
    s.sm.add_response("list_tags", {"Tags": [APPROVAL]}, {"ResourceArn": PACKAGE})
    s.sm.add_response("describe_endpoint", endpoint(OLD), {"EndpointName": "churn-prod"})
    add_not_found(s.sm, "describe_model", new)
    s.sm.add_client_error(
        "create_model",
        "ValidationException",
        "Could not access model data at s3://b/m.tar.gz. Please ensure that the role exists "
        "and that its trust relationship policy allows the action 'sts:AssumeRole'",
    )
    s.sm.add_response("describe_endpoint", endpoint(OLD), {"EndpointName": "churn-prod"})
    add_not_found(s.sm, "describe_endpoint_config", new)  # what retire finds of the new one
    with pytest.raises(PromotionError) as info:
        promote(s.bundle(), PACKAGE, PROD, role_arn=ROLE, sample=ROWS)
    assert str(info.value).startswith(
        f"promote: package {PACKAGE} could not be deployed to stage prod (ValidationException: "
        "Could not access model data at s3://b/m.tar.gz."
    )
    assert str(info.value).endswith(
        "endpoint churn-prod is unchanged. Check that its model artifact (no ModelDataUrl) "
        "still exists and that the SageMaker role may read it"
    )
