"""Detached executor processes: start one, tell whether one is still alive, signal it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

# Every process of a local job run inherits it (jobproc): what escapes the job's process
# group is found by it and killed as the job run ends (kill_escaped).
JOB_RUN_MARK = "GLUE_WF_LOCAL_JOB_RUN"

# How long a run may show no executor pid (the starter records it right after spawning).
PID_GRACE_SECONDS = 30.0


def process_start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (guards against pid reuse); None if not running."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None if sys.platform.startswith("linux") else _kill_zero(pid)
    fields = stat.rpartition(")")[2].split()
    if fields and fields[0] in ("Z", "X"):  # zombie or dead: it has exited
        return None
    return fields[19] if len(fields) > 19 else ""


def _kill_zero(pid: int) -> str | None:
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return ""


def is_alive(pid: int | None, start: str | None) -> bool:
    if pid is None:
        return False
    current = process_start_time(pid)
    return current is not None and (not start or current == start)


def preflight() -> None:
    """What an executor reads of this environment, checked before a run is recorded: a
    bad setting then leaves no run behind that no executor would drive (or one that
    would time out at once)."""
    from glue_workflow.local.glue.jobrun_records import seconds_per_minute
    from glue_workflow.local.interpreters import project_python

    project_python()
    seconds_per_minute()


def spawn_executor(home: Path, args: list[str], log_name: str) -> tuple[int, str]:
    """Start ``python -m glue_workflow.local.glue.executor <home> <args>`` in its own session.

    Under the project's interpreter, whoever calls (the AWS CLI, another Python)."""
    from glue_workflow.local.interpreters import project_python

    log_dir = home / "logs" / "executor"
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"{log_name}.log").open("ab") as log:
        proc = subprocess.Popen(
            [project_python(), "-m", "glue_workflow.local.glue.executor", str(home), *args],
            env=_executor_env(home),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    # reap it when it exits so it does not linger as a zombie of a long-lived caller
    threading.Thread(target=proc.wait, daemon=True, name=f"reap-{proc.pid}").start()
    return proc.pid, process_start_time(proc.pid) or ""


def _executor_env(home: Path) -> dict[str, str]:
    """The local-target environment: the project's interpreter finds glue_workflow in it."""
    from glue_workflow.local.environment import job_environment
    from glue_workflow.local.interpreters import project_env

    return project_env(job_environment(home))


def signal_process(pid: int | None, start: str | None, sig: int = signal.SIGURG) -> None:
    """Wake an executor. SIGURG is ignored by default, so an executor still starting
    up (no handler yet) is not killed by it; it checks for requests once it is ready."""
    if pid is not None and is_alive(pid, start):
        with contextlib.suppress(OSError):
            os.kill(pid, sig)


def kill_group(pid: int | None, sig: int = signal.SIGKILL) -> None:
    """Signal a job's whole process group (jobs run in their own session)."""
    if pid is None:
        return
    with contextlib.suppress(OSError):
        os.killpg(pid, sig)


def kill_escaped(job_run_id: str) -> int:
    """SIGKILL the processes a job run left that escaped its process group (a daemon in
    a session of its own: ``setsid``, ``start_new_session=True``), found by the
    ``JOB_RUN_MARK`` they inherited; the number killed. On Glue nothing outlives a job
    run: its container goes with it. Linux only (``/proc``); other users' processes are
    unreadable and left alone."""
    mark = f"{JOB_RUN_MARK}={job_run_id}".encode() + b"\0"
    killed = 0
    own = os.getpid()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit() or int(entry) == own:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environ = b"\0" + handle.read()
        except OSError:
            continue  # gone, or another user's
        if b"\0" + mark in environ:
            with contextlib.suppress(OSError):
                os.kill(int(entry), signal.SIGKILL)
                killed += 1
    return killed
