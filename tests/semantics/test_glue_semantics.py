"""Glue workflow semantics on the local engine (see shared reference glue-semantics.md)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from glue_harness import Harness, job_runs, node_id, states

from glue_workflow.local.store import LocalHome

pytestmark = pytest.mark.semantics


def error_code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


# -- starting, success, failure ----------------------------------------------------


def test_single_job_run_completes_with_statistics(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "ok"))
    run = wf.wait(w, wf.run(w))
    assert run["Status"] == "COMPLETED"
    assert states(run) == {"a": "SUCCEEDED"}
    assert run["Statistics"]["TotalActions"] == 1
    assert run["Statistics"]["SucceededActions"] == 1
    assert run["CompletedOn"] >= run["StartedOn"]
    assert run["WorkflowRunId"].startswith("wr_")
    assert job_runs(run, "a")[0]["Id"].startswith("jr_")
    assert job_runs(run, "a")[0]["TriggerName"] == "w-start"


def test_failed_job_still_completes_the_run(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "fail"))
    run = wf.wait(w, wf.run(w))
    assert run["Status"] == "COMPLETED"  # COMPLETED is not success
    failed = job_runs(run, "a")[0]
    assert failed["JobRunState"] == "FAILED"
    assert failed["ErrorMessage"].startswith("ValueError: boom (exit code 1; log: ")
    assert run["Statistics"]["FailedActions"] == 1


def test_succeeded_chain(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "ok"))
    wf.on(w, "t1", [("a", "SUCCEEDED")], wf.job("b", "ok"))
    wf.on(w, "t2", [("b", "SUCCEEDED")], wf.job("c", "ok"))
    run = wf.wait(w, wf.run(w))
    assert states(run) == {"a": "SUCCEEDED", "b": "SUCCEEDED", "c": "SUCCEEDED"}
    a, b = job_runs(run, "a")[0], job_runs(run, "b")[0]
    assert b["StartedOn"] >= a["CompletedOn"]
    assert b["TriggerName"] == "t1"


def test_failed_branch_runs_and_succeeded_branch_does_not(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "fail"))
    wf.on(w, "on-ok", [("a", "SUCCEEDED")], wf.job("next", "ok"))
    wf.on(w, "on-fail", [("a", "FAILED")], wf.job("handle", "ok"))
    run = wf.wait(w, wf.run(w))
    assert states(run) == {"a": "FAILED", "next": None, "handle": "SUCCEEDED"}


def test_start_workflow_run_of_unknown_workflow(wf: Harness) -> None:
    with pytest.raises(ClientError) as info:
        wf.glue.start_workflow_run(Name="missing")
    assert error_code(info) == "EntityNotFoundException"
    assert "Workflow missing not found" in str(info.value)


def test_start_trigger_on_demand_starts_a_run_and_stays_created(wf: Harness) -> None:
    w = wf.workflow("w")
    trigger = wf.start(w, wf.job("a", "ok"))
    wf.glue.start_trigger(Name=trigger)
    runs = wf.glue.get_workflow_runs(Name=w)["Runs"]
    assert len(runs) == 1
    wf.wait(w, runs[0]["WorkflowRunId"])
    assert wf.glue.get_trigger(Name=trigger)["Trigger"]["State"] == "CREATED"


# -- fan-in: AND / ANY -------------------------------------------------------------


def test_and_fan_in_fires_when_all_hold(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "ok"), wf.job("b", "ok"))
    wf.on(w, "join", [("a", "SUCCEEDED"), ("b", "SUCCEEDED")], wf.job("c", "ok"))
    run = wf.wait(w, wf.run(w))
    assert states(run)["c"] == "SUCCEEDED"
    c = job_runs(run, "c")[0]
    assert c["StartedOn"] >= max(job_runs(run, j)[0]["CompletedOn"] for j in ("a", "b"))


def test_and_fan_in_with_mixed_outcomes_never_fires(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "ok"), wf.job("b", "fail"))
    wf.on(w, "join", [("a", "SUCCEEDED"), ("b", "SUCCEEDED")], wf.job("c", "ok"))
    run = wf.wait(w, wf.run(w))
    assert states(run) == {"a": "SUCCEEDED", "b": "FAILED", "c": None}


def test_and_over_different_states_fires_on_exact_mix(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "ok"), wf.job("b", "fail"))
    wf.on(w, "mix", [("a", "SUCCEEDED"), ("b", "FAILED")], wf.job("c", "ok"))
    run = wf.wait(w, wf.run(w))
    assert states(run)["c"] == "SUCCEEDED"


def test_any_fan_in_with_mixed_outcomes_fires(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "fail"), wf.job("b", "ok"))
    wf.on(w, "any", [("a", "SUCCEEDED"), ("b", "SUCCEEDED")], wf.job("c", "ok"), logical="ANY")
    run = wf.wait(w, wf.run(w))
    assert states(run) == {"a": "FAILED", "b": "SUCCEEDED", "c": "SUCCEEDED"}


def test_any_fires_at_most_once_per_run(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "ok"), wf.job("b", "sleep"), Arguments={"--seconds": "0.3"})
    wf.on(w, "any", [("a", "SUCCEEDED"), ("b", "SUCCEEDED")], wf.job("c", "ok"), logical="ANY")
    run = wf.wait(w, wf.run(w))
    assert states(run) == {"a": "SUCCEEDED", "b": "SUCCEEDED", "c": "SUCCEEDED"}
    assert len(job_runs(run, "c")) == 1


def test_any_fires_without_waiting_for_the_slow_branch(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.job("slow", "sleep", DefaultArguments={"--seconds": "1.5"})
    wf.start(w, wf.job("fast", "ok"), "slow")
    wf.on(
        w, "any", [("fast", "SUCCEEDED"), ("slow", "SUCCEEDED")], wf.job("c", "ok"), logical="ANY"
    )
    run = wf.wait(w, wf.run(w))
    assert job_runs(run, "c")[0]["StartedOn"] < job_runs(run, "slow")[0]["CompletedOn"]


def test_parallel_branches_run_in_parallel(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.job("b", "sleep", DefaultArguments={"--seconds": "0.8"})
    wf.job("c", "sleep", DefaultArguments={"--seconds": "0.8"})
    wf.start(w, wf.job("a", "ok"))
    wf.on(w, "fan-out", [("a", "SUCCEEDED")], "b", "c")
    run = wf.wait(w, wf.run(w))
    b, c = job_runs(run, "b")[0], job_runs(run, "c")[0]
    assert b["StartedOn"] < c["CompletedOn"]
    assert c["StartedOn"] < b["CompletedOn"]


# -- triggers that never fire ------------------------------------------------------


def test_trigger_not_activated_never_fires(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "ok"))
    wf.on(w, "idle", [("a", "SUCCEEDED")], wf.job("b", "ok"), activate=False)
    run = wf.wait(w, wf.run(w))
    assert states(run) == {"a": "SUCCEEDED", "b": None}
    assert wf.glue.get_trigger(Name="idle")["Trigger"]["State"] == "CREATED"


def test_trigger_on_a_state_that_never_happens(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "ok"))
    wf.on(w, "on-stop", [("a", "STOPPED")], wf.job("b", "ok"))
    wf.on(w, "on-timeout", [("a", "TIMEOUT")], wf.job("c", "ok"))
    run = wf.wait(w, wf.run(w))
    assert states(run) == {"a": "SUCCEEDED", "b": None, "c": None}
    assert run["Statistics"]["TotalActions"] == 1


def test_deactivated_trigger_never_fires(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "ok"))
    wf.on(w, "t", [("a", "SUCCEEDED")], wf.job("b", "ok"))
    wf.glue.stop_trigger(Name="t")
    run = wf.wait(w, wf.run(w))
    assert states(run)["b"] is None
    wf.glue.start_trigger(Name="t")
    assert states(wf.wait(w, wf.run(w)))["b"] == "SUCCEEDED"


# -- timeouts and retries ----------------------------------------------------------


def test_action_timeout_gives_timeout_and_fires_timeout_branch(wf: Harness) -> None:
    w = wf.workflow("w")
    # retries restart FAILED attempts only: "Jobs that reach the timeout limit are not
    # restarted" (Glue's job properties, "Number of retries")
    wf.start(w, wf.job("slow", "sleep", MaxRetries=2), Timeout=1)
    wf.on(w, "on-timeout", [("slow", "TIMEOUT")], wf.job("alert", "ok"))
    run = wf.wait(w, wf.run(w))
    assert len(job_runs(run, "slow")) == 1
    slow = job_runs(run, "slow")[0]
    assert slow["JobRunState"] == "TIMEOUT"
    assert slow["ErrorMessage"] == "Job run timed out after 1 minute(s) (Timeout)"
    assert slow["Timeout"] == 1
    assert states(run)["alert"] == "SUCCEEDED"
    assert run["Statistics"]["TimeoutActions"] == 1


def test_job_timeout_applies_and_action_timeout_overrides_it(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.job("short", "sleep", Timeout=1)
    wf.job("overridden", "sleep", Timeout=1, DefaultArguments={"--seconds": "0.6"})
    wf.start(w, "short")
    wf.on(w, "next", [("short", "TIMEOUT")], "overridden", Timeout=5)
    run = wf.wait(w, wf.run(w))
    assert states(run) == {"short": "TIMEOUT", "overridden": "SUCCEEDED"}
    assert job_runs(run, "overridden")[0]["Timeout"] == 5


def test_timeout_kills_the_whole_process_tree(wf: Harness, tmp_path: Path) -> None:
    marker = tmp_path / "child-survived"
    child = wf.scripts / "child.py"
    child.write_text(f"import time\ntime.sleep(1.2)\nopen({str(marker)!r}, 'w').close()\n")
    (wf.scripts / "tree.py").write_text(
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, {str(child)!r}])\n"
        "time.sleep(30)\n"
    )
    w = wf.workflow("w")
    wf.start(w, wf.job("tree", "tree"), Timeout=1)
    run = wf.wait(w, wf.run(w))
    assert states(run)["tree"] == "TIMEOUT"
    time.sleep(1.0)
    assert not marker.exists()


@pytest.mark.parametrize("ending", ["timeout", "success"])
def test_a_process_that_left_the_jobs_session_dies_with_the_job_run(
    wf: Harness, tmp_path: Path, ending: str
) -> None:
    """On Glue nothing outlives a job run (its container goes with it): a daemon the job
    started in a session of its own (setsid) is killed as the run ends, whatever ends it."""
    pid_file = tmp_path / "daemon.pid"
    (wf.scripts / "daemon.py").write_text("import time\ntime.sleep(120)\n")
    (wf.scripts / "escaper.py").write_text(
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen([sys.executable, {str(wf.scripts / 'daemon.py')!r}], "
        "start_new_session=True)\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
        + ("time.sleep(30)\n" if ending == "timeout" else "")
    )
    w = wf.workflow("w")
    if ending == "timeout":
        wf.start(w, wf.job("escaper", "escaper"), Timeout=1)
    else:
        wf.start(w, wf.job("escaper", "escaper"))
    run = wf.wait(w, wf.run(w))
    assert states(run)["escaper"] == ("TIMEOUT" if ending == "timeout" else "SUCCEEDED")
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        if state == "Z":
            break
        time.sleep(0.05)
    else:
        assert not Path(f"/proc/{pid}").exists(), "the daemon outlived its job run"


def test_retries_make_attempts_and_triggers_see_only_the_last(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "fail", MaxRetries=2))
    wf.on(w, "on-fail", [("a", "FAILED")], wf.job("handle", "ok"))
    run = wf.wait(w, wf.run(w))
    attempts = job_runs(run, "a")
    assert [r["Attempt"] for r in attempts] == [0, 1, 2]
    assert all(r["JobRunState"] == "FAILED" for r in attempts)
    assert attempts[1]["PreviousRunId"] == attempts[0]["Id"]
    assert attempts[2]["PreviousRunId"] == attempts[1]["Id"]
    assert attempts[1]["Id"] == f"{attempts[0]['Id']}_attempt_1"
    handle = job_runs(run, "handle")
    assert len(handle) == 1
    assert handle[0]["StartedOn"] >= attempts[2]["CompletedOn"]
    assert run["Statistics"]["FailedActions"] == 1  # one node, counted once


def test_retry_that_succeeds_fires_the_success_branch_only(wf: Harness, tmp_path: Path) -> None:
    w = wf.workflow("w")
    wf.job("a", "flaky", MaxRetries=1, DefaultArguments={"--flag": str(tmp_path / "flag")})
    wf.start(w, "a")
    wf.on(w, "on-fail", [("a", "FAILED")], wf.job("handle", "ok"))
    wf.on(w, "on-ok", [("a", "SUCCEEDED")], wf.job("next", "ok"))
    run = wf.wait(w, wf.run(w))
    assert [r["JobRunState"] for r in job_runs(run, "a")] == ["FAILED", "SUCCEEDED"]
    assert states(run) == {"a": "SUCCEEDED", "handle": None, "next": "SUCCEEDED"}


# -- stop --------------------------------------------------------------------------


def test_stop_mid_run_kills_running_jobs_and_starts_nothing_more(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("slow", "sleep"))
    wf.on(w, "after-stop", [("slow", "STOPPED")], wf.job("b", "ok"))
    wf.on(w, "after-ok", [("slow", "SUCCEEDED")], wf.job("c", "ok"))
    run_id = wf.run(w)
    wf.wait_state(w, run_id, "slow", "RUNNING")
    wf.glue.stop_workflow_run(Name=w, RunId=run_id)
    assert wf.get(w, run_id)["Status"] in ("STOPPING", "STOPPED")
    run = wf.wait(w, run_id)
    assert run["Status"] == "STOPPED"
    assert states(run) == {"slow": "STOPPED", "b": None, "c": None}
    assert run["Statistics"]["StoppedActions"] == 1


def test_stop_right_after_start_stops_cleanly(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("slow", "sleep"))
    run_id = wf.run(w)
    wf.glue.stop_workflow_run(Name=w, RunId=run_id)  # the executor may still be starting
    run = wf.wait(w, run_id)
    assert run["Status"] == "STOPPED"
    assert "ErrorMessage" not in run
    assert states(run)["slow"] in (None, "STOPPED")


def test_stop_of_a_finished_run_is_illegal(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "ok"))
    run_id = wf.run(w)
    wf.wait(w, run_id)
    with pytest.raises(ClientError) as info:
        wf.glue.stop_workflow_run(Name=w, RunId=run_id)
    assert error_code(info) == "IllegalWorkflowStateException"
    assert "only a RUNNING run can be stopped" in str(info.value)


def test_batch_stop_job_run_stops_one_node_and_fires_stopped_branch(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("slow", "sleep"))
    wf.on(w, "on-stop", [("slow", "STOPPED")], wf.job("b", "ok"))
    run_id = wf.run(w)
    slow = wf.wait_state(w, run_id, "slow", "RUNNING")
    result = wf.glue.batch_stop_job_run(JobName="slow", JobRunIds=[slow["Id"], "jr_missing"])
    assert result["SuccessfulSubmissions"] == [{"JobName": "slow", "JobRunId": slow["Id"]}]
    assert result["Errors"][0]["JobRunId"] == "jr_missing"
    run = wf.wait(w, run_id)
    assert run["Status"] == "COMPLETED"
    assert states(run) == {"slow": "STOPPED", "b": "SUCCEEDED"}


# -- resume ------------------------------------------------------------------------


def test_resume_after_failure_reruns_node_and_downstream(wf: Harness, tmp_path: Path) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "ok"))
    wf.job("b", "flaky", DefaultArguments={"--flag": str(tmp_path / "flag")})
    wf.on(w, "t1", [("a", "SUCCEEDED")], "b")
    wf.on(w, "t2", [("b", "SUCCEEDED")], wf.job("c", "ok"))
    first_id = wf.run(w)
    first = wf.wait(w, first_id)
    assert states(first) == {"a": "SUCCEEDED", "b": "FAILED", "c": None}
    resumed = wf.glue.resume_workflow_run(Name=w, RunId=first_id, NodeIds=[node_id(first, "b")])
    assert sorted(resumed["NodeIds"]) == sorted([node_id(first, "b"), node_id(first, "c")])
    second = wf.wait(w, resumed["RunId"])
    assert resumed["RunId"] != first_id
    assert second["PreviousRunId"] == first_id
    assert states(second) == {"a": "SUCCEEDED", "b": "SUCCEEDED", "c": "SUCCEEDED"}
    # the node that did not rerun is copied over: the same job run
    assert job_runs(second, "a")[0]["Id"] == job_runs(first, "a")[0]["Id"]
    assert job_runs(second, "b")[0]["Id"] != job_runs(first, "b")[0]["Id"]
    assert "PreviousRunId" not in first


def test_resume_drops_a_selected_node_downstream_of_another(wf: Harness) -> None:
    # glue-semantics.md §8: started with its upstream, the failure branch ran twice
    w = wf.workflow("w")
    wf.start(w, wf.job("x", "fail"))
    wf.on(w, "on-x-failed", [("x", "FAILED")], wf.job("alert", "fail"))
    first_id = wf.run(w)
    first = wf.wait(w, first_id)
    assert states(first) == {"x": "FAILED", "alert": "FAILED"}
    both = [node_id(first, "x"), node_id(first, "alert")]
    resumed = wf.glue.resume_workflow_run(Name=w, RunId=first_id, NodeIds=both)
    assert sorted(resumed["NodeIds"]) == sorted(both)
    second = wf.wait(w, resumed["RunId"])
    assert len(job_runs(second, "alert")) == 1  # once, after x failed again
    assert job_runs(second, "alert")[0]["TriggerName"] == "on-x-failed"
    assert job_runs(second, "alert")[0]["StartedOn"] >= job_runs(second, "x")[0]["CompletedOn"]


def test_resume_keeps_run_properties_and_original_trigger_graph(wf: Harness) -> None:
    w = wf.workflow("w", DefaultRunProperties={"k": "default"})
    wf.start(w, wf.job("a", "fail"))
    first_id = wf.run(w, RunProperties={"k": "started"})
    first = wf.wait(w, first_id)
    wf.glue.delete_trigger(Name="w-start")
    resumed = wf.glue.resume_workflow_run(Name=w, RunId=first_id, NodeIds=[node_id(first, "a")])
    second = wf.wait(w, resumed["RunId"])
    assert second["WorkflowRunProperties"] == {"k": "started"}
    assert job_runs(second, "a")[0]["TriggerName"] == "w-start"


def test_resume_errors(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("slow", "sleep"))
    run_id = wf.run(w)
    running = wf.get(w, run_id)
    with pytest.raises(ClientError) as info:
        wf.glue.resume_workflow_run(Name=w, RunId=run_id, NodeIds=[node_id(running, "slow")])
    assert error_code(info) == "IllegalWorkflowStateException"
    wf.glue.stop_workflow_run(Name=w, RunId=run_id)
    wf.wait(w, run_id)
    stopped = wf.get(w, run_id)
    with pytest.raises(ClientError) as info:  # as on AWS, a stopped run is not resumable
        wf.glue.resume_workflow_run(Name=w, RunId=run_id, NodeIds=[node_id(stopped, "slow")])
    assert error_code(info) == "IllegalWorkflowStateException"
    assert "only a COMPLETED run can be resumed" in str(info.value)
    done = wf.workflow("done")
    wf.start(done, wf.job("quick", "ok"))
    done_run = wf.run(done)
    wf.wait(done, done_run)
    with pytest.raises(ClientError) as info:
        wf.glue.resume_workflow_run(Name=done, RunId=done_run, NodeIds=["wnode_nope"])
    assert error_code(info) == "InvalidInputException"
    assert "are not job nodes of workflow run" in str(info.value)


# -- concurrency -------------------------------------------------------------------


def test_workflow_max_concurrent_runs(wf: Harness) -> None:
    w = wf.workflow("w", MaxConcurrentRuns=1)
    wf.start(w, wf.job("slow", "sleep", DefaultArguments={"--seconds": "0.5"}))
    first = wf.run(w)
    with pytest.raises(ClientError) as info:
        wf.run(w)
    assert error_code(info) == "ConcurrentRunsExceededException"
    assert "Concurrent runs exceeded for workflow: w" in str(info.value)
    wf.wait(w, first)
    wf.wait(w, wf.run(w))  # room again once the first run ended


def test_job_max_concurrent_runs_fails_the_extra_job_run(wf: Harness) -> None:
    w = wf.workflow("w", MaxConcurrentRuns=2)
    wf.start(w, wf.job("slow", "sleep", DefaultArguments={"--seconds": "1"}))
    wf.on(w, "on-fail", [("slow", "FAILED")], wf.job("handle", "ok"))
    first = wf.run(w)
    wf.wait_state(w, first, "slow", "RUNNING")
    second = wf.wait(w, wf.run(w))
    extra = job_runs(second, "slow")[0]
    assert extra["JobRunState"] == "FAILED"
    assert "exceeded maximum allowed concurrent runs" in extra["ErrorMessage"]
    assert states(second)["handle"] == "SUCCEEDED"
    assert states(wf.wait(w, first))["slow"] == "SUCCEEDED"


# -- run properties and arguments --------------------------------------------------


def test_run_properties_flow_between_jobs(wf: Harness) -> None:
    w = wf.workflow("w", DefaultRunProperties={"threshold": "0.9", "keep": "x"})
    wf.start(w, wf.job("producer", "put"), Arguments={"--key": "model", "--value": "m-1"})
    wf.on(
        w,
        "t",
        [("producer", "SUCCEEDED")],
        wf.job("consumer", "expect"),
        Arguments={"--key": "model", "--value": "m-1"},
    )
    run_id = wf.run(w, RunProperties={"threshold": "0.8"})
    run = wf.wait(w, run_id)
    assert states(run) == {"producer": "SUCCEEDED", "consumer": "SUCCEEDED"}
    props = wf.glue.get_workflow_run_properties(Name=w, RunId=run_id)["RunProperties"]
    assert props == {"threshold": "0.8", "keep": "x", "model": "m-1"}
    # defaults are untouched by a run's puts
    assert wf.glue.get_workflow(Name=w)["Workflow"]["DefaultRunProperties"] == {
        "threshold": "0.9",
        "keep": "x",
    }


def test_consumer_fails_when_property_missing(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("consumer", "expect"), Arguments={"--key": "model", "--value": "m-1"})
    run = wf.wait(w, wf.run(w))
    consumer = job_runs(run, "consumer")[0]
    assert consumer["JobRunState"] == "FAILED"
    assert consumer["ErrorMessage"].startswith("property model is None")


def test_job_arguments_precedence_and_glue_arguments(wf: Harness, tmp_path: Path) -> None:
    out_shell, out_etl = tmp_path / "shell.json", tmp_path / "etl.json"
    w = wf.workflow("w")
    wf.job(
        "shell",
        "args",
        DefaultArguments={"--a": "default", "--b": "default", "--out": str(out_shell)},
        NonOverridableArguments={"--c": "fixed"},
    )
    wf.job("etl", "args", command="glueetl", DefaultArguments={"--out": str(out_etl)})
    wf.start(w, "shell", "etl", Arguments={"--b": "action", "--c": "action", "--d": "new"})
    run_id = wf.run(w)
    run = wf.wait(w, run_id)
    assert states(run) == {"shell": "SUCCEEDED", "etl": "SUCCEEDED"}
    shell = json.loads(out_shell.read_text())
    args = dict(zip(shell[::2], shell[1::2], strict=True))
    assert args["--a"] == "default"
    assert args["--b"] == "action"
    assert args["--c"] == "fixed"
    assert args["--d"] == "new"
    assert args["--JOB_NAME"] == "shell"
    assert args["--WORKFLOW_NAME"] == "w"
    assert args["--WORKFLOW_RUN_ID"] == run_id
    assert "--JOB_RUN_ID" not in args  # Python shell jobs do not get it
    etl = json.loads(out_etl.read_text())
    etl_args = dict(zip(etl[::2], etl[1::2], strict=True))
    assert etl_args["--JOB_RUN_ID"] == job_runs(run, "etl")[0]["Id"]
    assert etl_args["--JOB_ID"].startswith("j_")
    # GetJobRun: only what the run was started with (the action's Arguments and the
    # workflow's two), not the job's defaults nor the run's own Glue arguments
    started_with = {
        "--b": "action",
        "--c": "action",
        "--d": "new",
        "--WORKFLOW_NAME": "w",
        "--WORKFLOW_RUN_ID": run_id,
    }
    for job in ("shell", "etl"):
        job_run = job_runs(run, job)[0]
        assert job_run["Arguments"] == started_with
        got = wf.glue.get_job_run(JobName=job, RunId=job_run["Id"])["JobRun"]
        assert got["Arguments"] == started_with


# -- snapshot: triggers frozen at run start, job definitions live -----------------


def test_trigger_edit_during_a_run_applies_to_the_next_run(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("slow", "sleep", DefaultArguments={"--seconds": "0.6"}))
    wf.on(w, "t", [("slow", "SUCCEEDED")], wf.job("b", "ok"))
    wf.job("c", "ok")
    run_id = wf.run(w)
    wf.wait_state(w, run_id, "slow", "RUNNING")
    wf.glue.update_trigger(
        Name="t",
        TriggerUpdate={
            "Actions": [{"JobName": "c"}],
            "Predicate": {
                "Logical": "AND",
                "Conditions": [
                    {"LogicalOperator": "EQUALS", "JobName": "slow", "State": "SUCCEEDED"}
                ],
            },
        },
    )
    first = wf.wait(w, run_id)
    assert states(first) == {"slow": "SUCCEEDED", "b": "SUCCEEDED"}  # the snapshot
    second = wf.wait(w, wf.run(w))
    assert states(second) == {"slow": "SUCCEEDED", "c": "SUCCEEDED"}
    assert {
        n["Name"]
        for n in wf.glue.get_workflow(Name=w, IncludeGraph=True)["Workflow"]["Graph"]["Nodes"]
    } == {"w-start", "t", "slow", "c"}


def test_job_definition_edit_during_a_run_applies_to_the_current_run(
    wf: Harness, tmp_path: Path
) -> None:
    out = tmp_path / "b.json"
    w = wf.workflow("w")
    wf.start(w, wf.job("slow", "sleep", DefaultArguments={"--seconds": "0.6"}))
    wf.job("b", "args", DefaultArguments={"--out": str(out), "--v": "old"})
    wf.on(w, "t", [("slow", "SUCCEEDED")], "b")
    run_id = wf.run(w)
    wf.wait_state(w, run_id, "slow", "RUNNING")
    job = wf.glue.get_job(JobName="b")["Job"]
    wf.glue.update_job(
        JobName="b",
        JobUpdate={
            "Role": job["Role"],
            "Command": job["Command"],
            "DefaultArguments": {"--out": str(out), "--v": "new"},
        },
    )
    wf.wait(w, run_id)
    argv = json.loads(out.read_text())
    assert argv[argv.index("--v") + 1] == "new"


def test_job_deleted_during_a_run_ends_in_error(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("slow", "sleep", DefaultArguments={"--seconds": "0.5"}))
    wf.on(w, "t", [("slow", "SUCCEEDED")], wf.job("gone", "ok"))
    run_id = wf.run(w)
    wf.wait_state(w, run_id, "slow", "RUNNING")
    wf.glue.delete_job(JobName="gone")
    run = wf.wait(w, run_id)
    gone = job_runs(run, "gone")[0]
    assert gone["JobRunState"] == "ERROR"
    assert gone["ErrorMessage"].startswith("Job gone not found")
    assert run["Statistics"]["ErroredActions"] == 1


# -- executor death ----------------------------------------------------------------


def test_nothing_starts_after_a_stop_whose_signal_has_not_arrived(wf: Harness) -> None:
    """The run's row says STOPPING before the executor is signalled (or the signal is
    lost): a job that ends in between must fire no trigger (a late stop let register and
    deploy run and the run end STOPPED with every node SUCCEEDED)."""
    (wf.scripts / "stop_then_exit.py").write_text(
        "import sqlite3, sys\n"
        "a = dict(zip(sys.argv[1::2], sys.argv[2::2]))\n"
        "conn = sqlite3.connect(a['--db'])\n"
        "conn.execute(\"UPDATE glue_runs SET status = 'STOPPING' WHERE run_id = ?\", "
        "(a['--WORKFLOW_RUN_ID'],))\n"
        "conn.commit()\n"
    )
    w = wf.workflow("w")
    db = str(wf.home / "state.db")
    wf.start(w, wf.job("a", "stop_then_exit", DefaultArguments={"--db": db}))
    wf.on(w, "t", [("a", "SUCCEEDED")], wf.job("b", "ok"))
    run = wf.wait(w, wf.run(w))
    assert run["Status"] == "STOPPED"
    assert job_runs(run, "a")[-1]["JobRunState"] == "SUCCEEDED"  # it ended on its own
    assert job_runs(run, "b") == []


def test_kill_9_of_the_executor_fails_unfinished_nodes_and_allows_resume(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("slow", "sleep"))
    wf.on(w, "t", [("slow", "SUCCEEDED")], wf.job("b", "ok"))
    run_id = wf.run(w)
    slow = wf.wait_state(w, run_id, "slow", "RUNNING")
    # a job that outlives its executor may still record a step-cache entry: it must not
    # serve a later run, since history says the node FAILED (another run's entry stays)
    cache = LocalHome(wf.home).s3_root / "bkt" / "glue-wf" / w / "cache" / "slow"
    cache.mkdir(parents=True)
    (cache / "k1.json").write_text(json.dumps({"job_run_id": slow["Id"], "run_id": run_id}))
    (cache / "k2.json").write_text(json.dumps({"job_run_id": "jr_other", "run_id": "wr_x"}))
    os.kill(wf.executor_pid(run_id), signal.SIGKILL)
    time.sleep(0.2)
    run = wf.get(w, run_id)
    assert sorted(p.name for p in cache.iterdir()) == ["k2.json"]
    assert run["Status"] == "COMPLETED"
    assert "ended unexpectedly" in run["ErrorMessage"]
    failed = job_runs(run, "slow")[0]
    assert failed["Id"] == slow["Id"]
    assert failed["JobRunState"] == "FAILED"
    assert "resume the run" in failed["ErrorMessage"]
    job = wf.glue.get_job(JobName="slow")["Job"]
    wf.glue.update_job(
        JobName="slow",
        JobUpdate={
            "Role": job["Role"],
            "Command": job["Command"],
            "DefaultArguments": {"--seconds": "0"},
        },
    )
    resumed = wf.glue.resume_workflow_run(Name=w, RunId=run_id, NodeIds=[node_id(run, "slow")])
    assert states(wf.wait(w, resumed["RunId"])) == {"slow": "SUCCEEDED", "b": "SUCCEEDED"}


# -- graph -------------------------------------------------------------------------


def test_run_graph_nodes_edges_and_unreached_nodes(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "ok"))
    wf.on(w, "t", [("a", "FAILED")], wf.job("b", "ok"))
    run = wf.wait(w, wf.run(w))
    nodes = {n["Name"]: n for n in run["Graph"]["Nodes"]}
    assert {n["Type"] for n in nodes.values()} == {"JOB", "TRIGGER"}
    assert "JobDetails" not in nodes["b"]  # never reached
    assert (
        nodes["t"]["TriggerDetails"]["Trigger"]["Predicate"]["Conditions"][0]["State"] == "FAILED"
    )
    edges = {(e["SourceId"], e["DestinationId"]) for e in run["Graph"]["Edges"]}
    ids = {name: n["UniqueId"] for name, n in nodes.items()}
    assert edges == {(ids["w-start"], ids["a"]), (ids["a"], ids["t"]), (ids["t"], ids["b"])}
    workflow = wf.glue.get_workflow(Name=w, IncludeGraph=True)["Workflow"]
    assert workflow["LastRun"]["WorkflowRunId"] == run["WorkflowRunId"]
    assert {n["UniqueId"] for n in workflow["Graph"]["Nodes"]} == set(ids.values())


def test_workflow_runs_are_listed_newest_first(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "ok"))
    first = wf.run(w)
    wf.wait(w, first)
    second = wf.run(w)
    wf.wait(w, second)
    runs = wf.glue.get_workflow_runs(Name=w)["Runs"]
    assert [r["WorkflowRunId"] for r in runs] == [second, first]
    assert all("PreviousRunId" not in r for r in runs)


def test_standalone_job_run_and_its_concurrency_limit(wf: Harness) -> None:
    wf.job("slow", "sleep", DefaultArguments={"--seconds": "0.5"})
    run_id = wf.glue.start_job_run(JobName="slow")["JobRunId"]
    with pytest.raises(ClientError) as info:
        wf.glue.start_job_run(JobName="slow")
    assert error_code(info) == "ConcurrentRunsExceededException"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        job_run = wf.glue.get_job_run(JobName="slow", RunId=run_id)["JobRun"]
        if job_run["JobRunState"] not in ("STARTING", "RUNNING"):
            break
        time.sleep(0.05)
    assert job_run["JobRunState"] == "SUCCEEDED"
    assert "--WORKFLOW_RUN_ID" not in job_run["Arguments"]
    assert [r["Id"] for r in wf.glue.get_job_runs(JobName="slow")["JobRuns"]] == [run_id]


def test_standalone_job_run_is_running_then_stopped(wf: Harness) -> None:
    wf.job("slow", "sleep")
    run_id = wf.glue.start_job_run(JobName="slow", Arguments={"--seconds": "30"})["JobRunId"]
    deadline = time.monotonic() + 10
    while wf.glue.get_job_run(JobName="slow", RunId=run_id)["JobRun"]["JobRunState"] != "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    wf.glue.batch_stop_job_run(JobName="slow", JobRunIds=[run_id])
    while True:
        job_run = wf.glue.get_job_run(JobName="slow", RunId=run_id)["JobRun"]
        if job_run["JobRunState"] not in ("RUNNING", "STOPPING"):
            break
        assert time.monotonic() < deadline + 10
        time.sleep(0.02)
    assert job_run["JobRunState"] == "STOPPED"
    assert job_run["Arguments"]["--seconds"] == "30"


def test_script_and_extra_py_files_come_from_local_s3(wf: Harness, tmp_path: Path) -> None:
    import io
    import zipfile

    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="artifacts")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("zipped_lib/__init__.py", "VALUE = 'from zip'\n")
    s3.put_object(Bucket="artifacts", Key="lib/zipped.zip", Body=buffer.getvalue())
    s3.put_object(Bucket="artifacts", Key="lib/plain_mod.py", Body=b"VALUE = 'from py'\n")
    out = tmp_path / "out.txt"
    s3.put_object(
        Bucket="artifacts",
        Key="scripts/job.py",
        Body=(
            "import sys, zipped_lib, plain_mod\n"
            f"open({str(out)!r}, 'w').write(zipped_lib.VALUE + ',' + plain_mod.VALUE)\n"
        ).encode(),
    )
    w = wf.workflow("w")
    wf.glue.create_job(
        Name="from-s3",
        Role="r",
        Command={"Name": "pythonshell", "ScriptLocation": "s3://artifacts/scripts/job.py"},
        DefaultArguments={
            "--extra-py-files": "s3://artifacts/lib/zipped.zip,s3://artifacts/lib/plain_mod.py"
        },
    )
    wf.glue.create_job(
        Name="missing-script",
        Role="r",
        Command={"Name": "pythonshell", "ScriptLocation": "s3://artifacts/scripts/nope.py"},
    )
    wf.start(w, "from-s3", "missing-script")
    run = wf.wait(w, wf.run(w))
    assert states(run) == {"from-s3": "SUCCEEDED", "missing-script": "FAILED"}
    assert out.read_text() == "from zip,from py"
    assert job_runs(run, "missing-script")[0]["ErrorMessage"].startswith(
        "ScriptLocation s3://artifacts/scripts/nope.py not found in the local target at "
    )


def test_job_started_outside_the_workflow_fires_none_of_its_triggers(wf: Harness) -> None:
    w = wf.workflow("w")
    wf.start(w, wf.job("a", "ok"))
    wf.on(w, "t", [("a", "SUCCEEDED")], wf.job("b", "ok"))
    run_id = wf.glue.start_job_run(JobName="a")["JobRunId"]
    deadline = time.monotonic() + 10
    while wf.glue.get_job_run(JobName="a", RunId=run_id)["JobRun"]["JobRunState"] != "SUCCEEDED":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.2)
    assert wf.glue.get_job_runs(JobName="b")["JobRuns"] == []
    assert wf.glue.get_workflow_runs(Name=w)["Runs"] == []
