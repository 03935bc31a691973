"""The deploy facades over Stubber: retries, errors, batching (policy: glue_workflow.aws)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from glue_workflow.aws.errors import (
    AccessDenied,
    NotSupportedByTarget,
    ResourceConflict,
    ResourceNotFound,
)
from glue_workflow.aws.retry import RetryPolicy
from glue_workflow.deploy.glue_deploy_calls import GlueDeployApi
from glue_workflow.deploy.store_api import IamApi, S3Api, common_prefix, role_name
from glue_workflow.errors import DeployError, NotFoundError

JOB = {"Name": "wf-a", "Role": "arn:aws:iam::1:role/r", "Command": {"Name": "pythonshell"}}
# botocore's own retries off: every stubbed answer reaches the facade.
NO_BOTOCORE_RETRY = Config(retries={"total_max_attempts": 1})


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def glue(sleeps: Sleeps) -> Iterator[tuple[GlueDeployApi, Stubber]]:
    client = boto3.client("glue", region_name="us-east-1", config=NO_BOTOCORE_RETRY)
    policy = RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=3.0, iam_deadline=60.0,
                         sleep=sleeps, rng=lambda: 1.0)  # fmt: skip
    with Stubber(client) as stubber:
        yield GlueDeployApi(client=client, policy=policy), stubber
        stubber.assert_no_pending_responses()


def error(stubber: Stubber, method: str, code: str, message: str, status: int = 400) -> None:
    stubber.add_client_error(method, service_error_code=code, service_message=message,
                             http_status_code=status)  # fmt: skip


def test_concurrent_modification_is_retried_with_capped_backoff(
    glue: tuple[GlueDeployApi, Stubber], sleeps: Sleeps
) -> None:
    api, stubber = glue
    for _ in range(3):
        error(stubber, "create_trigger", "ConcurrentModificationException", "busy")
    stubber.add_response("create_trigger", {"Name": "t"})
    api.create_trigger({"Name": "t", "Type": "ON_DEMAND", "Actions": [{"JobName": "j"}]})
    assert sleeps == [1.0, 2.0, 3.0]  # 1, 2, then capped at 3


def test_throttling_gives_up_after_max_attempts(
    glue: tuple[GlueDeployApi, Stubber], sleeps: Sleeps
) -> None:
    api, stubber = glue
    for _ in range(4):
        error(stubber, "create_job", "ThrottlingException", "Rate exceeded")
    with pytest.raises(DeployError) as err:
        api.create_job(JOB)
    assert str(err.value) == (
        "glue:CreateJob failed after 4 attempts: ThrottlingException: Rate exceeded"
    )
    assert len(sleeps) == 3


def test_iam_propagation_is_retried_then_reported(
    glue: tuple[GlueDeployApi, Stubber], sleeps: Sleeps
) -> None:
    api, stubber = glue
    error(stubber, "create_job", "InvalidInputException",
          "Role arn:aws:iam::1:role/r cannot be assumed by Glue")  # fmt: skip
    error(stubber, "create_job", "AccessDeniedException",
          "User x is not authorized to perform: iam:PassRole on resource r")  # fmt: skip
    stubber.add_response("create_job", {"Name": "wf-a"})
    api.create_job(JOB)
    assert len(sleeps) == 2


def test_iam_propagation_stops_at_the_deadline(sleeps: Sleeps) -> None:
    client = boto3.client("glue", region_name="us-east-1", config=NO_BOTOCORE_RETRY)
    api = GlueDeployApi(client=client, policy=RetryPolicy(iam_deadline=0.0, sleep=sleeps))
    with Stubber(client) as stubber:
        error(stubber, "create_job", "InvalidInputException", "Role r cannot be assumed by Glue")
        with pytest.raises(AccessDenied) as err:
            api.create_job(JOB)
    assert str(err.value).startswith(
        "glue:CreateJob failed: InvalidInputException: Role r cannot be assumed by Glue; "
        "the service cannot assume the role: its trust policy must allow the service"
    )
    assert sleeps == []


@pytest.mark.parametrize(
    ("code", "kind", "text"),
    [
        ("EntityNotFoundException", ResourceNotFound,
         "glue:DeleteJob failed: EntityNotFoundException: nope"),
        ("AlreadyExistsException", ResourceConflict,
         "glue:DeleteJob failed: AlreadyExistsException: nope; another deploy or a manual "
         "edit changed it: rerun the command"),
        ("AccessDeniedException", AccessDenied,
         "glue:DeleteJob failed: AccessDeniedException: nope; grant the permission to the "
         "caller (see infra/ for the policies glue-wf needs)"),
        ("NotSupportedLocally", NotSupportedByTarget, "nope"),
        ("InvalidInputException", DeployError,
         "glue:DeleteJob failed: InvalidInputException: nope"),
    ],
)  # fmt: skip
def test_error_codes_become_glue_wf_errors(
    glue: tuple[GlueDeployApi, Stubber], code: str, kind: type[Exception], text: str
) -> None:
    api, stubber = glue
    error(stubber, "delete_job", code, "nope")
    with pytest.raises(kind) as err:
        api.delete_job("wf-a")
    assert str(err.value) == text
    if kind is ResourceNotFound:
        assert isinstance(err.value, NotFoundError)


def test_missing_workflow_reads_as_none(glue: tuple[GlueDeployApi, Stubber]) -> None:
    api, stubber = glue
    error(stubber, "get_workflow", "EntityNotFoundException", "Workflow wf not found")
    assert api.get_workflow("wf") is None


def test_batch_reads_are_chunked(glue: tuple[GlueDeployApi, Stubber]) -> None:
    api, stubber = glue
    names = [f"job-{i:03d}" for i in range(60)]
    for start in (0, 25, 50):
        batch = names[start : start + 25]
        stubber.add_response("batch_get_jobs", {"Jobs": [{"Name": n} for n in batch]},
                             {"JobNames": batch})  # fmt: skip
    assert sorted(api.batch_get_jobs(reversed(names))) == names


def test_update_job_sends_the_full_definition_without_name_and_tags(
    glue: tuple[GlueDeployApi, Stubber],
) -> None:
    api, stubber = glue
    request: dict[str, Any] = {**JOB, "Tags": {"k": "v"}, "DefaultArguments": {"--a": "1"},
                               "MaxCapacity": 0.0625}  # fmt: skip
    update = {"Role": JOB["Role"], "Command": JOB["Command"], "DefaultArguments": {"--a": "1"},
              "MaxCapacity": 0.0625}  # fmt: skip
    stubber.add_response("update_job", {"JobName": "wf-a"},
                         {"JobName": "wf-a", "JobUpdate": update})  # fmt: skip
    api.update_job(request)


def test_s3_and_iam_facades() -> None:
    s3 = boto3.client("s3", region_name="us-east-1", config=NO_BOTOCORE_RETRY)
    iam = boto3.client("iam", region_name="us-east-1", config=NO_BOTOCORE_RETRY)
    with Stubber(s3) as s3_stub, Stubber(iam) as iam_stub:
        s3_stub.add_client_error("head_bucket", service_error_code="404",
                                 http_status_code=404)  # fmt: skip
        assert S3Api(client=s3).bucket_exists("b") is False
        iam_stub.add_client_error("get_role", service_error_code="NoSuchEntity",
                                  http_status_code=404)  # fmt: skip
        assert IamApi(client=iam).role_exists("arn:aws:iam::1:role/path/r") is False
        iam_stub.add_client_error("get_role", service_error_code="AccessDenied",
                                  http_status_code=403)  # fmt: skip
        assert IamApi(client=iam).role_exists("arn:aws:iam::1:role/r") is None  # not checked
    assert role_name("arn:aws:iam::1:role/path/to/r") == "r"
    assert common_prefix(["glue-wf/wf/artifacts/aa/x.py", "glue-wf/wf/artifacts/ab/y.py"]) == (
        "glue-wf/wf/artifacts/"
    )
    assert common_prefix(["a.py", "b.py"]) == ""


def test_tag_resource_sends_the_glue_model_shapes(glue: tuple[GlueDeployApi, Stubber]) -> None:
    api, stubber = glue
    arn = "arn:aws:glue:us-east-1:1:job/wf-a"
    stubber.add_response("tag_resource", {}, {"ResourceArn": arn, "TagsToAdd": {"k": "v"}})
    stubber.add_response("untag_resource", {}, {"ResourceArn": arn, "TagsToRemove": ["old"]})
    api.tag_resource(arn, {"k": "v"}, ["old"])
    api.tag_resource(arn, {}, [])  # nothing to do: no call
