"""The pages in headless Chromium over fake services: graph colours, 404s, forms."""

from __future__ import annotations

import pytest
from pngpixels import close, node_colours

pytestmark = pytest.mark.browser

COLOURS = {
    "succeeded": "#27ae60",
    "failed": "#d63031",
    "running": "#2f80ed",
    "timeout": "#e67e22",
    "not-started": "#e3e6ea",
    "fired": "#f6d365",
}


def test_run_graph_colours_nodes_by_state(console, page):
    run_id = console.glue.add_run(
        "demo",
        "COMPLETED",
        {"demo-prep": ["SUCCEEDED"], "demo-fit": ["FAILED", "TIMEOUT"], "demo-alert": ["FAILED"]},
    )
    page.goto(f"{console.server.url}workflows/demo/runs/{run_id}")
    page.wait_for_selector("#graph g.node")
    colours = node_colours(page)
    assert close(colours["demo-prep"], COLOURS["succeeded"])
    assert close(colours["demo-fit"], COLOURS["timeout"])
    assert close(colours["demo-alert"], COLOURS["failed"])
    assert close(colours["demo-start"], COLOURS["fired"])
    assert page.locator("#run-verdict").inner_text() == "failed"
    # a node's attempts: both of fit's, with the error of the first
    page.click('[data-node-name="demo-fit"]')
    rows = page.locator("#node-detail tr[data-job-run-id]")
    assert rows.count() == 2
    assert "demo-fit broke" in rows.nth(0).inner_text()
    assert page.js_errors == []


def test_unknown_run_page_is_a_404_with_the_reason(console, page):
    response = page.goto(f"{console.server.url}workflows/demo/runs/wr_nope")
    assert response.status == 404
    assert page.locator(".reason").inner_text() == (
        "no run 'wr_nope' of workflow 'demo': list runs with 'glue-wf runs'"
    )


def test_forbidden_action_shows_the_reason(console, page):
    run_id = console.glue.add_run("demo", "COMPLETED", {"demo-prep": ["FAILED"]})
    page.goto(f"{console.server.url}workflows/demo/runs/{run_id}")
    page.locator("#resume-run").wait_for()  # rendered from the COMPLETED state first
    console.glue.runs[run_id]["Status"] = "RUNNING"  # changed behind the page's back
    page.click("#resume-run")
    toast = page.locator("#toast")
    toast.wait_for(state="visible")
    assert toast.inner_text() == (
        f"run {run_id} of workflow 'demo' is RUNNING: only a COMPLETED run can be resumed; "
        f"wait for it to finish (glue-wf status {run_id} --wait) or stop it "
        f"(glue-wf stop {run_id})"
    )


def test_models_approve_and_endpoint_invoke(console, page):
    console.sagemaker.add_version("churn-xgb", "PendingManualApproval")
    console.sagemaker.add_endpoint("churn-xgb")
    page.goto(f"{console.server.url}models/churn-xgb")
    page.click('tr[data-version="1"] button.approve')
    page.locator('tr[data-version="1"] .badge.Approved').wait_for()
    assert console.sagemaker.groups["churn-xgb"][0]["ModelApprovalStatus"] == "Approved"
    page.goto(f"{console.server.url}endpoints/churn-xgb")
    page.fill("#csv", "1,2\n1,2,3,4")
    page.click("#invoke")
    page.locator("#invoke-result").wait_for(state="visible")
    assert page.locator("#invoke-result").inner_text() == "0.5\n1.0"
    assert page.js_errors == []
