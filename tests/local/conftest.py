"""Helpers for tests of the local target: its process environment, a warm Spark home."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture
def warm_glue(warm_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A Glue client on ``warm_home`` with the warm Spark on and a Spark job ``probe``
    running ``test_warm_spark.PROBE`` (what a run sees of earlier runs)."""
    import boto3
    from test_warm_spark import PROBE

    monkeypatch.setenv("GLUE_WF_WARM_SPARK", "1")
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    client = boto3.client("glue")
    client.delete_job(JobName="probe")
    client.create_job(
        Name="probe",
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(script)},
        GlueVersion="5.0",
        ExecutionProperty={"MaxConcurrentRuns": 2},
    )
    return client
