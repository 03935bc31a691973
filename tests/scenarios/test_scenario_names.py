"""A scenario refuses a node or start property the workflow does not have: a typo in a
test would otherwise pass ("did not run") or run on the default."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from glue_workflow.errors import ConfigError
from glue_workflow.model import PythonShellJob, Workflow, failed, succeeded
from glue_workflow.testing import fails, run_scenario


def _wf() -> Workflow:
    dq_check = PythonShellJob(
        name="dq_check", script="jobs/dq.py", reads=("max_bad_ratio",), writes=("bad_rows",)
    )
    publish = PythonShellJob(
        name="publish", script="jobs/publish.py", after=succeeded(dq_check), reads=("bad_rows",)
    )
    alert = PythonShellJob(name="alert", script="jobs/alert.py", after=failed(dq_check))
    return Workflow(
        name="wf",
        nodes=(dq_check, publish, alert),
        default_run_properties={"max_bad_ratio": "0.05"},
        start_parameters=("batch",),
    )


def _refused(call: Callable[[], object], message: str) -> None:
    with pytest.raises(AssertionError) as caught:
        call()
    assert str(caught.value) == message


def test_assertions_refuse_an_unknown_node_naming_the_closest() -> None:
    result = run_scenario(
        _wf(), {"dq_check": fails("too many bad rows")}, properties={"batch": "1"}
    )
    result.assert_not_ran("publish")  # a node that exists and did not run: passes
    _refused(
        lambda: result.assert_not_ran("publish", "publsh"),
        "assert_not_ran names node 'publsh', which workflow 'wf' does not have "
        "(did you mean 'publish'?)",
    )
    _refused(
        lambda: result.assert_states(dq_chek="FAILED"),
        "assert_states names node 'dq_chek', which workflow 'wf' does not have "
        "(did you mean 'dq_check'?)",
    )
    _refused(
        lambda: result.assert_ran("dq_check", "alrt"),
        "assert_ran names node 'alrt', which workflow 'wf' does not have (did you mean 'alert'?)",
    )
    # `assert result.state("publsh") is None` would pass on the typo too
    _refused(
        lambda: result.state("publsh"),
        "state names node 'publsh', which workflow 'wf' does not have (did you mean 'publish'?)",
    )
    # nothing close: the workflow's nodes are listed
    _refused(
        lambda: result.assert_not_ran("zzz"),
        "assert_not_ran names node 'zzz', which workflow 'wf' does not have "
        "(its nodes: alert, dq_check, publish)",
    )
    assert result.state("publish") is None


def test_mocking_an_unknown_node_says_the_same() -> None:
    with pytest.raises(ConfigError) as caught:
        run_scenario(_wf(), {"publsh": fails()})
    assert str(caught.value) == (
        "scenario mocks node 'publsh', which workflow 'wf' does not have (did you mean 'publish'?)"
    )


def test_an_unknown_start_property_is_refused_as_run_p_refuses_it() -> None:
    with pytest.raises(ConfigError) as caught:
        run_scenario(_wf(), {}, properties={"max_bad_ratoi": "0.01"})
    assert str(caught.value) == (
        "scenario start property 'max_bad_ratoi' is not a default, start parameter or node "
        "read or write of workflow 'wf' (did you mean 'max_bad_ratio'?): no node could read "
        "it; pass the property's own name, or declare it in the definition "
        "(default_run_properties=, start_parameters= or a node's reads=)"
    )


def test_known_start_properties_are_accepted() -> None:
    """A default, a start parameter, a node's output (seeded by a test), Glue's own."""
    properties = {"max_bad_ratio": "0.01", "batch": "7", "bad_rows": "3", "aws:eventIds": "[]"}
    result = run_scenario(_wf(), {}, properties=properties)
    assert {k: result.properties[k] for k in properties} == properties
    result.assert_ran("dq_check", "publish")
