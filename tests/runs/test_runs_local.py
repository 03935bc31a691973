"""Run control through the CLI against the local target's real engine (no moto).

Tiny workflows of trivial Python shell scripts: a chain, a gate whose FAILED branch
handles a rejection, a node that fails until a marker file exists (resume), a slow
node (stop).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

# The hand-written documents live beside the deploy tests.
from wfdocs import make_document

from glue_workflow.cli import cli
from glue_workflow.config import LOCAL_DEFAULT_BUCKET
from glue_workflow.document import WorkflowDocument
from glue_workflow.errors import GlueWfError

GATE = b"""import sys, boto3
from awsglue.utils import getResolvedOptions
args = getResolvedOptions(sys.argv, ["WORKFLOW_NAME", "WORKFLOW_RUN_ID"])
boto3.client("glue").put_workflow_run_properties(
    Name=args["WORKFLOW_NAME"], RunId=args["WORKFLOW_RUN_ID"],
    RunProperties={"gate_min_accuracy_decision": "rejected",
                   "gate_min_accuracy_reason": "accuracy 0.5 < min_accuracy 0.9"})
sys.exit("model rejected: accuracy 0.5 < min_accuracy 0.9")
"""
FLAKY = b"""import os, sys
marker = sys.argv[sys.argv.index("--marker") + 1]
if not os.path.exists(marker):
    sys.exit(f"marker {marker} missing")
