"""The shipped churn-pipeline, started from the console's page on the local target:
every node turns green, the model shows in the registry, the endpoint answers CSV.
Slow (Spark, XGBoost training, an endpoint): run with ``-m e2e``."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path

import pytest
from churndata import CHURN_CSV

# e2e + slow, not browser: `-m browser` keeps the console's 2-minute budget.
pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROJECT = Path(__file__).resolve().parents[2]
JOBS = ("preprocess", "train", "evaluate", "gate", "register", "deploy")


def _glue_wf(home: Path, *args: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from glue_workflow.cli import main; main()",
            *args,
            "--project",
            str(PROJECT),
        ],
        check=True,
        env={**os.environ, "GLUE_WF_HOME": str(home)},
        timeout=300,
    )


@pytest.fixture
def pipeline_console(local_home: Path):
    from glue_workflow.aws.clients import client
    from glue_workflow.config import load_settings
    from glue_workflow.console.api import build_api
    from glue_workflow.console.server import start_background

    # the churn data the other end-to-end tests train on: a model that passes the gate
    # (1,000 generated rows scored 0.88-0.9 accuracy against its 0.9 threshold, by split)
    _glue_wf(local_home, "upload-data", str(CHURN_CSV))
    _glue_wf(local_home, "deploy")
    settings = load_settings(PROJECT, target="local", env={"GLUE_WF_HOME": str(local_home)})
    server = start_background(build_api(settings))
    try:
        yield server, local_home
    finally:
        server.shutdown()
        server.server_close()
        sagemaker = client(settings, "sagemaker")
        for endpoint in sagemaker.list_endpoints()["Endpoints"]:  # stop inference servers
            sagemaker.delete_endpoint(EndpointName=endpoint["EndpointName"])


def test_shipped_pipeline_from_the_page(pipeline_console, page):
    server, home = pipeline_console
    page.goto(f"{server.url}workflows/churn-pipeline")
    page.click("#start-run")
    page.wait_for_url("**/workflows/churn-pipeline/runs/wr_*")
    for job in JOBS:  # each node turns green in turn while the page polls
        page.wait_for_selector(
            f'#graph g[data-node-name="churn-pipeline-{job}"][data-state="succeeded"]',
            timeout=600_000,
        )
    page.wait_for_selector("#run-verdict .badge.succeeded", timeout=60_000)
    assert (
        page.locator('#graph g[data-node-name="churn-pipeline-reject"]').get_attribute("data-state")
        == "not-started"
    )

    page.goto(f"{server.url}models/churn-xgb")
    assert page.locator('tr[data-version="1"] .badge').first.inner_text() == "Approved"
    assert "accuracy" in page.locator('tr[data-version="1"] td.metrics').inner_text()

    test_split = sorted(
        glob.glob(
            str(
                home
                / "s3"
                / "glue-wf-local"
                / "glue-wf"
                / "churn-pipeline"
                / "runs"
                / "*"
                / "preprocess"
                / "test"
                / "*.csv"
            )
        )
    )[0]
    rows = [line.split(",", 1)[1] for line in Path(test_split).read_text().splitlines()[:3]]
    page.goto(f"{server.url}endpoints/churn-xgb")
    page.fill("#csv", "\n".join(rows))
    page.click("#invoke")
    result = page.locator("#invoke-result")
    result.wait_for(state="visible", timeout=30_000)
    scores = [float(v) for v in result.inner_text().replace(",", "\n").split()]
    assert len(scores) == 3
    assert all(0.0 <= s <= 1.0 for s in scores)
