"""The retry policy and error translation of ``glue_workflow.aws``, over botocore's Stubber."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
)
from botocore.stub import Stubber

from glue_workflow.aws.errors import (
    ResourceNotFound,
    operation_name,
    translate_botocore,
)
from glue_workflow.aws.retry import NO_RETRY, RetryPolicy, attempts_of, request, retrying
from glue_workflow.errors import ConfigError, DeployError, InfraError, RunError


def policy(sleeps: list[float], **kwargs: Any) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps.append, rng=lambda: 1.0, **kwargs)


def test_delay_is_capped_exponential_with_full_jitter() -> None:
    upper = RetryPolicy(base_delay=0.5, max_delay=3.0, rng=lambda: 1.0)
    assert [upper.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert RetryPolicy(rng=lambda: 0.25).delay(3) == 0.5  # a quarter of the 2 s cap


def test_request_names_the_operation_as_iam_does(glue: tuple[Any, Stubber]) -> None:
    client, stubber = glue
    stubber.add_response("get_workflow", {"Workflow": {"Name": "wf"}}, {"Name": "wf"})
    assert request(client, "GetWorkflow", Name="wf")["Workflow"] == {"Name": "wf"}
    stubber.add_client_error("get_workflow", "EntityNotFoundException", "Workflow wf not found")
    with pytest.raises(ResourceNotFound) as missing:
        request(client, "get_workflow", base=RunError, hint="deploy it first", Name="wf")
    assert str(missing.value) == (
        "glue:GetWorkflow failed: EntityNotFoundException: Workflow wf not found (deploy it first)"
    )
    assert missing.value.operation == "glue:GetWorkflow"
    assert missing.value.code == "EntityNotFoundException"


def test_other_errors_take_the_callers_base_class(glue: tuple[Any, Stubber]) -> None:
    client, stubber = glue
    stubber.add_client_error("start_workflow_run", "IllegalWorkflowStateException", "busy")
    with pytest.raises(RunError) as err:
        request(client, "start_workflow_run", base=RunError, Name="wf")
    assert str(err.value) == ("glue:StartWorkflowRun failed: IllegalWorkflowStateException: busy")


def test_retrying_keeps_the_last_answer_for_callers_that_decide_on_it(
    glue: tuple[Any, Stubber],
) -> None:
    client, stubber = glue
    sleeps: list[float] = []
    for _ in range(3):
        stubber.add_client_error("get_workflow", "ThrottlingException", "Rate exceeded")
    with pytest.raises(ClientError) as err:
        retrying(lambda: client.get_workflow(Name="wf"), policy=policy(sleeps, max_attempts=3))
    assert err.value.response["Error"]["Code"] == "ThrottlingException"
    assert attempts_of(err.value) == 3
    assert sleeps == [0.5, 1.0]


def test_no_retry_makes_one_call(glue: tuple[Any, Stubber]) -> None:
    client, stubber = glue
    stubber.add_client_error("get_workflow", "ConcurrentModificationException", "busy")
    with pytest.raises(DeployError, match=r"^glue:GetWorkflow failed: Concurrent"):
        request(client, "get_workflow", policy=NO_RETRY, Name="wf")


def test_sagemaker_runtime_calls_are_named_for_their_iam_prefix() -> None:
    runtime = boto3.client("sagemaker-runtime", region_name="us-east-1")
    assert operation_name(runtime, "invoke_endpoint") == "sagemaker:InvokeEndpoint"
    assert operation_name(boto3.client("s3"), "list_objects_v2") == "s3:ListObjectsV2"


@pytest.mark.parametrize(
    ("error", "kind", "text"),
    [
        (NoCredentialsError(), ConfigError,
         "cloudformation:DescribeStacks: no AWS credentials found: configure the standard "
         "boto3 credential chain (AWS_PROFILE, environment, SSO), or use --target local"),
        (EndpointConnectionError(endpoint_url="https://glue.example"), InfraError,
         'cloudformation:DescribeStacks: cannot reach the endpoint: Could not connect to the '
         'endpoint URL: "https://glue.example"'),
        (ParamValidationError(report="Missing required parameter StackName"), InfraError,
         "cloudformation:DescribeStacks: request rejected by the service model: Parameter "
         "validation failed:\nMissing required parameter StackName"),
    ],
)  # fmt: skip
def test_botocore_errors_before_any_answer(
    error: Exception, kind: type[Exception], text: str
) -> None:
    translated = translate_botocore(error, "cloudformation:DescribeStacks", base=InfraError)  # type: ignore[arg-type]
    assert type(translated) is kind
    assert str(translated) == text


def test_a_policy_retries_only_its_reasons(glue: tuple[Any, Stubber]) -> None:
    client, stubber = glue
    sleeps: list[float] = []
    only_throttling = policy(sleeps, reasons=frozenset({"throttling"}))
    stubber.add_client_error(
        "create_job", "AccessDeniedException", "not authorized to perform: iam:PassRole"
    )
    with pytest.raises(DeployError, match="iam:PassRole"):
        request(client, "create_job", policy=only_throttling, Name="j", Role="r", Command={})
    assert sleeps == []  # not sat out as IAM propagation
    stubber.add_client_error("create_job", "ThrottlingException", "Rate exceeded")
    stubber.add_response("create_job", {"Name": "j"})
    request(client, "create_job", policy=only_throttling, Name="j", Role="r", Command={})
    assert sleeps == [0.5]


def test_a_role_the_service_cannot_assume_names_its_trust_policy_not_the_caller(
    glue: tuple[Any, Stubber],
) -> None:
    client, stubber = glue
    # Glue's answer for a role without glue.amazonaws.com in its trust policy
    stubber.add_client_error(
        "create_job",
        "InvalidInputException",
        "Unable to assume role for arn: arn:aws:iam::123456789012:role/glue-job",
    )
    with pytest.raises(DeployError) as caught:
        request(client, "create_job", policy=NO_RETRY, Name="j", Role="r", Command={})
    assert str(caught.value) == (
        "glue:CreateJob failed: InvalidInputException: Unable to assume role for arn: "
        "arn:aws:iam::123456789012:role/glue-job; the service cannot assume the role: its "
        "trust policy must allow the service (glue.amazonaws.com for Glue jobs, "
        "sagemaker.amazonaws.com for SageMaker) sts:AssumeRole, as the roles glue-wf infra "
        "deploy creates do; check the role ARN in glue-wf.toml, and that the role exists"
    )
    stubber.add_client_error(
        "create_job",
        "AccessDeniedException",
        "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: iam:PassRole",
    )
    with pytest.raises(DeployError, match=r"iam:PassRole; grant the permission to the caller"):
        request(client, "create_job", policy=NO_RETRY, Name="j", Role="r", Command={})


@pytest.mark.parametrize(
    "code", ["ExpiredTokenException", "UnrecognizedClientException", "SignatureDoesNotMatch"]
)
def test_refused_credentials_say_to_refresh_them(glue: tuple[Any, Stubber], code: str) -> None:
    client, stubber = glue
    stubber.add_client_error(
        "get_workflow", code, "The security token included in the request is expired"
    )
    with pytest.raises(ConfigError) as caught:
        request(client, "get_workflow", Name="wf")
    assert str(caught.value) == (
        f"glue:GetWorkflow failed: {code}: The security token included in the request is "
        "expired; AWS refused the credentials themselves: refresh them (aws sso login, new "
        "session credentials or access keys), check which profile is used (AWS_PROFILE, "
        "--profile) and, for a signature error, the machine's clock"
    )
