"""The hand-over between a spare (endpoint server, job worker) and what claims it."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from glue_workflow.local.sagemaker import procs, spare_worker, spares
from glue_workflow.local.store import LocalHome


def _waiting(folder: Path, token: str) -> tuple[threading.Thread, dict[str, Any]]:
    """``wait_for_work`` on a thread, as the spare process runs it; its result in ``got``."""
    got: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: got.update(work=spares.wait_for_work(folder, token)), daemon=True
    )
    thread.start()
    while not (folder / f"{token}.json").exists():
        assert thread.is_alive()
        thread.join(0.01)
    return thread, got


def test_one_claim_gets_the_spare_and_hands_it_the_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLUE_WF_ENDPOINT_SPARE", "1")
    monkeypatch.setattr(procs, "alive", lambda pid, token: token == "t1")  # this thread
    home = LocalHome(tmp_path / "home")
    folder = spares.spares_dir(home)
    folder.mkdir(parents=True)
    thread, got = _waiting(folder, "t1")
    work = {"model_dir": "/m", "ready_file": "/r", "log": "/l", "limits": {}}
    assert spares.claim(home, work) is not None
    assert spares.claim(home, work) is None  # claimed once: nothing left to claim
    thread.join(30)
    assert got["work"] == work
    assert sorted(p.name for p in folder.iterdir()) == []  # listing and FIFO gone


def test_spares_off_or_none_waiting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = LocalHome(tmp_path / "home")
    monkeypatch.setenv("GLUE_WF_ENDPOINT_SPARE", "1")
    assert spares.claim(home, {}) is None  # no spares directory yet
    monkeypatch.setenv("GLUE_WF_ENDPOINT_SPARE", "0")
    spares.ensure(home)  # off: starts nothing
    assert not spares.spares_dir(home).exists()


def test_a_spare_whose_home_is_gone_retires(tmp_path: Path) -> None:
    folder = tmp_path / "home" / "spares"
    folder.mkdir(parents=True)
    thread, got = _waiting(folder, "t2")
    shutil.rmtree(tmp_path / "home")
    thread.join(60)  # it looks every 5 s
    assert not thread.is_alive()
    assert got["work"] is None


def test_a_worker_spare_runs_a_claimed_script_as_its_main_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLUE_WF_ENDPOINT_SPARE", "1")
    home = LocalHome(tmp_path / "home")
    spares.ensure(home, "worker")
    try:
        _claim_and_run_a_script(home, tmp_path)
    finally:
        spares.stop_all(home)
    assert spares.running(home) == []


def _claim_and_run_a_script(home: LocalHome, tmp_path: Path) -> None:
    from glue_workflow.local.sagemaker.processing_worker import ClaimedScript

    assert len(spares.running(home)) == spares.WORKER_SPARES
    folder = spares.spares_dir(home, "worker")
    deadline = time.monotonic() + 120
    while not list(folder.glob("*.json")):  # listed once xgboost is imported
        assert time.monotonic() < deadline
        time.sleep(0.05)
    script = tmp_path / "job.py"
    script.write_text(
        "import os, sys\n"
        "print('args', sys.argv[1:], 'cwd', os.getcwd(), 'env', os.environ['JOB_SETTING'])\n"
        "print('xgboost ready', 'xgboost' in sys.modules)\n"
        "sys.exit(3)\n"
    )
    cwd = tmp_path / "work"
    cwd.mkdir()
    log, status = tmp_path / "job.log", tmp_path / "exit.json"
    env = {**procs.worker_env(os.environ), "JOB_SETTING": "on"}
    work = {
        "kind": "script",
        "script": str(script),
        "args": ["--a", "1"],
        "cwd": str(cwd),
        "log": str(log),
        "env": env,
        "exit_file": str(status),
    }
    claimed = spares.claim(home, work, pool="worker")
    assert claimed is not None
    child = ClaimedScript(*claimed, status)
    assert child.wait() == 3
    assert f"args ['--a', '1'] cwd {cwd} env on" in log.read_text()
    assert "xgboost ready True" in log.read_text()  # imported before the claim
    # the same work with a variable read at interpreter start set otherwise: a new one
    assert spare_worker.fixed_differences({**env, "OMP_NUM_THREADS": "1"}, env) == [
        "OMP_NUM_THREADS"
    ]
    assert spare_worker.fixed_differences({**env, "JOB_SETTING": "off"}, env) == []


def test_a_describe_of_a_running_job_waits_for_its_worker_to_end(tmp_path: Path) -> None:
    """The long poll of local Describe*Job: it returns when the worker ends, or after the
    wait with the job still running."""
    from glue_workflow.local.sagemaker.common import await_worker

    folder = tmp_path / "spares"
    folder.mkdir()
    token = procs.new_token()
    # a worker-like process that runs until stopped: a spare waiting for work
    pid = procs.spawn(spares.WORKER, ["--spare", str(folder)], token=token, log_path=tmp_path / "w")
    record = {"ProcessingJobStatus": "InProgress", "_pid": pid, "_token": token}
    try:
        assert procs.alive(pid, token)
        assert not await_worker(record, "ProcessingJobStatus", 0.05)  # still running
        assert await_worker(
            {**record, "ProcessingJobStatus": "Completed"}, "ProcessingJobStatus", 0
        )
        os.kill(pid, signal.SIGTERM)
        assert await_worker(record, "ProcessingJobStatus", 60.0)  # it ended
    finally:
        procs.terminate(pid, token)
    assert not procs.alive(pid, token)


def test_a_reused_pid_is_not_taken_for_an_ended_child(tmp_path: Path) -> None:
    """pid_max is often 32768: an ended child's pid can be another process's by now, and
    that process is alive when its own token is on its command line."""
    import subprocess
    import sys

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    token = procs.new_token()
    live = subprocess.Popen(
        [sys.executable, "-c", f"import time; print(1, flush=True); time.sleep(60)  # {token}"],
        stdout=subprocess.PIPE,
    )
    try:
        # running its program (Popen can return mid-exec, before the kernel has set the
        # new command line that /proc shows)
        assert live.stdout is not None
        assert live.stdout.readline() == b"1\n"
        procs._children[live.pid] = ended  # as if the pid had been that child's
        assert procs.alive(live.pid, token)
        assert live.pid not in procs._children  # the stale entry is gone
    finally:
        live.kill()
        live.wait()
