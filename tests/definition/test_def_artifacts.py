"""Artifacts: read from the project, content-addressed; the job library wheel is
byte-identical for identical sources and importable on its own."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from glue_workflow.artifacts import build_jobkit_wheel, collect_artifacts, sha256
from glue_workflow.config import load_settings
from glue_workflow.definition import load_workflow
from glue_workflow.errors import DefinitionError


def test_wheel_is_deterministic_and_well_formed() -> None:
    name, first = build_jobkit_wheel()
    _, second = build_jobkit_wheel()
    assert first == second
    assert name == "glue_wf_jobkit-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(__import__("io").BytesIO(first)) as archive:
        names = archive.namelist()
        assert names == sorted(names[:-4]) + names[-4:]  # sources sorted, then dist-info
        assert "glue_workflow/__init__.py" in names
        assert "glue_workflow/jobkit/context.py" in names
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        record = archive.read("glue_wf_jobkit-0.1.0.dist-info/RECORD").decode()
        assert "glue_workflow/jobkit/context.py,sha256=" in record


def test_wheel_imports_without_the_installed_package(tmp_path: Path) -> None:
    name, content = build_jobkit_wheel()
    wheel = tmp_path / name
    wheel.write_bytes(content)
    code = (
        f"import sys; sys.path.insert(0, {str(wheel)!r}); "
        "import glue_workflow.jobkit as j; from glue_workflow.jobkit.gate import evaluate; "
        "print(j.__file__)"
    )
    # -S -I: no site-packages and no editable install, like a bare Python shell image.
    out = subprocess.run(
        [sys.executable, "-S", "-I", "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().startswith(str(wheel))


def test_collect_artifacts(project: Path) -> None:
    settings = load_settings(project)
    workflow = load_workflow(settings)
    artifacts = collect_artifacts(workflow, project, "bkt")
    by_source = {a.source: a for a in artifacts}
    train = by_source["jobs/train.py"]
    assert train.content == (project / "jobs/train.py").read_bytes()
    assert train.sha256 == sha256(train.content)
    assert train.uri == f"s3://bkt/glue-wf/churn-pipeline/artifacts/{train.sha256[:16]}/train.py"
    wheel, archive = by_source["glue_workflow/jobkit"], by_source["glue_workflow/jobkit.zip"]
    assert wheel.uri.endswith("glue_wf_jobkit-0.1.0-py3-none-any.whl")
    # the Spark job's copy: the wheel's bytes under a name PySpark puts on the path
    assert archive.uri.endswith(f"/{archive.sha256[:16]}/glue_wf_jobkit-0.1.0.zip")
    assert archive.content == wheel.content
    assert collect_artifacts(workflow, project, "bkt") == artifacts


def test_spark_jobs_get_the_job_library_as_a_zip(project: Path) -> None:
    """PySpark adds only .zip, .egg and .jar entries of --extra-py-files to sys.path (and
    AWS documents .py and .zip for Spark); Python shell jobs pip-install the wheel."""
    from pyspark.context import SparkContext

    from glue_workflow.compiler import compile_workflow, placeholder_context

    workflow = load_workflow(load_settings(project))
    document = compile_workflow(workflow, placeholder_context(workflow, "bkt"))
    libraries = {
        job["Name"]: job["DefaultArguments"]["--extra-py-files"].split(",")[0]
        for job in document.jobs
    }
    assert libraries["churn-pipeline-preprocess"].endswith("/glue_wf_jobkit-0.1.0.zip")
    assert libraries["churn-pipeline-preprocess"].endswith(SparkContext.PACKAGE_EXTENSIONS)
    assert libraries["churn-pipeline-train"].endswith("/glue_wf_jobkit-0.1.0-py3-none-any.whl")


def test_missing_script_names_the_file(project: Path, make_project: Any) -> None:
    (project / "jobs" / "train.py").unlink()
    workflow = load_workflow(load_settings(project))
    with pytest.raises(DefinitionError) as caught:
        collect_artifacts(workflow, project, "bkt")
    assert str(caught.value) == (
        f"PythonShellJob 'train': file 'jobs/train.py' does not exist under {project}: "
        "create it or fix the path in the definition [file-missing]"
    )


def test_packaged_drift_script_comes_from_glue_wf_not_the_project(tmp_path: Path) -> None:
    import glue_workflow
    from glue_workflow.model import DRIFT_SCRIPT, DriftCheck, Workflow

    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        start_parameters=("input_uri", "baseline_uri"),
        nodes=(DriftCheck(name="drift"),),
    )
    empty_project = tmp_path / "empty"
    empty_project.mkdir()
    artifacts = {a.source: a for a in collect_artifacts(workflow, empty_project, "bkt")}
    assert sorted(artifacts) == ["glue_workflow/jobkit", DRIFT_SCRIPT]  # a shell job: the wheel
    script = artifacts[DRIFT_SCRIPT]
    packaged = Path(glue_workflow.__file__).parent / "scripts" / "drift_check.py"
    assert script.content == packaged.read_bytes()
    assert script.uri == f"s3://bkt/glue-wf/wf/artifacts/{script.sha256[:16]}/drift_check.py"
