"""The hand-over between a spare endpoint server and the deploy that claims it."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from glue_workflow.local.sagemaker import procs, spares
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
