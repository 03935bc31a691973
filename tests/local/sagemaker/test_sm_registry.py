"""Model Registry flows on the local target, through boto3."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sm_helpers import BUCKET, IMAGE, ROLE, put, tar_gz

METRICS = {
    "ModelQuality": {
        "Statistics": {
            "ContentType": "application/json",
            "S3Uri": f"s3://{BUCKET}/eval/evaluation.json",
        }
    }
}


def _spec(model_url: str) -> dict[str, Any]:
    return {
        "Containers": [{"Image": IMAGE, "ModelDataUrl": model_url}],
        "SupportedContentTypes": ["text/csv"],
        "SupportedResponseMIMETypes": ["text/csv"],
    }


def _register(sm: Any, group: str, **extra: Any) -> str:
    arn: str = sm.create_model_package(
        ModelPackageGroupName=group,
        InferenceSpecification=_spec(f"s3://{BUCKET}/m.tar.gz"),
        **extra,
    )["ModelPackageArn"]
    return arn


def test_group_lifecycle_and_duplicate(sm: Any) -> None:
    arn = sm.create_model_package_group(
        ModelPackageGroupName="reg-life", ModelPackageGroupDescription="churn"
    )
    assert arn["ModelPackageGroupArn"].endswith(":model-package-group/reg-life")
    described = sm.describe_model_package_group(ModelPackageGroupName="reg-life")
    assert described["ModelPackageGroupStatus"] == "Completed"
    with pytest.raises(ClientError) as dup:
        sm.create_model_package_group(ModelPackageGroupName="reg-life")
    assert dup.value.response["Error"]["Code"] == "ValidationException"
    assert "Model Package Group already exists" in str(dup.value)
    sm.delete_model_package_group(ModelPackageGroupName="reg-life")
    with pytest.raises(ClientError) as gone:
        sm.describe_model_package_group(ModelPackageGroupName="reg-life")
    # AWS's answer names the group by ARN (docs/aws-parity.md)
    assert gone.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": f"ModelPackageGroup {arn['ModelPackageGroupArn']} does not exist.",
    }


def test_versions_metrics_metadata_and_approval(sm: Any) -> None:
    sm.create_model_package_group(ModelPackageGroupName="reg-ver")
    first = _register(
        sm,
        "reg-ver",
        ModelApprovalStatus="PendingManualApproval",
        ModelMetrics=METRICS,
        CustomerMetadataProperties={"workflow": "churn", "run_id": "wr_1"},
    )
    second = _register(sm, "reg-ver")
    assert first.endswith(":model-package/reg-ver/1")
    assert second.endswith(":model-package/reg-ver/2")
    described = sm.describe_model_package(ModelPackageName=first)
    assert described["ModelPackageVersion"] == 1
    assert described["ModelMetrics"] == METRICS
    assert described["CustomerMetadataProperties"]["run_id"] == "wr_1"
    assert (
        sm.describe_model_package(ModelPackageName=second)["ModelApprovalStatus"]
        == "PendingManualApproval"
    )  # AWS's default for versioned packages
    sm.update_model_package(
        ModelPackageArn=first,
        ModelApprovalStatus="Approved",
        ApprovalDescription="accuracy 0.95 >= 0.9",
    )
    approved = sm.describe_model_package(ModelPackageName=first)
    assert approved["ModelApprovalStatus"] == "Approved"
    assert approved["ApprovalDescription"] == "accuracy 0.95 >= 0.9"
    with pytest.raises(
        ClientError, match="failed to satisfy constraint: Member must satisfy enum value set"
    ):
        sm.update_model_package(ModelPackageArn=first, ModelApprovalStatus="Maybe")


def test_client_token_makes_create_idempotent(sm: Any) -> None:
    sm.create_model_package_group(ModelPackageGroupName="reg-token")
    once = _register(sm, "reg-token", ClientToken="wr-1-register")
    again = _register(sm, "reg-token", ClientToken="wr-1-register")
    other = _register(sm, "reg-token", ClientToken="wr-2-register")
    assert once == again
    assert other.endswith("/2")


def test_list_sorted_filtered_and_paginated(sm: Any) -> None:
    sm.create_model_package_group(ModelPackageGroupName="reg-list")
    arns = [
        _register(sm, "reg-list", ModelApprovalStatus=status)
        for status in ("Approved", "Rejected", "Approved", "PendingManualApproval")
    ]
    latest = sm.list_model_packages(
        ModelPackageGroupName="reg-list",
        ModelApprovalStatus="Approved",
        SortBy="CreationTime",
        SortOrder="Descending",
        MaxResults=1,
    )
    assert [p["ModelPackageArn"] for p in latest["ModelPackageSummaryList"]] == [arns[2]]
    assert "NextToken" in latest
    rest = sm.list_model_packages(
        ModelPackageGroupName="reg-list",
        ModelApprovalStatus="Approved",
        SortBy="CreationTime",
        SortOrder="Descending",
        MaxResults=1,
        NextToken=latest["NextToken"],
    )
    assert [p["ModelPackageArn"] for p in rest["ModelPackageSummaryList"]] == [arns[0]]
    assert "NextToken" not in rest
    default = sm.list_model_packages(ModelPackageGroupName="reg-list")["ModelPackageSummaryList"]
    assert [p["ModelPackageVersion"] for p in default] == [1, 2, 3, 4]  # CreationTime, Ascending
    assert sm.list_model_packages()["ModelPackageSummaryList"] == []  # AWS: unversioned only
    pages = list(
        sm.get_paginator("list_model_packages").paginate(
            ModelPackageGroupName="reg-list", PaginationConfig={"PageSize": 3}
        )
    )
    assert [len(p["ModelPackageSummaryList"]) for p in pages] == [3, 1]


def test_delete_package_and_non_empty_group(sm: Any) -> None:
    sm.create_model_package_group(ModelPackageGroupName="reg-del")
    arn = _register(sm, "reg-del")
    with pytest.raises(ClientError) as busy:
        sm.delete_model_package_group(ModelPackageGroupName="reg-del")
    assert busy.value.response["Error"]["Code"] == "ConflictException"
    sm.delete_model_package(ModelPackageName=arn)
    with pytest.raises(ClientError, match="does not exist"):
        sm.describe_model_package(ModelPackageName=arn)
    sm.delete_model_package_group(ModelPackageGroupName="reg-del")


def test_deploying_requires_an_approved_package(sm: Any, sm_home: Any) -> None:
    url = put(sm_home, "reg/model.tar.gz", tar_gz({"xgboost-model": b"{}"}))
    sm.create_model_package_group(ModelPackageGroupName="reg-deploy")
    arn = sm.create_model_package(
        ModelPackageGroupName="reg-deploy", InferenceSpecification=_spec(url)
    )["ModelPackageArn"]
    with pytest.raises(ClientError, match="must be Approved to be deployed"):
        sm.create_model(
            ModelName="reg-deploy-m", ExecutionRoleArn=ROLE, Containers=[{"ModelPackageName": arn}]
        )
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    sm.create_model(
        ModelName="reg-deploy-m", ExecutionRoleArn=ROLE, Containers=[{"ModelPackageName": arn}]
    )
    with pytest.raises(ClientError, match="Cannot create already existing model"):
        sm.create_model(
            ModelName="reg-deploy-m", ExecutionRoleArn=ROLE, Containers=[{"ModelPackageName": arn}]
        )


def test_other_images_are_refused(sm: Any, sm_home: Any) -> None:
    url = put(sm_home, "reg/other.tar.gz", tar_gz({"xgboost-model": b"{}"}))
    for image, message in [
        (
            "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1-cpu",
            "is not supported by the glue-wf local target",
        ),
        (
            "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            "runs XGBoost 3.0-5 only",
        ),
        (
            "111111111111.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5",
            "publishes it as 683313688378.dkr.ecr.us-east-1.amazonaws.com",
        ),
    ]:
        with pytest.raises(ClientError, match=message):
            sm.create_model(
                ModelName="reg-img",
                ExecutionRoleArn=ROLE,
                PrimaryContainer={"Image": image, "ModelDataUrl": url},
            )
    eu = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:3.0-5"
    sm.create_model(
        ModelName="reg-img",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": eu, "ModelDataUrl": url},
    )


def test_bad_names_are_refused(sm: Any) -> None:
    # AWS's own validation answer, from the service model's pattern
    with pytest.raises(ClientError) as caught:
        sm.create_model_package_group(ModelPackageGroupName="bad_name")
    assert caught.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value 'bad_name' at 'modelPackageGroupName' "
        "failed to satisfy constraint: Member must satisfy regular expression pattern: "
        "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
    }


def test_the_image_check_reads_the_sdk_table_without_importing_the_sdk() -> None:
    # Importing sagemaker takes more than a second: every CreateTrainingJob waited for it.
    code = (
        "import sys\n"
        "from glue_workflow.local.sagemaker import common\n"
        "common.check_xgboost_image(sys.argv[1], 'Image')\n"
        "try:\n"
        "    common.check_xgboost_image(sys.argv[1].replace('683313688378', '1' * 12), 'Image')\n"
        "except Exception as exc:\n"
        "    print(exc)\n"
        "print('sagemaker' in sys.modules)\n"
    )
    image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"
    done = subprocess.run(
        [sys.executable, "-c", code, image], capture_output=True, text=True, check=True
    )
    refused, imported = done.stdout.strip().splitlines()
    assert "publishes it as 683313688378.dkr.ecr.us-east-1.amazonaws.com" in refused
    assert imported == "False"
