"""Run ids as users type them (latest, prefixes) and following a job's log."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from glue_workflow.errors import NotFoundError
from glue_workflow.runs.follow_logs import follow_cloudwatch, follow_file
from glue_workflow.runs.run_ids import resolve_run_id

A = "wr_" + "ab12" * 16
B = "wr_" + "ab34" * 16
C = "wr_" + "cd56" * 16


class _Glue:
    def workflow(self, name: str, target: str) -> dict[str, Any]:
        return {"Name": name, "LastRun": {"WorkflowRunId": C}}

    def runs(self, name: str, limit: int, graph: bool) -> list[dict[str, Any]]:
        return [{"WorkflowRunId": i} for i in (C, B, A)]


TARGET: Any = SimpleNamespace(workflow="wf", glue=_Glue(), settings=SimpleNamespace(target="local"))


def test_latest_and_unique_prefixes_resolve() -> None:
    assert resolve_run_id(TARGET, None) == C
    assert resolve_run_id(TARGET, "latest") == C
    assert resolve_run_id(TARGET, "cd") == C
    assert resolve_run_id(TARGET, "ab12") == A
    assert resolve_run_id(TARGET, "wr_anything") == "wr_anything"  # a full id: no lookup
    assert resolve_run_id(TARGET, "ab34a") == B
    assert resolve_run_id(TARGET, A) == A


def test_ambiguous_and_unknown_prefixes_say_what_to_do() -> None:
    with pytest.raises(NotFoundError) as caught:
        resolve_run_id(TARGET, "ab")
    assert str(caught.value) == (
        "run id prefix 'ab' matches 2 runs of workflow wf (wr_ab34ab34ab34a…, "
        "wr_ab12ab12ab12a…): give more characters"
    )
    with pytest.raises(NotFoundError) as caught:
        resolve_run_id(TARGET, "ff")
    assert str(caught.value) == (
        "no run of workflow wf on target local has an id starting with 'ff': see "
        "'glue-wf runs' (or use 'latest')"
    )


def test_follow_file_prints_what_is_appended_until_the_job_ends(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    lines = iter([b"starting\n", b"working\n", b"done\n"])
    out: list[bytes] = []

    def ended() -> bool:  # the job writes a line between polls, then ends
        line = next(lines, None)
        if line is None:
            return True
        with log.open("ab") as handle:
            handle.write(line)
        return False

    follow_file(log, ended, out.append, poll=0)
    assert b"".join(out) == b"starting\nworking\ndone\n"


def test_follow_cloudwatch_reads_output_and_error_forward_until_the_job_ends() -> None:
    """A job's failure reason and traceback are on stderr: the error group is read too."""
    logs = boto3.client("logs", region_name="us-east-1")
    stub = Stubber(logs)
    out_req = {"logGroupName": "/aws-glue/jobs/output", "logStreamName": "jr_1"}
    err_req = {"logGroupName": "/aws-glue/jobs/error", "logStreamName": "jr_1"}
    # Streams that do not exist yet (the job has not logged): CloudWatch Logs answers
    # ResourceNotFoundException "The specified log stream does not exist." (GetLogEvents,
    # CloudWatch Logs API Reference, Errors).
    for request in (out_req, err_req):
        stub.add_client_error(
            "get_log_events",
            "ResourceNotFoundException",
            "The specified log stream does not exist.",
            400,
            expected_params={**request, "startFromHead": True},
        )
    stub.add_response(
        "get_log_events",
        {
            "events": [{"timestamp": 1, "message": "one\n"}, {"timestamp": 3, "message": "two"}],
            "nextForwardToken": "f/2",
            "nextBackwardToken": "b/1",
        },
        {**out_req, "startFromHead": True},
    )
    # At the end of the stream GetLogEvents returns the token it was given.
    stub.add_response(
        "get_log_events",
        {"events": [], "nextForwardToken": "f/2", "nextBackwardToken": "b/2"},
        {**out_req, "startFromHead": True, "nextToken": "f/2"},
    )
    stub.add_response(
        "get_log_events",
        {
            "events": [{"timestamp": 2, "message": "glue-wf job failed: boom"}],
            "nextForwardToken": "e/1",
            "nextBackwardToken": "e/0",
        },
        {**err_req, "startFromHead": True},
    )
    stub.add_response(
        "get_log_events",
        {"events": [], "nextForwardToken": "e/1", "nextBackwardToken": "e/1"},
        {**err_req, "startFromHead": True, "nextToken": "e/1"},
    )
    states = iter([False, True])
    out: list[bytes] = []
    groups = ["/aws-glue/jobs/output", "/aws-glue/jobs/error"]
    with stub:
        follow_cloudwatch(logs, groups, "jr_1", lambda: next(states), out.append, poll=0)
    stub.assert_no_pending_responses()
    assert b"".join(out) == b"one\nglue-wf job failed: boom\ntwo\n"  # in time order


def test_messages_are_cut_between_words() -> None:
    from glue_workflow.runs.view import shorten_words

    text = "ModuleNotFoundError: No module named 'botocore' (exit code 1; log: /tmp/x.log)"
    assert shorten_words(text, 200) == text
    assert shorten_words(text, 40) == "ModuleNotFoundError: No module named…"
    assert shorten_words("a" * 50, 10) == "a" * 9 + "…"


