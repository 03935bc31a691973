"""The Python 3.9 leg: every Python shell job and the job library under Glue's Python.

The pipeline's Python shell nodes (train, evaluate, gate, register, deploy, reject)
run on the local engine under CPython 3.9 with the boto3/botocore Glue's Python shell
provides (``.venv-py39``, made by ``make setup`` from requirements-py39.txt), importing
the job library only from the wheel deploy uploaded. The Spark ETL is left out: the
runs start with the split data as start-time run properties. One deployed project is
shared by the success, rejection and awaiting-approval paths.
"""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.py39, pytest.mark.timeout(600)]
ROOT = Path(__file__).resolve().parents[2]
GLUE_WF = str(Path(sys.executable).parent / "glue-wf")
WORKFLOW = "py39-pipeline"
ENDPOINT = "py39-xgb"
SHELL_JOBS = ("train", "evaluate", "gate", "register", "deploy", "reject")
DEFINITION = """
from dataclasses import replace
from glue_workflow.model import OnDemand, Workflow
from triggers.churn_pipeline import deploy, evaluate, gate, register, reject, train, workflow

workflow = Workflow(
    name="py39-pipeline",
    start=OnDemand(),
    nodes=(replace(train, after=None), evaluate, gate, register, deploy, reject),
    default_run_properties={
        **workflow.default_run_properties,
        "endpoint_name": "py39-xgb",
        "model_package_group": "py39-xgb",
        "num_round": "10",
        "train_uri": "s3://{bucket}/py39/train/part-0.csv",
        "validation_uri": "s3://{bucket}/py39/validation/part-0.csv",
        "test_uri": "s3://{bucket}/py39/test/part-0.csv",
        # preprocess's optional outputs, absent without it
        "feature_manifest_uri": "",
        "data_quality_uri": "",
    },
)
"""


def _python39() -> Path:
    """``.venv-py39``, made now by the project's own script if ``make setup`` has not."""
    venv = ROOT / ".venv-py39" / "bin" / "python"
    if not (ROOT / ".venv-py39" / ".installed").is_file():
        subprocess.run(["bash", str(ROOT / "scripts" / "setup-py39.sh")], check=True, cwd=ROOT)
    if not venv.is_file():
        pytest.skip(
            "no Python 3.9 on this machine (scripts/setup-py39.sh found none): the Python "
            "3.9 leg is skipped; install one (e.g. pyenv install 3.9) or set PY39"
        )
    return venv


def _split_rows(rng: random.Random, rows: int) -> str:
    """Label first, no header (the XGBoost CSV contract): a rule the model can learn."""
    lines = []
    for _ in range(rows):
        x = [rng.random() for _ in range(4)]
        lines.append(",".join([str(int(x[0] + x[1] > 1.0)), *(f"{v:.5f}" for v in x)]))
    return "\n".join(lines) + "\n"


