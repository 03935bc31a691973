"""Test helpers for a glue-wf project's own tests (a pytest plugin).

Installed with glue-wf, the plugin gives every test the ``glue_wf`` fixture: a fresh
local target for the project under test (state in the test's temporary directory),
driving the project through the same ``glue-wf`` commands a user types::

    def test_pipeline_runs(glue_wf):
        glue_wf.upload_data("data/churn.csv")
        glue_wf.deploy()
        run = glue_wf.run(min_accuracy="0.5")
        assert run.outcome == "succeeded" and not run.rejected
        assert run.node_state("deploy") == "SUCCEEDED"

The project is the nearest directory above the test's working directory holding a
``glue-wf.toml`` (override with the ``glue_wf_project`` fixture). Nothing reaches
AWS: the target is always ``local``, and while a test holds the fixture its own
process is the local target's too: a boto3 client it creates (to read a run's outputs,
say) is answered by the same local target, and a socket off the machine is refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CLI = ("-c", "from glue_workflow.cli import main; main()")


class GlueWfCommandError(AssertionError):
    """A ``glue-wf`` command the test expected to succeed exited non-zero."""


@dataclass(frozen=True)
class RunResult:
    """A finished run as ``glue-wf status --json`` reports it."""

    status: Mapping[str, Any]
    exit_code: int = 0
    output: str = field(default="", compare=False)

    @property
    def run_id(self) -> str:
        return str(self.status.get("RunId"))

    @property
    def outcome(self) -> str:
        """``succeeded``, ``failed``, ``stopped`` or ``error`` (the run's verdict)."""
        return str(self.status.get("Outcome"))

    @property
    def rejected(self) -> bool:
        """True when a gate rejected the model (the run itself may have succeeded)."""
        return bool(self.status.get("VerdictDetails", {}).get("Rejections"))

    @property
    def properties(self) -> dict[str, str]:
        return dict(self.status.get("RunProperties") or {})

    def node_state(self, node: str) -> str | None:
        """The job run state of ``node`` (``SUCCEEDED``, ``FAILED``, ...); None if not run."""
        job = f"{self.status.get('Workflow')}-{node}"  # naming.job_name
        for row in self.status.get("Nodes") or ():
            if row.get("Type") == "JOB" and row.get("Name") in (node, job):
                return str(row["State"]) if row.get("State") else None
        return None


class LocalProject:
    """A glue-wf project on a fresh local target, driven through the ``glue-wf`` CLI."""

    def __init__(self, project: Path, home: Path) -> None:
        self.project = project
        self.home = home
        self.env = {
            **os.environ,
            "GLUE_WF_TARGET": "local",
            "GLUE_WF_HOME": str(home),
        }

    def cli(self, *args: str, check: bool = True, timeout: float = 1800) -> tuple[int, str]:
        """Run ``glue-wf ARGS`` in the project; ``(exit code, stdout + stderr)``."""
        done = subprocess.run(
            [sys.executable, *CLI, *args],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = done.stdout + done.stderr
        if check and done.returncode != 0:
            raise GlueWfCommandError(
                f"glue-wf {' '.join(args)} exited {done.returncode}:\n{output}"
            )
        return done.returncode, output

    def validate(self) -> None:
        self.cli("validate")

    def deploy(self) -> None:
        self.cli("deploy")

    def upload_data(self, path: str | Path, uri: str | None = None) -> None:
        """Copy a project file into the local S3 (default: the demo's input_uri)."""
        self.cli("upload-data", str(path), *(("--to", uri) if uri else ()))

    def run(self, timeout: float = 1800, **properties: str) -> RunResult:
        """Start a run with ``properties`` over the defaults and wait for its verdict."""
        args = ["run", "--wait", "--json"]
        for key, value in properties.items():
            args += ["-p", f"{key}={value}"]
        code, output = self.cli(*args, check=False, timeout=timeout)
        start = output.find("{")
        try:
            status = json.loads(output[start : output.rfind("}") + 1]) if start >= 0 else None
        except ValueError:
            status = None
        if not isinstance(status, dict):
            raise GlueWfCommandError(f"glue-wf run --wait gave no status (exit {code}):\n{output}")
        return RunResult(status=status, exit_code=code, output=output)


def find_project(start: Path) -> Path:
    for directory in (start, *start.parents):
        if (directory / "glue-wf.toml").is_file():
            return directory
    raise pytest.UsageError(
        f"no glue-wf.toml in {start} or above: run the tests inside a glue-wf project "
        "(glue-wf init DIR makes one) or override the glue_wf_project fixture"
    )


@pytest.fixture
def glue_wf_project() -> Path:
    """The project under test: the nearest glue-wf.toml above the working directory."""
    return find_project(Path.cwd())


@contextlib.contextmanager
def local_target(home: Path) -> Iterator[None]:
    """This process on the local target at ``home`` (boto3 clients answered there, no
    socket off the machine), with the local target's credentials and a region as
    ``glue-wf env`` gives a shell (a CI machine has neither); afterwards as it was."""
    import boto3

    from glue_workflow.local import dispatch
    from glue_workflow.local.environment import local_credentials

    before = dispatch.installed_home()
    saved_env = dict(os.environ)
    saved_session = boto3.DEFAULT_SESSION
    local_credentials(os.environ)
    boto3.DEFAULT_SESSION = None  # one made before resolved its credentials already
    dispatch.install(home)
    try:
        yield
    finally:
        if before is None:
            dispatch.uninstall()
        else:
            dispatch.install(before)
        os.environ.clear()
        os.environ.update(saved_env)
        boto3.DEFAULT_SESSION = saved_session


@pytest.fixture
def glue_wf(glue_wf_project: Path, tmp_path: Path) -> Iterator[LocalProject]:
    """A fresh local target for the project, the test's own process on it too; its
    endpoints, warm Spark and spare interpreters are stopped afterwards."""
    project = LocalProject(glue_wf_project, tmp_path / "glue-wf-home")
    with local_target(project.home):
        yield project
    # Local endpoints are served by processes of their own: end them with the test.
    code, output = project.cli("endpoints", "--json", check=False)
    if code == 0 and output.strip().startswith("["):
        for endpoint in json.loads(output):
            name = endpoint.get("EndpointName")
            if name:
                project.cli("delete-endpoint", str(name), "--yes", check=False)
    # So are the warm Spark and the spares a deploy starts (each test has its own home:
    # left alone, every test's would wait out its idle timeout).
    project.cli("local", "stop", check=False)
