"""The drift check on the local target: validate, compile, deploy, then a run with a
stable batch (scoring branch) and one with a shifted batch (alert branch)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from drift_data import MANIFEST, SHIFTED_STATES, baseline, dumps, rows, to_csv
from local_cli import glue_wf, node_line

BUCKET = "glue-wf-local"

DEFINITION = """
from glue_workflow.model import DriftCheck, PythonShellJob, Workflow, failed, succeeded

drift = DriftCheck(name="drift", baseline="baseline_uri", batch="input_uri", max_psi=0.2)
score = PythonShellJob(name="score", script="jobs/report.py", after=succeeded(drift),
                       reads=["drift_drift_reason"])
alert = PythonShellJob(name="alert", script="jobs/report.py", after=failed(drift),
                       reads=["drift_drift_reason"])
workflow = Workflow(
    name="scoring", nodes=(drift, score, alert), max_concurrent_runs=1,
    start_parameters=["input_uri"],
    default_run_properties={"baseline_uri": "s3://{bucket}/model/baseline.json"},
)
"""
REPORT = """
from glue_workflow.jobkit import JobContext, run_job

if __name__ == "__main__":
    run_job(lambda: print(JobContext.from_argv().require("drift_drift_reason")))
"""


def put(project: Path, key: str, data: bytes) -> str:
    path = project / ".glue-wf" / "s3" / BUCKET / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return f"s3://{BUCKET}/{key}"


@pytest.fixture(scope="module")
def scoring(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("scoring")
    (project / "glue-wf.toml").write_text(
        '[workflow]\ndefinition = "triggers/scoring.py"\nattribute = "workflow"\n'
    )
    (project / "triggers").mkdir()
    (project / "triggers" / "scoring.py").write_text(DEFINITION)
    (project / "jobs").mkdir()
    (project / "jobs" / "report.py").write_text(REPORT)
    training = rows(3000, seed=1)
    put(project, "model/baseline.json", dumps(baseline(training)))
    put(project, "model/feature_manifest.json", dumps(MANIFEST))
    put(project, "data/batches/stable.csv", to_csv(rows(1000, seed=2)))
    put(
        project,
        "data/batches/shifted.csv",
        to_csv(rows(1000, seed=3, length_mean=130, states=SHIFTED_STATES)),
    )
    return project


@pytest.mark.e2e
def test_drift_check_branches_on_the_local_target(scoring: Path) -> None:
    validated = glue_wf(scoring, "validate")
    assert validated.returncode == 0, validated.stderr
    compiled = glue_wf(scoring, "compile")
    assert compiled.returncode == 0, compiled.stderr
    document = json.loads(compiled.stdout)
    job = next(j for j in document["Jobs"] if j["Name"] == "scoring-drift")
    assert job["Command"]["ScriptLocation"].endswith("/drift_check.py")
    deployed = glue_wf(scoring, "deploy")
    assert deployed.returncode == 0, deployed.stderr

    stable = glue_wf(
        scoring, "run", "--wait", "--property", f"input_uri=s3://{BUCKET}/data/batches/stable.csv"
    )
    assert "SUCCEEDED" in node_line(stable.stdout, "scoring-drift"), stable.stdout
    assert "SUCCEEDED" in node_line(stable.stdout, "scoring-score")
    assert "scoring-alert" not in stable.stdout or "SUCCEEDED" not in node_line(
        stable.stdout, "scoring-alert"
    )

    shifted = glue_wf(
        scoring, "run", "--wait", "--property", f"input_uri=s3://{BUCKET}/data/batches/shifted.csv"
    )
    drift = node_line(shifted.stdout, "scoring-drift")
    assert "FAILED" in drift, shifted.stdout
    assert "glue-wf job failed: drift check drift: drifted: Account_Length psi " in drift
    assert "SUCCEEDED" in node_line(shifted.stdout, "scoring-alert")
    reports = sorted((scoring / ".glue-wf" / "s3" / BUCKET).rglob("drift/drift/report.json"))
    assert len(reports) == 2
    outcomes = sorted(
        (r["decision"], r["drifted"]) for r in (json.loads(p.read_text()) for p in reports)
    )
    assert outcomes == [("drifted", ["Account_Length", "State"]), ("passed", [])]

    missing = glue_wf(
        scoring, "run", "--wait", "--property", f"input_uri=s3://{BUCKET}/data/batches/none.csv"
    )
    line = node_line(missing.stdout, "scoring-drift")
    assert "glue-wf job input error: drift check drift: error: cannot read batch" in line
    detail = glue_wf(scoring, "status", "--json")
    assert "cannot read batch s3://glue-wf-local/data/batches/none.csv: NoSuchKey" in detail.stdout
