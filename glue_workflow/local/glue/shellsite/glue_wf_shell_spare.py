"""A warm Python shell interpreter: the next Python shell job of its executor runs in it.

Started by the executor (``shellspare``) with the shell's environment and site hook
(its AWS calls routed to the executor's gateway), it imports boto3 and loads the
service models the jobs call, then says so on the ``ready`` file descriptor and
waits for one job on stdin: ``{"argv", "cwd", "env", "log"}``. It takes the job's
environment, working directory, ``sys.path`` (its ``--extra-py-files``) and log, and
runs the script as ``__main__``, as ``python script.py args...`` would; it exits as
that would (the job's exit status, traceback, threads and ``atexit``), less the
interpreter's teardown of every module and object (``exit_now``). A job whose
environment changes what only an interpreter's start reads runs in a fresh one (exec,
same process). EOF on stdin (the executor ended, or did not need it): it exits.
Python 3.9 compatible; standard library and, when installed, boto3.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import runpy
import sys
import threading
from typing import Any

# Read only when an interpreter starts (also by the SageMaker spares, spare_worker.py).
INTERPRETER_START = (
    "PYTHONHOME",
    "PYTHONSAFEPATH",
    "PYTHONNOUSERSITE",
    "PYTHONUSERBASE",
    "PYTHONHASHSEED",
    "PYTHONIOENCODING",
    "PYTHONUTF8",
)
# A job that sets one of these differently from the spare gets a new interpreter.
FIXED = (*INTERPRETER_START, "GLUE_WF_SHELL_GATEWAY", "GLUE_WF_SHELL_HIDE")
SERVICES = ("glue", "s3", "sagemaker")


def _warm() -> None:
    try:
        import boto3
    except ImportError:  # a shell without boto3: nothing to warm
        return
    boto3.setup_default_session()
    session = boto3.DEFAULT_SESSION._session  # type: ignore[union-attr]  # botocore's
    for name in SERVICES:  # parsed once here, not in each job's first client
        session.get_service_model(name)


def _paths(env: dict[str, str]) -> list[str]:
    return [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]


def _become(work: dict[str, Any]) -> None:
    env, argv = work["env"], work["argv"]
    if any(env.get(name) != os.environ.get(name) for name in FIXED):
        os.execve(sys.executable, [sys.executable, *argv], env)  # noqa: S606 - the job's own
    log = os.open(work["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # PYTHONUNBUFFERED
    sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    # the job's PYTHONPATH (its --extra-py-files) where this interpreter's was
    old, new = _paths(dict(os.environ)), _paths(env)
    kept = [p for p in sys.path[1:] if p not in old]
    first = next((i for i, p in enumerate(sys.path[1:]) if p in old), 0)
    sys.path[:] = [os.path.dirname(os.path.abspath(argv[0])), *kept[:first], *new, *kept[first:]]
    os.environ.clear()
    os.environ.update(env)
    os.chdir(work["cwd"])
    sys.argv = list(argv)


def main() -> None:
    ready = int(os.environ.pop("GLUE_WF_SHELL_SPARE_FD"))
    _warm()
    os.write(ready, b"ready\n")
    os.close(ready)
    line = sys.stdin.readline()
    if not line:
        return
    work = json.loads(line)
    _become(work)
    exit_now(run_main(work["argv"][0]))


def run_main(script: str) -> int:
    """Run ``script`` as ``__main__``; its exit status, as the interpreter reports it."""
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        return exit_status(exc)
    except BaseException:  # uncaught: printed, status 1, as python does
        sys.excepthook(*sys.exc_info())
        return 1
    return 0


def exit_status(exc: SystemExit) -> int:
    """The status an uncaught ``SystemExit`` exits with (a message is printed, status 1)."""
    if exc.code is None or isinstance(exc.code, int):
        return int(exc.code or 0)
    print(exc.code, file=sys.stderr)
    return 1


def exit_now(code: int) -> None:
    """Exit as the interpreter would (its non-daemon threads joined, ``atexit`` run,
    output flushed), without tearing down every module and object it loaded: with
    boto3 and the job library in memory that takes longer than most shell jobs' own
    work (0.1-0.2 s; more with numpy and xgboost, see spare_worker)."""
    threading._shutdown()  # type: ignore[attr-defined]  # what interpreter exit calls first
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code & 0xFF)


if __name__ == "__main__":
    main()
