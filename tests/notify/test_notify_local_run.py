"""A workflow with notify= on the local target: the notifier job publishes the verdict,
``glue-wf notifications`` shows it, a loopback webhook receives it, ``glue-wf report``
prices the run. The same compiled notifier job and code path as on AWS."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from glue_workflow.cli import cli

DEFINITION = """
from glue_workflow.model import PythonShellJob, Workflow, succeeded
from glue_workflow.model.notify import ToEventBridge, ToSns

prep = PythonShellJob(name="prep", script="jobs/ok.py", jobkit=False)
train = PythonShellJob(name="train", script="jobs/bad.py", after=succeeded("prep"))
workflow = Workflow(name="nwf", nodes=(prep, train), notify=[ToEventBridge(), ToSns()])
"""
BAD = """from glue_workflow.jobkit import JobFailed, run_job


def main():
    raise JobFailed("the input had no rows")


run_job(main)
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "triggers").mkdir()
    (tmp_path / "jobs").mkdir()
    (tmp_path / "glue-wf.toml").write_text(
        '[workflow]\ndefinition = "triggers/wf.py"\nattribute = "workflow"\n'
        '[target]\ndefault = "local"\n[cost.rates]\ndpu_hour = 0.5\n'
    )
    (tmp_path / "triggers" / "wf.py").write_text(DEFINITION)
    (tmp_path / "jobs" / "ok.py").write_text("print('ok')\n")
    (tmp_path / "jobs" / "bad.py").write_text(BAD)
    return tmp_path


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/verdicts", received
    server.shutdown()
    server.server_close()


def glue_wf(project: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, [*args, "--project", str(project)])


def test_the_verdict_is_published_shown_delivered_and_the_run_priced(
    project: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    assert glue_wf(project, "deploy").exit_code == 0
    subscribed = glue_wf(project, "notifications", "subscribe", url)
    assert subscribed.exit_code == 0, subscribed.output
    run = glue_wf(project, "run", "--wait")
    assert run.exit_code == 1  # train failed; the notifier itself succeeded
    assert "nwf-notify-verdict     JOB      SUCCEEDED" in run.output
    shown = glue_wf(project, "notifications", "--json")
    assert shown.exit_code == 0, shown.output
    found = json.loads(shown.output)
    assert sorted(n["Channel"] for n in found) == [
        "eventbridge",
        "sns:arn:aws:sns:us-east-1:000000000000:glue-wf-notifications",
    ]
    # the CLI's key style: ISO 8601 times, PascalCase keys (the message as published)
    assert all(n["Time"].endswith("+00:00") and "T" in n["Time"] for n in found)
    assert all(set(d) >= {"Status"} for n in found for d in n["Deliveries"])
    message = found[0]["Message"]
    run_id = message["runId"]
    assert message["verdict"] == "failed"
    assert (message["failedNode"], message["reason"]) == (
        "train",
        "glue-wf job failed: the input had no rows",
    )
    assert message["consoleUrl"] == f"http://127.0.0.1:8321/workflows/nwf/runs/{run_id}"
    assert [json.loads(r["Message"])["runId"] for r in received] == [run_id]

    report = glue_wf(project, "report", run_id, "--json")
    assert report.exit_code == 0, report.output
    figures = json.loads(report.output)
    nodes = {n["Node"]: n for n in figures["Nodes"]}
    assert set(nodes) == {"nwf-prep", "nwf-train", "nwf-notify-verdict"}
    # Python shell jobs: 0.0625 DPU, billed for at least a minute, at the overridden rate
    for node in nodes.values():
        assert node["Attempts"] == 1
        assert node["DpuHours"] >= round(60 * 0.0625 / 3600, 6)
        assert node["Cost"] == pytest.approx(node["DpuHours"] * 0.5, abs=1e-6)
    assert figures["Rates"]["Overridden"] == ["dpu_hour"]
    text = glue_wf(project, "report", run_id)
    assert "estimated cost: USD" in text.output


def test_notifications_refuse_a_webhook_off_the_machine(project: Path) -> None:
    result = glue_wf(project, "notifications", "subscribe", "http://example.com/hook")
    assert result.exit_code == 2
    assert "is not on this machine" in result.output


FLAKY = """import os

from glue_workflow.jobkit import JobFailed, run_job


def main():
    if not os.path.exists({marker!r}):
        raise JobFailed("the input had no rows")


run_job(main)
"""


def test_a_resumed_run_publishes_its_own_verdict(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "fixed"
    (project / "jobs" / "bad.py").write_text(FLAKY.format(marker=str(marker)))
    assert glue_wf(project, "deploy").exit_code == 0
    first = glue_wf(project, "run", "--wait")
    assert first.exit_code == 1, first.output
    marker.write_text("")
    resumed = glue_wf(project, "resume", "latest", "--wait", "--json")
    assert resumed.exit_code == 0, resumed.output
    shown = glue_wf(project, "notifications", "--json")
    assert shown.exit_code == 0, shown.output
    published = [n["Message"] for n in json.loads(shown.output) if n["Channel"] == "eventbridge"]
    # newest first: the resumed run's verdict, then the original run's
    assert [m["verdict"] for m in published] == ["succeeded", "failed"]
    assert "resuming from nwf-train (2 node(s) restarted)" in resumed.stderr  # and the notifier
    assert published[0]["runId"] == json.loads(resumed.stdout)["RunId"]
    assert published[0]["runId"] != published[1]["runId"]
