"""A local deploy starts the warm Spark ahead of the first run, warmed up, and the first
job run on it sees none of the warm-up's state."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from test_warm_spark import _ready, _seen, _wait

from glue_workflow.config import WarmSpark
from glue_workflow.deploy import deployer
from glue_workflow.document import WorkflowDocument
from glue_workflow.local.environment import job_environment
from glue_workflow.local.sagemaker import spares
from glue_workflow.local.spark import control, server
from glue_workflow.local.spark.settings import spark_dir

CLEAN = (
    "SEEN views=[] globals=[] udfs=[] conf=unset hadoop=unset prop=unset gateway=attached sum=4950"
)


def _document(*commands: str, args: dict[str, str] | None = None) -> WorkflowDocument:
    jobs = tuple(
        {"Name": f"j{i}", "Command": {"Name": c}, "DefaultArguments": dict(args or {})}
        for i, c in enumerate(commands)
    )
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


def test_a_workflow_using_the_xgboost_container_gets_its_spares_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spawned: list[tuple[str, dict[str, str]]] = []

    def spawn(module: str, args: list[str], **kw: Any) -> int:
        spawned.append((module, dict(kw["env"])))
        return os.getpid()  # alive: counted as the pool's spare

    monkeypatch.setattr(spares.procs, "spawn", spawn)
    monkeypatch.setattr(spares.procs, "alive", lambda pid, token: True)
    monkeypatch.setattr(control, "prepare", lambda home, env: True)
    monkeypatch.setenv(spares.SWITCH, "1")
    home = tmp_path / "home"
    settings: Any = type("S", (), {"home": home})()
    deployer.prepare_local(settings, _document("pythonshell", "glueetl"))
    assert spawned == []  # no job runs the XGBoost container
    xgboost = {deployer.XGBOOST_CONTEXT: "683313688378.dkr.ecr.us-east-1.amazonaws.com/x:1"}
    deployer.prepare_local(settings, _document("pythonshell", args=xgboost))
    assert sorted(m for m, _ in spawned) == [spares.SERVER, spares.WORKER, spares.WORKER]
    # started for this home, as its jobs' processes are
    assert {env["GLUE_WF_HOME"] for _, env in spawned} == {str(home.resolve())}
    deployer.prepare_local(settings, _document("pythonshell", args=xgboost))
    assert len(spawned) == 3  # the pools are full: none more

    monkeypatch.setenv(spares.SWITCH, "0")
    spawned.clear()
    deployer.prepare_local(
        type("S", (), {"home": tmp_path / "other"})(), _document("pythonshell", args=xgboost)
    )
    assert spawned == []  # spares off


def test_a_local_deploy_starts_what_the_first_run_needs_before_its_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(deployer, "read", lambda *a, **k: None)
    monkeypatch.setattr(deployer, "plan_deploy", lambda *a: type("P", (), {"empty": True})())
    monkeypatch.setattr(deployer, "prepare_local", lambda *a: calls.append("prepare"))
    monkeypatch.setattr(deployer, "apply", lambda *a: calls.append("apply"))
    target: Any = type("T", (), {"settings": type("S", (), {"is_local": True})()})()
    deployer.deploy(target, _document("glueetl"))
    assert calls == ["prepare", "apply"]
    calls.clear()
    monkeypatch.setattr(deployer, "DisplayExecutor", lambda **k: type("D", (), {"execute": id})())
    deployer.deploy(target, _document("glueetl"), dry_run=True)
    assert calls == []  # a dry run starts nothing


@pytest.mark.parametrize("waiting", [False, True])
def test_the_warm_up_runs_only_while_no_job_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, waiting: bool
) -> None:
    """A job already waiting for the JVM gets it at once: a warm-up would only delay it
    (its own first context and queries warm the JVM as much)."""
    warmed: list[int] = []
    monkeypatch.setattr(server, "launch", lambda settings: server.Jvm(proc=None))
    monkeypatch.setattr(server, "warm_up", lambda jvm, scratch, wanted: warmed.append(1))
    warm = server.WarmSparkServer(tmp_path, WarmSpark(), warm_up=True)
    if waiting:
        warm.wanted.set()
    warm.start_jvm()
    assert warm.jvm.state == "ready"
    assert warmed == ([] if waiting else [1])
    warm.start_jvm()  # a later JVM (after RUNS_PER_JVM runs) is never warmed up
    assert warmed == ([] if waiting else [1])


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


class _Option:
    def __init__(self, value: Any = None) -> None:
        self.value = value

    def isDefined(self) -> bool:
        return self.value is not None

    def get(self) -> Any:
        return self.value


class _Context:
    def __init__(self) -> None:
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True

    def cancelJobGroup(self, group: str) -> None:
        pass


class _Module:
    """``object SparkContext``: a context under construction for ``building`` polls."""

    def __init__(self, active: _Context | None, building: int = 0) -> None:
        self.active, self.building = active, building

    def getActive(self) -> _Option:
        return _Option(self.active if self.building <= 0 else None)

    def constructing(self) -> bool:
        self.building -= 1
        return self.building >= 0


def test_a_context_built_after_its_runs_reset_is_stopped_before_the_next_lease(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from unittest import mock

    # a job stopped while attaching: its SparkContext was finished after the reset, and
    # the next run's own context was refused ("Only one SparkContext should be running")
    leftover = _Context()
    monkeypatch.setattr(server, "_context_module", lambda jvm: _Module(leftover))
    monkeypatch.setattr(server, "log", lambda message: None)
    gateway = mock.MagicMock()
    server.prepare(server.Jvm(gateway=gateway), {"env": {}}, tmp_path)
    assert leftover.stopped
    # the run's own spark.read of s3:// URIs reaches the home's S3 directory
    gateway.jvm.java.lang.System.setProperty.assert_any_call(
        "spark.hadoop.fs.s3.impl", "org.apache.hadoop.fs.viewfs.ViewFileSystemOverloadScheme"
    )
    # and the reset waits for a context still being built, then stops it too
    building = _Context()
    module = _Module(building, building=3)
    monkeypatch.setattr(server, "_context_module", lambda jvm: module)
    monkeypatch.setattr(server, "_constructing", lambda m: m.constructing())
    jvm = server.Jvm(gateway=mock.MagicMock(), properties=mock.MagicMock())
    server.reset(jvm, "jr_1")
    assert building.stopped
