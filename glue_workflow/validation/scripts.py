"""Job scripts read before deploy: syntax of the Python each job runs on Glue (Python
shell: its python_version; Spark: its Glue version's Python), and the ``run_job`` call
the step cache needs."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from glue_workflow.artifacts import source_path
from glue_workflow.errors import Problem
from glue_workflow.model.jobs import Job, PythonShellJob
from glue_workflow.model.workflow import Workflow

# The Python of Spark jobs by Glue version (AWS Glue versions, docs.aws.amazon.com/glue/
# latest/dg/release-notes.html: 2.0 and 3.0 Python 3.7, 4.0 3.10, 5.0 and 5.1 3.11, 6.0 3.13)
SPARK_PYTHON = {
    "2.0": (3, 7),
    "3.0": (3, 7),
    "4.0": (3, 10),
    "5.0": (3, 11),
    "5.1": (3, 11),
    "6.0": (3, 13),
}


def _python(job: Job) -> tuple[int, int] | None:
    """The Python the job runs on Glue; None where this interpreter cannot parse as it
    (a newer Python's syntax: the check is left to Glue)."""
    if isinstance(job, PythonShellJob):
        major, minor = job.python_version.split(".")[:2]
        version = int(major), int(minor)
    else:
        version = SPARK_PYTHON.get(getattr(job, "glue_version", "5.0"), (3, 11))
    return version if version <= sys.version_info[:2] else None


def check_scripts(workflow: Workflow, project_root: Path) -> list[Problem]:
    """A script (or ``.py`` of ``extra_py_files``) that does not parse as the Python
    its job runs on; a cached job whose script never calls ``run_job``."""
    problems: list[Problem] = []
    for job in workflow.jobs:
        where = f"{job.kind} {job.name!r}"
        version = _python(job)
        for source in (job.script, *job.extra_py_files):
            path = source_path(source, project_root)
            if not source.endswith(".py") or not path.is_file():
                continue  # a missing file is said by artifacts.missing_files
            try:
                tree = ast.parse(path.read_bytes(), str(path), feature_version=version)
                if version is None:
                    continue  # parsed only for run_job (as this Python reads it)
            except SyntaxError as exc:
                if version is None:
                    continue  # newer syntax than this Python knows: Glue's to judge
                problems.append(
                    Problem(
                        where=where,
                        rule="script-syntax",
                        message=f"{source} line {exc.lineno}: {exc.msg}; the job runs on "
                        f"Python {version[0]}.{version[1]} on Glue: use syntax that version has",
                    )
                )
                continue
            if source == job.script and job.cache and job.jobkit and not _calls_run_job(tree):
                problems.append(
                    Problem(
                        where=where,
                        rule="cache",
                        message=f"cache= is set but {source} never calls run_job(...): the "
                        "cache lookup and its record happen there, so nothing is cached (and "
                        "a main() never called does no work); end the script with "
                        "run_job(main)",
                        severity="warning",
                    )
                )
    return problems


def _calls_run_job(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name == "run_job":
                return True
    return False