@dataclass
class Project:
    root: Path
    env: dict[str, str]
    settings: Any

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [GLUE_WF, *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=540,
        )

    def client(self, service: str) -> Any:
        from glue_workflow.aws.clients import client

        return client(self.settings, service)

    def run(self, *properties: str) -> tuple[str, dict[str, str | None]]:
        args = [arg for prop in properties for arg in ("-p", prop)]
        out = self.cli("run", *args, "--wait")
        run_id = next(w for w in out.stdout.split() if w.startswith("wr_"))
        graph = self.client("glue").get_workflow_run(
            Name=WORKFLOW, RunId=run_id, IncludeGraph=True
        )["Run"]["Graph"]
        states: dict[str, str | None] = {}
        for node in graph["Nodes"]:
            if node["Type"] == "JOB":
                runs = (node.get("JobDetails") or {}).get("JobRuns") or []
                states[node["Name"].removeprefix(f"{WORKFLOW}-")] = (
                    runs[-1]["JobRunState"] if runs else None
                )
        return run_id, states

    def log_headers(self, run_id: str) -> dict[str, str]:
        """Job → the first line of its log (which interpreter ran it)."""
        runs = self.client("glue").get_workflow_run(Name=WORKFLOW, RunId=run_id, IncludeGraph=True)
        headers = {}
        for node in runs["Run"]["Graph"]["Nodes"]:
            for job_run in (node.get("JobDetails") or {}).get("JobRuns") or []:
                log = self.root / "home" / "logs" / "jobs" / f"{job_run['Id']}.log"
                name = node["Name"].removeprefix(f"{WORKFLOW}-")
                headers[name] = log.read_text().splitlines()[0] if log.is_file() else ""
        return headers


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    _python39()
    from glue_workflow.config import load_settings
    from glue_workflow.local import uninstall

    root = tmp_path_factory.mktemp("py39")
    (root / "jobs").symlink_to(ROOT / "jobs")
    (root / "triggers").symlink_to(ROOT / "triggers")
    (root / "wf.py").write_text(DEFINITION)
    (root / "glue-wf.toml").write_text(
        '[workflow]\ndefinition = "wf.py"\nattribute = "workflow"\n[target.local]\nhome = "home"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLUE_WF_")}
    env.update(GLUE_WF_TARGET="local", GLUE_WF_PYTHON_SHELL="auto", PYTHONPATH=str(root))
    settings = load_settings(root, target="local", env=env)
    project = Project(root=root, env=env, settings=settings)
    deployed = project.cli("deploy")
    assert deployed.returncode == 0, deployed.stderr
    rng = random.Random(7)
    s3 = project.client("s3")
    for split, rows in (("train", 400), ("validation", 100), ("test", 100)):
        key = f"py39/{split}/part-0.csv"
        s3.put_object(Bucket=settings.bucket, Key=key, Body=_split_rows(rng, rows).encode())
    try:
        yield project
    finally:
        with contextlib.suppress(Exception):
            project.client("sagemaker").delete_endpoint(EndpointName=ENDPOINT)
        project.cli("local", "stop")  # no spare or warm Spark outlives the test
        uninstall()


def test_success_path_trains_registers_and_deploys_under_python_39(project: Project) -> None:
    run_id, states = project.run("min_accuracy=0.5")
    assert states == {
        "train": "SUCCEEDED",
        "evaluate": "SUCCEEDED",
        "gate": "SUCCEEDED",
        "register": "SUCCEEDED",
        "deploy": "SUCCEEDED",
        "reject": None,
    }
    headers = project.log_headers(run_id)
    for job in ("train", "evaluate", "gate", "register", "deploy"):
        assert headers[job].startswith("glue-wf: Python shell job under Python 3.9 (.venv-py39")
    props = project.client("glue").get_workflow_run_properties(Name=WORKFLOW, RunId=run_id)
    assert props["RunProperties"]["model_approval_status"] == "Approved"
    endpoint = project.client("sagemaker").describe_endpoint(EndpointName=ENDPOINT)
    assert endpoint["EndpointStatus"] == "InService"


def test_rejection_path_runs_reject_under_python_39(project: Project) -> None:
    run_id, states = project.run("min_accuracy=1.01")
    assert states["gate"] == "FAILED"
    assert states["reject"] == "SUCCEEDED"
    assert states["register"] is None
    assert states["deploy"] is None
    assert project.log_headers(run_id)["reject"].startswith(
        "glue-wf: Python shell job under Python 3.9"
    )
    props = project.client("glue").get_workflow_run_properties(Name=WORKFLOW, RunId=run_id)
    assert "accuracy >= min_accuracy (1.01)" in props["RunProperties"]["rejection_reason"]


def test_awaiting_approval_path_registers_pending_under_python_39(project: Project) -> None:
    run_id, states = project.run("min_accuracy=0.5", "auto_approve=false")
    assert states["register"] == "SUCCEEDED"
    props = project.client("glue").get_workflow_run_properties(Name=WORKFLOW, RunId=run_id)
    assert props["RunProperties"]["model_approval_status"] == "PendingManualApproval"
    assert project.log_headers(run_id)["register"].startswith(
        "glue-wf: Python shell job under Python 3.9"
    )
