"""Without ../shared the tests train on data the repository generates (nothing skipped)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import churndata
import pytest

from glue_workflow.demo import sample_data


def test_a_plain_clone_gets_generated_churn_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(churndata, "SHARED_CSV", tmp_path / "no-shared" / "churn.csv")
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    path = churndata.churn_csv()
    assert path.parent == tmp_path
    lines = path.read_text().splitlines()
    assert tuple(lines[0].split(",")) == sample_data.COLUMNS
    assert len(lines) == churndata.ROWS + 1
    assert churndata.churn_csv() == path  # generated once, reused
