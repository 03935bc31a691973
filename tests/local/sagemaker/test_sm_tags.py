"""AddTags / ListTags / DeleteTags on local SageMaker resources, answered as SageMaker does."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from sm_helpers import BUCKET, IMAGE


def _package(sm: Any, group: str) -> str:
    sm.create_model_package_group(ModelPackageGroupName=group)
    return str(
        sm.create_model_package(
            ModelPackageGroupName=group,
            InferenceSpecification={
                "Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/m.tar.gz"}]
            },
        )["ModelPackageArn"]
    )


def _error(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    error = info.value.response["Error"]
    return error["Code"], error["Message"]


def test_tags_on_a_model_package_add_replace_list_delete(sm: Any) -> None:
    arn = _package(sm, "tags-group")
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "glue-wf:stage:dev", "Value": "endpoint=a"}])
    sm.add_tags(
        ResourceArn=arn,
        Tags=[
            {"Key": "glue-wf:stage:dev", "Value": "endpoint=b"},  # same key: new value
            {"Key": "team", "Value": "ml"},
        ],
    )
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "glue-wf:stage:dev", "Value": "endpoint=b"},
        {"Key": "team", "Value": "ml"},
    ]
    sm.delete_tags(ResourceArn=arn, TagKeys=["team", "absent"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "glue-wf:stage:dev", "Value": "endpoint=b"}
    ]
    # the package's own record is unchanged by tagging
    assert sm.describe_model_package(ModelPackageName=arn)["ModelPackageArn"] == arn


def test_tag_errors_name_the_rule(sm: Any) -> None:
    arn = _package(sm, "tags-errors")
    assert _error(sm.add_tags, ResourceArn=arn, Tags=[{"Key": "aws:x", "Value": "v"}]) == (
        "ValidationException",
        "Tag key 'aws:x': the aws: prefix is reserved for AWS use",
    )
    # the TagValue pattern of the service model, answered as AWS's request validation does
    code, message = _error(sm.add_tags, ResourceArn=arn, Tags=[{"Key": "k", "Value": "a;b"}])
    assert (code, message) == (
        "ValidationException",
        "1 validation error detected: Value 'a;b' at 'tags.1.member.value' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        "([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)",
    )
    many = [{"Key": f"k{i}", "Value": ""} for i in range(50)]
    sm.add_tags(ResourceArn=arn, Tags=many)
    code, message = _error(sm.add_tags, ResourceArn=arn, Tags=[{"Key": "one-more", "Value": ""}])
    assert message == f"Resource {arn} would have 51 tags; a resource can have at most 50"
    missing = arn.rsplit("/", 1)[0] + "/99"
    assert _error(sm.list_tags, ResourceArn=missing) == (
        "ValidationException",
        f"ModelPackage {missing} does not exist.",
    )
    endpoint = arn.split(":model-package/")[0] + ":endpoint/nope"
    assert _error(sm.add_tags, ResourceArn=endpoint, Tags=[{"Key": "k", "Value": "v"}]) == (
        "ValidationException",
        f'Could not find endpoint "{endpoint}".',
    )
    job = arn.split(":model-package/")[0] + ":training-job/j"
    code, message = _error(sm.list_tags, ResourceArn=job)
    assert code == "NotSupportedLocally"
    assert "tags on training-job resources is not supported by the glue-wf local target" in message