print("marker found")
"""
SLOW = b"import time\ntime.sleep(60)\n"


@dataclass(frozen=True)
class Result:
    output: str  # stdout and stderr
    stdout: str
    exit_code: int


class Local:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
        self.project = project
        self.document: WorkflowDocument | None = None
        monkeypatch.setattr("glue_workflow.deploy.deployer.build", lambda _t: self.document)

    def cli(self, *args: str, code: int = 0) -> Result:
        result = CliRunner().invoke(cli, [*args, "--project", str(self.project)])
        output, exit_code = result.output, result.exit_code
        if isinstance(result.exception, GlueWfError):
            output += f"error: {result.exception}\n"
            exit_code = 1
        elif result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert exit_code == code, output
        return Result(output=output, stdout=result.stdout, exit_code=exit_code)

    def deploy(self, document: WorkflowDocument) -> str:
        self.document = document
        return self.cli("deploy").stdout

    def status(self, run_id: str, workflow: str) -> dict[str, Any]:
        out = self.cli("status", run_id, "--workflow", workflow, "--json").stdout
        data: dict[str, Any] = json.loads(out)
        return data


@pytest.fixture
def local(local_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Local:
    project = tmp_path / "project"
    project.mkdir()
    (project / "glue-wf.toml").write_text(f'[target.local]\nhome = "{local_home}"\n')
    return Local(monkeypatch, project)


def doc(name: str, nodes: tuple[str, ...], **kwargs: Any) -> WorkflowDocument:
    return make_document(name, nodes, bucket=LOCAL_DEFAULT_BUCKET, **kwargs)


def test_run_wait_status_runs_and_logs(local: Local) -> None:
    out = local.deploy(doc("tiny", ("a", "b"), scripts={"a": b"print('hello from a')\n"}))
    # No infra step on the local target: the bucket is made before the first write.
    assert out.startswith("create local bucket glue-wf-local\nupload artifact s3://")
    out = local.cli("run", "--workflow", "tiny", "-p", "min_accuracy=0.5", "--wait").output
    run_id = out.splitlines()[0]
    assert run_id.startswith("wr_")
    assert "tiny-a SUCCEEDED (attempt 0)" in out
    assert out.endswith(
        "verdict: succeeded\nconsole: run 'glue-wf console', then open "
        f"http://127.0.0.1:8321/workflows/tiny/runs/{run_id}\n"
    )

    status = local.status(run_id, "tiny")
    assert {"RunId", "Status", "Verdict", "Statistics", "RunProperties", "Nodes"} <= set(status)
    assert (status["RunId"], status["Status"], status["Verdict"]) == (
        run_id, "COMPLETED", "succeeded")  # fmt: skip
    assert status["RunProperties"]["min_accuracy"] == "0.5"  # start-time over the default
    assert status["Statistics"]["SucceededActions"] == 2
    node = next(n for n in status["Nodes"] if n["Name"] == "tiny-a")
    assert set(node) >= {"Name", "Type", "State", "StartedOn", "CompletedOn", "Attempt",
                         "ErrorMessage"}  # fmt: skip
    assert (node["Type"], node["State"], node["Attempt"]) == ("JOB", "SUCCEEDED", 0)

    human = local.cli("status", "--workflow", "tiny").output  # latest run by default
    assert run_id in human
    # No Glue console locally: the local console's page of the run instead.
    assert (
        "console: run 'glue-wf console', then open "
        f"http://127.0.0.1:8321/workflows/tiny/runs/{run_id}"
    ) in human

    history = json.loads(local.cli("runs", "--workflow", "tiny", "--json").stdout)
    assert [(h["RunId"], h["Verdict"]) for h in history] == [(run_id, "succeeded")]
    assert history[0]["DurationSeconds"] >= 0

    assert "hello from a" in local.cli("logs", run_id, "a", "--workflow", "tiny").output


def test_gate_rejection_is_success_unless_flagged(local: Local) -> None:
    local.deploy(doc("gated", ("a", "gate"), scripts={"gate": GATE}, handlers={"gate": "reject"}))
    out = local.cli("run", "--workflow", "gated", "--wait").output
    assert (
        "verdict: rejected — model rejected by gate min_accuracy (accuracy 0.5 < min_accuracy 0.9)"
    ) in out
    run_id = out.splitlines()[0]
    flagged = local.cli("status", run_id, "--workflow", "gated", "--wait", "--fail-on-rejection",
                        code=1)  # fmt: skip
    assert flagged.output.rstrip().endswith(
        f"error: run {run_id}: rejected — model rejected by gate min_accuracy "
        "(accuracy 0.5 < min_accuracy 0.9) (--fail-on-rejection)"
    )
    nodes = {n["Name"]: n["State"] for n in local.status(run_id, "gated")["Nodes"]}
    assert nodes["gated-gate"] == "FAILED"
    assert nodes["gated-reject"] == "SUCCEEDED"
    assert nodes["gated-on-gate-failed"] == "FIRED"
    # The rejection was handled: nothing failed, so resume has nothing to restart.
    assert local.status(run_id, "gated")["ResumeCandidates"] == []


def test_unhandled_failure_exits_1_then_resume_succeeds(local: Local, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    local.deploy(doc("flaky", ("a", "b", "c"), scripts={"b": FLAKY},
                     extra_args={"b": {"--marker": str(marker)}}))  # fmt: skip
    result = local.cli("run", "--workflow", "flaky", "--wait", code=1)
    run_id = result.output.splitlines()[0]
    assert f"error: run {run_id}: failed — flaky-b FAILED: marker {marker} missing" in (
        result.output
    )
    nodes = {n["Name"]: n["State"] for n in local.status(run_id, "flaky")["Nodes"]}
    assert (nodes["flaky-b"], nodes["flaky-c"]) == ("FAILED", None)  # c never reached
    # following the failed job's log ends as the job did: a script reads no success
    followed = local.cli("logs", run_id, "b", "--workflow", "flaky", "--follow", code=1)
    assert f"marker {marker} missing" in followed.stdout
    job_run = next(n["JobRunId"] for n in local.status(run_id, "flaky")["Nodes"]
                   if n["Name"] == "flaky-b")  # fmt: skip
    assert followed.output.endswith(
        f"error: job run {job_run} of node b ended FAILED: glue-wf status {run_id} says why\n"
    )
    assert "\nerror" not in local.cli("logs", run_id, "a", "--workflow", "flaky", "--follow").output
    assert local.status(run_id, "flaky")["ResumeCandidates"] == ["flaky-b"]

    marker.write_text("ok")
    resumed = local.cli("resume", run_id, "--workflow", "flaky", "--json")
    answer = json.loads(resumed.stdout)
    new_id = answer["RunId"]
    assert new_id.startswith("wr_")
    assert new_id != run_id
    assert (answer["PreviousRunId"], answer["Selected"]) == (run_id, ["flaky-b"])
    assert "flaky-b" in answer["Restarted"]
    assert "resuming from flaky-b" in resumed.output
    final = json.loads(local.cli("status", new_id, "--workflow", "flaky", "--wait",
                                 "--json").stdout)  # fmt: skip
    assert (final["RunId"], final["Verdict"]) == (new_id, "succeeded")
    status = local.status(new_id, "flaky")
    assert status["PreviousRunId"] == run_id
    assert status["Verdict"] == "succeeded"
    assert {n["Name"]: n["State"] for n in status["Nodes"]}["flaky-c"] == "SUCCEEDED"

    missing = local.cli("resume", run_id, "--workflow", "flaky", "--node", "bb", code=1)
    assert "error: no job node 'bb' in this run: did you mean 'b'?" in missing.output
    nothing = local.cli("resume", new_id, "--workflow", "flaky", code=1)
    assert (
        f"error: run {new_id} of workflow 'flaky' has no failed, timed-out or stopped"
    ) in nothing.output


def test_stop_ends_a_run_stopped(local: Local) -> None:
    local.deploy(doc("slow", ("a",), scripts={"a": SLOW}))
    run_id = local.cli("run", "--workflow", "slow").stdout.strip()
    busy = local.cli("resume", run_id, "--workflow", "slow", code=1)
    assert busy.output.endswith(
        f"error: run {run_id} of workflow 'slow' is RUNNING: only a COMPLETED run can be "
        f"resumed; wait for it to finish (glue-wf status {run_id} --wait) or stop it "
        f"(glue-wf stop {run_id})\n"
    )
    assert local.cli("stop", run_id, "--workflow", "slow").output.startswith(
        f"stopping run {run_id}"
    )
    result = local.cli("status", run_id, "--workflow", "slow", "--wait", "--timeout", "30",
                       code=1)  # fmt: skip
    assert f"error: run {run_id}: stopped before completing" in result.output
    stopped = local.cli("resume", run_id, "--workflow", "slow", code=1)
    assert stopped.output.endswith(
        f"error: run {run_id} of workflow 'slow' is STOPPED: only a COMPLETED run can be "
        "resumed; start a new run instead (glue-wf run)\n"
    )
    again = local.cli("stop", run_id, "--workflow", "slow", code=1)
    assert again.output.endswith(
        f"error: run {run_id} of workflow 'slow' is STOPPED: only a RUNNING run can be stopped\n"
    )


def test_run_of_an_undeployed_workflow_says_deploy_first(local: Local) -> None:
    for command in ("run", "runs"):
        result = local.cli(command, "--workflow", "nope", code=1)
        assert result.output.endswith(
            "error: workflow 'nope' is not deployed on target local: run "
            "'glue-wf deploy --target local' first\n"
        )


def test_status_before_any_run(local: Local) -> None:
    local.deploy(doc("fresh", ("a", "b"), start_type="SCHEDULED"))
    # The local Glue service round-trips what deploy wrote: nothing left to change.
    assert json.loads(local.cli("plan", "--json").stdout) == []
    result = local.cli("status", "--workflow", "fresh", code=1)
    assert (
        "error: workflow fresh has no runs on target local: start one with 'glue-wf run'"
    ) in result.output
    assert local.cli("runs", "--workflow", "fresh").stdout == (
        "workflow fresh has no runs yet: start one with glue-wf run\n"
    )
    stop = local.cli("stop", "wr_nope", "--workflow", "fresh", code=1)
    assert stop.output.endswith(
        "error: no run 'wr_nope' of workflow 'fresh': list runs with 'glue-wf runs'\n"
    )

    # --json: stdout is the executed plan, as plan --json lists it; progress on stderr.
    assert json.loads(local.cli("deploy", "--json").stdout) == []
    destroyed = json.loads(local.cli("destroy", "--yes", "--json").stdout)
    assert {(i["Action"], i["Type"]) for i in destroyed} >= {
        ("delete", "workflow"), ("delete", "job"), ("delete", "trigger")}  # fmt: skip
    assert json.loads(local.cli("destroy", "--yes", "--json").stdout) == []


def test_destroy_by_name_when_the_definition_does_not_build(
    local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glue_workflow.errors import DefinitionError, Problem

    local.deploy(doc("broken", ("a", "b")))

    def broken(_target: Any) -> WorkflowDocument:
        raise DefinitionError([Problem(where="definition", rule="definition", message="boom")])

    monkeypatch.setattr("glue_workflow.deploy.deployer.build", broken)
    refused = local.cli("destroy", "--yes", code=1)
    assert "note: the definition does not build (below); to destroy the deployed workflow " \
        "anyway: glue-wf destroy --workflow NAME" in refused.output  # fmt: skip
    destroyed = json.loads(local.cli("destroy", "--workflow", "broken", "--yes", "--json").stdout)
    assert {(i["Action"], i["Type"]) for i in destroyed} == {
        ("delete", "workflow"), ("delete", "job"), ("delete", "trigger")}  # fmt: skip
    assert json.loads(local.cli("destroy", "--workflow", "broken", "--yes", "--json").stdout) == []


def test_destroy_during_a_run_says_what_happens_to_it(local: Local) -> None:
    local.deploy(doc("busy", ("a", "b"), scripts={"a": SLOW}))
    run_id = local.cli("run", "--workflow", "busy").stdout.strip()
    destroyed = local.cli("destroy", "--yes")
    assert (
        f"note: run {run_id} of workflow busy is running: stopping it first (with its jobs "
        "gone it could not go on)"
    ) in destroyed.output
    # stopped before its jobs went: it ends STOPPED, no node left to fail on a gone job
    import time

    import boto3

    glue = boto3.client("glue", region_name="us-east-1")
    deadline = time.monotonic() + 60
    while True:
        run = glue.get_workflow_run(Name="busy", RunId=run_id)["Run"]
        if run["Status"] not in ("RUNNING", "STOPPING") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert run["Status"] == "STOPPED"


def test_a_deploy_during_a_run_names_the_nodes_it_will_fail(local: Local) -> None:
    local.deploy(doc("busy", ("a", "b", "c"), scripts={"a": SLOW}))
    run_id = local.cli("run", "--workflow", "busy").stdout.strip()
    out = local.deploy(doc("busy", ("a", "b")))
    assert (
        f"note: run {run_id} of workflow busy is running: its nodes not started yet run the "
        "updated jobs (the run keeps its graph); those of the jobs this deploy deletes "
        "(busy-c) will fail, job not found: let the run finish, or stop it, before deploying"
    ) in out
    CliRunner().invoke(cli, ["stop", run_id, "--workflow", "busy", "--project", str(local.project)])


def test_a_deploy_replacing_most_jobs_says_another_project_may_share_the_name(
    local: Local,
) -> None:
    local.deploy(doc("twin", ("a", "b", "c")))
    out = local.deploy(doc("twin", ("x",)))
    assert (
        "note: this deploy deletes 3 of the 3 deployed jobs of workflow twin (twin-a, twin-b, "
        "twin-c): if another project deploys a workflow of this name to the same target, the "
        "two replace each other: give one another name"
    ) in out
    assert "note: this deploy deletes" not in local.deploy(doc("twin", ("x", "y")))


def test_running_a_definition_that_cannot_deploy_names_its_problems(tmp_path: Path) -> None:
    """Not "deploy first": that deploy would fail on the same problems."""
    (tmp_path / "triggers").mkdir()
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "a.py").write_text("print('a')\n")
    (tmp_path / "triggers" / "pipeline.py").write_text(
        "from glue_workflow.model import PythonShellJob, Workflow, succeeded\n"
        "a = PythonShellJob(name='a', script='jobs/a.py')\n"
        "b = PythonShellJob(name='b', script='jobs/a.py', after=succeeded(a) | succeeded('c'))\n"
        "c = PythonShellJob(name='c', script='jobs/a.py', after=succeeded(b))\n"
        "workflow = Workflow(name='cyc', nodes=(a, b, c), max_concurrent_runs=1)\n"
    )
    (tmp_path / "glue-wf.toml").write_text(
        '[workflow]\ndefinition = "triggers/pipeline.py"\n[target.local]\nhome = ".state"\n'
    )
    result = CliRunner().invoke(cli, ["run", "--project", str(tmp_path)])
    assert result.exit_code == 1
    assert "dependency cycle b -> c -> b" in str(result.exception)
    assert "is not deployed" not in str(result.exception)
