"""Job scripts read before deploy: syntax of the Python each job runs on Glue (Python
shell: its python_version; Spark: its Glue version's Python), and the ``run_job`` call
the step cache needs."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from glue_workflow.artifacts import VERDICT_MODULES, source_path
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
        shipped = _shipped_modules(job)
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
            problems += _unshipped_imports(where, source, tree, shipped, job.jobkit)
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


def _shipped_modules(job: Job) -> frozenset[str] | None:
    """The ``glue_workflow`` modules the job has on Glue (the job library with
    ``jobkit=True``); None when the job may bring the package itself (a .zip/.whl in
    ``extra_py_files``, ``additional_python_modules``): then imports are not checked."""
    if job.additional_python_modules or any(not p.endswith(".py") for p in job.extra_py_files):
        return None
    if not job.jobkit:
        return frozenset()
    names = {"glue_workflow", "glue_workflow.jobkit"}
    for module in VERDICT_MODULES:
        name = module.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        names.add(f"glue_workflow.{name}")
    return frozenset(names)


def _unshipped_imports(
    where: str, source: str, tree: ast.AST, shipped: frozenset[str] | None, jobkit: bool
) -> list[Problem]:
    """An import of a ``glue_workflow`` module the job does not have on Glue: it runs
    locally (the project's environment has the whole package) and fails on AWS with
    ModuleNotFoundError. Imports under ``try: ... except ImportError`` are fallbacks."""
    if shipped is None:
        return []
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
            guarded.update(id(inner) for part in node.body for inner in ast.walk(part))
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        names: list[str] = []
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif node.level == 0 and node.module:
            names = [node.module]
            if node.module == "glue_workflow":
                names = [f"glue_workflow.{alias.name}" for alias in node.names]
        for name in names:
            if name.split(".")[0] != "glue_workflow" or _is_shipped(name, shipped):
                continue
            fix = (
                "the job library (jobkit=True) ships glue_workflow.jobkit only: import from it"
                if jobkit
                else "set jobkit=True to ship glue_workflow.jobkit with the "
                "job, or remove the import"
            )
            return [
                Problem(
                    where=where,
                    rule="script-import",
                    message=f"{source} line {node.lineno} imports {name}, which the job does "
                    f"not have on Glue (it fails there with ModuleNotFoundError, though it runs "
                    f"on the local target); {fix}",
                )
            ]
    return []


def _is_shipped(name: str, shipped: frozenset[str]) -> bool:
    if "glue_workflow.jobkit" in shipped and name.startswith("glue_workflow.jobkit."):
        return True
    return name in shipped


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    if caught is None:
        return True
    kinds = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(
        isinstance(k, ast.Name) and k.id in ("ImportError", "ModuleNotFoundError", "Exception")
        for k in kinds
    )
