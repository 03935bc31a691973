"""Job scripts checked before deploy: the Python their job runs on Glue, and run_job."""

from __future__ import annotations

from pathlib import Path

from glue_workflow.model import Cache, PythonShellJob, SparkJob, Workflow
from glue_workflow.validation.scripts import check_scripts


def _workflow(*nodes: object) -> Workflow:
    return Workflow(name="wf", nodes=nodes, max_concurrent_runs=1)  # type: ignore[arg-type]


def test_syntax_newer_than_the_jobs_python_is_named(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    matcher = "def main(x):\n    match x:\n        case 1:\n            return 1\n"
    (jobs / "stats.py").write_text("import sys\n" + matcher)
    (jobs / "etl.py").write_text(matcher)  # Spark on Glue 5.0: Python 3.11 has match
    workflow = _workflow(
        PythonShellJob(name="stats", script="jobs/stats.py"),
        SparkJob(name="etl", script="jobs/etl.py"),
    )
    (problem,) = check_scripts(workflow, tmp_path)
    assert str(problem).startswith(
        "PythonShellJob 'stats': jobs/stats.py line 5: Pattern matching is only supported in "
        "Python 3.10 and greater; the job runs on Python 3.9 on Glue: use syntax that version "
        "has [script-syntax]"
    )
    assert problem.severity == "error"


def test_a_cached_job_whose_script_never_calls_run_job_is_warned(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "audit.py").write_text("def main():\n    pass\n")  # main() never called
    (jobs / "ok.py").write_text(
        "from glue_workflow.jobkit import run_job\n\ndef main():\n    pass\n\nrun_job(main)\n"
    )
    workflow = _workflow(
        PythonShellJob(name="audit", script="jobs/audit.py", cache=Cache()),
        PythonShellJob(name="ok", script="jobs/ok.py", cache=Cache()),
        PythonShellJob(name="plain", script="jobs/audit.py"),  # no cache: its own business
    )
    (problem,) = check_scripts(workflow, tmp_path)
    assert problem.severity == "warning"
    assert str(problem).startswith(
        "PythonShellJob 'audit': cache= is set but jobs/audit.py never calls run_job(...)"
    )


def test_a_spark_script_is_read_as_its_glue_versions_python(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "groups.py").write_text("try:\n    pass\nexcept* ValueError:\n    pass\n")  # 3.11
    (jobs / "generic.py").write_text("type Pair = tuple[int, int]\n")  # 3.12
    workflow = _workflow(
        SparkJob(name="new", script="jobs/groups.py"),  # Glue 5.0: Python 3.11
        SparkJob(name="old", script="jobs/groups.py", glue_version="4.0"),
        SparkJob(name="six", script="jobs/generic.py", glue_version="6.0"),
    )
    (problem,) = check_scripts(workflow, tmp_path)
    assert str(problem) == (
        "SparkJob 'old': jobs/groups.py line 4: Exception groups are only supported in Python "
        "3.11 and greater; the job runs on Python 3.10 on Glue: use syntax that version has "
        "[script-syntax]"
    )


def test_an_import_of_glue_workflow_the_job_does_not_have_on_glue_is_refused(
    tmp_path: Path,
) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "kit.py").write_text(
        "import os\nfrom glue_workflow.jobkit import run_job\nimport glue_workflow.jobkit.io\n"
        "from glue_workflow import jobkit\nfrom glue_workflow.runs.verdict import verdict\n"
    )
    (jobs / "model.py").write_text("import json\nfrom glue_workflow import model\n")
    (jobs / "guarded.py").write_text(
        "try:\n    from glue_workflow.jobkit import run_job\nexcept ImportError:\n"
        "    run_job = None\n"
    )
    workflow = _workflow(
        PythonShellJob(name="kit", script="jobs/kit.py"),  # jobkit=True ships all of these
        PythonShellJob(name="bare", script="jobs/kit.py", jobkit=False),
        SparkJob(name="model", script="jobs/model.py", jobkit=True),
        PythonShellJob(name="guarded", script="jobs/guarded.py", jobkit=False),
        # the job brings its own packages: not judged
        PythonShellJob(
            name="own", script="jobs/model.py", jobkit=False, extra_py_files=("libs/gw.zip",)
        ),
    )
    bare, model = check_scripts(workflow, tmp_path)
    assert str(bare) == (
        "PythonShellJob 'bare': jobs/kit.py line 2 imports glue_workflow.jobkit, which the "
        "job does not have on Glue (it fails there with ModuleNotFoundError, though it runs "
        "on the local target); set jobkit=True to ship glue_workflow.jobkit with the job, "
        "or remove the import [script-import]"
    )
    assert bare.severity == "error"
    assert str(model) == (
        "SparkJob 'model': jobs/model.py line 2 imports glue_workflow.model, which the job "
        "does not have on Glue (it fails there with ModuleNotFoundError, though it runs on "
        "the local target); the job library (jobkit=True) ships glue_workflow.jobkit only: "
        "import from it [script-import]"
    )
