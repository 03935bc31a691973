"""Console figures: DAG layout cost by graph size, and the console's HTTP overhead
over the boto3 calls it makes (same process, same local target, same run)."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def best_ms(fn: Any, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def glue_graph(jobs: int) -> dict[str, Any]:
    """A chain with a two-way branch every 5 jobs, as GetWorkflow returns it."""
    nodes, edges = [], []
    for i in range(jobs):
        nodes.append({"Type": "JOB", "Name": f"j{i}", "UniqueId": f"j{i}"})
        nodes.append(
            {
                "Type": "TRIGGER",
                "Name": f"t{i}",
                "UniqueId": f"t{i}",
                "TriggerDetails": {
                    "Trigger": {
                        "Type": "CONDITIONAL",
                        "Predicate": {
                            "Conditions": [
                                {
                                    "JobName": f"j{max(i - 1 - (i % 5 == 4), 0)}",
                                    "State": "SUCCEEDED",
                                }
                            ]
                        },
                        "Actions": [{"JobName": f"j{i}"}],
                    }
                },
            }
        )
        if i:
            parent = f"j{max(i - 1 - (i % 5 == 4), 0)}"
            edges += [{"SourceId": parent, "DestinationId": f"t{i}"}]
        edges += [{"SourceId": f"t{i}", "DestinationId": f"j{i}"}]
    return {"Nodes": nodes, "Edges": edges}


def main() -> None:
    from graphlib import TopologicalSorter

    from glue_workflow.console.graph_layout import graph_view

    print("## Console\n")
    print("| nodes | layout ms | topological sort ms | ratio |")
    print("|---:|---:|---:|---:|")
    for jobs in (5, 50, 200):
        graph = glue_graph(jobs)
        preds: dict[str, set[str]] = {n["UniqueId"]: set() for n in graph["Nodes"]}
        for e in graph["Edges"]:
            preds[e["DestinationId"]].add(e["SourceId"])
        layout = best_ms(lambda g=graph: graph_view(g, workflow="w", with_runs=True))
        topo = best_ms(lambda p=preds: list(TopologicalSorter(p).static_order()))
        print(f"| {2 * jobs} | {layout:.2f} | {topo:.3f} | {layout / topo:.0f} |")

    from glue_workflow.aws.clients import client
    from glue_workflow.config import load_settings
    from glue_workflow.console.api import build_api
    from glue_workflow.console.server import start_background
    from glue_workflow.definition import build_document

    home = Path(tempfile.mkdtemp(prefix="bench-console-"))
    settings = load_settings(ROOT, target="local", env={"GLUE_WF_HOME": str(home)})
    document = build_document(settings)
    glue = client(settings, "glue")
    glue.create_workflow(**document.workflow)
    for job in document.jobs:
        glue.create_job(**job)
    for trigger in document.triggers:
        glue.create_trigger(**trigger)
    server = start_background(build_api(settings))
    url = f"{server.url}api/workflows/{document.name}"

    def http() -> None:
        with urllib.request.urlopen(url) as response:
            json.load(response)

    def direct() -> None:
        glue.get_workflow(Name=document.name, IncludeGraph=True)  # what the route calls

    samples = 30
    via_http = statistics.median(best_ms(http, 1) for _ in range(samples))
    via_boto3 = statistics.median(best_ms(direct, 1) for _ in range(samples))
    print(
        f"\nGET /api/workflows/{document.name} (churn pipeline, {len(document.jobs)} jobs): "
        f"median {via_http:.1f} ms over HTTP vs {via_boto3:.1f} ms for its boto3 calls "
        f"alone; ratio {via_http / via_boto3:.2f}"
    )
    server.shutdown()


if __name__ == "__main__":
    main()
