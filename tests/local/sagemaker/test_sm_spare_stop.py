"""A spare worker whose work runs in a new interpreter passes a stop on to it and
outlives it (StopTrainingJob signals the recorded pid: the spare)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from glue_workflow.local.sagemaker.spare_worker import _in_new_interpreter


def test_a_stop_reaches_the_work_in_the_new_interpreter(tmp_path: Path) -> None:
    ready, got = tmp_path / "ready", tmp_path / "got"
    script = tmp_path / "work.py"
    script.write_text(
        "import signal, sys, time\n"
        f"def on_term(*_):\n    open({str(got)!r}, 'w').close()\n    sys.exit(3)\n"
        "signal.signal(signal.SIGTERM, on_term)\n"
        f"open({str(ready)!r}, 'w').close()\n"
        "time.sleep(30)\n"
    )

    def stop_when_ready() -> None:
        deadline = time.monotonic() + 20
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGTERM)  # what Training.stop sends the spare

    threading.Thread(target=stop_when_ready, daemon=True).start()
    work = {"kind": "script", "script": str(script), "args": [], "env": dict(os.environ),
            "cwd": str(tmp_path)}  # fmt: skip
    before = signal.getsignal(signal.SIGTERM)
    code = _in_new_interpreter(work, "token")
    assert code == 3  # the work's own stop handler ran, and this process waited for it
    assert got.exists()
    assert signal.getsignal(signal.SIGTERM) == before  # its own handler again
