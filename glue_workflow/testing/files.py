"""Load a scenario test file's ``test_*`` functions (for ``glue-wf test FILE``)."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glue_workflow.errors import DefinitionError


def load_tests(path: Path) -> tuple[list[Callable[[], Any]], list[str]]:
    """``test_*`` functions of ``path`` taking no arguments, in file order, and the
    names of those that take arguments (pytest fixtures: for pytest to run).

    The working directory and the file's directory are importable while it loads, so
    ``from triggers.churn_pipeline import workflow`` works from the project root.
    """
    path = path.resolve()
    spec = importlib.util.spec_from_file_location(f"_glue_wf_scenarios_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise DefinitionError(f"cannot import {path}: not a Python source file")
    module = importlib.util.module_from_spec(spec)
    added = [p for p in (str(Path.cwd()), str(path.parent)) if p not in sys.path]
    sys.path[:0] = added
    try:
        spec.loader.exec_module(module)
    finally:
        for entry in added:
            sys.path.remove(entry)
    tests: list[Callable[[], Any]] = []
    fixtures: list[str] = []
    for name, value in vars(module).items():
        if name.startswith("test_") and inspect.isfunction(value):
            if inspect.signature(value).parameters:
                fixtures.append(name)
            else:
                tests.append(value)
    return tests, fixtures
