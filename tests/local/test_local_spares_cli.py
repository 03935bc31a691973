"""``glue-wf local status | stop``, the spare endpoint servers of the home and the
endpoints that keep serving."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from glue_workflow.cli import cli
from glue_workflow.local.sagemaker import spares
from glue_workflow.local.sagemaker.common import Resources
from glue_workflow.local.sagemaker.endpoints import ENDPOINT
from glue_workflow.local.store import LocalHome

WAITING, STARTING, GONE, SERVING = "a" * 32, "b" * 32, "c" * 32, "d" * 32


def _spare(folder: Path, token: str, suffix: str) -> subprocess.Popen[bytes]:
    """A process listed as a spare would list itself (its token on its command line)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", token], start_new_session=True
    )
    (folder / f"{token}{suffix}").write_text(json.dumps({"pid": proc.pid, "token": token}))
    return proc


@pytest.fixture
def listed(tmp_path: Path) -> Iterator[tuple[Path, list[subprocess.Popen[bytes]]]]:
    home = tmp_path / "home"
    folder = spares.spares_dir(LocalHome(home))
    folder.mkdir(parents=True)
    procs = [_spare(folder, WAITING, ".json"), _spare(folder, STARTING, ".starting")]
    gone = _spare(folder, GONE, ".json")
    gone.kill()
    gone.wait()  # a listing left by a spare that died: neither shown nor counted
    try:
        yield home, procs
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def _glue_wf(tmp_path: Path, home: Path, *args: str) -> str:
    (tmp_path / "glue-wf.toml").write_text("")
    result = CliRunner().invoke(
        cli, [*args, "--project", str(tmp_path)], env={"GLUE_WF_HOME": str(home)}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_status_lists_the_live_spares_and_stop_stops_them(
    tmp_path: Path, listed: tuple[Path, list[subprocess.Popen[bytes]]]
) -> None:
    home, (waiting, starting) = listed
    status = _glue_wf(tmp_path, home, "local", "status").splitlines()
    assert status[1] == (
        f"spare endpoint servers: pid {waiting.pid} (waiting), pid {starting.pid} (starting)"
    )

    stopped = _glue_wf(tmp_path, home, "local", "stop")
    assert stopped == "warm Spark: not running\nspares: 2 stopped\n"
    assert [p.wait(timeout=10) for p in (waiting, starting)] == [-15, -15]  # SIGTERM
    assert list(spares.spares_dir(LocalHome(home)).iterdir()) == []
    again = _glue_wf(tmp_path, home, "local", "stop")
    assert again == "warm Spark: not running\nspares: none running\n"
    assert _glue_wf(tmp_path, home, "local", "status").endswith(
        "\nspare endpoint servers: none\nspare job workers: none\n"
    )


def test_stop_names_the_endpoints_still_serving_and_how_to_stop_them(tmp_path: Path) -> None:
    home = tmp_path / "home"
    resources = Resources(LocalHome(home))
    server = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", SERVING], start_new_session=True
    )
    gone = subprocess.Popen([sys.executable, "-c", "pass", GONE])
    gone.wait()
    try:
        for name, pid, token in (("loans-dev", server.pid, SERVING), ("old", gone.pid, GONE)):
            record = {
                "EndpointName": name,
                "EndpointStatus": "InService",
                "_server": {"pid": pid, "token": token, "port": 8123},
            }
            resources.insert(ENDPOINT, name, record)
        stopped = _glue_wf(tmp_path, home, "local", "stop")
        assert stopped == (
            "warm Spark: not running\nspares: none running\n"
            f"endpoint loans-dev: still serving at http://127.0.0.1:8123 (pid {server.pid}); "
            "stop it with 'glue-wf delete-endpoint loans-dev'\n"
        )
        assert server.poll() is None  # endpoints in service keep serving
    finally:
        server.kill()
        server.wait()
