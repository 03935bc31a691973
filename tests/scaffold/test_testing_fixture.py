"""The ``glue_wf`` pytest fixture ends what its test's local target started."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glue_workflow.testing import fixture


def test_the_fixture_stops_endpoints_warm_spark_and_spares_after_its_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, ...]] = []

    def cli(self: fixture.LocalProject, *args: str, check: bool = True) -> tuple[int, str]:
        calls.append(args)
        if args[0] == "endpoints":
            return 0, json.dumps([{"EndpointName": "churn-xgb"}])
        return 0, ""

    monkeypatch.setattr(fixture.LocalProject, "cli", cli)
    steps = fixture.glue_wf.__wrapped__(tmp_path / "project", tmp_path)  # type: ignore[attr-defined]
    project = next(steps)
    assert project.home == tmp_path / "glue-wf-home"
    assert calls == []  # nothing before the test
    with pytest.raises(StopIteration):
        next(steps)
    assert calls == [
        ("endpoints", "--json"),
        ("delete-endpoint", "churn-xgb", "--yes"),
        ("local", "stop"),  # each test has its own home: its warm Spark and spares go too
    ]
