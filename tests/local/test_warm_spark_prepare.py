"""A local deploy starts the warm Spark ahead of the first run, warmed up, and the first
job run on it sees none of the warm-up's state."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from test_warm_spark import _ready, _seen, _wait

from glue_workflow.deploy import deployer
from glue_workflow.document import WorkflowDocument
from glue_workflow.local.environment import job_environment
from glue_workflow.local.spark import control
from glue_workflow.local.spark.settings import spark_dir

CLEAN = (
    "SEEN views=[] globals=[] udfs=[] conf=unset hadoop=unset prop=unset gateway=attached sum=4950"
)


def _document(*commands: str) -> WorkflowDocument:
    jobs = tuple({"Name": f"j{i}", "Command": {"Name": c}} for i, c in enumerate(commands))
    return WorkflowDocument(workflow={"Name": "wf"}, jobs=jobs, triggers=())


def test_only_a_workflow_with_spark_jobs_gets_its_warm_spark_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Path] = []
    monkeypatch.setattr(control, "prepare", lambda home, env: started.append(home) or True)
    settings: Any = type("S", (), {"home": tmp_path / "home"})()
    deployer.prepare_local(settings, _document("pythonshell"))
    assert started == []
    deployer.prepare_local(settings, _document("pythonshell", "glueetl"))
    assert started == [(tmp_path / "home").resolve()]


@pytest.mark.spark
def test_a_prepared_warm_spark_is_warmed_up_and_leaves_no_state(
    warm_home: Path, warm_glue: Any
) -> None:
    env = job_environment(warm_home, dict(os.environ))
    assert control.prepare(warm_home, env)
    _ready(warm_home, 240)
    assert not control.prepare(warm_home, env)  # one runs: nothing started
    log = (spark_dir(warm_home) / "warm.log").read_text()
    assert "warmed up in" in log, log
    assert "warm-up failed" not in log, log

    run = warm_glue.start_job_run(JobName="probe")["JobRunId"]
    assert _wait(warm_glue, run)["JobRunState"] == "SUCCEEDED"
    assert _seen(warm_home, run) == CLEAN  # nothing of the warm-up reaches the job
    assert _ready(warm_home)["runs"] == 1  # the run's reset follows its exit
