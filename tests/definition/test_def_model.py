"""Model behaviour that is not an error: helpers, normalisation, minimal triggers."""

from __future__ import annotations

import dataclasses

import pytest

from glue_workflow.model import (
    Condition,
    Dependency,
    Gate,
    PythonShellJob,
    Scheduled,
    Workflow,
    all_of,
    any_of,
    failed,
    on,
    resolve_triggers,
    stopped,
    succeeded,
    timed_out,
)


def job(name: str, **kw: object) -> PythonShellJob:
    return PythonShellJob(name=name, script=f"jobs/{name}.py", **kw)  # type: ignore[arg-type]


def test_dependency_helpers() -> None:
    a = job("a")
    assert succeeded(a) == Dependency(conditions=(Condition(node="a"),))
    assert succeeded("a", "b").logical == "AND"
    assert failed("a", "b").logical == "ANY"
    assert (failed("a") | timed_out("a")).conditions == (
        Condition(node="a", state="FAILED"),
        Condition(node="a", state="TIMEOUT"),
    )
    assert (succeeded("b") & succeeded("a")) == succeeded("a", "b")  # canonical order
    assert all_of(succeeded("a"), stopped("b")).logical == "AND"
    assert any_of(succeeded("a"), on("b", "TIMEOUT")).logical == "ANY"
    assert str(failed("a", "b")) == "a FAILED | b FAILED"


def test_models_are_frozen_and_keyword_only() -> None:
    a = job("a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.name = "b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        PythonShellJob("a", "jobs/a.py")  # type: ignore[misc]
    with pytest.raises(TypeError):
        a.arguments["--x"] = "1"  # type: ignore[index]


def test_lists_become_tuples_and_maps_are_sorted() -> None:
    a = job("a", reads=["y", "x"], arguments={"--b": "1", "--a": "2"})
    assert a.reads == ("y", "x")
    assert list(a.arguments) == ["--a", "--b"]


def test_same_dependency_shares_one_trigger() -> None:
    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        nodes=(
            job("a"),
            job("b", after=succeeded("a")),
            job("c", after=on("a", "SUCCEEDED")),
            job("d", after=failed("a") | failed("b")),
        ),
    )
    triggers = {t.name: t for t in resolve_triggers(workflow)}
    assert sorted(triggers) == [
        "wf-on-a-succeeded",
        "wf-on-any-a-and-1-more-" + triggers_suffix(triggers),
        "wf-start",
    ]
    assert [a.node for a in triggers["wf-on-a-succeeded"].actions] == ["b", "c"]


def triggers_suffix(triggers: dict[str, object]) -> str:
    return next(n for n in triggers if n.startswith("wf-on-any-")).rsplit("-", 1)[1]


def test_gate_properties() -> None:
    gate = Gate(name="gate", decision="min_accuracy", conditions="accuracy >= min_accuracy")
    assert gate.reads == ("accuracy", "min_accuracy")
    assert gate.writes == ("gate_min_accuracy_decision", "gate_min_accuracy_reason")
    assert gate.as_job().script == "glue_workflow/scripts/gate.py"
    assert Gate(name="my-gate", conditions=["auc > 0.5"]).decision == "my_gate"


def test_scheduled_accepts_bare_expression() -> None:
    assert Scheduled(cron="15 12 * * ? *").cron == "cron(15 12 * * ? *)"
