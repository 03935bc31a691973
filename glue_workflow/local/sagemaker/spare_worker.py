"""A spare for training and processing jobs (``python -m ... --spare <folder> --token T``).

It imports what the XGBoost container has loaded before a job's first line costs
anything (numpy, xgboost with pandas and scikit-learn: about a second) and the worker
modules, lists itself in the ``worker`` pool (see ``spares``) and waits. A claim hands
it one of two kinds of work, which it does as this process's main program, from the
claim's log file and environment, then exits:

- ``module``: a worker's ``main`` (a training job's worker): the job's process keeps
  this pid and token, so describe, stop and timeouts see it as a worker they started;
- ``script``: a processing job's ``python3 script.py args...`` entrypoint, run as
  ``__main__`` in this interpreter (argv, cwd, environment, unbuffered output as the
  container gives them); its exit status goes to ``exit_file`` (see ``ClaimedScript``).

What was imported ahead cannot see a changed interpreter or threading environment
(``PYTHONPATH``, ``OMP_NUM_THREADS``...): work that sets one differently runs in a new
interpreter started from here instead.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from glue_workflow.local.glue.shellsite.glue_wf_shell_spare import (
    INTERPRETER_START,
    exit_now,
    run_main,
)
from glue_workflow.local.sagemaker import procs, spares

# Read once, when an interpreter or a native library starts.
_FIXED_AT_START = frozenset({*INTERPRETER_START, "PYTHONPATH"})
_FIXED_PREFIXES = ("OMP_", "GOMP_", "KMP_", "OPENBLAS_", "MKL_", "LD_")


def _warm() -> None:
    """What makes a spare worth having: the container's libraries and the workers."""
    import numpy  # noqa: F401
    import xgboost  # noqa: F401  (with pandas and scikit-learn, as xgboost imports them)

    from glue_workflow.local.sagemaker import processing_worker, training_worker  # noqa: F401


def fixed_differences(wanted: dict[str, str], current: dict[str, str]) -> list[str]:
    """Variables read at start-up that ``wanted`` sets differently from ``current``."""
    names = {*wanted, *current}
    return sorted(
        n
        for n in names
        if (n in _FIXED_AT_START or n.startswith(_FIXED_PREFIXES))
        and wanted.get(n) != current.get(n)
    )


def _run_script(work: dict[str, Any]) -> int:
    script = str(work["script"])
    os.chdir(work["cwd"])
    sys.argv = [script, *work["args"]]
    sys.path[0] = os.path.dirname(os.path.abspath(script))  # as `python script.py` sets it
    return run_main(script)


def _in_new_interpreter(work: dict[str, Any], token: str) -> int:
    if work["kind"] == "module":
        command = [sys.executable, "-m", work["module"], *work["args"], "--token", token]
    else:
        command = [sys.executable, str(work["script"]), *work["args"]]
    child = subprocess.Popen(command, env=work["env"], cwd=work.get("cwd"))

    # A stop signals the recorded pid, this process: the work in the child must get it
    # (a training job traps it, ends its round and records Stopped), and this process
    # must outlive the child, or the job reads as a worker that died mid-run.
    def forward(signum: int, _frame: Any) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)


def do(work: dict[str, Any], token: str, started_with: dict[str, str]) -> int:
    """Do a claim's work in this process (or a new interpreter, see the docstring).

    ``started_with``: this process's environment before the imports, some of which set
    variables of their own (scikit-learn: ``KMP_*``), as they would in the work's own
    interpreter: those stay unless the work sets them.
    """
    env = {str(k): str(v) for k, v in work["env"].items()}
    differ = fixed_differences(env, started_with)
    if differ:
        print(f"glue-wf: a new interpreter: {', '.join(differ)} set differently", flush=True)
        return _in_new_interpreter(work, token)
    set_by_imports = {k: v for k, v in os.environ.items() if k not in started_with}
    os.environ.clear()
    os.environ.update({**set_by_imports, **env})
    if work["kind"] == "module":
        worker = importlib.import_module(work["module"])
        return int(worker.main([*work["args"], "--token", token]))
    return _run_script(work)


def _record_exit(work: dict[str, Any], code: int) -> None:
    if work.get("exit_file"):
        spares.write_json(Path(work["exit_file"]), {"code": code})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="glue-wf-spare-worker")
    parser.add_argument("--spare", type=Path, required=True)
    parser.add_argument("--token", required=True)  # identifies the process (see procs)
    args = parser.parse_args(argv)
    started_with = dict(os.environ)
    spares.announce(args.spare, args.token)
    _warm()
    work = spares.wait_for_work(args.spare, args.token)
    if work is None:
        return 0
    procs.log_to(Path(work["log"]))
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # PYTHONUNBUFFERED
    sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    code = do(work, args.token, started_with)
    _record_exit(work, code)
    return code


if __name__ == "__main__":
    exit_now(main())  # with numpy, xgboost and pandas loaded, a full teardown takes long
