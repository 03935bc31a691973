"""``fill_from_stack`` (contract 8): settings filled from the stack's outputs."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from glue_workflow.config import load_settings
from glue_workflow.errors import ConfigError
from glue_workflow.infra.commands import InfraContext, StackOptions, run_deploy
from glue_workflow.infra.outputs import fill_from_stack

PROJECT_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS")


def deploy_stack(aws: Any, settings: Any, no_wait: Any) -> dict[str, str]:
    ctx = InfraContext(
        settings=settings, session=aws.session, echo=lambda _l: None, waiting=no_wait
    )
    stack = run_deploy(
        ctx, StackOptions(workflow_name="churn-pipeline"), yes=True, confirm=lambda _q: True
    )
    return dict(stack.outputs)


def test_local_target_is_returned_unchanged() -> None:
    settings = load_settings(PROJECT_ROOT, target="local", env={})
    assert fill_from_stack(settings, session=None) is settings


def test_fills_every_unset_value_from_the_outputs(
    aws: Any, aws_settings: Any, no_wait: Any
) -> None:
    outputs = deploy_stack(aws, aws_settings, no_wait)

    filled = fill_from_stack(aws_settings, aws.session)

    assert filled.bucket == outputs["ArtifactsBucketName"]
    assert filled.glue_role_arn == outputs["GlueJobRoleArn"]
    assert filled.sagemaker_role_arn == outputs["SageMakerExecutionRoleArn"]
    assert filled.events_role_arn == outputs["EventsRoleArn"]
    assert (
        dataclasses.replace(
            filled,
            bucket=None,
            glue_role_arn=None,
            sagemaker_role_arn=None,
            events_role_arn=None,
        )
        == aws_settings
    )


def test_values_the_settings_name_win(aws: Any, aws_settings: Any, no_wait: Any) -> None:
    outputs = deploy_stack(aws, aws_settings, no_wait)
    settings = dataclasses.replace(aws_settings, bucket="my-own-bucket")

    filled = fill_from_stack(settings, aws.session)

    assert filled.bucket == "my-own-bucket"
    assert filled.glue_role_arn == outputs["GlueJobRoleArn"]


def test_complete_settings_need_no_stack(aws: Any, aws_settings: Any) -> None:
    settings = dataclasses.replace(
        aws_settings, bucket="b", glue_role_arn="arn:g", sagemaker_role_arn="arn:s"
    )
    assert fill_from_stack(settings, aws.session) is settings


def test_missing_stack_points_at_infra_deploy(aws: Any, aws_settings: Any) -> None:
    with pytest.raises(ConfigError) as missing:
        fill_from_stack(aws_settings, aws.session)
    assert str(missing.value) == (
        "CloudFormation stack 'glue-wf' does not exist in us-east-1: create the bucket and "
        "roles with 'glue-wf infra deploy' (see infra/README.md), or name them in the "
        "[target.aws] table of glue-wf.toml"
    )


def test_stack_name_comes_from_the_settings(aws: Any, aws_settings: Any, no_wait: Any) -> None:
    deploy_stack(aws, aws_settings, no_wait)
    other = dataclasses.replace(aws_settings, stack_name="other-stack")
    with pytest.raises(ConfigError, match="CloudFormation stack 'other-stack' does not exist"):
        fill_from_stack(other, aws.session)


def test_failed_stack_is_not_used(aws: Any, aws_settings: Any, no_wait: Any) -> None:
    aws.cfn.fail_next_execution("ArtifactsBucket", "Bucket name already taken")
    with pytest.raises(Exception, match="ROLLBACK_COMPLETE"):
        deploy_stack(aws, aws_settings, no_wait)
    with pytest.raises(ConfigError) as failed:
        fill_from_stack(aws_settings, aws.session)
    assert str(failed.value) == (
        "CloudFormation stack 'glue-wf' in us-east-1 is ROLLBACK_COMPLETE, so its outputs "
        "cannot be used: run 'glue-wf infra deploy' (see infra/README.md)"
    )
