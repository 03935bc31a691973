"""Fixture of the Glue semantics conformance suite (helpers in glue_harness.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from glue_harness import SECONDS_PER_MINUTE, Harness, kill_leftovers


@pytest.fixture
def wf(local_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    monkeypatch.setenv("GLUE_WF_LOCAL_SECONDS_PER_MINUTE", str(SECONDS_PER_MINUTE))
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    harness = Harness(local_home, scripts)
    try:
        yield harness
    finally:
        kill_leftovers(local_home)
