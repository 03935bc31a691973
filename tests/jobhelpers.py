"""Run a pipeline job script's ``main`` against stubbed AWS clients.

Glue run properties live in a small in-memory fake (the jobs only read and put
them); SageMaker, S3 and the runtime are real botocore clients with a Stubber, and
every request a job makes is recorded as (operation, params) for shape assertions.
"""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from awsanswers import add_not_found
from botocore.response import StreamingBody
from botocore.stub import Stubber

from glue_workflow.jobkit import run_job

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = "churn-pipeline"
RUN_ID = "wr_" + "0123456789abcdef" * 4
ROLE = "arn:aws:iam::123456789012:role/glue-wf-sagemaker"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"
BUCKET = "artifacts-bucket"
PRODUCERS = {
    "train_uri": "node 'preprocess' (job churn-pipeline-preprocess)",
    "validation_uri": "node 'preprocess' (job churn-pipeline-preprocess)",
    "test_uri": "node 'preprocess' (job churn-pipeline-preprocess)",
    "model_artifact_uri": "node 'train' (job churn-pipeline-train)",
}


def load_job(name: str) -> ModuleType:
    path = PROJECT_ROOT / "jobs" / f"{name}.py"
    if not path.is_file():  # a job script that ships inside the package (the gate)
        path = PROJECT_ROOT / "glue_workflow" / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"glue_wf_job_{name}", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeGlue:
    """GetWorkflowRunProperties / PutWorkflowRunProperties of one run."""

    def __init__(self, props: dict[str, str]) -> None:
        self.props = dict(props)
        self.puts: list[dict[str, str]] = []

    def get_workflow_run_properties(self, Name: str, RunId: str) -> dict[str, Any]:
        assert (Name, RunId) == (WORKFLOW, RUN_ID)
        return {"RunProperties": dict(self.props)}

    def put_workflow_run_properties(
        self,
        Name: str,
        RunId: str,
        RunProperties: dict[str, str],
    ) -> dict[str, Any]:
        assert (Name, RunId) == (WORKFLOW, RUN_ID)
        self.puts.append(dict(RunProperties))
        self.props.update(RunProperties)
        return {}


class Harness:
    """Stubbed clients for one job run; ``calls`` records every AWS request."""

    def __init__(self, props: dict[str, str]) -> None:
        self.glue = FakeGlue(props)
        self.clients: dict[str, Any] = {}
        self.stubs: dict[str, Stubber] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        for service in ("sagemaker", "s3", "sagemaker-runtime"):
            client = boto3.client(service, region_name="us-east-1")
            client.meta.events.register("before-parameter-build", self._record)
            self.clients[service] = client
            self.stubs[service] = Stubber(client)
            self.stubs[service].activate()

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, json.loads(json.dumps(params, default=str))))

    def client(self, service: str) -> Any:  # the session interface JobContext uses
        if service == "glue":
            return self.glue
        return self.clients[service]

    @property
    def sm(self) -> Stubber:
        return self.stubs["sagemaker"]

    @property
    def s3(self) -> Stubber:
        return self.stubs["s3"]

    def requests(self, operation: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == operation]

    def operations(self) -> list[str]:
        return [name for name, _ in self.calls]

    def argv(self, **args: str) -> list[str]:
        argv = [
            "job.py",
            "--WORKFLOW_NAME",
            WORKFLOW,
            "--WORKFLOW_RUN_ID",
            RUN_ID,
            "--glue_wf_producers",
            json.dumps(PRODUCERS),
        ]
        for key, value in args.items():
            argv += [f"--{key}", value]
        return argv

    def run(self, job: ModuleType, **args: str) -> None:
        """Run ``job.main`` the way Glue does (through run_job), with these clients."""
        run_job(lambda: job.main(self.argv(**args), session=self))

    def verify(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def not_found(stub: Stubber, method: str, name: str = "missing") -> None:
    """AWS's own answer to ``method`` on a missing resource (see tests/awsanswers.py)."""
    add_not_found(stub, method, name)


def exit_message(capsys: Any) -> str:
    return str(capsys.readouterr().err.strip().splitlines()[-1])
