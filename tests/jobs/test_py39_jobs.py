"""The pipeline's Python shell jobs must run on Glue's Python shell (Python 3.9)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JOBS = ["train", "evaluate", "register", "deploy", "reject"]


@pytest.mark.parametrize("name", JOBS)
def test_job_parses_as_python_39_with_postponed_annotations(name: str) -> None:
    path = ROOT / "jobs" / f"{name}.py"
    tree = ast.parse(path.read_text(), filename=str(path), feature_version=(3, 9))
    futures = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
    assert any(alias.name == "annotations" for n in futures for alias in n.names)
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names
    }
    # stdlib + boto3/botocore + the job library only (what a Python shell job has).
    allowed_roots = {
        "__future__",
        "json",
        "sys",
        "time",
        "hashlib",
        "typing",
        "unicodedata",
        "botocore",
        "boto3",
        "glue_workflow",
    }
    assert {m.split(".")[0] for m in imported if m} <= allowed_roots
    assert all(
        m == "glue_workflow.jobkit"
        or not m.startswith("glue_workflow")
        or m.startswith("glue_workflow.jobkit")
        for m in imported
        if m
    )
