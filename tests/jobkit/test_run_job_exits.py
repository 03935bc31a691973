"""``run_job``: a sys.exit in main records its reason; a success warns of unwritten writes."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from glue_workflow.jobkit import JobContext, JobExit, JobFailed, run_job
from glue_workflow.jobkit.runner import exit_reason

WORKFLOW, RUN_ID = "wf", "wr_1"
ERROR = "glue_wf_error_score"


class FakeGlue:
    """The run's properties: GetWorkflowRunProperties / PutWorkflowRunProperties."""

    def __init__(self, props: dict[str, str] | None = None) -> None:
        self.props = dict(props or {})
        self.puts: list[dict[str, str]] = []

    def get_workflow_run_properties(self, Name: str, RunId: str) -> dict[str, Any]:
        assert (Name, RunId) == (WORKFLOW, RUN_ID)
        return {"RunProperties": dict(self.props)}

    def put_workflow_run_properties(
        self, Name: str, RunId: str, RunProperties: dict[str, str]
    ) -> dict[str, Any]:
        assert (Name, RunId) == (WORKFLOW, RUN_ID)
        self.puts.append(dict(RunProperties))
        self.props.update(RunProperties)
        return {}


@pytest.fixture
def glue(monkeypatch: pytest.MonkeyPatch) -> FakeGlue:
    """A job of node 'score' (reads a; writes out, rows) in run wr_1 of workflow wf."""
    fake = FakeGlue()
    contract = {"node": "score", "reads": ["a"], "writes": ["out", "rows"]}
    argv = ["score.py", "--JOB_NAME", "wf-score", "--WORKFLOW_NAME", WORKFLOW]
    argv += ["--WORKFLOW_RUN_ID", RUN_ID, "--glue_wf_contract", json.dumps(contract)]
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(JobContext, "client", lambda _self, _service: fake)
    return fake


def _exit_with(code: object) -> None:
    sys.exit(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (3, "glue-wf job failed: exited with code 3"),
        (True, "glue-wf job failed: exited with code 1"),
        ("dq: fatal: schema mismatch", "glue-wf job failed: dq: fatal: schema mismatch"),
        ("line one\n  line two", "glue-wf job failed: line one line two"),
        ("", "glue-wf job failed: exited with code 1"),
    ],
)
def test_a_failing_sys_exit_records_its_reason_and_exits_with_its_code(
    glue: FakeGlue, capsys: pytest.CaptureFixture[str], code: object, reason: str
) -> None:
    """sys.exit is a BaseException: it went past run_job and "no reason recorded"."""
    with pytest.raises(SystemExit) as caught:
        run_job(lambda: _exit_with(code))
    assert caught.value.code == code  # the same exit, re-raised
    assert not isinstance(caught.value, JobExit)
    assert glue.puts == [{ERROR: reason}]
    # a number is printed too; Python prints a message code itself on exit
    assert capsys.readouterr().err == (f"{reason}\n" if isinstance(code, int) else "")


@pytest.mark.parametrize("code", [0, None, False])
def test_a_successful_sys_exit_takes_the_success_path_then_exits(
    glue: FakeGlue, capsys: pytest.CaptureFixture[str], code: object
) -> None:
    glue.props.update({ERROR: "glue-wf job failed: an earlier attempt", "out": "s3://x"})

    def main() -> None:
        JobContext.from_argv().put(rows=7)
        sys.exit(code)

    with pytest.raises(SystemExit) as caught:
        run_job(main)
    assert caught.value.code == code
    # clear_failure ran: the earlier attempt's reason is emptied, nothing recorded
    assert glue.puts == [{"rows": "7"}, {ERROR: ""}]
    assert capsys.readouterr().err == ""  # every declared write is there: no warning


def test_a_stops_sigterm_turned_into_an_exit_records_no_failure(glue: FakeGlue) -> None:
    # preprocess turns a stop's SIGTERM into SystemExit(143) to clean up: the node is
    # STOPPED, it did not fail ("glue-wf job failed: exited with code 143" was recorded)
    with pytest.raises(SystemExit) as caught:
        run_job(lambda: _exit_with(143))
    assert caught.value.code == 143
    assert glue.puts == []


def test_a_nested_run_jobs_reason_is_not_overwritten(glue: FakeGlue) -> None:
    def inner() -> None:
        raise JobFailed("rejected")

    with pytest.raises(JobExit):
        run_job(lambda: run_job(inner))
    assert glue.puts == [{ERROR: "glue-wf job failed: rejected"}]


def test_exit_reason() -> None:
    assert exit_reason(2) == "exited with code 2"
    assert exit_reason("boom ") == "boom"
    assert exit_reason(["x"]) == "['x']"  # Python prints str(code) and exits 1


def test_a_success_without_a_declared_write_warns_naming_node_and_properties(
    glue: FakeGlue, capsys: pytest.CaptureFixture[str]
) -> None:
    """Downstream nodes failed on the missing property and took the blame; a warning,
    not a failure: a shipped job (deploy) skips declared writes on paths that succeed."""
    run_job(lambda: JobContext.from_argv().put(out="s3://x"))
    assert capsys.readouterr().err == (
        "glue-wf warning: node 'score' succeeded without writing run property 'rows', "
        "declared in its writes=: a node that reads it fails on its absence; write it with "
        "ctx.put(...) on every path that succeeds, or drop it from writes= of node 'score' "
        "in the workflow definition\n"
    )
    assert glue.puts == [{"out": "s3://x"}]  # the job still succeeded: nothing recorded


def test_the_warning_names_every_missing_write(
    glue: FakeGlue, capsys: pytest.CaptureFixture[str]
) -> None:
    run_job(lambda: None)
    err = capsys.readouterr().err
    assert err.startswith(
        "glue-wf warning: node 'score' succeeded without writing run properties 'out', "
        "'rows', declared in its writes=: a node that reads them fails on their absence; "
        "write them with ctx.put(...) on every path that succeeds, or drop them from "
        "writes= of node 'score'"
    )


def test_a_write_by_any_means_counts_and_a_failure_is_not_checked(
    glue: FakeGlue, capsys: pytest.CaptureFixture[str]
) -> None:
    # an empty value is written (deploy writes deployed_endpoint=""); a Spark job puts
    # its properties with its own client, not through JobContext
    glue.props.update({"out": "", "rows": "0"})
    run_job(lambda: None)
    assert capsys.readouterr().err == ""
    glue.props.clear()
    with pytest.raises(JobExit):
        run_job(lambda: (_ for _ in ()).throw(JobFailed("no rows")))
    assert capsys.readouterr().err == "glue-wf job failed: no rows\n"


def test_without_a_contract_nothing_is_checked(
    glue: FakeGlue, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", sys.argv[:-2])  # no --glue_wf_contract
    run_job(lambda: None)
    assert capsys.readouterr().err == ""
