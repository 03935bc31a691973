"""Warm Python shell interpreters per executor, for its next Python shell jobs.

Most of a Python shell job's start is importing boto3 and parsing the service models
of its first clients (about 0.2 s on Glue's Python 3.9). The executor keeps
``SPARES_PER_INTERPRETER`` interpreters per shell version that have done that
(``shellsite/glue_wf_shell_spare.py``, with the job's site hook and gateway) and hands
the next job to a ready one. A spare is this executor's child, started in its own
session like a job process: the job run's process is that ``Popen``, so exit status,
stop, timeout and kill work as for a job started cold. A job goes to a spare only once
the spare says it is ready; otherwise it starts cold (a burst of jobs never waits
behind a warming spare).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SPARE_SCRIPT = Path(__file__).resolve().parent / "shellsite" / "glue_wf_shell_spare.py"
READY_FD_ENV = "GLUE_WF_SHELL_SPARE_FD"
# A spare takes 0.3-0.5 s to get ready: with two, a job that follows a short one (a
# gate: 0.1 s) still finds one ready.
SPARES_PER_INTERPRETER = 2


@dataclass
class _Spare:
    proc: subprocess.Popen[bytes]
    ready_fd: int
    env: dict[str, str]

    def ready(self, timeout: float = 0.0) -> bool:
        if self.proc.poll() is not None:
            return False
        return bool(select.select([self.ready_fd], [], [], timeout)[0])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.ready_fd)


class ShellSpares:
    """Spare shell interpreters of one executor, ``SPARES_PER_INTERPRETER`` per
    interpreter path."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.waiting: dict[str, list[_Spare]] = {}
        self.lock = threading.Lock()  # the executor's loop and its gateway-prepare thread

    def start(self, executable: str, env: Mapping[str, str]) -> None:
        """Start spares for ``executable`` up to the pool's size (``env``: the shell's
        environment without any job's own ``--extra-py-files``)."""
        with self.lock:
            self._fill(executable, env)

    def _fill(self, executable: str, env: Mapping[str, str]) -> None:
        pool = self.waiting.setdefault(executable, [])
        for dead in [spare for spare in pool if spare.proc.poll() is not None]:
            dead.close()
            pool.remove(dead)
        while len(pool) < SPARES_PER_INTERPRETER:
            spare = self._start(executable, env)
            if spare is None:
                return
            pool.append(spare)

    def _start(self, executable: str, env: Mapping[str, str]) -> _Spare | None:
        read, write = os.pipe()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.log_path.open("ab") as log:
                proc = subprocess.Popen(
                    [executable, str(SPARE_SCRIPT)],
                    env={**env, READY_FD_ENV: str(write)},
                    stdin=subprocess.PIPE,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    pass_fds=(write,),
                    start_new_session=True,
                )
        except OSError:
            os.close(read)
            return None
        finally:
            os.close(write)
        return _Spare(proc, read, dict(env))

    def wait_ready(self, executable: str, timeout: float) -> bool:
        """True once every spare of ``executable`` is ready (within ``timeout`` seconds)."""
        pool = self.waiting.get(executable) or []
        return bool(pool) and all(spare.ready(timeout) for spare in pool)

    def take(
        self, executable: str, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], log: Path
    ) -> subprocess.Popen[bytes] | None:
        """A ready spare of ``executable``, now running ``argv`` (script first); None
        when none is ready (the caller starts the job cold)."""
        with self.lock:
            pool = self.waiting.get(executable) or []
            spare = next((s for s in pool if s.ready()), None)
            if spare is None:
                return None
            pool.remove(spare)
            self._fill(executable, spare.env)  # for the jobs after this one
        spare.close()
        work = {"argv": list(argv), "cwd": str(cwd), "env": dict(env), "log": str(log)}
        assert spare.proc.stdin is not None
        try:
            spare.proc.stdin.write(json.dumps(work).encode() + b"\n")
            spare.proc.stdin.close()
        except OSError:  # it died meanwhile
            return None
        return spare.proc

    def stop(self) -> None:
        """End the waiting spares: EOF on their stdin, and each exits at once (not waited
        for: the executor is about to exit, and init reaps them)."""
        with self.lock:
            spares = [spare for pool in self.waiting.values() for spare in pool]
            self.waiting = {}
        for spare in spares:
            spare.close()
            with contextlib.suppress(OSError):
                if spare.proc.stdin is not None:
                    spare.proc.stdin.close()
