"""The CLI (``--json``) and the console API say the same about the same state.

Runs of the shipped churn workflow come from the scenario engine (its real triggers,
node outcomes mocked), served by a recorded Glue through the local dispatch; the
Model Registry is the local target's real one; endpoints are held in memory. Each
front end is driven as users drive it: the CLI through click, the console through
its API's dispatch (what its HTTP server calls).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from standins import EndpointStandIn, RecordedGlue, RuntimeStandIn

from glue_workflow.cli import cli
from glue_workflow.config import Settings, load_settings
from glue_workflow.console.api import ConsoleApi, build_api
from glue_workflow.console.errors import ApiError
from glue_workflow.definition import load_workflow
from glue_workflow.errors import GlueWfError
from glue_workflow.model.workflow import Workflow
from glue_workflow.testing.outcomes import fails, rejects, stopped, succeeds
from glue_workflow.testing.scenario import run_scenario

PROJECT = Path(__file__).resolve().parents[2]
WF = "churn-pipeline"
PACKAGE = "arn:aws:sagemaker:us-east-1:000000000000:model-package/churn-xgb/2"


@dataclass
class Answer:
    ok: bool
    data: Any  # the JSON answer, or the error message


@dataclass
class FrontEnds:
    glue: RecordedGlue
    endpoints: EndpointStandIn
    api: ConsoleApi
    project: Path
    settings: Settings
    shipped: Workflow  # the churn workflow's definition

    def cli(self, *args: str, stdin: str | None = None) -> Answer:
        result = CliRunner().invoke(
            cli, [*args, "--project", str(self.project)], input=stdin, catch_exceptions=True
        )
        if isinstance(result.exception, GlueWfError):
            return Answer(ok=False, data=str(result.exception))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code == 0, result.output
        try:
            return Answer(ok=True, data=json.loads(result.stdout))
        except ValueError:
            return Answer(ok=True, data=result.stdout)

    def console(self, method: str, path: str, body: dict[str, Any] | None = None) -> Answer:
        try:
            _status, data = self.api.dispatch(method, path, {}, body or {})
        except ApiError as exc:
            return Answer(ok=False, data=exc.message)
        return Answer(ok=True, data=data)


@pytest.fixture
def fronts(local_home: Path, tmp_path: Path) -> FrontEnds:
    from glue_workflow.local import dispatch

    project = tmp_path / "project"
    project.mkdir()
    (project / "glue-wf.toml").write_text(f'[target.local]\nhome = "{local_home}"\n')
    settings = load_settings(project, target="local")
    shipped = load_workflow(load_settings(PROJECT, target="local"))
    glue = RecordedGlue(WF, dict(shipped.default_run_properties))
    installation = dispatch._installation
    assert installation is not None
    endpoints = EndpointStandIn(installation.service("sagemaker"))
    installation.services.update(
        {"glue": glue, "sagemaker": endpoints, "sagemaker-runtime": RuntimeStandIn(endpoints)}
    )
    return FrontEnds(glue, endpoints, build_api(settings), project, settings, shipped)


def _scenario(fronts: FrontEnds, **outcomes: Any) -> dict[str, Any]:
    return dict(run_scenario(fronts.shipped, outcomes).run)


def _running(fronts: FrontEnds) -> dict[str, Any]:
    """Deploy still running: its job run has not ended."""
    run = _scenario(fronts)
    for node in run["Graph"]["Nodes"]:
        if node["Name"] == f"{WF}-deploy":
            for job_run in node["JobDetails"]["JobRuns"]:
                job_run["JobRunState"] = "RUNNING"
                job_run.pop("CompletedOn", None)
    return run


# state -> (how to make the run, its status, the label both must show, resume candidates)
STATES: dict[str, tuple[Callable[[FrontEnds], dict[str, Any]], str, str, list[str]]] = {
    "success": (lambda f: _scenario(f), "COMPLETED", "succeeded", []),
    "gate rejection": (
        lambda f: _scenario(f, gate=rejects("min_accuracy", "accuracy 0.5 < min_accuracy 0.9")),
        "COMPLETED",
        "rejected",
        [],  # the rejection branch handled it: nothing failed, nothing to resume
    ),
    "crash": (
        lambda f: _scenario(f, train=fails("xgboost ran out of memory")),
        "COMPLETED",
        "failed",
        [f"{WF}-train"],
    ),
    "awaiting approval": (
        lambda f: _scenario(
            f,
            register=succeeds({"model_package_arn": PACKAGE}),  # what register writes
            deploy=succeeds({"deploy_status": "awaiting_approval"}),
        ),
        "COMPLETED",
        "succeeded",
        [],
    ),
    "stopped": (lambda f: _scenario(f, train=stopped()), "STOPPED", "stopped", []),
    "running": (_running, "RUNNING", "running", []),
}


@pytest.mark.parametrize("state", list(STATES))
def test_status_verdict_nodes_and_resume_agree(fronts: FrontEnds, state: str) -> None:
    make, status, label, candidates = STATES[state]
    run_id = fronts.glue.add(make(fronts), status)

    cli = fronts.cli("status", run_id, "--workflow", WF, "--json")
    page = fronts.console("GET", f"/api/workflows/{WF}/runs/{run_id}")
    assert cli.ok
    assert page.ok
    shown, seen = cli.data, page.data
    assert (shown["Label"], seen["verdict"]) == (label, label)
    assert shown["Verdict"] == seen["verdict_summary"]
    assert shown["Verdict"].startswith(label)
    cli_nodes = {n["Name"]: n["State"] for n in shown["Nodes"] if n["Type"] == "JOB"}
    page_nodes = {n["name"]: n["state"] for n in seen["graph"]["nodes"] if n["type"] == "JOB"}
    assert cli_nodes == page_nodes
    cli_fired = {n["Name"] for n in shown["Nodes"] if n["State"] == "FIRED"}
    page_fired = {n["name"] for n in seen["graph"]["nodes"] if n["state_class"] == "fired"}
    assert cli_fired == page_fired
    names = {n["id"]: n["name"] for n in seen["graph"]["nodes"]}
    assert shown["ResumeCandidates"] == candidates
    assert [names[i] for i in seen["resumable_node_ids"]] == candidates
    # The run list shows the same label.
    listed = fronts.cli("runs", "--workflow", WF, "--json").data
    rows = fronts.console("GET", f"/api/workflows/{WF}/runs").data["runs"]
    assert [r["Label"] for r in listed] == [r["verdict"] for r in rows] == [label]

    # Resume with no node named: both restart the same nodes, or both refuse alike.
    resumed = fronts.cli("resume", run_id, "--workflow", WF, "--json")
    after_cli = len(fronts.glue.runs)
    again = fronts.console("POST", f"/api/workflows/{WF}/runs/{run_id}/resume")
    assert resumed.ok == again.ok == bool(candidates)
    if candidates:
        assert resumed.data["Selected"] == candidates
        assert [names[i] for i in again.data["node_ids"]] == candidates
        assert len(fronts.glue.runs) == after_cli + 1
    else:
        assert resumed.data == again.data
        assert len(fronts.glue.runs) == after_cli == 1

    # Stop: refused alike unless the run is running.
    stop_cli = fronts.cli("stop", run_id, "--workflow", WF)
    if status == "RUNNING":
        assert stop_cli.ok
        fronts.glue.runs[run_id]["Status"] = "RUNNING"  # as it was, for the console
    stop_page = fronts.console("POST", f"/api/workflows/{WF}/runs/{run_id}/stop")
    assert stop_cli.ok == stop_page.ok == (status == "RUNNING")
    if not stop_page.ok:
        assert (
            stop_cli.data
            == stop_page.data
            == (f"run {run_id} of workflow {WF!r} is {status}: only a RUNNING run can be stopped")
        )


def test_resume_of_a_named_node_agrees(fronts: FrontEnds) -> None:
    run_id = fronts.glue.add(
        _scenario(fronts, gate=rejects("min_accuracy", "accuracy 0.5 < min_accuracy 0.9")),
        "COMPLETED",
    )
    # A handled node may still be named: both resume from it.
    cli = fronts.cli("resume", run_id, "--workflow", WF, "--node", "gate", "--json")
    page = fronts.console(
        "POST", f"/api/workflows/{WF}/runs/{run_id}/resume", {"node_ids": ["gate"]}
    )
    assert cli.ok
    assert page.ok
    assert cli.data["Selected"] == [f"{WF}-gate"]
    graph = fronts.console("GET", f"/api/workflows/{WF}/runs/{run_id}").data["graph"]
    names = {n["id"]: n["name"] for n in graph["nodes"]}
    assert [names[i] for i in page.data["node_ids"]] == [f"{WF}-gate"]
    # A node that never ran: the same refusal.
    never_cli = fronts.cli("resume", run_id, "--workflow", WF, "--node", "deploy")
    never_page = fronts.console(
        "POST", f"/api/workflows/{WF}/runs/{run_id}/resume", {"node_ids": ["deploy"]}
    )
    assert not never_cli.ok
    assert never_cli.data == never_page.data
    assert never_cli.data == (
        f"cannot resume run {run_id} from {WF}-deploy: never ran in that run "
        "(Glue resumes only nodes with a run attempt)"
    )


def _register(settings: Settings) -> None:
    from glue_workflow.aws.clients import client

    sm = client(settings, "sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn-xgb")
    for approval in ("Approved", "PendingManualApproval"):
        sm.create_model_package(
            ModelPackageGroupName="churn-xgb",
            ModelApprovalStatus=approval,
            InferenceSpecification={
                "Containers": [{"Image": "xgboost:3.0-5", "ModelDataUrl": "s3://b/model.tar.gz"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
        )


def _versions(fronts: FrontEnds) -> tuple[list[Any], list[Any]]:
    cli = [
        (g["ModelPackageGroupName"], p["ModelPackageVersion"], p["ModelApprovalStatus"])
        for g in fronts.cli("models", "--json").data
        for p in g["ModelPackageSummaryList"]
    ]
    page = [
        (g["name"], v["version"], v["approval"])
        for g in fronts.console("GET", "/api/models").data["groups"]
        for v in fronts.console("GET", f"/api/models/{g['name']}").data["versions"]
    ]
    return cli, page


def test_registry_lists_and_approvals_agree(fronts: FrontEnds) -> None:
    _register(fronts.settings)
    cli, page = _versions(fronts)
    assert (
        cli
        == page
        == [
            ("churn-xgb", 2, "PendingManualApproval"),
            ("churn-xgb", 1, "Approved"),
        ]
    )
    summary = fronts.console("GET", "/api/models").data["groups"][0]
    assert (summary["latest_version"], summary["latest_approval"]) == (2, "PendingManualApproval")

    assert fronts.cli("approve", "churn-xgb/2").ok  # approved by the CLI ...
    cli, page = _versions(fronts)
    assert cli == page
    assert cli[0] == ("churn-xgb", 2, "Approved")
    rejected = fronts.console(
        "POST", "/api/models/churn-xgb/versions/2/approval", {"status": "Rejected"}
    )
    assert rejected.ok  # rejected by the console ...
    cli, page = _versions(fronts)
    assert cli == page
    assert cli[0] == ("churn-xgb", 2, "Rejected")

    missing_cli = fronts.cli("approve", "churn-xgb/9")
    missing_page = fronts.console(
        "POST", "/api/models/churn-xgb/versions/9/approval", {"status": "Approved"}
    )
    assert (
        missing_cli.data
        == missing_page.data
        == ("model package group 'churn-xgb' has no version 9; see 'glue-wf models'")
    )


def _endpoint_rows(fronts: FrontEnds) -> tuple[list[Any], list[Any]]:
    cli = [
        (e["EndpointName"], e["EndpointStatus"], e["EndpointConfigName"], e["Url"])
        for e in fronts.cli("endpoints", "--json").data
    ]
    page = [
        (e["name"], e["status"], e["config"], e["url"])
        for e in fronts.console("GET", "/api/endpoints").data["endpoints"]
    ]
    return cli, page


def test_endpoint_lists_invocations_and_deletes_agree(fronts: FrontEnds) -> None:
    fronts.endpoints.add("churn-xgb")
    fronts.endpoints.add("churn-xgb-canary", status="Creating")
    cli, page = _endpoint_rows(fronts)
    assert (
        cli
        == page
        == [
            ("churn-xgb", "InService", "churn-xgb-config", None),
            ("churn-xgb-canary", "Creating", "churn-xgb-canary-config", None),
        ]
    )

    scored_cli = fronts.cli("invoke", "churn-xgb", stdin="1,2,3\n4,5\n")
    scored_page = fronts.console(
        "POST", "/api/endpoints/churn-xgb/invocations", {"csv": "1,2,3\n4,5\n"}
    )
    assert scored_cli.data.strip() == scored_page.data["body"] == "0.3\n0.2"
    refused_cli = fronts.cli("invoke", "churn-xgb", stdin="a,b\n")
    refused_page = fronts.console("POST", "/api/endpoints/churn-xgb/invocations", {"csv": "a,b"})
    assert (
        refused_cli.data
        == refused_page.data
        == (
            "invoking endpoint 'churn-xgb': ModelError: Received client error (400) from primary "
            'with message "could not convert string to float"'
        )
    )

    deleted = fronts.cli("delete-endpoint", "churn-xgb-canary", "--yes")
    assert deleted.data.splitlines() == [
        "deleted endpoint churn-xgb-canary",
        "deleted endpoint config churn-xgb-canary-config",
        "deleted model churn-xgb-canary-model",
    ]
    cli, page = _endpoint_rows(fronts)
    assert cli == page == [("churn-xgb", "InService", "churn-xgb-config", None)]
    gone_cli = fronts.cli("invoke", "churn-xgb-canary", stdin="1\n")
    gone_page = fronts.console("POST", "/api/endpoints/churn-xgb-canary/invocations", {"csv": "1"})
    assert not gone_cli.ok
    assert gone_cli.data == gone_page.data


def test_cost_reports_agree(fronts: FrontEnds) -> None:
    with (fronts.project / "glue-wf.toml").open("a") as toml:
        toml.write("\n[cost.rates]\ndpu_hour = 0.5\n")  # read by both, at each request
    run = _scenario(fronts, train=fails("xgboost ran out of memory"))
    for node in run["Graph"]["Nodes"]:
        for job_run in (node.get("JobDetails") or {}).get("JobRuns", []):
            job_run.update(MaxCapacity=0.0625, ExecutionTime=90)  # as Glue reports them
    run_id = fronts.glue.add(run, "COMPLETED")

    cli = fronts.cli("report", run_id, "--workflow", WF, "--json")
    page = fronts.console("GET", f"/api/workflows/{WF}/runs/{run_id}/report")
    assert cli.ok
    assert page.ok
    assert cli.data == page.data
    assert cli.data["RunId"] == run_id
    assert f"{WF}-train" in {n["Node"] for n in cli.data["Nodes"]}
    assert cli.data["Rates"]["Overridden"] == ["dpu_hour"]
    # preprocess and train, 90 s at 0.0625 DPU each, at the overridden USD 0.5 per DPU-hour
    assert cli.data["EstimatedCost"] == pytest.approx(2 * 90 * 0.0625 / 3600 * 0.5, abs=1e-6)

    missing_cli = fronts.cli("report", "wr_nope", "--workflow", WF)
    missing_page = fronts.console("GET", f"/api/workflows/{WF}/runs/wr_nope/report")
    assert not missing_cli.ok
    assert missing_cli.data == missing_page.data