def test_the_node_table_wraps_errors_when_not_a_terminal() -> None:
    import io

    from rich.console import Console

    from glue_workflow.runs.run_nodes import NodeRow
    from glue_workflow.runs.view import node_table

    reason = "glue-wf job failed: " + " ".join(f"word{i}" for i in range(18))  # > 70, < 160
    row = NodeRow(unique_id="1", name="wf-train", type="JOB", state="FAILED", error_message=reason)
    out = io.StringIO()
    Console(file=out, width=120, force_terminal=False).print(node_table([row], wrap=True))
    text = " ".join(out.getvalue().split())
    assert "…" not in text
    assert all(w in text.split() for w in [f"word{i}" for i in range(18)])


def test_the_node_table_prints_an_error_as_written_not_as_markup() -> None:
    import io

    from rich.console import Console

    from glue_workflow.runs.run_nodes import NodeRow
    from glue_workflow.runs.view import node_table

    reason = "RuntimeError: [CAST_INVALID_INPUT] value [abc] of column [bold]amount[/bold] is bad"
    row = NodeRow(unique_id="1", name="wf-[b]", type="JOB", state="FAILED", error_message=reason)
    out = io.StringIO()
    Console(file=out, width=200, force_terminal=False).print(node_table([row], wrap=True))
    words = out.getvalue().split()  # the error folds between words
    assert all(word in words for word in reason.split())
    assert "wf-[b]" in words


def test_a_folded_run_id_keeps_every_character_in_a_file() -> None:
    """Into a file or a CI log the table is never squeezed: rich drops a character where
    it squeezes a folded column (a cached node's run id lost a digit at 160 columns)."""
    import io

    from glue_workflow.runs import follow_view
    from glue_workflow.runs.run_nodes import NodeRow
    from glue_workflow.runs.view import node_table

    run_id = "wr_" + "0123456789abcdef" * 4
    rows = [
        NodeRow(
            unique_id=str(i),
            name=name,
            type="JOB",
            state="FAILED" if i else "SUCCEEDED",
            error_message="glue-wf job failed: gate min_accuracy: rejected: accuracy = 0.9573"
            if i
            else None,
        )
        for i, name in enumerate(["a-very-long-workflow-name-preprocess", "a-very-long-gate"])
    ]
    notes = {rows[0].name: f"cached (from run {run_id})"}
    out = io.StringIO()
    console = follow_view.Console(file=out, width=follow_view.FILE_WIDTH, soft_wrap=False)
    console.print(node_table(rows, notes=notes, wrap=True))
    assert run_id in "".join(out.getvalue().split())


def test_following_a_node_the_run_has_not_reached_waits_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`logs latest train --follow` right after `run`: train starts later, not never."""
    from types import SimpleNamespace

    from glue_workflow.runs import follow_logs
    from glue_workflow.runs.control import LogLocation, NodeNotStarted

    where = LogLocation(job="wf-train", job_run_id="jr_1", path=Path("/x.log"))
    answers: list[object] = [NodeNotStarted("node wf-train did not run"), where]

    def locate(*_: object) -> LogLocation:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, LogLocation)
        return answer

    monkeypatch.setattr(follow_logs, "log_location", locate)
    status = {"Status": "RUNNING"}
    target = SimpleNamespace(glue=SimpleNamespace(run=lambda *_: status), workflow="wf")
    assert follow_logs.located(target, "wr_1", "train", poll=0) == where  # type: ignore[arg-type]
    # a run that ended without reaching the node: said at once
    answers[:] = [NodeNotStarted("node wf-train did not run in run wr_1: no log")]
    status["Status"] = "COMPLETED"
    with pytest.raises(NodeNotStarted, match="did not run in run wr_1"):
        follow_logs.located(target, "wr_1", "train", poll=0)  # type: ignore[arg-type]


def test_following_a_finished_run_stamps_each_change_when_it_happened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from rungraphs import HAPPY, run_answer

    from glue_workflow.runs import control, follow_view

    run = run_answer(HAPPY)

    def follow(*_: object, on_update: Any, **__: object) -> dict[str, Any]:
        on_update(run)
        return run

    monkeypatch.setattr(control, "follow", follow)
    out = io.StringIO()
    console = follow_view.Console(file=out, width=follow_view.FILE_WIDTH, soft_wrap=False)
    target = SimpleNamespace(workflow="churn-pipeline")
    follow_view._follow_lines(target, "wr_1", None, None, console)  # type: ignore[arg-type]
    lines = [ln for ln in out.getvalue().splitlines() if "(attempt" in ln]
    # the rungraphs runs: node i started at 12:0i:00 and completed 30 s later (it said
    # the time of the command for every node of a finished run)
    assert lines[0].startswith("12:00:30 churn-pipeline-preprocess SUCCEEDED (attempt 0)")
    assert lines[1].startswith("12:01:30 churn-pipeline-train SUCCEEDED (attempt 0)")
