"""`glue-wf console` as a user starts it: a real process, a real port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def _start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "GLUE_WF_HOME": str(tmp_path / "home")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from glue_workflow.cli import main; main()",
            "console",
            "--project",
            str(PROJECT),
            "--port",
            "0",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("glue-wf console (local target) at http://"), line
    return process, line.split(" at ", 1)[1].split()[0]


def test_console_serves_on_loopback_and_stops_on_ctrl_c(tmp_path):
    process, url = _start(tmp_path)
    try:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "api/workflows", timeout=10) as response:
            assert json.load(response) == {"workflows": []}
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "console stopped" in out


def test_another_interface_needs_the_flag_and_warns(tmp_path):
    process, url = _start(tmp_path, "--host", "0.0.0.0")
    try:
        # by this machine's address: served; by another name (DNS rebinding): refused
        with urllib.request.urlopen(url + "api/workflows", timeout=10) as response:
            assert response.status == 200
        rebound = urllib.request.Request(url + "api/token", headers={"Host": "evil.example:80"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(rebound, timeout=10)
        assert refused.value.code == 403
        assert "is not an address or name of this machine" in refused.value.read().decode()
    finally:
        process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=10)
    assert url.startswith("http://127.0.0.1:")
    assert err.startswith(
        "warning: binding the console to 0.0.0.0: anyone who can reach this machine can read "
        "your runs and start, stop and resume them"
    )


def test_port_in_use_is_a_clear_error(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "from glue_workflow.cli import main; main()",
                "console",
                "--project",
                str(PROJECT),
                "--port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "GLUE_WF_HOME": str(tmp_path / "home")},
        )
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    assert result.stderr.rstrip().endswith("pick another --port")
