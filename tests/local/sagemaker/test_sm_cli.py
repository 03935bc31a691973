"""glue-wf models | approve | endpoints | invoke | delete-endpoint on the local target."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner
from sm_helpers import BUCKET, IMAGE

from glue_workflow.cli import cli

PROJECT = Path(__file__).resolve().parents[3]


@pytest.fixture
def run(sm_home: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("GLUE_WF_HOME", str(sm_home))

    def invoke(*args: str, stdin: str | None = None) -> Any:
        return CliRunner().invoke(
            cli, [*args[:1], "--target", "local", "--project", str(PROJECT), *args[1:]], input=stdin
        )

    return invoke


def test_models_and_approve(sm: Any, run: Any) -> None:
    sm.create_model_package_group(ModelPackageGroupName="cli-group")
    arn = sm.create_model_package(
        ModelPackageGroupName="cli-group",
        InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/m.tar.gz"}]
        },
    )["ModelPackageArn"]
    listed = run("models", "--json")
    assert listed.exit_code == 0, listed.output
    group = next(g for g in json.loads(listed.output) if g["ModelPackageGroupName"] == "cli-group")
    assert group["ModelPackageSummaryList"][0]["ModelApprovalStatus"] == "PendingManualApproval"
    lineage = group["ModelPackageSummaryList"][0]["Lineage"]  # docs/json.md: PascalCase keys
    assert lineage["ModelPackageArn"] == arn
    assert lineage["ModelDataUrl"] == f"s3://{BUCKET}/m.tar.gz"
    assert (lineage["RunId"], lineage["Endpoints"]) == (None, [])
    approved = run("approve", "cli-group/1", "--description", "looks good")
    assert approved.exit_code == 0, approved.output
    assert approved.output.strip() == f"{arn}: Approved"
    described = sm.describe_model_package(ModelPackageName=arn)
    assert (described["ModelApprovalStatus"], described["ApprovalDescription"]) == (
        "Approved",
        "looks good",
    )
    rejected = run("approve", arn, "--reject")
    assert rejected.output.strip() == f"{arn}: Rejected"
    text = run("models")
    assert "cli-group" in text.output
    assert "Rejected" in text.output
    missing = run("approve", "cli-group/9")
    assert missing.exit_code == 1
    assert "model package group 'cli-group' has no version 9" in str(missing.exception)
    usage = run("approve", "not-an-arn")
    assert "neither a model package ARN nor GROUP/VERSION" in str(usage.exception)


@pytest.mark.slow
def test_endpoints_and_invoke(sm: Any, run: Any, trained: dict[str, Any], tmp_path: Path) -> None:
    url = trained["ModelArtifacts"]["S3ModelArtifacts"]
    sm.create_model(
        ModelName="cli-model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": url},
    )
    sm.create_endpoint_config(
        EndpointConfigName="cli-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "cli-model",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    sm.create_endpoint(EndpointName="cli-endpoint", EndpointConfigName="cli-config")
    try:
        listed = run("endpoints", "--json")
        assert listed.exit_code == 0, listed.output
        row = next(e for e in json.loads(listed.output) if e["EndpointName"] == "cli-endpoint")
        assert row["EndpointStatus"] == "InService"
        assert row["Url"].startswith("http://127.0.0.1:")
        assert "cli-endpoint" in run("endpoints").output
        from sm_helpers import churn_frame

        features = churn_frame().iloc[0, 1:].tolist()
        body = tmp_path / "row.csv"
        body.write_text(",".join(map(str, features)))
        answer = run("invoke", "cli-endpoint", "--body", str(body))
        assert answer.exit_code == 0, answer.output
        assert 0 < float(answer.output) < 1
        piped = run(
            "invoke",
            "cli-endpoint",
            "--accept",
            "application/json",
            stdin=",".join(map(str, features)),
        )
        assert json.loads(piped.output)["predictions"][0]["score"] == float(answer.output)
        bad = run("invoke", "cli-endpoint", stdin="1,2,3")
        assert bad.exit_code == 1
        assert "ModelError" in str(bad.exception)
    finally:
        sm.delete_endpoint(EndpointName="cli-endpoint")


def _pid_alive(pid: int) -> bool:
    """Running (not exited, not a zombie awaiting its parent)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _wait_gone(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _pid_alive(pid)


def _deploy(sm: Any, sm_home: Path, url: str, endpoint: str, config: str, model: str | None) -> int:
    """(Model +) config + endpoint; the endpoint server's pid."""
    from glue_workflow.local.sagemaker.common import Resources
    from glue_workflow.local.store import LocalHome

    if model is not None:
        sm.create_model(
            ModelName=model,
            ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
            PrimaryContainer={"Image": IMAGE, "ModelDataUrl": url},
        )
        sm.create_endpoint_config(
            EndpointConfigName=config,
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": model,
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
    sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=config)
    record = Resources(LocalHome(sm_home)).get("endpoint", endpoint)
    assert record is not None
    assert record["EndpointStatus"] == "InService", record
    pid: int = record["_server"]["pid"]
    return pid


def test_delete_endpoint_unknown(run: Any) -> None:
    result = run("delete-endpoint", "no-such-endpoint", "--yes")
    assert result.exit_code == 1
    assert str(result.exception) == (
        "delete-endpoint: no endpoint named 'no-such-endpoint' (ValidationException: Could "
        'not find endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/no-such-endpoint".)'
        "; list them with 'glue-wf endpoints'"
    )


@pytest.mark.slow
def test_delete_endpoint_with_config_and_model(
    sm: Any, run: Any, sm_home: Path, trained: dict[str, Any]
) -> None:
    url = trained["ModelArtifacts"]["S3ModelArtifacts"]
    pid = _deploy(sm, sm_home, url, "del-endpoint", "del-config", "del-model")
    declined = run("delete-endpoint", "del-endpoint", stdin="n\n")
    assert declined.exit_code == 1
    assert "Delete endpoint del-endpoint, endpoint config del-config, model del-model? " in (
        declined.output
    )
    assert _pid_alive(pid)
    result = run("delete-endpoint", "del-endpoint", stdin="y\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        "deleted endpoint del-endpoint",
        "deleted endpoint config del-config",
        "deleted model del-model",
    ]
    assert _wait_gone(pid)
    assert not any(e["EndpointName"] == "del-endpoint" for e in sm.list_endpoints()["Endpoints"])
    for call, kwargs in (
        (sm.describe_endpoint_config, {"EndpointConfigName": "del-config"}),
        (sm.describe_model, {"ModelName": "del-model"}),
    ):
        with pytest.raises(ClientError, match="Could not find"):
            call(**kwargs)


@pytest.mark.slow
def test_delete_endpoint_keeps_config_when_asked_or_shared(
    sm: Any, run: Any, sm_home: Path, trained: dict[str, Any]
) -> None:
    url = trained["ModelArtifacts"]["S3ModelArtifacts"]
    first = _deploy(sm, sm_home, url, "keep-a", "keep-config", "keep-model")
    second = _deploy(sm, sm_home, url, "keep-b", "keep-config", None)
    try:
        kept = run("delete-endpoint", "keep-a", "--keep-config", "--yes")
        assert kept.output.splitlines() == ["deleted endpoint keep-a"]
        assert _wait_gone(first)
        first = _deploy(sm, sm_home, url, "keep-a", "keep-config", None)
        shared = run("delete-endpoint", "keep-a", "--yes")
        assert shared.exit_code == 0, shared.output
        assert shared.output.splitlines() == [
            "deleted endpoint keep-a",
            "kept endpoint config keep-config and its models: in use by endpoint(s) keep-b",
        ]
        assert _wait_gone(first)
        assert _pid_alive(second)
        # As on AWS, an endpoint config in use may be deleted: the endpoint keeps serving.
        sm.delete_endpoint_config(EndpointConfigName="keep-config")
        assert sm.describe_endpoint(EndpointName="keep-b")["EndpointStatus"] == "InService"
        last = run("delete-endpoint", "keep-b", "--yes")
        assert last.output.splitlines() == [
            "deleted endpoint keep-b",
            "endpoint config keep-config was already gone",
        ]
        assert _wait_gone(second)
    finally:
        for name in ("keep-a", "keep-b"):
            with contextlib.suppress(ClientError):
                sm.delete_endpoint(EndpointName=name)


def test_unknown_names_point_at_the_listing_commands(run: Any) -> None:
    missing = run("invoke", "nope", "--body", "-", stdin="1,2\n")
    assert missing.exit_code == 1
    assert str(missing.exception) == (
        "ValidationError: Endpoint nope of account 000000000000 not found; "
        "list the endpoints with 'glue-wf endpoints'"
    )
    raw = run("invoke", "nope", "--raw", "--body", "-", stdin="age\n1\n")
    assert raw.exit_code == 1  # DescribeEndpoint's own not-found answer, not a traceback
    assert str(raw.exception) == (
        'ValidationException: Could not find endpoint "arn:aws:sagemaker:us-east-1:'
        "000000000000:endpoint/nope\"; list the endpoints with 'glue-wf endpoints'"
    )
    no_group = run("approve", "no-such-group/1")
    assert no_group.exit_code == 1
    assert str(no_group.exception) == (
        "sagemaker:ListModelPackages failed: ValidationException: ModelPackageGroup "
        "arn:aws:sagemaker:us-east-1:000000000000:model-package-group/no-such-group does "
        "not exist. (see 'glue-wf models')"
    )
