"""[target.local] warm_spark settings: parsed, checked, handed to the engine via the home."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from glue_workflow.cli import cli
from glue_workflow.config import WarmSpark, load_settings
from glue_workflow.errors import ConfigError
from glue_workflow.local.spark import control, settings


def _project(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "glue-wf.toml").write_text(toml)
    return tmp_path


def test_warm_spark_defaults_and_settings(tmp_path: Path) -> None:
    assert load_settings(_project(tmp_path, ""), env={}).warm_spark == WarmSpark()
    toml = (
        '[target.local]\nwarm_spark = false\nwarm_spark_memory = "512m"\n'
        "warm_spark_idle_seconds = 30\n"
    )
    got = load_settings(_project(tmp_path, toml), env={}).warm_spark
    assert got == WarmSpark(enabled=False, memory="512m", idle_seconds=30)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('warm_spark = "no"', "warm_spark must be true or false, not 'no'"),
        ('warm_spark_memory = "lots"', 'warm_spark_memory must be a JVM heap size such as "1g"'),
        (  # Spark's own refusal named spark.driver.memory, not reachable from glue-wf.toml
            'warm_spark_memory = "256m"',
            "warm_spark_memory must be at least 512m (Spark's driver refuses a heap under 450 "
            "MiB), not '256m': raise it, e.g. \"1g\"",
        ),
        ("warm_spark_idle_seconds = 0", "warm_spark_idle_seconds must be a whole number"),
    ],
)
def test_bad_warm_spark_settings_are_refused(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(_project(tmp_path, f"[target.local]\n{line}\n"), env={})


def test_warm_spark_is_a_local_setting_only(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[target.aws\]: unknown setting\(s\) warm_spark"):
        load_settings(
            _project(tmp_path, "[target.aws]\nwarm_spark = false\n"), target="aws", env={}
        )


def test_the_engine_reads_the_recorded_settings_and_the_switch(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert settings.load(home, env={}) == WarmSpark()  # nothing recorded: defaults
    settings.record(home, WarmSpark(enabled=False, memory="2g", idle_seconds=5))
    assert settings.load(home, env={}) == WarmSpark(enabled=False, memory="2g", idle_seconds=5)
    on = settings.load(home, env={"GLUE_WF_WARM_SPARK": "1"})
    assert on == WarmSpark(enabled=True, memory="2g", idle_seconds=5)
    # off: a Spark job gets no warm Spark address and none is started
    assert control.spark_job_environment(home, {}) == {}
    assert not control.running(home)


def test_local_status_and_stop_without_a_warm_spark(tmp_path: Path) -> None:
    project = _project(tmp_path, "")
    runner = CliRunner()
    env = {"GLUE_WF_HOME": str(tmp_path / "home")}
    status = runner.invoke(cli, ["local", "status", "--project", str(project)], env=env)
    assert status.exit_code == 0, status.output
    assert status.output.startswith("warm Spark: not running for ")
    assert status.output.endswith("\nspare endpoint servers: none\nspare job workers: none\n")
    stop = runner.invoke(cli, ["local", "stop", "--project", str(project)], env=env)
    assert (stop.exit_code, stop.output) == (
        0,
        "warm Spark: not running\nspares: none running\n",
    )


def test_a_new_heap_cap_replaces_the_warm_jvm_once_it_is_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """warm_spark_memory changed in glue-wf.toml (recorded in the home by the next CLI
    call) takes effect without glue-wf local stop: the JVM of the old cap is replaced
    as it is released (or, idle, before its next lease)."""
    from glue_workflow.local.spark import server

    launched: list[str] = []
    stopped: list[str] = []

    class Proc:
        pid = 4242

        def poll(self) -> None:
            return None

    def launch(given: WarmSpark) -> server.Jvm:
        launched.append(given.memory)
        return server.Jvm(proc=Proc(), memory=given.memory)

    monkeypatch.setattr(server, "launch", launch)
    monkeypatch.setattr(server, "shutdown", lambda jvm: stopped.append(jvm.memory))
    monkeypatch.setattr(server, "reset", lambda jvm, group: None)
    monkeypatch.setattr(server, "release_code_cache", lambda jvm: None)
    monkeypatch.setattr(server, "tasks_ended", lambda jvm: True)
    home = tmp_path / "home"
    settings.record(home, WarmSpark(memory="1g"))
    warm = server.WarmSparkServer(home, settings.load(home))
    warm.start_jvm()
    first = warm.jvm
    assert (launched, first.state, warm.outdated(first)) == (["1g"], "ready", False)

    first.state = "leased"
    settings.record(home, WarmSpark(memory="2g"))  # changed while a run holds the JVM
    assert warm.outdated(first)
    warm.release(first, "run-1")
    assert (stopped, launched, warm.jvm.memory) == (["1g"], ["1g", "2g"], "2g")
    assert warm.jvm.state == "ready"
    warm.release(warm.jvm, "run-2")  # unchanged since: kept
    assert launched == ["1g", "2g"]
