"""glue_workflow.testing: retries, ANY/AND joins, errors, speed, and ``glue-wf test``."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from glue_workflow.cli import cli
from glue_workflow.errors import ConfigError, RunError
from glue_workflow.model import PythonShellJob, Workflow, any_of, failed, succeeded
from glue_workflow.testing import Outcome, fails, run_scenario, succeeds, times_out
from triggers.churn_pipeline import workflow as churn

SCENARIOS = Path(__file__).parent / "test_churn_pipeline_scenarios.py"


def _wf(retries: int = 2) -> Workflow:
    a = PythonShellJob(name="a", script="jobs/a.py", max_retries=retries)
    b = PythonShellJob(name="b", script="jobs/b.py", after=succeeded(a))
    c = PythonShellJob(name="c", script="jobs/c.py", after=failed(a))
    d = PythonShellJob(name="d", script="jobs/d.py", after=any_of(succeeded(b), succeeded(c)))
    return Workflow(name="wf", nodes=(a, b, c, d))


def test_node_succeeds_after_failed_attempts_within_max_retries() -> None:
    result = run_scenario(_wf(retries=2), {"a": succeeds(after_failures=2)})
    assert result.nodes["a"].attempts == 3
    assert result.ran == ("a", "b", "d")
    result.assert_verdict("succeeded")


def test_more_failed_attempts_than_retries_ends_failed_and_takes_the_failure_branch() -> None:
    result = run_scenario(_wf(retries=1), {"a": succeeds(after_failures=5)})
    assert result.nodes["a"].attempts == 2
    assert result.ran == ("a", "c", "d")
    result.assert_states(a="FAILED", c="SUCCEEDED", d="SUCCEEDED")
    result.assert_verdict("succeeded")  # a's failure is handled by c


def test_a_failing_node_is_retried_up_to_max_retries() -> None:
    result = run_scenario(_wf(retries=2), {"a": fails("boom")})
    assert result.nodes["a"].attempts == 3


def test_a_timed_out_node_is_not_retried() -> None:
    result = run_scenario(_wf(retries=2), {"a": times_out()})
    assert result.nodes["a"].attempts == 1
    result.assert_states(a="TIMEOUT")


def test_a_job_two_triggers_start_together_fails_past_its_concurrency_as_on_glue() -> None:
    """The local engine (and Glue) start a run per trigger: the second start fails."""
    from glue_workflow.model import Action, Trigger

    a = PythonShellJob(name="a", script="jobs/a.py")
    b = PythonShellJob(name="b", script="jobs/b.py", after=succeeded(a))
    again = Trigger(name="again", when=succeeded("a"), actions=[Action(node="b")])
    result = run_scenario(Workflow(name="wf", nodes=(a, b), triggers=[again]))
    result.assert_states(a="SUCCEEDED", b="FAILED")
    result.assert_verdict("failed")
    runs = result.run["Graph"]["Nodes"]
    b_runs = next(n for n in runs if n["Name"] == "wf-b")["JobDetails"]["JobRuns"]
    assert [r["JobRunState"] for r in b_runs] == ["SUCCEEDED", "FAILED"]
    assert b_runs[1]["ErrorMessage"] == (
        "Job wf-b exceeded maximum allowed concurrent runs "
        "(ExecutionProperty.MaxConcurrentRuns = 1)"
    )


def test_writes_land_in_run_properties_and_start_properties_override_defaults() -> None:
    result = run_scenario(
        churn, {"train": succeeds({"training_job_name": "t-1"})}, properties={"num_round": "7"}
    )
    assert result.properties["training_job_name"] == "t-1"
    assert result.properties["num_round"] == "7"


def test_unknown_node_is_refused_with_a_suggestion() -> None:
    with pytest.raises(ConfigError, match=r"does not have \(did you mean 'train'\?\)"):
        run_scenario(churn, {"trian": fails()})


def test_bad_outcomes_are_refused() -> None:
    with pytest.raises(ConfigError, match="is not one of SUCCEEDED, FAILED, TIMEOUT, STOPPED"):
        Outcome(state="ERROR")
    with pytest.raises(ConfigError, match="run property values are strings"):
        succeeds({"accuracy": 0.9})  # type: ignore[dict-item]


def test_assertion_helpers_say_what_differs() -> None:
    result = run_scenario(churn, {"preprocess": fails()})
    with pytest.raises(AssertionError, match=r"missing \['train'\]"):
        result.assert_ran("preprocess", "train")
    with pytest.raises(AssertionError, match="expected verdict 'succeeded', got 'failed'"):
        result.assert_verdict("succeeded")


def test_a_scenario_runs_well_under_a_second() -> None:
    run_scenario(churn)  # warm imports
    started = time.perf_counter()
    for _ in range(10):
        run_scenario(churn, {"gate": fails()})
    assert (time.perf_counter() - started) / 10 < 0.1


def test_cli_runs_a_scenario_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    result = CliRunner().invoke(cli, ["test", str(SCENARIOS)])
    assert result.exit_code == 0, result.output
    assert "ok   test_model_rejected_by_the_gate_is_set_aside_not_deployed" in result.output
    assert "0 failed" in result.output


def test_cli_reports_failing_scenarios(tmp_path: Path) -> None:
    bad = tmp_path / "scen.py"
    bad.write_text(
        "from glue_workflow.testing import fails, run_scenario\n"
        "from triggers.churn_pipeline import workflow\n"
        "def test_wrong():\n"
        "    run_scenario(workflow, {'train': fails()}).assert_verdict('succeeded')\n"
    )
    result = CliRunner().invoke(cli, ["test", str(bad)])
    assert isinstance(result.exception, RunError)
    assert str(result.exception) == f"1 of 1 scenario test(s) failed in {bad}"
    assert "FAIL test_wrong: expected verdict 'succeeded', got 'failed'" in result.output


def test_cli_skips_tests_that_take_fixtures_and_runs_the_rest(tmp_path: Path) -> None:
    """A file mixing scenario tests with a pytest end-to-end test (a fixture)."""
    mixed = tmp_path / "test_mixed.py"
    mixed.write_text(
        "def test_plain():\n"
        "    assert 1 + 1 == 2\n"
        "def test_e2e(tmp_path):\n"
        "    raise AssertionError('never run here')\n"
    )
    result = CliRunner().invoke(cli, ["test", str(mixed)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "skip test_e2e: it takes arguments (pytest fixtures): run it with pytest"
    )
    assert result.output.splitlines()[-1] == "1 passed, 0 failed, 1 skipped (pytest fixtures)"
    # only fixture tests selected: skipped, not failed (as pytest counts a skip)
    only = CliRunner().invoke(cli, ["test", str(mixed), "-k", "e2e"])
    assert only.exit_code == 0, only.output
    assert only.output.splitlines()[-1] == "0 passed, 0 failed, 1 skipped (pytest fixtures)"
    # a -k that selects nothing at all is a mistake
    none = CliRunner().invoke(cli, ["test", str(mixed), "-k", "nothing"])
    assert isinstance(none.exception, RunError)
    assert str(none.exception) == f"{mixed} defines no test_* functions matching 'nothing'"
