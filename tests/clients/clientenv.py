"""Run clients nobody here wrote, from their own virtualenvs, under ``glue-wf env``.

Each client lives in ``<project>/.venv-<name>`` (``make setup`` creates them from
``tests/clients/requirements-<name>.txt``); a missing one is created here, and the
tests skip with the reason when PyPI cannot be reached. The client's environment is
exactly what ``eval "$(glue-wf env)"`` gives a shell, plus an HTTP(S) proxy on a closed
loopback port: a request that escaped the local target would fail loudly instead of
reaching AWS.
"""

from __future__ import annotations

import contextlib
import fcntl
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = Path(__file__).resolve().parent
CLOSED_PORT_PROXY = "http://127.0.0.1:9"  # discard port: nothing listens


def client_venv(name: str) -> Path:
    """``.venv-<name>``, created from ``requirements-<name>.txt`` when missing."""
    venv = PROJECT_ROOT / f".venv-{name}"
    stamp = venv / ".installed"
    if stamp.is_file():
        return venv
    lock = PROJECT_ROOT / f".venv-{name}.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # one creator when tests run in parallel
        if not stamp.is_file():
            _create(venv, REQUIREMENTS / f"requirements-{name}.txt")
    with contextlib.suppress(OSError):
        lock.unlink()
    return venv


def _create(venv: Path, requirements: Path) -> None:
    if not (venv / "bin" / "python").is_file():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "-r", str(requirements)],
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    if installed.returncode != 0:
        pytest.skip(
            f"cannot create {venv.name} from {requirements.name} (is PyPI reachable? run "
            f"make setup): {installed.stderr.strip()[-400:]}"
        )
    (venv / ".installed").touch()


def glue_wf_env(home: Path, venv: Path, scratch: Path) -> dict[str, str]:
    """The variables ``glue-wf env`` prints for ``home``, for a shell whose PATH starts
    with ``venv``; no AWS config or credentials files of the user's."""
    printed = subprocess.run(
        [str(Path(sys.executable).parent / "glue-wf"), "env", "--project", str(PROJECT_ROOT)],
        env={"PATH": "/usr/bin:/bin", "GLUE_WF_HOME": str(home), "HOME": str(scratch)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(scratch),
        "AWS_CONFIG_FILE": str(scratch / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(scratch / "no-aws-credentials"),
        "HTTP_PROXY": CLOSED_PORT_PROXY,
        "HTTPS_PROXY": CLOSED_PORT_PROXY,
    }
    for line in printed.splitlines():
        words = shlex.split(line)
        if words[0] == "unset":  # the shell's proxies, profile, endpoints
            env.pop(words[1], None)
            continue
        assert words[0] == "export", line
        key, _, value = words[1].partition("=")
        env[key] = value
    return env
