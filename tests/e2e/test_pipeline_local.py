"""The shipped churn pipeline end to end on the local target, through the real CLI.

One deployed project (a fresh local home) is shared by the cases, in order:
1. the real churn data: verdict succeeded, accuracy >= 0.95 in evaluation.json, an
   Approved package version, an InService endpoint whose answers equal the trained
   artifact's own predictions;
2. ``min_accuracy=0.999``: the gate rejects, register/deploy never start, reject
   succeeds, the verdict says "model rejected";
3. corrupt input (with ``auto_approve=false``): preprocess FAILED with the reason and
   nothing downstream; once the data is fixed, ``glue-wf resume`` completes the run,
   which registers the model for manual approval and deploys nothing; after
   ``glue-wf approve``, resuming from the deploy node updates the same endpoint
   blue/green: it serves the new config and the previous config is gone.
The endpoint's server is deleted at the end.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from churndata import CHURN_CSV

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
GLUE_WF = str(Path(sys.executable).parent / "glue-wf")
WORKFLOW = "churn-pipeline"
ENDPOINT = "churn-xgb"
# Cases 2 and 3 do not judge model quality: fewer boosting rounds keep them quick.
FAST = "num_round=20"


@dataclass
class Project:
    home: Path
    env: dict[str, str]
    settings: Any
    state: dict[str, str]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [GLUE_WF, *args],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=540,
        )

    def client(self, service: str) -> Any:
        from glue_workflow.aws.clients import client

        return client(self.settings, service)

    def run_of(self, stdout: str) -> str:
        run_ids = [w for w in stdout.split() if w.startswith("wr_")]
        assert run_ids, stdout
        return run_ids[0]

    def properties(self, run_id: str) -> dict[str, str]:
        response = self.client("glue").get_workflow_run_properties(Name=WORKFLOW, RunId=run_id)
        return dict(response["RunProperties"])

    def job_states(self, run_id: str) -> dict[str, tuple[str | None, str | None]]:
        """Node → (state of its last attempt or None when never started, error message)."""
        run = self.client("glue").get_workflow_run(Name=WORKFLOW, RunId=run_id, IncludeGraph=True)[
            "Run"
        ]
        states: dict[str, tuple[str | None, str | None]] = {}
        for node in run["Graph"]["Nodes"]:
            if node["Type"] != "JOB":
                continue
            runs = (node.get("JobDetails") or {}).get("JobRuns") or []
            last = max(runs, key=lambda r: r.get("Attempt") or 0) if runs else {}
            name = node["Name"].removeprefix(f"{WORKFLOW}-")
            states[name] = (last.get("JobRunState"), last.get("ErrorMessage"))
        return states

    def s3_path(self, uri: str) -> Path:
        from glue_workflow.local.s3paths import uri_to_path

        return uri_to_path(self.home / "s3", uri)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    from glue_workflow.config import load_settings
    from glue_workflow.local import uninstall

    home = tmp_path_factory.mktemp("e2e") / "glue-wf-home"
    env = {**os.environ, "GLUE_WF_HOME": str(home), "GLUE_WF_TARGET": "local"}
    for name in ("GLUE_WF_BUCKET", "GLUE_WF_GLUE_ROLE_ARN", "GLUE_WF_SAGEMAKER_ROLE_ARN"):
        env.pop(name, None)
    settings = load_settings(PROJECT_ROOT, target="local", env=env)
    project = Project(home=home, env=env, settings=settings, state={})
    deployed = project.cli("deploy")
    assert deployed.returncode == 0, deployed.stderr
    project.client("s3").upload_file(str(CHURN_CSV), settings.bucket, "data/churn.csv")
    try:
        yield project
    finally:
        with contextlib.suppress(Exception):
            project.client("sagemaker").delete_endpoint(EndpointName=ENDPOINT)
        uninstall()


def test_1_churn_data_trains_registers_and_serves_the_model(project: Project) -> None:
    done = project.cli("run", "--wait")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verdict: succeeded" in done.stdout
    run_id = project.run_of(done.stdout)
    props = project.properties(run_id)
    project.state["first_run"] = run_id
    project.state["first_config"] = props["endpoint_config_name"]

    report = json.loads(project.s3_path(props["evaluation_uri"]).read_text())
    assert report["accuracy"] >= 0.95
    assert set(report["confusion_matrix"]) == {"tn", "fp", "fn", "tp"}

    sm = project.client("sagemaker")
    package = sm.describe_model_package(ModelPackageName=props["model_package_arn"])
    assert package["ModelApprovalStatus"] == "Approved"
    assert package["ModelPackageGroupName"] == "churn-xgb"
    endpoint = sm.describe_endpoint(EndpointName=ENDPOINT)
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == props["endpoint_config_name"]
    assert props["deploy_status"] == "deployed"

    # The endpoint answers exactly what the trained artifact predicts.
    import numpy as np
    import xgboost as xgb

    test_dir = project.s3_path(props["test_uri"])
    lines = [
        line
        for part in sorted(test_dir.glob("part-*"))
        for line in part.read_text().splitlines()
        if line.strip()
    ][:25]
    features = [line.split(",", 1)[1] for line in lines]
    data = project.s3_path(props["model_artifact_uri"]).read_bytes()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        member = archive.getmember("xgboost-model")
        assert member.isfile()
        model_bytes = archive.extractfile(member).read()  # type: ignore[union-attr]
    booster = xgb.Booster()
    booster.load_model(bytearray(model_bytes))
    matrix = np.array([[float(v) for v in row.split(",")] for row in features])
    expected = booster.predict(xgb.DMatrix(matrix))
    answer = project.client("sagemaker-runtime").invoke_endpoint(
        EndpointName=ENDPOINT, ContentType="text/csv", Body="\n".join(features)
    )
    served = [
        float(v) for v in answer["Body"].read().decode().replace("\n", ",").split(",") if v.strip()
    ]
    assert np.allclose(served, expected, atol=1e-6)


def test_2_a_model_below_the_bar_is_rejected_not_deployed(project: Project) -> None:
    done = project.cli("run", "-p", "min_accuracy=0.999", "-p", FAST, "--wait")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verdict: rejected — model rejected by gate min_accuracy" in done.stdout
    run_id = project.run_of(done.stdout)
    states = project.job_states(run_id)
    assert states["gate"][0] == "FAILED"
    assert states["reject"][0] == "SUCCEEDED"
    assert states["register"][0] is None
    assert states["deploy"][0] is None
    props = project.properties(run_id)
    assert props["gate_min_accuracy_decision"] == "rejected"
    assert "0.999" in props["rejection_reason"]
    assert props["rejected_model_uri"] == props["model_artifact_uri"]
    status = project.cli("status", run_id)
    assert "model rejected" in status.stdout
    endpoint = project.client("sagemaker").describe_endpoint(EndpointName=ENDPOINT)
    assert endpoint["EndpointConfigName"] == project.state["first_config"]


def test_3_corrupt_input_then_resume_then_approve_and_redeploy(project: Project) -> None:
    s3 = project.client("s3")
    bucket = project.settings.bucket
    header, *rows = CHURN_CSV.read_text().splitlines()
    churn = header.split(",").index("Churn")

    def without_churn(line: str) -> str:
        cells = line.split(",")
        return ",".join(cells[:churn] + cells[churn + 1 :])

    corrupt = "\n".join(without_churn(line) for line in [header, *rows]) + "\n"
    s3.put_object(Bucket=bucket, Key="data/corrupt.csv", Body=corrupt.encode())
    done = project.cli(
        "run",
        "-p",
        f"input_uri=s3://{bucket}/data/corrupt.csv",
        "-p",
        FAST,
        "-p",
        "auto_approve=false",
        "--wait",
    )
    assert done.returncode == 1
    run_id = project.run_of(done.stdout)
    states = project.job_states(run_id)
    assert states["preprocess"][0] == "FAILED"
    assert "input is missing required column(s) Churn" in (states["preprocess"][1] or "")
    assert "missing required column(s) Churn" in done.stdout + done.stderr
    assert all(
        states[n][0] is None for n in ("train", "evaluate", "gate", "register", "deploy", "reject")
    )

    s3.upload_file(str(CHURN_CSV), bucket, "data/corrupt.csv")  # the data is fixed
    resumed = project.cli("resume", run_id, "--wait")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    second = next(w for w in resumed.stdout.split() if w.startswith("wr_") and w != run_id)
    assert all(
        state == "SUCCEEDED"
        for node, (state, _) in project.job_states(second).items()
        if node != "reject"
    )
    # auto_approve=false: registered for manual approval, nothing deployed yet.
    props = project.properties(second)
    assert props["model_approval_status"] == "PendingManualApproval"
    assert props["deploy_status"] == "awaiting_approval"
    sm = project.client("sagemaker")
    assert (
        sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"]
        == (project.state["first_config"])
    )
    report = project.cli("pipeline-report", second)
    assert "the model package awaits manual approval" in report.stdout

    # Approve, then resume from deploy: the same endpoint is updated blue/green.
    approved = project.cli("approve", f"churn-xgb/{props['model_package_version']}")
    assert approved.returncode == 0, approved.stderr
    deployed = project.cli("resume", second, "--node", "deploy", "--wait")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    third = next(w for w in deployed.stdout.split() if w.startswith("wr_") and w != second)
    states = project.job_states(third)
    assert states["deploy"][0] == "SUCCEEDED"
    props = project.properties(third)
    assert props["deploy_status"] == "deployed"
    endpoint = sm.describe_endpoint(EndpointName=ENDPOINT)
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == props["endpoint_config_name"]
    assert props["endpoint_config_name"] != project.state["first_config"]
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="Could not find endpoint configuration"):
        sm.describe_endpoint_config(EndpointConfigName=project.state["first_config"])
