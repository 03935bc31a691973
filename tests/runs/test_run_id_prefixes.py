"""RUN_ID arguments as users type them: a prefix with its ``wr_`` names the run too."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from glue_workflow.cli import cli
from glue_workflow.errors import NotFoundError
from glue_workflow.runs.run_ids import get_run, resolve_run_id

A = "wr_" + "8985d2be" * 8
B = "wr_" + "8985aa01" * 8
C = "wr_" + "3f2a" * 16


class _Glue:
    def __init__(self) -> None:
        self.listed = 0

    def workflow(self, name: str, target: str) -> dict[str, Any]:
        return {"Name": name, "LastRun": {"WorkflowRunId": C}}

    def runs(self, name: str, limit: int, graph: bool) -> list[dict[str, Any]]:
        self.listed += 1
        return [{"WorkflowRunId": i} for i in (C, B, A)]

    def run(self, name: str, run_id: str) -> dict[str, Any]:
        return {"WorkflowRunId": run_id, "Status": "COMPLETED"}


def target() -> Any:
    return SimpleNamespace(workflow="wf", glue=_Glue(), settings=SimpleNamespace(target="local"))


@pytest.mark.parametrize("given", ["8985d2be", "wr_8985d2be", "wr_8985d", "8985d"])
def test_a_unique_prefix_with_or_without_wr_names_the_run(given: str) -> None:
    assert resolve_run_id(target(), given) == A


def test_latest_and_full_ids() -> None:
    runs = target()
    assert resolve_run_id(runs, None) == C
    assert resolve_run_id(runs, "latest") == C
    assert resolve_run_id(runs, A) == A
    assert runs.glue.listed == 0  # a full id is not looked up
    assert get_run(runs, "wr_3f")["WorkflowRunId"] == C


def test_an_ambiguous_prefix_with_wr_lists_the_runs_it_matches() -> None:
    with pytest.raises(NotFoundError) as caught:
        resolve_run_id(target(), "wr_8985")
    assert str(caught.value) == (
        "run id prefix 'wr_8985' matches 2 runs of workflow wf (wr_8985aa018985a…, "
        "wr_8985d2be8985d…): give more characters"
    )


def test_an_unknown_prefix_says_where_to_look() -> None:
    with pytest.raises(NotFoundError) as caught:
        resolve_run_id(target(), "ff")
    assert str(caught.value) == (
        "no run of workflow wf on target local has an id starting with 'ff': see "
        "'glue-wf runs' (or use 'latest')"
    )
    # an id with wr_ that no listed run starts with: Glue answers for it (an older run)
    assert resolve_run_id(target(), "wr_nope") == "wr_nope"


def test_stop_takes_a_prefix_with_wr_(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from glue_workflow.runs import control

    runs = target()
    stopped: list[str] = []
    runs.glue.stop = lambda name, run_id: stopped.append(run_id)
    monkeypatch.setattr(control, "open_runs", lambda *_a, **_k: runs)
    (tmp_path / "glue-wf.toml").write_text("")
    result = CliRunner().invoke(
        cli, ["stop", "wr_8985d2be", "--workflow", "wf", "--project", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"stopping run {A}; follow with: glue-wf status {A} --wait\n"
    assert stopped == [A]
