"""The DAG layout: longest-path layers, barycenter order, cycles survive, empty graphs."""

from __future__ import annotations

from glue_workflow.console.graph_layout import JOB_SIZE, LAYER_HEIGHT, MARGIN, graph_view, layout


def _edges(*pairs: str) -> list[tuple[str, str]]:
    return [tuple(p.split(">")) for p in pairs]  # type: ignore[misc]


def test_longest_path_layering_puts_a_join_below_its_deepest_input():
    ids = ["a", "b", "c", "d"]
    placed = layout(ids, dict.fromkeys(ids, "JOB"), _edges("a>b", "b>c", "a>d", "c>d"))
    assert {n: p.layer for n, p in placed.items()} == {"a": 0, "b": 1, "c": 2, "d": 3}
    assert placed["d"].y == MARGIN + 3 * LAYER_HEIGHT
    # a lone node per layer is centred on the widest layer (here: every layer is 1 wide)
    assert len({p.x for p in placed.values()}) == 1


def test_siblings_follow_their_parents_order():
    ids = ["r1", "r2", "x2", "x1"]
    placed = layout(ids, dict.fromkeys(ids, "JOB"), _edges("r1>x1", "r2>x2"))
    assert placed["x1"].row == 0  # under r1, although listed after x2
    assert placed["x1"].x < placed["x2"].x


def test_a_cycle_is_drawn_without_looping():
    ids = ["a", "b", "c"]
    placed = layout(ids, dict.fromkeys(ids, "JOB"), _edges("a>b", "b>c", "c>a"))
    assert [placed[n].layer for n in ids] == [0, 1, 2]


def test_empty_graph_and_unknown_edge_ends():
    view = graph_view(
        {"Nodes": [], "Edges": [{"SourceId": "x", "DestinationId": "y"}]},
        workflow="w",
        with_runs=True,
    )
    assert view == {"nodes": [], "edges": [], "width": MARGIN, "height": MARGIN}
    single = graph_view(
        {"Nodes": [{"Type": "JOB", "Name": "w-a", "UniqueId": "1"}]}, workflow="w", with_runs=True
    )
    assert single["nodes"][0]["label"] == "a"
    assert single["nodes"][0]["state_class"] == "not-started"
    assert single["width"] == MARGIN * 2 + JOB_SIZE[0]
