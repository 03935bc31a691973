"""The local scheduler against the local Glue, on a fake clock; glue-wf env / schedule."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from glue_workflow.local.scheduler import Scheduler


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def glue(local_home: Path, tmp_path: Path) -> Any:
    client = boto3.client("glue", region_name="us-east-1")
    script = tmp_path / "ok.py"
    script.write_text("print('ok')\n")
    client.create_job(
        Name="j",
        Role="r",
        Command={"Name": "pythonshell", "ScriptLocation": str(script)},
        ExecutionProperty={"MaxConcurrentRuns": 10},
    )
    return client


def wait_all(glue: Any, workflow: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        runs = glue.get_workflow_runs(Name=workflow)["Runs"]
        if all(r["Status"] == "COMPLETED" for r in runs):
            return list(runs)
        time.sleep(0.05)
    raise AssertionError("runs did not complete")


def test_fires_activated_schedules_on_their_cron(glue: Any) -> None:
    glue.create_workflow(Name="wf")
    glue.create_trigger(
        Name="every5",
        WorkflowName="wf",
        Type="SCHEDULED",
        Schedule="cron(0/5 * * * ? *)",
        StartOnCreation=True,
        Actions=[{"JobName": "j"}],
    )
    glue.create_workflow(Name="paused")
    glue.create_trigger(
        Name="off",
        WorkflowName="paused",
        Type="SCHEDULED",
        Schedule="cron(0/5 * * * ? *)",
        Actions=[{"JobName": "j"}],
    )
    glue.create_workflow(Name="evented")
    glue.create_trigger(
        Name="ev",
        WorkflowName="evented",
        Type="EVENT",
        Actions=[{"JobName": "j"}],
        StartOnCreation=True,
    )
    clock = FakeClock(datetime(2026, 1, 1, 0, 3, 30, tzinfo=UTC))
    lines: list[str] = []
    scheduler = Scheduler(glue, clock=clock, sleep=clock.sleep, log=lines.append)
    starts = scheduler.run(until=datetime(2026, 1, 1, 0, 16, tzinfo=UTC))
    assert [s.fire_time.strftime("%H:%M") for s in starts] == ["00:05", "00:10", "00:15"]
    assert {s.workflow for s in starts} == {"wf"}
    assert len(wait_all(glue, "wf")) == 3
    assert glue.get_workflow_runs(Name="paused")["Runs"] == []
    assert any(
        "2026-01-01 00:05 UTC cron(0/5 * * * ? *): started workflow wf run wr_" in ln
        for ln in lines
    )
    assert any(
        "EVENT trigger ev of workflow evented starts on EventBridge events" in ln for ln in lines
    )
    # what it watches, said once when it first sees a schedule (paused ones: not at all)
    watching = [ln for ln in lines if ln.startswith("watching trigger")]
    assert watching == [
        "watching trigger every5 of workflow wf: cron(0/5 * * * ? *), next fire "
        "2026-01-01 00:05 UTC"
    ]
    # it re-reads triggers at least every 30 s, so edits and activations take effect
    assert max(clock.sleeps) <= 30
    assert glue.get_workflow_runs(Name="evented")["Runs"] == []  # no event, no run


def test_once_exits_after_the_first_start_and_reports_refusals(glue: Any) -> None:
    glue.create_workflow(Name="wf", MaxConcurrentRuns=1)
    glue.create_trigger(
        Name="s",
        WorkflowName="wf",
        Type="SCHEDULED",
        Schedule="cron(0 12 * * ? *)",
        StartOnCreation=True,
        Actions=[{"JobName": "j"}],
    )
    clock = FakeClock(datetime(2026, 1, 1, 11, 0, tzinfo=UTC))
    lines: list[str] = []
    scheduler = Scheduler(glue, clock=clock, sleep=clock.sleep, log=lines.append)
    starts = scheduler.run(once=True)
    assert [(s.workflow, s.fire_time.hour) for s in starts] == [("wf", 12)]
    wait_all(glue, "wf")


def test_glue_wf_env_exports_work_in_a_shell(tmp_path: Path) -> None:
    (tmp_path / "glue-wf.toml").write_text("")
    from glue_workflow.cli import cli

    result = CliRunner().invoke(cli, ["env", "--project", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "export GLUE_WF_HOME=" in result.output
    script = (
        result.output + f'\n{sys.executable} -c "import boto3; '
        "boto3.client('s3').create_bucket(Bucket='from-shell')\"\n"
    )
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    homes = [p for p in tmp_path.rglob("from-shell") if p.is_dir()]
    assert homes
    assert homes[0].parent.name == "s3"


def test_glue_wf_schedule_until_exits_cleanly(tmp_path: Path) -> None:
    (tmp_path / "glue-wf.toml").write_text("")
    from glue_workflow.cli import cli

    until = (datetime.now(UTC) + timedelta(seconds=0.3)).isoformat()
    result = CliRunner().invoke(cli, ["schedule", "--project", str(tmp_path), "--until", until])
    assert result.exit_code == 0, result.output
    assert "scheduler exiting: 0 start(s)" in result.output
    bad = CliRunner().invoke(cli, ["schedule", "--project", str(tmp_path), "--until", "soon"])
    assert bad.exit_code == 2
    assert "'soon' is not an ISO 8601 time" in bad.output


def test_glue_wf_schedule_exits_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    import signal

    (tmp_path / "glue-wf.toml").write_text("")
    glue_wf = Path(sys.executable).parent / "glue-wf"
    proc = subprocess.Popen(
        [str(glue_wf), "schedule"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    assert "scheduler started" in proc.stdout.readline()
    # a second scheduler on the same home would fire every schedule twice: refused
    second = subprocess.run(
        [str(glue_wf), "schedule"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert second.returncode == 1
    assert "error: a scheduler already runs for the local home " in second.stderr
    assert f"(pid {proc.pid}): it fires every workflow's schedules" in second.stderr
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "scheduler stopped" in out
    until = (datetime.now(UTC) + timedelta(seconds=0.3)).isoformat()
    again = subprocess.run(  # the lock went with its process
        [str(glue_wf), "schedule", "--until", until], cwd=tmp_path, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr


def test_closes_event_batch_windows_while_an_event_trigger_is_active(glue: Any) -> None:
    glue.create_workflow(Name="evented")
    glue.create_trigger(
        Name="ev",
        WorkflowName="evented",
        Type="EVENT",
        Actions=[{"JobName": "j"}],
        StartOnCreation=True,
    )
    closes: list[int] = []

    def close_windows() -> list[str]:
        closes.append(1)
        return ["wr_started"] if len(closes) == 2 else []

    clock = FakeClock(datetime(2026, 1, 1, 0, 0, tzinfo=UTC))
    lines: list[str] = []
    scheduler = Scheduler(
        glue, clock=clock, sleep=clock.sleep, log=lines.append, close_windows=close_windows
    )
    scheduler.run(until=datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC))
    assert len(closes) >= 4  # about every second
    assert max(clock.sleeps) <= 1
    assert "batch window closed: started run wr_started" in lines


def test_says_when_there_is_nothing_to_fire(glue: Any) -> None:
    glue.create_workflow(Name="wf")
    clock = FakeClock(datetime(2026, 1, 1, 0, 0, tzinfo=UTC))
    lines: list[str] = []
    scheduler = Scheduler(glue, clock=clock, sleep=clock.sleep, log=lines.append)
    assert scheduler.run(until=datetime(2026, 1, 1, 0, 2, tzinfo=UTC)) == []
    assert lines == [
        "no ACTIVATED SCHEDULED or EVENT trigger: deploy a workflow started by "
        "Scheduled(cron=...) or Event(...); the scheduler re-reads the triggers every 30 s"
    ]  # once, not on every rescan


def test_a_trigger_deleted_and_created_again_counts_slots_from_its_return(glue: Any) -> None:
    glue.create_workflow(Name="wf")
    trigger = {
        "Name": "s",
        "WorkflowName": "wf",
        "Type": "SCHEDULED",
        "Schedule": "cron(3/5 * * * ? *)",
        "StartOnCreation": True,
        "Actions": [{"JobName": "j"}],
    }
    glue.create_trigger(**trigger)
    clock = FakeClock(datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC))
    scheduler = Scheduler(glue, clock=clock, sleep=clock.sleep, log=[].append)
    assert scheduler.tick(clock())[0] == []  # seen at 00:00:30, next slot 00:03
    glue.delete_trigger(Name="s")  # destroyed before its slot...
    clock.now = datetime(2026, 1, 1, 0, 8, 30, tzinfo=UTC)
    assert scheduler.tick(clock())[0] == []
    glue.create_trigger(**trigger)  # ...and deployed again at 00:08:30
    starts, upcoming = scheduler.tick(clock())
    # the 00:03 and 00:08 slots passed before it existed: Glue fires it first at 00:13
    assert starts == []
    assert upcoming == datetime(2026, 1, 1, 0, 13, tzinfo=UTC)
