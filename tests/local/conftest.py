"""Helpers for tests of the local target: its process environment, a warm Spark home."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from glue_workflow.local.spark import control

RunChild = Callable[[str, dict[str, str], Path], str]


@pytest.fixture
def run_child() -> RunChild:
    """Run ``python -c code`` in a fresh interpreter; its stdout (exit status 0 asserted)."""

    def run(code: str, env: dict[str, str], cwd: Path) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    return run


@pytest.fixture(scope="module")
def warm_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One local home (and so one warm Spark) for the module: its JVM starts once."""
    from glue_workflow.local import install, uninstall

    home = tmp_path_factory.mktemp("warm") / "glue-wf-home"
    install(home)
    try:
        yield home
    finally:
        control.stop(home)  # no JVM left behind
        uninstall()
    assert not control.running(home)
