"""Following a local run: the poll's sleep ends as the run's executor exits."""

from __future__ import annotations

import subprocess
import sys

from glue_workflow.local.glue.procs import process_start_time
from glue_workflow.local.glue.runwatch import RunWaiter

LONG = 120.0  # a sleep the waiter must cut short: the test would hang for it otherwise


def _child(seconds: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"])


def test_the_sleep_ends_when_the_executor_exits() -> None:
    child = _child(0.3)
    start = process_start_time(child.pid)
    waiter = RunWaiter(lambda: (child.pid, start))
    waiter(LONG)
    assert child.poll() is not None or child.wait(timeout=5) == 0
    assert waiter.exited
    assert waiter.fd is None  # closed


def test_before_the_run_records_its_executor_it_is_a_plain_sleep() -> None:
    waiter = RunWaiter(lambda: (None, None))
    waiter(0.01)
    assert (waiter.exited, waiter.fd) == (False, None)


def test_a_reused_pid_is_not_waited_on() -> None:
    child = _child(LONG)
    try:
        waiter = RunWaiter(lambda: (child.pid, "not-its-start-time"))
        waiter(0.01)
        assert waiter.exited  # from now on plain sleeps; the poll reads the run's state
        assert child.poll() is None
    finally:
        child.kill()
        child.wait()


def test_an_executor_already_gone_is_not_waited_on() -> None:
    child = _child(0)
    child.wait()
    waiter = RunWaiter(lambda: (child.pid, None))
    waiter(0.01)
    assert waiter.exited
