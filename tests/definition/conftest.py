"""Fixtures for the definition tests: a throw-away project and a fixed compile context."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from glue_workflow import naming
from glue_workflow.compiler import CompileContext, artifact_filename, artifact_sources
from glue_workflow.document import Artifact
from glue_workflow.model import Workflow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = (
    "jobs/preprocess.py",
    "jobs/train.py",
    "jobs/evaluate.py",
    "jobs/register.py",
    "jobs/deploy.py",
    "jobs/reject.py",
    "jobs/evaluation/evaluate_model.py",
    "jobs/etl/etl_contract.py",
    "jobs/etl/etl_scan.py",
    "jobs/etl/etl_quality.py",
    "jobs/etl/etl_features.py",
    "jobs/etl/etl_output.py",
)
# A dataset config the ETL accepts (validate parses it with etl_contract.load_contract).
DATASET_CONFIG = '{"target": "Churn", "positive_label": "True", "negative_label": "False"}\n'
TOML = """\
[workflow]
definition = "triggers/churn_pipeline.py"
attribute = "workflow"

[target]
default = "local"

[target.local]
home = ".glue-wf"
bucket = "glue-wf-local"
region = "us-east-1"
"""


def make_project(root: Path, definition: str | None = None) -> Path:
    """A project with the shipped definition (or ``definition``) and dummy scripts."""
    (root / "triggers").mkdir(parents=True)
    (root / "glue-wf.toml").write_text(TOML)
    if definition is None:
        shutil.copy(
            PROJECT_ROOT / "triggers" / "churn_pipeline.py", root / "triggers" / "churn_pipeline.py"
        )
    else:
        (root / "triggers" / "churn_pipeline.py").write_text(definition)
    for script in SCRIPTS:
        path = root / script
        path.parent.mkdir(parents=True, exist_ok=True)
        # a stand-in that ends as every job script does (validation reads it)
        path.write_text(
            "from glue_workflow.jobkit import run_job\n\n\ndef main() -> None:\n"
            f"    raise SystemExit('{script}: not written')\n\n\nrun_job(main)\n"
        )
    (root / "jobs" / "datasets").mkdir(exist_ok=True)
    (root / "jobs" / "datasets" / "churn.json").write_text(DATASET_CONFIG)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def fixed_context(workflow: Workflow, bucket: str = "example-bucket") -> CompileContext:
    """A deployment context whose artifacts depend only on their source names."""
    artifacts = []
    for source in artifact_sources(workflow):
        digest = hashlib.sha256(source.encode()).hexdigest()
        artifacts.append(
            Artifact(
                source=source,
                uri=naming.artifact_uri(bucket, workflow.name, digest, artifact_filename(source)),
                sha256=digest,
                content=source.encode(),
            )
        )
    return CompileContext(
        bucket=bucket,
        glue_role_arn="arn:aws:iam::123456789012:role/glue-wf-glue-job",
        sagemaker_role_arn="arn:aws:iam::123456789012:role/glue-wf-sagemaker",
        region="eu-west-1",
        xgboost_image_uri="141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:3.0-5",
        artifacts=tuple(artifacts),
    )


@pytest.fixture(name="fixed_context")
def _fixed_context() -> object:
    return fixed_context


@pytest.fixture(name="make_project")
def _make_project() -> object:
    return make_project
