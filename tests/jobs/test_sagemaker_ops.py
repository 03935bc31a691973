"""SageMaker helpers of the pipeline jobs: names, attach-on-retry, polling, terminal states."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from awsanswers import add_not_found
from botocore.stub import Stubber

from glue_workflow.jobkit import sagemaker_ops as ops

RUN = "wr_" + "ab" * 32
ROLE = "arn:aws:iam::123456789012:role/sm"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def sm() -> Any:
    return boto3.client("sagemaker", region_name="us-east-1")


def training_description(name: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        "TrainingJobStatus": status,
        "SecondaryStatus": "Training",
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        "CreationTime": NOW,
        "ModelArtifacts": {"S3ModelArtifacts": f"s3://b/{name}/output/model.tar.gz"},
        **extra,
    }


def minimal_request(name: str) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


def not_found(stub: Stubber, method: str, name: str = "missing") -> None:
    add_not_found(stub, method, name)


# ------------------------------------------------------------------------- names


def test_resource_name_is_deterministic_valid_and_bounded() -> None:
    name = ops.resource_name(workflow="churn-pipeline", run_id=RUN, node="train")
    assert name == ops.resource_name(workflow="churn-pipeline", run_id=RUN, node="train")
    assert name.startswith("churn-pipeline-train-")
    assert ops.NAME_PATTERN.fullmatch(name)
    long = ops.resource_name(workflow="w_" * 60, run_id=RUN, node="some_node.name", attempt=12)
    assert len(long) <= 63
    assert ops.NAME_PATTERN.fullmatch(long)
    assert long.endswith("-a12")


def test_resource_name_differs_per_run_node_and_attempt() -> None:
    names = {
        ops.resource_name(workflow="w", run_id=RUN, node="train"),
        ops.resource_name(workflow="w", run_id=RUN + "x", node="train"),
        ops.resource_name(workflow="w", run_id=RUN, node="evaluate"),
        ops.resource_name(workflow="w", run_id=RUN, node="train", attempt=2),
    }
    assert len(names) == 4


def test_client_token_and_scoped_name_fit_sagemaker_limits() -> None:
    token = ops.client_token(RUN, "register")
    assert token == ops.client_token(RUN, "register")
    assert 1 <= len(token) <= 36
    assert token != ops.client_token(RUN, "deploy")
    config = ops.scoped_name("churn-xgb", RUN)
    assert config.startswith("churn-xgb-")
    assert ops.NAME_PATTERN.fullmatch(ops.scoped_name("x" * 80, RUN))
    assert len(ops.scoped_name("x" * 80, RUN)) <= 63


def test_validate_name_states_the_rule() -> None:
    with pytest.raises(
        Exception, match=r"'churn_xgb' is not a valid SageMaker name: use at most 63"
    ):
        ops.validate_name("endpoint", "churn_xgb")
    assert ops.validate_name("endpoint", "churn-xgb") == "churn-xgb"


# ------------------------------------------------------------- start or attach


def test_creates_the_training_job_when_none_exists(sm: Any) -> None:
    name = ops.resource_name(workflow="wf", run_id=RUN, node="train")
    with Stubber(sm) as stub:
        not_found(stub, "describe_training_job")
        stub.add_response(
            "create_training_job",
            {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:1:training-job/x"},
            minimal_request(name),
        )
        assert ops.start_or_attach_training_job(
            sm, workflow="wf", run_id=RUN, node="train", build_request=minimal_request
        ) == (name, False)
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("status", ["InProgress", "Completed", "Stopping"])
def test_retry_attaches_to_its_own_training_job(sm: Any, status: str) -> None:
    name = ops.resource_name(workflow="wf", run_id=RUN, node="train")
    with Stubber(sm) as stub:
        stub.add_response(
            "describe_training_job", training_description(name, status), {"TrainingJobName": name}
        )
        # No create_training_job stubbed: a duplicate create would fail the test.
        assert ops.start_or_attach_training_job(
            sm, workflow="wf", run_id=RUN, node="train", build_request=minimal_request
        ) == (name, True)
        stub.assert_no_pending_responses()


def test_retry_after_a_failed_training_job_starts_the_next_attempt(sm: Any) -> None:
    first = ops.resource_name(workflow="wf", run_id=RUN, node="train")
    second = ops.resource_name(workflow="wf", run_id=RUN, node="train", attempt=2)
    with Stubber(sm) as stub:
        stub.add_response(
            "describe_training_job",
            training_description(first, "Failed", FailureReason="boom"),
            {"TrainingJobName": first},
        )
        not_found(stub, "describe_training_job")
        stub.add_response(
            "create_training_job", {"TrainingJobArn": "arn:x"}, minimal_request(second)
        )
        assert ops.start_or_attach_training_job(
            sm, workflow="wf", run_id=RUN, node="train", build_request=minimal_request
        ) == (second, False)


def test_concurrent_create_is_attached_not_duplicated(sm: Any) -> None:
    name = ops.resource_name(workflow="wf", run_id=RUN, node="train")
    with Stubber(sm) as stub:
        not_found(stub, "describe_training_job")
        stub.add_client_error("create_training_job", "ResourceInUse", "exists", 400)
        assert ops.start_or_attach_training_job(
            sm, workflow="wf", run_id=RUN, node="train", build_request=minimal_request
        ) == (name, True)


def test_other_describe_errors_are_not_taken_for_missing(sm: Any) -> None:
    with Stubber(sm) as stub:
        stub.add_client_error("describe_training_job", "AccessDeniedException", "no", 400)
        with pytest.raises(Exception, match="AccessDeniedException"):
            ops.start_or_attach_training_job(
                sm, workflow="wf", run_id=RUN, node="train", build_request=minimal_request
            )


# --------------------------------------------------------------------- waiting


def test_wait_surfaces_the_failure_reason(sm: Any) -> None:
    with Stubber(sm) as stub:
        stub.add_response("describe_training_job", training_description("j", "InProgress"))
        stub.add_response("describe_training_job", training_description("j", "InProgress"))
        stub.add_response(
            "describe_training_job",
            training_description(
                "j", "Failed", FailureReason="AlgorithmError: label column has NaN"
            ),
        )
        with pytest.raises(
            Exception, match=r"^training job j Failed: AlgorithmError: label column has NaN$"
        ):
            ops.wait_training_job(sm, "j", sleep=lambda _: None)


def test_stopped_training_is_a_failure_not_a_success(sm: Any) -> None:
    with Stubber(sm) as stub:
        stub.add_response("describe_training_job", training_description("j", "InProgress"))
        stub.add_response("describe_training_job", training_description("j", "Stopped"))
        with pytest.raises(Exception, match=r"^training job j Stopped: SageMaker gave no"):
            ops.wait_training_job(sm, "j", sleep=lambda _: None)


def test_wait_returns_the_completed_description(sm: Any) -> None:
    with Stubber(sm) as stub:
        stub.add_response("describe_training_job", training_description("j", "InProgress"))
        stub.add_response("describe_training_job", training_description("j", "Completed"))
        final = ops.wait_training_job(sm, "j", sleep=lambda _: None)
    assert final["ModelArtifacts"]["S3ModelArtifacts"] == "s3://b/j/output/model.tar.gz"


def test_poll_backs_off_to_a_cap_and_honours_the_deadline() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    with pytest.raises(Exception, match=r"^thing still Running after 60 s: gave up waiting"):
        ops.poll(
            lambda: {"S": "Running"},
            status_of=lambda d: d["S"],
            done=("Done",),
            what="thing",
            timeout=60,
            policy=ops.PollPolicy(initial=1.0, factor=2.0, cap=8.0),
            sleep=sleep,
            clock=lambda: now[0],
        )
    assert slept[:5] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert max(slept) <= 8.0
    assert sum(slept) == pytest.approx(60.0)


def test_deadline_derives_from_max_runtime() -> None:
    assert ops.deadline_seconds(3600) == 3600 + 900


# -------------------------------------------------------------------- endpoints


def endpoint(status: str, config: str, **extra: Any) -> dict[str, Any]:
    return {
        "EndpointName": "churn-xgb",
        "EndpointStatus": status,
        "EndpointConfigName": config,
        **extra,
    }


def test_endpoint_check_accepts_in_service_on_the_new_config() -> None:
    ops.check_endpoint_serves(endpoint("InService", "new"), "new")


def test_rolled_back_update_is_a_failure_even_though_in_service() -> None:
    with pytest.raises(
        Exception,
        match=r"endpoint churn-xgb is InService on config old, not the new new: alarm fired",
    ):
        ops.check_endpoint_serves(endpoint("InService", "old", FailureReason="alarm fired"), "new")


def test_failed_endpoint_reports_its_reason() -> None:
    with pytest.raises(Exception, match=r"endpoint churn-xgb is Failed: image pull failed"):
        ops.check_endpoint_serves(
            endpoint("Failed", "new", FailureReason="image pull failed"), "new"
        )


def test_split_s3_uri_rejects_non_s3() -> None:
    assert ops.split_s3_uri("s3://b/k/x.csv") == ("b", "k/x.csv")
    with pytest.raises(Exception, match=r"'/tmp/x' is not an s3://bucket/key URI"):
        ops.split_s3_uri("/tmp/x")


def test_seconds_arguments_are_checked() -> None:
    assert ops.seconds_arg({}, "training_max_runtime", 3600) == 3600
    assert ops.seconds_arg({"training_max_runtime": "7200"}, "training_max_runtime", 1) == 7200
    with pytest.raises(
        Exception,
        match=r"job argument --training_max_runtime='1h' must be a "
        r"whole number of seconds between 1 and 2419200",
    ):
        ops.seconds_arg({"training_max_runtime": "1h"}, "training_max_runtime", 1)


def test_the_local_target_caps_the_waits_between_describes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from glue_workflow.local import environment

    assert environment.POLL_ENV == ops.POLL_ENV
    env = environment.job_environment(Path("/tmp/home"), base={})
    monkeypatch.setenv(ops.POLL_ENV, env[ops.POLL_ENV])
    delays = list(itertools.islice(ops.default_poll().delays(), 4))
    assert delays == [0.02, 0.02, 0.02, 0.02]
    for unusable in ("", "abc", "0", "-1", "60"):
        monkeypatch.setenv(ops.POLL_ENV, unusable)
        assert ops.default_poll() == ops.DEFAULT_POLL  # AWS's: 0.5 s growing to 20 s
