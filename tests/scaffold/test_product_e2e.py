"""From the built wheel to runs, and the shipped job scripts under other names.

``test_wheel_install_init_and_run``: build the wheel, install it with ``[local]`` into a
fresh virtualenv outside the repository, ``glue-wf init``, ``validate``, ``deploy``,
``run --wait`` (a success and a gate rejection), then the generated project's own
``pytest``. ``test_the_job_scripts_serve_another_workflow``: other node names, another
gate (f1 and roc_auc, ``require="any"``) and another dataset config, same scripts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from credit_data import write, write_config

from glue_workflow.scaffold import init_project
from glue_workflow.testing.fixture import LocalProject

ROOT = Path(__file__).resolve().parents[2]

CREDIT_PIPELINE = """
from glue_workflow.model import (
    Gate, OnDemand, PythonShellJob, SparkJob, Workflow, failed, succeeded,
)

SM = ("artifacts_bucket", "sagemaker_role_arn", "xgboost_image_uri")
clean = SparkJob(
    name="clean", script="jobs/preprocess.py", glue_version="5.0", worker_type="G.1X",
    number_of_workers=2, timeout=60, jobkit=True, context_arguments=("artifacts_bucket",),
    files={"--dataset_config_uri": "jobs/datasets/credit.json"},
    extra_py_files=tuple(f"jobs/etl/etl_{m}.py" for m in ("contract", "scan", "quality",
                                                          "features", "output")),
    reads=("input_uri",),
    writes=("train_uri", "validation_uri", "test_uri", "feature_manifest_uri", "baseline_uri",
            "rows_input", "rows_dropped", "rows_train", "rows_validation", "rows_test"),
)
fit = PythonShellJob(
    name="fit", script="jobs/train.py", after=succeeded(clean), timeout=180,
    context_arguments=SM, arguments={"--training_instance_type": "ml.m5.xlarge"},
    reads=("train_uri", "validation_uri", "num_round", "max_depth"),
    writes=("training_job_name", "model_artifact_uri", "training_metrics"),
)
score = PythonShellJob(
    name="score", script="jobs/evaluate.py", after=succeeded(fit), timeout=90,
    context_arguments=SM, files={"--evaluation_script_uri": "jobs/evaluation/evaluate_model.py"},
    reads=("model_artifact_uri", "test_uri"),
    writes=("evaluation_uri", "accuracy", "precision", "recall", "f1", "roc_auc"),
)
quality = Gate(
    name="quality", decision="credit_quality", require="any",
    conditions=("f1 >= min_f1", "roc_auc >= 0.999"), after=succeeded(score),
)
publish = PythonShellJob(
    name="publish", script="jobs/register.py", after=succeeded(quality), timeout=30,
    context_arguments=SM,
    reads=("model_artifact_uri", "evaluation_uri", "training_job_name", "model_package_group",
           "auto_approve", "f1"),
    writes=("model_package_arn", "model_package_version", "model_approval_status"),
)
serve = PythonShellJob(
    name="serve", script="jobs/deploy.py", after=succeeded(publish), timeout=120,
    context_arguments=SM,
    reads=("model_package_arn", "endpoint_name", "test_uri"),
    writes=("deploy_status", "endpoint_config_name", "deployed_endpoint", "smoke_test",
            "replaced_endpoint_config"),
)
keep_aside = PythonShellJob(
    name="keep_aside", script="jobs/reject.py", after=failed(quality), timeout=15,
    reads=("gate_credit_quality_reason", "gate_credit_quality_decision", "model_artifact_uri"),
    writes=("rejected_model_uri", "rejection_reason"),
)
workflow = Workflow(
    name="credit-default",
    start=OnDemand(),
    nodes=(clean, fit, score, quality, publish, serve, keep_aside),
    default_run_properties={
        "input_uri": "s3://{bucket}/data/credit.csv", "min_f1": "0.5",
        "endpoint_name": "credit-default", "model_package_group": "credit-default",
        "auto_approve": "true", "num_round": "40", "max_depth": "4",
    },
)
"""


@pytest.mark.e2e
@pytest.mark.slow
def test_the_job_scripts_serve_another_workflow(tmp_path: Path) -> None:
    project = tmp_path / "credit"
    init_project(project, "ml")
    (project / "triggers" / "pipeline.py").write_text(CREDIT_PIPELINE)
    write_config(project / "jobs" / "datasets" / "credit.json")
    write(project / "data" / "credit.csv")
    target = LocalProject(project, tmp_path / "home")
    try:
        target.validate()
        target.upload_data("data/credit.csv", "s3://glue-wf-local/data/credit.csv")
        target.deploy()

        passed = target.run()
        assert passed.outcome == "succeeded", passed.output
        assert not passed.rejected, passed.output
        assert passed.node_state("serve") == "SUCCEEDED", passed.output
        props = passed.properties
        assert props["gate_credit_quality_decision"] == "passed"
        assert props["deploy_status"] == "deployed"
        assert "/runs/" in props["evaluation_uri"]
        assert "/score/" in props["evaluation_uri"]

        rejected = target.run(min_f1="0.9999")
        assert rejected.outcome == "succeeded", rejected.output
        assert rejected.rejected, rejected.output
        assert rejected.node_state("keep_aside") == "SUCCEEDED", rejected.output
        assert rejected.node_state("publish") is None
        assert rejected.properties["rejection_reason"].startswith("rejected")
    finally:
        target.cli("delete-endpoint", "credit-default", "--yes", check=False)
        target.cli("local", "stop", check=False)  # no spare or warm Spark outlives the test


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 3600) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{output}"
    return output


@pytest.mark.e2e
@pytest.mark.slow
def test_wheel_install_init_and_run(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GLUE_WF_", "VIRTUAL_ENV"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["GLUE_WF_WARM_SPARK"] = "0"  # no JVM left behind by the installed glue-wf
    dist = tmp_path / "dist"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-w",
            str(dist),
            str(ROOT),
        ],
        tmp_path,
        env,
    )
    (wheel,) = dist.glob("glue_wf-*.whl")
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for packaged in (
        "glue_workflow/scripts/gate.py",
        "glue_workflow/scripts/drift_check.py",
        "glue_workflow/templates/ml/triggers/pipeline.py.tmpl",
        "glue_workflow/templates/shared/jobs/train.py",
        "glue_workflow/templates/shared/infra/template.yaml",
        "glue_workflow/console/static/console.js",
        "glue_workflow/console/static/favicon.svg",
    ):
        assert packaged in names, packaged

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    _run([str(bin_dir / "pip"), "install", "--quiet", f"{wheel}[local]", "pytest"], tmp_path, env)
    frozen = _run([str(bin_dir / "pip"), "freeze"], tmp_path, env)
    for pin in (
        "pyspark==3.5.4",
        "pandas==2.2.3",
        "numpy==1.26.4",
        "pyarrow==17.0.0",
        "xgboost-cpu==3.0.5",
    ):
        assert pin in frozen.splitlines(), (pin, frozen)
    _run([str(bin_dir / "pip"), "check"], tmp_path, env)

    work = tmp_path / "work"  # outside the repository
    work.mkdir()
    glue_wf = str(bin_dir / "glue-wf")
    _run([glue_wf, "init", "shop"], work, env)
    project = work / "shop"
    _run([glue_wf, "validate"], project, env)
    _run([glue_wf, "deploy"], project, env)
    try:
        _run([glue_wf, "run", "--wait"], project, env)
        status = json.loads(_run([glue_wf, "status", "--json"], project, env))
        assert status["Outcome"] == "succeeded"
        assert status["RunProperties"]["deploy_status"] == ("deployed")
        rejected = _run([glue_wf, "run", "-p", "min_accuracy=0.999", "--wait"], project, env)
        assert "rejected" in rejected
        _run([str(bin_dir / "pytest"), "-q", "-p", "no:cacheprovider"], project, env)
    finally:
        for cleanup in (["delete-endpoint", "shop", "--yes"], ["local", "stop"]):
            subprocess.run(
                [glue_wf, *cleanup], cwd=project, env=env, capture_output=True, check=False
            )
