"""``glue-wf job NAME -p K=V [--from-run RUN]``: one job alone, with chosen run properties."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from glue_workflow.scaffold import init_project

GLUE_WF = [sys.executable, "-c", "from glue_workflow.cli import main; main()"]


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "counting"
    init_project(root, "minimal")
    env = {**os.environ, "GLUE_WF_HOME": str(tmp_path / "home"), "GLUE_WF_TARGET": "local"}
    return root, env


def glue_wf(project: tuple[Path, dict[str, str]], *args: str) -> subprocess.CompletedProcess[str]:
    root, env = project
    return subprocess.run(
        [*GLUE_WF, *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )


def test_a_job_runs_alone_with_given_properties(project: tuple[Path, dict[str, str]]) -> None:
    done = glue_wf(project, "job", "count", "-p", "items=a,b,c,d")
    assert done.returncode == 0, done.stderr
    assert "4 items" in done.stdout
    assert done.stderr.splitlines()[-2:] == ["run properties new or changed: 1", "  item_count=4"]
    # The session's run is gone: the workflow's history is untouched.
    runs = glue_wf(project, "runs", "--json")
    assert "wr_" not in runs.stdout


def test_a_defined_job_alone_reads_the_workflows_defaults(
    project: tuple[Path, dict[str, str]],
) -> None:
    # it failed: "not started by a workflow run ... no run properties"
    done = glue_wf(project, "job", "count")
    assert done.returncode == 0, done.stderr
    assert "3 items" in done.stdout  # the default apples,pears,plums
    assert done.stderr.splitlines()[-2:] == ["run properties new or changed: 1", "  item_count=3"]


def test_the_contract_holds_for_a_job_run_alone(project: tuple[Path, dict[str, str]]) -> None:
    root, _ = project
    script = root / "jobs" / "report.py"
    script.write_text(script.read_text().replace("ctx.put(summary=summary)", 'ctx.put(other="x")'))
    done = glue_wf(project, "job", "report", "-p", "item_count=2")
    assert done.returncode == 1
    assert (
        "glue-wf job failed: node 'report' writes run property 'other', which it does not "
        "declare: add 'other' to writes= of node 'report' in the workflow definition "
        "(declared writes: summary)"
    ) in done.stderr


def test_from_run_starts_from_an_earlier_runs_properties(
    project: tuple[Path, dict[str, str]],
) -> None:
    assert glue_wf(project, "deploy").returncode == 0
    ran = glue_wf(project, "run", "--wait", "-p", "items=x,y")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    done = glue_wf(project, "job", "report", "--from-run", "latest", "-p", "item_count=9")
    assert done.returncode == 0, done.stderr
    assert "the run had 9 items" in done.stdout
    assert "  summary=the run had 9 items" in done.stderr.splitlines()


def test_a_failed_run_says_when_the_project_differs_from_what_ran(
    project: tuple[Path, dict[str, str]],
) -> None:
    # The fix is local, the deployed script still fails: rerunning without a deploy
    # fails the same way, so the failure says what is not deployed.
    root, _ = project
    script = root / "jobs" / "report.py"  # count's failures are handled: report's fail
    good = script.read_text()
    script.write_text("raise SystemExit('report is broken')\n" + good)
    assert glue_wf(project, "deploy").returncode == 0
    script.write_text(good)
    ran = glue_wf(project, "run", "--wait", "-p", "items=x,y")
    assert ran.returncode == 1
    # said at the start too (a run that passes would say nothing else), and by resume
    changed = (
        "warning: jobs/report.py changed since the last glue-wf deploy to the local target: "
        "this run uses what was deployed; glue-wf deploy first to run the change"
    )
    assert changed in ran.stderr
    assert "note: the project differs from what is deployed (update job" in ran.stderr
    assert "this run used the deployed version; if you fixed something, glue-wf deploy" in (
        ran.stderr
    )
    resumed = glue_wf(project, "resume", "latest", "--wait")  # fails again: not deployed
    assert changed in resumed.stderr
    assert glue_wf(project, "deploy").returncode == 0
    again = glue_wf(project, "run", "--wait", "-p", "items=x,y")
    assert again.returncode == 0, again.stdout + again.stderr


def test_no_cache_does_the_work_the_step_cache_would_serve(
    project: tuple[Path, dict[str, str]],
) -> None:
    root, _ = project
    pipeline = root / "triggers" / "pipeline.py"
    declared = '    writes=("item_count",),\n'
    pipeline.write_text(pipeline.read_text().replace(declared, f"{declared}    cache=True,\n", 1))
    first = glue_wf(project, "job", "count", "-p", "items=x,y")
    assert first.returncode == 0, first.stderr
    assert "2 items" in first.stdout
    served = glue_wf(project, "job", "count", "-p", "items=x,y")
    assert served.returncode == 0, served.stderr
    assert "2 items" not in served.stdout  # the cached result, not the job's work
    fresh = glue_wf(project, "job", "count", "-p", "items=x,y", "--no-cache")
    assert fresh.returncode == 0, fresh.stderr
    assert "2 items" in fresh.stdout
    assert "glue-wf cache: count runs: --no-cache" in fresh.stdout + fresh.stderr
    both = glue_wf(project, "job", "count", "--no-cache", "--workflow-run-id", "wr_1")
    assert both.returncode == 2
    assert "use -p/--from-run/--no-cache or --workflow-run-id, not both" in both.stderr


def test_from_run_leaves_the_earlier_runs_own_bookkeeping(monkeypatch: pytest.MonkeyPatch) -> None:
    # a job from a --rerun-from run was "reused" from it and ignored -p
    from types import SimpleNamespace

    from glue_workflow.cli import job_session

    document = SimpleNamespace(name="wf", workflow={"DefaultRunProperties": {"a": "1"}})
    earlier = {
        "a": "2",
        "train_uri": "s3://b/t/",
        "glue_wf_rerun": '{"from": "evaluate"}',
        "glue_wf_no_cache": "true",
        "glue_wf_cache_train": "{}",
        "glue_wf_error_train": "boom",
    }
    monkeypatch.setattr("glue_workflow.definition.build_document", lambda _s: document)
    monkeypatch.setattr("glue_workflow.runs.control.open_runs", lambda _s: None)
    monkeypatch.setattr(
        "glue_workflow.runs.run_ids.get_run", lambda _t, _r: {"WorkflowRunProperties": earlier}
    )
    assert job_session.start_properties(object(), "wr_1") == (  # type: ignore[arg-type]
        "wf",
        {"a": "2", "train_uri": "s3://b/t/"},
    )
