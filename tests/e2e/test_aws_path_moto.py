"""The AWS path: deploy the shipped workflow with ``--target aws`` into moto, then run it.

moto executes no workflow run, so the run is driven here node by node the way Glue
would: each Python shell job's ``main`` gets the argv Glue builds (the deployed job's
DefaultArguments plus ``--WORKFLOW_NAME``/``--WORKFLOW_RUN_ID``/``--JOB_NAME``) and
talks to moto's Glue, S3 and SageMaker. Where moto cannot execute, before-call hooks
stand in: moto's SageMaker not-found answers become AWS's (tests/awsanswers.py),
preprocess (Spark) is replaced by its outputs, the Processing job's
``evaluation.json`` is written when it is created, ``InvokeEndpoint`` answers one
score per row and ``UpdateEndpoint`` (not in moto) swaps the config. Every SageMaker
request is recorded and its shape, names and roles asserted.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from click.testing import CliRunner

moto = pytest.importorskip("moto")
pytestmark = pytest.mark.e2e

from awsanswers import use_aws_not_found_answers  # noqa: E402
from jobhelpers import load_job  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
BUCKET = "glue-wf-artifacts-test"
GLUE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/glue-wf-glue-job"
SM_ROLE = f"arn:aws:iam::{ACCOUNT}:role/glue-wf-sagemaker"
WORKFLOW = "churn-pipeline"
REPORT = {
    "accuracy": 0.97,
    "precision": 0.96,
    "recall": 0.95,
    "f1": 0.955,
    "roc_auc": 0.99,
    "confusion_matrix": {"tn": 10, "fp": 1, "fn": 1, "tp": 8},
    "threshold": 0.5,
}
TEST_ROWS = (
    "1,0.5,3.0,2.0\n0,0.1,1.0,0.0\n1,0.9,2.0,2.0\n0,0.2,0.0,1.0\n1,0.7,1.0,1.0\n0,0.3,0.5,0.5\n"
)


class AwsRun:
    """moto + the hooks moto needs + a record of every SageMaker request."""

    def __init__(self) -> None:
        self.session = boto3.Session(region_name="us-east-1")
        self.requests: list[tuple[str, dict[str, Any]]] = []
        events = self.session.events
        # moto's wording for a missing SageMaker resource is not AWS's: answer with AWS's.
        use_aws_not_found_answers(events, account=ACCOUNT, region="us-east-1")
        events.register("before-parameter-build.sagemaker", self._record)
        events.register("before-parameter-build.sagemaker-runtime", self._record)
        events.register("after-call.sagemaker.CreateProcessingJob", self._write_evaluation)
        events.register("before-call.sagemaker-runtime.InvokeEndpoint", self._invoke)
        events.register("before-call.sagemaker.UpdateEndpoint", self._update_endpoint)
        self._last: dict[str, Any] = {}

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self._last[model.name] = params
        self.requests.append((model.name, json.loads(json.dumps(params, default=str))))

    def of(self, operation: str) -> list[dict[str, Any]]:
        return [p for name, p in self.requests if name == operation]

    def _write_evaluation(self, **_: Any) -> None:
        # moto completes the job at once but writes nothing: write its output.
        request = self._last["CreateProcessingJob"]
        out = request["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]
        bucket, _, prefix = out.removeprefix("s3://").partition("/")
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.put_object(
            Bucket=bucket, Key=f"{prefix}/evaluation.json", Body=json.dumps(REPORT).encode()
        )
        # the reports the evaluation script writes beside it (register attaches them)
        for name in ("statistics.json", "feature_importance.json", "explainability.json"):
            body = json.dumps({"report": name}).encode()
            s3.put_object(Bucket=bucket, Key=f"{prefix}/{name}", Body=body)

    def _invoke(self, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        import io

        from botocore.response import StreamingBody

        rows = self._last["InvokeEndpoint"]["Body"].splitlines()
        data = "\n".join("0.75" for _ in rows).encode()
        return AWSResponse("https://runtime.sagemaker/", 200, {}, None), {
            "Body": StreamingBody(io.BytesIO(data), len(data)),
            "ContentType": "text/csv",
            "ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {}},
        }

    def _update_endpoint(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        from moto.sagemaker.models import sagemaker_backends

        request = self._last["UpdateEndpoint"]
        backend = sagemaker_backends[ACCOUNT]["us-east-1"]
        endpoint = backend.endpoints[request["EndpointName"]]
        endpoint.endpoint_config_name = request["EndpointConfigName"]
        return AWSResponse("https://api.sagemaker/", 200, {}, None), {
            "EndpointArn": endpoint.arn,
            "ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {}},
        }

    def run_job(self, node: str, run_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
        glue = self.session.client("glue")
        job = glue.get_job(JobName=f"{WORKFLOW}-{node}")["Job"]
        argv = [
            job["Command"]["ScriptLocation"],
            "--JOB_NAME",
            job["Name"],
            "--WORKFLOW_NAME",
            WORKFLOW,
            "--WORKFLOW_RUN_ID",
            run_id,
        ]
        for key, value in job.get("DefaultArguments", {}).items():
            argv += [key, value]
        module = load_job(node)
        if node == "gate":  # the gate job reads sys.argv and makes its own session
            monkeypatch.setattr(sys, "argv", argv)
            module.main()
        else:
            module.main(argv, session=self.session)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("GLUE_WF_BUCKET", BUCKET)
    monkeypatch.setenv("GLUE_WF_GLUE_ROLE_ARN", GLUE_ROLE)
    monkeypatch.setenv("GLUE_WF_SAGEMAKER_ROLE_ARN", SM_ROLE)
    with moto.mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        iam = boto3.client("iam", region_name="us-east-1")
        for role in ("glue-wf-glue-job", "glue-wf-sagemaker"):
            iam.create_role(RoleName=role, AssumeRolePolicyDocument="{}")
        yield AwsRun()


def deploy(monkeypatch: pytest.MonkeyPatch) -> None:
    from glue_workflow.cli import cli

    monkeypatch.chdir(PROJECT_ROOT)
    result = CliRunner().invoke(cli, ["deploy", "--target", "aws"], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def start_run(aws: AwsRun, tag: str) -> str:
    """StartWorkflowRun, then what preprocess would write (its outputs and properties)."""
    glue = aws.session.client("glue")
    run_id = str(glue.start_workflow_run(Name=WORKFLOW)["RunId"])
    s3 = aws.session.client("s3")
    props = {}
    for split in ("train", "validation", "test"):
        key = f"glue-wf/{WORKFLOW}/runs/{tag}/preprocess/{split}/part-00000.csv"
        s3.put_object(Bucket=BUCKET, Key=key, Body=TEST_ROWS.encode())
        props[f"{split}_uri"] = f"s3://{BUCKET}/glue-wf/{WORKFLOW}/runs/{tag}/preprocess/{split}/"
    glue.put_workflow_run_properties(Name=WORKFLOW, RunId=run_id, RunProperties=props)
    return run_id


def test_deploy_and_run_on_aws_makes_the_expected_sagemaker_requests(
    aws: AwsRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sagemaker.core import image_uris

    image = image_uris.retrieve("xgboost", "us-east-1", "3.0-5")
    deploy(monkeypatch)
    glue = aws.session.client("glue")
    defaults = glue.get_workflow(Name=WORKFLOW)["Workflow"]["DefaultRunProperties"]
    assert defaults["input_uri"] == f"s3://{BUCKET}/data/churn.csv"

    run_id = start_run(aws, "one")
    for node in ("train", "evaluate", "gate", "register", "deploy"):
        aws.run_job(node, run_id, monkeypatch)
    props = glue.get_workflow_run_properties(Name=WORKFLOW, RunId=run_id)["RunProperties"]

    (training,) = aws.of("CreateTrainingJob")
    assert training["TrainingJobName"].startswith("churn-pipeline-train-")
    assert len(training["TrainingJobName"]) <= 63
    assert training["RoleArn"] == SM_ROLE
    assert training["AlgorithmSpecification"]["TrainingImage"] == image
    assert training["HyperParameters"] == {
        "num_round": "100",
        "max_depth": "5",
        "eta": "0.2",
        "objective": "binary:logistic",
    }
    assert [c["ChannelName"] for c in training["InputDataConfig"]] == ["train", "validation"]
    assert training["OutputDataConfig"]["S3OutputPath"].startswith(f"s3://{BUCKET}/glue-wf/")

    (processing,) = aws.of("CreateProcessingJob")
    assert processing["RoleArn"] == SM_ROLE
    assert processing["AppSpecification"]["ImageUri"] == image
    code = next(i for i in processing["ProcessingInputs"] if i["InputName"] == "code")
    script = (PROJECT_ROOT / "jobs/evaluation/evaluate_model.py").read_bytes()
    assert code["S3Input"]["S3Uri"] == (
        f"s3://{BUCKET}/glue-wf/{WORKFLOW}/artifacts/"
        f"{hashlib.sha256(script).hexdigest()[:16]}/evaluate_model.py"
    )
    assert (
        aws.session.client("s3")
        .get_object(Bucket=BUCKET, Key=code["S3Input"]["S3Uri"].split(f"{BUCKET}/")[1])["Body"]
        .read()
        == script
    )

    assert props["gate_min_accuracy_decision"] == "passed"
    (package,) = aws.of("CreateModelPackage")
    assert package["ModelPackageGroupName"] == "churn-xgb"
    assert package["ModelApprovalStatus"] == "Approved"
    assert package["InferenceSpecification"]["Containers"][0]["Image"] == image
    # model quality is statistics.json, SageMaker's layout, written beside evaluation.json
    digest = hashlib.sha256(json.dumps({"report": "statistics.json"}).encode()).hexdigest()
    assert package["ModelMetrics"]["ModelQuality"]["Statistics"]["ContentDigest"] == (
        f"sha256:{digest}"
    )
    assert props["model_package_version"] == "1"

    (model,) = aws.of("CreateModel")
    assert model["ExecutionRoleArn"] == SM_ROLE
    assert model["Containers"] == [{"ModelPackageName": props["model_package_arn"]}]
    (endpoint,) = aws.of("CreateEndpoint")
    assert endpoint["EndpointName"] == "churn-xgb"
    assert endpoint["EndpointConfigName"] == props["endpoint_config_name"]
    assert props["deploy_status"] == "deployed"
    assert aws.of("InvokeEndpoint")[0]["Body"].splitlines()[0] == "0.5,3.0,2.0"

    # A second run updates the same endpoint blue/green and retires the first config.
    first_config = props["endpoint_config_name"]
    second = start_run(aws, "two")
    for node in ("train", "evaluate", "gate", "register", "deploy"):
        aws.run_job(node, second, monkeypatch)
    (update,) = aws.of("UpdateEndpoint")
    assert update["EndpointName"] == "churn-xgb"
    assert (
        update["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"]
        == "ALL_AT_ONCE"
    )
    assert aws.of("DeleteEndpointConfig") == [{"EndpointConfigName": first_config}]
    props2 = glue.get_workflow_run_properties(Name=WORKFLOW, RunId=second)["RunProperties"]
    assert props2["model_package_version"] == "2"
    assert props2["endpoint_config_name"] != first_config
    sm = aws.session.client("sagemaker")
    assert (
        sm.describe_endpoint(EndpointName="churn-xgb")["EndpointConfigName"]
        == (props2["endpoint_config_name"])
    )
