"""Detached background processes: start, recognise after a restart, stop.

Workers and endpoint servers run in their own session so they outlive the CLI that
started them. Each gets a token on its command line; a pid is only trusted while
``/proc/<pid>/cmdline`` still carries that token, so a reused pid after a reboot
reads as dead instead of as a ghost.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

# Children started by this process, reaped when stopped (no zombies in long runs).
_children: dict[int, subprocess.Popen[bytes]] = {}


def new_token() -> str:
    return uuid.uuid4().hex


def spawn(
    module: str,
    args: Sequence[str],
    *,
    token: str,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Run ``python -m module args... --token token`` detached; output to ``log_path``.

    Under the project's interpreter and environment, whoever made the call (a script in
    a virtualenv that has only an AWS SDK, the AWS CLI): workers need XGBoost and glue-wf.
    """
    from glue_workflow.local.interpreters import project_python

    _reap()
    child_env = worker_env(env if env is not None else os.environ)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [project_python(), "-m", module, *args, "--token", token],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=child_env,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
    _children[proc.pid] = proc
    return proc.pid


def worker_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment ``spawn`` gives a worker started from ``env``."""
    from glue_workflow.local.environment import job_environment
    from glue_workflow.local.interpreters import project_env

    child_env = project_env(env)
    home = child_env.get("GLUE_WF_HOME")
    if home:
        child_env = job_environment(Path(home), child_env)
    return child_env


def alive(pid: int | None, token: str | None) -> bool:
    """True while ``pid`` runs and is the process started with ``token``."""
    if not pid or not token:
        return False
    if _exited(pid):
        return False
    child = _children.get(pid)
    if child is not None:
        if child.poll() is None:  # our own child: exact, and right even before its exec
            return True
        _children.pop(pid, None)  # it ended: the pid may be another process's by now
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.parent.parent.is_dir() and Path("/proc/self").exists():
        try:
            return token.encode() in cmdline.read_bytes()
        except OSError:
            return False
    try:  # no /proc (macOS): best effort
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def wait_ended(pid: int | None, token: str | None, timeout: float | None) -> bool:
    """Block until the process ends or ``timeout`` seconds pass (None: no limit); True
    if it ended (or was not running). On a pidfd, which also works for a process that
    is not this one's child; without pidfds (Linux < 5.3), a look every 50 ms."""
    if not alive(pid, token):
        return True
    assert pid is not None
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        deadline = None if timeout is None else time.monotonic() + timeout
        while alive(pid, token):
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True
    try:
        return bool(select.select([fd], [], [], timeout)[0])
    finally:
        os.close(fd)


def _exited(pid: int) -> bool:
    """A zombie (exited, not yet reaped: its threads may still be winding down)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # gone (checked below) or no /proc
    fields = stat.rsplit(")", 1)[-1].split()
    return bool(fields) and fields[0] in ("Z", "X")


def signal_stop(pid: int | None, token: str | None) -> bool:
    """SIGTERM the process group and return (False: it was gone already). Alone, for a
    process that bounds its own stop (an endpoint server drains, then exits within its
    grace; see ``server.serve``)."""
    if not alive(pid, token):
        _forget(pid)
        return False
    assert pid is not None
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    return True


def terminate(pid: int | None, token: str | None, *, grace: float = 5.0) -> None:
    """SIGTERM the process group, SIGKILL after ``grace`` seconds; no-op when gone."""
    if not signal_stop(pid, token):
        return
    assert pid is not None
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not alive(pid, token):
            break
        time.sleep(0.02)
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    _forget(pid)


def _forget(pid: int | None) -> None:
    child = _children.pop(pid, None) if pid else None
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)


def _reap() -> None:
    for pid, child in list(_children.items()):
        if child.poll() is not None:
            _children.pop(pid, None)


def log_to(path: Path) -> None:
    """Send this process's output to ``path`` from now on (a claimed spare's log)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def log_tail(path: Path, limit: int = 1000) -> str:
    """The last ``limit`` characters of a log (FailureReason is at most 1024)."""
    try:
        data = path.read_bytes()[-limit * 4 :].decode("utf-8", "replace")
    except OSError:
        return ""
    return data.strip()[-limit:]
