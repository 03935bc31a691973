"""The console over the real local target, in headless Chromium: start a run from the
page, watch nodes turn green, open the failed node's log, resume it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pngpixels import close, node_colours

pytestmark = pytest.mark.browser

WF = "console-e2e"
NAP = "console-nap"
BUCKET = "console-e2e"
GREEN, RED, GREY, BLUE, PURPLE = "#27ae60", "#d63031", "#e3e6ea", "#2f80ed", "#8e6bbf"

OK_SCRIPT = """
import sys, time
print("prep: preparing", sys.argv[1:])
time.sleep(3)
print("prep: done")
"""
NAP_SCRIPT = """
import time
print("nap: sleeping", flush=True)
time.sleep(60)
"""
FIT_SCRIPT = """
import os, sys
marker = sys.argv[sys.argv.index("--marker") + 1]
if not os.path.exists(marker):
    print("fit: no training data at", marker, file=sys.stderr)
    sys.exit(3)
print("fit: trained")
"""


def _deploy(settings, tmp_path: Path) -> Path:
    from glue_workflow.aws.clients import client

    s3, glue = client(settings, "s3"), client(settings, "glue")
    s3.create_bucket(Bucket=BUCKET)
    for name, body in (("ok.py", OK_SCRIPT), ("fit.py", FIT_SCRIPT), ("nap.py", NAP_SCRIPT)):
        s3.put_object(Bucket=BUCKET, Key=f"scripts/{name}", Body=body.encode())
    marker = tmp_path / "training-data-ready"
    glue.create_workflow(
        Name=WF, Description="console end-to-end", DefaultRunProperties={"greeting": "hi"}
    )
    for job, script in (("prep", "ok.py"), ("fit", "fit.py"), ("publish", "ok.py")):
        glue.create_job(
            Name=f"{WF}-{job}",
            Role="arn:aws:iam::000000000000:role/glue",
            Command={
                "Name": "pythonshell",
                "PythonVersion": "3.9",
                "ScriptLocation": f"s3://{BUCKET}/scripts/{script}",
            },
            DefaultArguments={"--marker": str(marker)},
            MaxCapacity=0.0625,
            GlueVersion="3.0",
        )
    glue.create_trigger(
        Name=f"{WF}-start", WorkflowName=WF, Type="ON_DEMAND", Actions=[{"JobName": f"{WF}-prep"}]
    )
    for before, after in (("prep", "fit"), ("fit", "publish")):
        glue.create_trigger(
            Name=f"{WF}-after-{before}",
            WorkflowName=WF,
            Type="CONDITIONAL",
            StartOnCreation=True,
            Actions=[{"JobName": f"{WF}-{after}"}],
            Predicate={
                "Logical": "ANY",
                "Conditions": [
                    {"LogicalOperator": "EQUALS", "JobName": f"{WF}-{before}", "State": "SUCCEEDED"}
                ],
            },
        )
    glue.create_workflow(Name=NAP, Description="a run to stop")
    glue.create_job(
        Name=f"{NAP}-nap",
        Role="arn:aws:iam::000000000000:role/glue",
        Command={
            "Name": "pythonshell",
            "PythonVersion": "3.9",
            "ScriptLocation": f"s3://{BUCKET}/scripts/nap.py",
        },
        MaxCapacity=0.0625,
        GlueVersion="3.0",
    )
    glue.create_trigger(
        Name=f"{NAP}-start", WorkflowName=NAP, Type="ON_DEMAND", Actions=[{"JobName": f"{NAP}-nap"}]
    )
    return marker


def _colours(page, wf: str = WF) -> dict[str, tuple[int, int, int]]:
    return node_colours(page, prefix=f"{wf}-", jobs_only=True)


def _node(page, job: str, state: str, timeout: float = 60_000) -> None:
    page.wait_for_selector(
        f'#graph g[data-node-name="{WF}-{job}"][data-state="{state}"]', timeout=timeout
    )


@pytest.fixture
def served(local_home: Path, tmp_path: Path):
    from glue_workflow.config import load_settings
    from glue_workflow.console.api import build_api
    from glue_workflow.console.server import start_background

    settings = load_settings(
        Path(__file__).resolve().parents[2], target="local", env={"GLUE_WF_HOME": str(local_home)}
    )
    marker = _deploy(settings, tmp_path)
    server = start_background(build_api(settings))
    try:
        yield server, marker
    finally:
        server.shutdown()
        server.server_close()


def test_start_watch_log_resume(served, page, tmp_path):
    server, marker = served
    page.goto(f"{server.url}workflows/{WF}")
    page.wait_for_selector("#graph g.node")
    row = page.locator("#start-form tr").filter(has=page.locator('input[value="greeting"]'))
    row.locator(".prop-value").fill("hello from the page")
    page.click("#start-run")

    page.wait_for_url(f"**/workflows/{WF}/runs/wr_*")
    run_id = page.url.rsplit("/", 1)[1]
    _node(page, "prep", "running")
    running = page.locator("#graph").screenshot()
    assert close(_colours(page)["prep"], BLUE)

    _node(page, "prep", "succeeded")  # turned green while the page polls
    _node(page, "fit", "failed")
    page.wait_for_selector("#run-status .badge.COMPLETED", timeout=30_000)
    colours = _colours(page)
    (tmp_path / "failed-run.png").write_bytes(page.screenshot(full_page=True))
    assert close(colours["prep"], GREEN)
    assert close(colours["fit"], RED)
    assert close(colours["publish"], GREY)
    assert page.locator("#graph").screenshot() != running
    assert page.locator("#run-verdict").inner_text() == "failed"
    assert "hello from the page" in page.locator("table.props-table").inner_text()

    page.click(f'#graph g[data-node-name="{WF}-fit"]')
    page.click("#node-detail button.view-log")
    page.wait_for_selector("#log")
    assert "fit: no training data at" in page.locator("#log").inner_text()

    marker.write_text("ready")
    page.click("#resume-run")
    page.wait_for_url(lambda url: run_id not in url and "/runs/wr_" in url)
    _node(page, "publish", "succeeded")
    page.wait_for_selector("#run-verdict .badge.succeeded", timeout=30_000)
    colours = _colours(page)
    assert all(close(colours[job], GREEN) for job in ("prep", "fit", "publish")), colours
    assert page.locator(f'a[href$="/runs/{run_id}"]').count() == 1  # "resumed from" link
    (tmp_path / "resumed-run.png").write_bytes(page.screenshot(full_page=True))
    assert page.js_errors == []


def test_stop_a_running_run_from_the_page(served, page):
    server, _ = served
    page.goto(f"{server.url}workflows/{NAP}")
    page.click("#start-run")
    page.wait_for_url(f"**/workflows/{NAP}/runs/wr_*")
    page.wait_for_selector(f'#graph g[data-node-name="{NAP}-nap"][data-state="running"]')
    page.click("#stop-run")
    page.wait_for_selector("#run-status .badge.STOPPED", timeout=30_000)
    page.wait_for_selector(f'#graph g[data-node-name="{NAP}-nap"][data-state="stopped"]')
    assert close(_colours(page, NAP)["nap"], PURPLE)
    assert page.locator("#run-verdict").inner_text() == "stopped"
    assert page.locator("#stop-run").count() == 0
    assert page.js_errors == []
