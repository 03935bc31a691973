"""The pages in headless Chromium over fake services: graph colours, 404s, forms."""

from __future__ import annotations

import pytest
from pngpixels import close, node_colours

from glue_workflow.runs.cost import shipped_rates

pytestmark = pytest.mark.browser
RATES = shipped_rates()

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
    # the cost and latency report (glue-wf report): four 0.0625-DPU attempts, a minute each
    page.locator("#run-report").wait_for()
    attempts = page.locator("#report-nodes tr[data-node] td:nth-child(2)").all_inner_texts()
    assert attempts == ["1", "2", "1"]  # alert, fit, prep
    dpu_hours = 4 * 60 * 0.0625 / 3600
    assert page.locator("#report-total").inner_text() == f"${dpu_hours * RATES.dpu_hour:.4f}"
    assert f"list prices of {RATES.date}" in page.locator("#report-rates").inner_text()
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


def test_notifications_page_links_each_verdict_to_its_run(console, page):
    import json

    import boto3

    from glue_workflow.verdict_notifier import EVENT_DETAIL_TYPE, EVENT_SOURCE

    run_id = console.glue.add_run("demo", "COMPLETED", {"demo-prep": ["FAILED"]})
    detail = {"workflow": "demo", "runId": run_id, "verdict": "failed"}
    detail |= {"failedNode": "prep", "reason": "no input rows"}
    boto3.client("events", region_name="us-east-1").put_events(
        Entries=[
            {"Source": EVENT_SOURCE, "DetailType": EVENT_DETAIL_TYPE, "Detail": json.dumps(detail)}
        ]
    )
    page.goto(f"{console.server.url}notifications")
    row = page.locator(f'#notifications tr[data-run-id="{run_id}"]')
    row.wait_for()
    assert row.locator("td").all_inner_texts()[1:] == [
        "demo",
        run_id,
        "failed",
        "prep",
        "no input rows",
        "eventbridge",
    ]
    row.locator(f"a[href='/workflows/demo/runs/{run_id}']").click()
    page.locator("#run-verdict").wait_for()
    assert page.locator("#run-verdict").inner_text() == "failed"
    assert page.js_errors == []
