"""The shipped churn-pipeline, created on the local target from its compiled document,
drawn by the console: the gate's two branches side by side, each edge labelled."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def churn_console(local_home: Path):
    from glue_workflow.aws.clients import client
    from glue_workflow.config import load_settings
    from glue_workflow.console.api import build_api
    from glue_workflow.console.server import start_background
    from glue_workflow.definition import build_document

    settings = load_settings(PROJECT, target="local", env={"GLUE_WF_HOME": str(local_home)})
    document = build_document(settings)
    glue = client(settings, "glue")
    glue.create_workflow(**document.workflow)
    for job in document.jobs:
        glue.create_job(**job)
    for trigger in document.triggers:
        glue.create_trigger(**trigger)
    server = start_background(build_api(settings))
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _by_label(graph):
    return {n["label"]: n for n in graph["nodes"]}


@pytest.mark.browser
def test_churn_pipeline_graph_is_drawn_with_its_branches(churn_console, page, tmp_path):
    import json
    import urllib.request

    with urllib.request.urlopen(f"{churn_console.url}api/workflows/churn-pipeline") as response:
        graph = json.load(response)["graph"]
    nodes = _by_label(graph)
    jobs = ["preprocess", "train", "evaluate", "gate", "register", "deploy", "reject"]
    assert set(jobs) <= set(nodes)
    layers = [nodes[j]["layer"] for j in jobs[:6]]
    assert layers == sorted(layers)  # the main chain flows downwards
    assert nodes["register"]["layer"] == nodes["reject"]["layer"]  # the gate's two branches
    assert nodes["register"]["x"] != nodes["reject"]["x"]
    labels = {e["label"] for e in graph["edges"] if e["label"]}
    assert labels == {"SUCCEEDED", "FAILED"}

    page.goto(f"{churn_console.url}workflows/churn-pipeline")
    page.wait_for_selector("#graph g.node")
    boxes = {
        n: page.locator(f'#graph g[data-node-name="churn-pipeline-{n}"]').bounding_box()
        for n in ("gate", "register", "reject")
    }
    assert boxes["register"]["y"] == boxes["reject"]["y"] > boxes["gate"]["y"]
    assert page.locator("#graph text.edge-label.FAILED").count() == 1
    (tmp_path / "churn.png").write_bytes(page.screenshot(full_page=True))
    assert page.js_errors == []
