"""Helpers for tests of the local target's process environment."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

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
