"""ARN partitions and console hosts follow the region (botocore's partition data)."""

from __future__ import annotations

import pytest

from glue_workflow.errors import ConfigError
from glue_workflow.naming import (
    console_url,
    iam_role_arn,
    local_partition,
    partition,
    regional_arn,
)


@pytest.mark.parametrize(
    ("region", "expected"),
    [("eu-west-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_partition_of_region(region: str, expected: str) -> None:
    assert partition(region) == expected
    assert regional_arn("glue", region, "111122223333", "workflow/wf") == (
        f"arn:{expected}:glue:{region}:111122223333:workflow/wf"
    )
    assert iam_role_arn(region, "111122223333", "r") == f"arn:{expected}:iam::111122223333:role/r"


def test_the_partition_data_answers_as_botocore_resolves() -> None:
    import botocore.session

    from glue_workflow.naming import _partition_from_data

    session = botocore.session.get_session()
    for region in [*session.get_available_regions("sts"), "eusc-de-east-1", "us-isof-south-1"]:
        assert _partition_from_data(region) == session.get_partition_for_region(region), region
    assert _partition_from_data("aws-global") is None  # listed, but no region to botocore
    assert _partition_from_data("moon-1") is None


def test_unknown_region_is_a_config_error_except_locally() -> None:
    with pytest.raises(ConfigError) as err:
        partition("moon-1")
    assert str(err.value) == (
        "unknown AWS region 'moon-1': botocore knows no partition for it; set region in "
        "glue-wf.toml (or AWS_REGION) to a region such as us-east-1"
    )
    assert local_partition("moon-1") == "aws"
    assert local_partition("cn-northwest-1") == "aws-cn"


@pytest.mark.parametrize(
    ("region", "url"),
    [
        (
            "eu-west-1",
            "https://eu-west-1.console.aws.amazon.com/glue/home?region=eu-west-1#/v2/x",
        ),
        (
            "cn-north-1",
            "https://cn-north-1.console.amazonaws.cn/glue/home?region=cn-north-1#/v2/x",
        ),
        (
            "us-gov-west-1",
            "https://console.amazonaws-us-gov.com/glue/home?region=us-gov-west-1#/v2/x",
        ),
    ],
)
def test_console_links_use_the_partition_console(region: str, url: str) -> None:
    assert console_url(region, "glue/home", "/v2/x") == url


def test_local_target_roles_and_sagemaker_arns_follow_the_region(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from glue_workflow.config import load_settings
    from glue_workflow.local.sagemaker.common import arn

    settings = load_settings(env={"AWS_REGION": "cn-north-1"}, target="local")
    assert settings.glue_role_arn == "arn:aws-cn:iam::000000000000:role/glue-wf-glue-job"
    monkeypatch.setenv("AWS_REGION", "cn-north-1")
    assert arn("endpoint", "Churn-XGB") == (
        "arn:aws-cn:sagemaker:cn-north-1:000000000000:endpoint/churn-xgb"
    )


def test_deployed_workflow_arn_follows_the_region() -> None:
    from glue_workflow.deploy.remote import workflow_arn

    assert (
        workflow_arn("us-gov-west-1", "1", "wf")
        == "arn:aws-us-gov:glue:us-gov-west-1:1:workflow/wf"
    )
