"""The console's run report and notifications routes: the CLI's services, over fake Glue /
SageMaker and the local target's real EventBridge and SNS records."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from console_fakes import T0

from glue_workflow.jobkit.sagemaker_ops import resource_name
from glue_workflow.runs.cost import shipped_rates
from glue_workflow.verdict_notifier import EVENT_DETAIL_TYPE, EVENT_SOURCE

RATES = shipped_rates()
PROJECT = Path(__file__).resolve().parents[2]
INFRA_TOPIC = "arn:aws:sns:us-east-1:000000000000:glue-wf-notifications"


def _priced_run(console) -> str:
    """prep once; fit failed then succeeded, 3 s after prep ended; fit trained on SageMaker."""
    run_id = console.glue.add_run(
        "demo", "COMPLETED", {"demo-prep": ["SUCCEEDED"], "demo-fit": ["FAILED", "SUCCEEDED"]}
    )
    for attempt, job_run in enumerate(console.glue.runs[run_id]["job_runs"]["demo-fit"]):
        job_run["StartedOn"] = T0 + timedelta(seconds=8 + 10 * attempt)
        job_run["CompletedOn"] = job_run["StartedOn"] + timedelta(seconds=5)
    name = resource_name(workflow="demo", run_id=run_id, node="fit", attempt=1)
    console.sagemaker.jobs[name] = {
        "TrainingJobName": name,
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2},
        "TrainingTimeInSeconds": 200,
        "BillableTimeInSeconds": 180,
    }
    return run_id


def test_run_report_prices_nodes_and_training_with_the_rate_table(console):
    run_id = _priced_run(console)
    answer = console.get(f"/api/workflows/demo/runs/{run_id}/report")
    assert answer.status == 200
    report = answer.json()
    assert (report["Workflow"], report["RunId"], report["Status"]) == ("demo", run_id, "COMPLETED")
    assert report["WallSeconds"] == 60.0
    nodes = {n["Node"]: n for n in report["Nodes"]}
    assert set(nodes) == {"demo-prep", "demo-fit"}
    prep, fit = nodes["demo-prep"], nodes["demo-fit"]
    # started by the on-demand trigger as the run started; fit 3 s after prep ended
    assert (prep["Attempts"], prep["LagSeconds"], fit["Attempts"], fit["LagSeconds"]) == (
        1,
        0.0,
        2,
        3.0,
    )
    # 5 s wall, 4 s ExecutionTime per attempt: 1 s start-up each
    assert (fit["StartupSeconds"], fit["RunSeconds"]) == (2.0, 8.0)
    # a 0.0625-DPU Python shell attempt is billed for at least a minute
    assert prep["DpuHours"] == round(60 * 0.0625 / 3600, 6)
    assert fit["DpuHours"] == round(2 * 60 * 0.0625 / 3600, 6)
    assert fit["Basis"] == "ExecutionTime x 0.0625 DPU"
    assert fit["Cost"] == pytest.approx(fit["DpuHours"] * RATES.dpu_hour, abs=1e-6)
    [training] = report["SageMaker"]
    assert (training["Kind"], training["Node"], training["InstanceType"]) == (
        "training",
        "fit",
        "ml.m5.xlarge",
    )
    # BillableTimeInSeconds x InstanceCount
    assert training["InstanceHours"] == round(180 * 2 / 3600, 6)
    assert training["Cost"] == pytest.approx(0.1 * RATES.instance_rate("training", "ml.m5.xlarge"))
    assert report["EstimatedCost"] == pytest.approx(
        prep["Cost"] + fit["Cost"] + training["Cost"], abs=1e-6
    )
    assert report["Rates"] == {
        "Date": RATES.date,
        "Region": RATES.region,
        "Sources": list(RATES.sources),
        "Overridden": [],
    }


def test_run_report_of_unknown_names_is_404_with_the_reason(console):
    missing_run = console.get("/api/workflows/demo/runs/wr_nope/report")
    assert missing_run.status == 404
    assert missing_run.json()["error"]["message"] == (
        "no run 'wr_nope' of workflow 'demo': list runs with 'glue-wf runs'"
    )
    missing_workflow = console.get("/api/workflows/nope/runs/wr_1/report")
    assert missing_workflow.status == 404
    assert missing_workflow.json()["error"]["message"] == (
        "workflow 'nope' is not deployed on target local: run 'glue-wf deploy --target local' first"
    )
    refused = console.post("/api/workflows/demo/runs/wr_1/report")
    assert (refused.status, refused.json()["error"]["message"]) == (
        405,
        "POST is not allowed on /api/workflows/demo/runs/wr_1/report; use GET",
    )


def test_run_report_says_which_sagemaker_read_failed(console, monkeypatch):
    from glue_workflow.local.dispatch import LocalServiceError

    run_id = console.glue.add_run("demo", "COMPLETED", {"demo-prep": ["SUCCEEDED"]})

    def denied(operation, params):
        raise LocalServiceError(
            "AccessDeniedException",
            f"User: arn:aws:iam::000000000000:user/ci is not authorized to perform: "
            f"sagemaker:{operation}",
        )

    monkeypatch.setattr(console.sagemaker, "handle", denied)
    answer = console.get(f"/api/workflows/demo/runs/{run_id}/report")
    assert answer.status == 502  # AWS refused: an upstream error, with its reason
    assert answer.json()["error"]["message"] == (
        "sagemaker: reading the run's training/processing jobs and endpoint failed: "
        "AccessDeniedException: User: arn:aws:iam::000000000000:user/ci is not authorized to "
        "perform: sagemaker:DescribeTrainingJob; grant the permission to the caller (see infra/ "
        "for the policies glue-wf needs)"
    )


def _verdict(workflow: str, run_id: str, verdict: str, **extra: str) -> dict[str, str]:
    return {
        "workflow": workflow,
        "runId": run_id,
        "verdict": verdict,
        "summary": verdict,
        "consoleUrl": f"http://127.0.0.1:8321/workflows/{workflow}/runs/{run_id}",
        **extra,
    }


def test_notifications_list_what_the_local_target_recorded(console):
    events = boto3.client("events", region_name="us-east-1")
    sns = boto3.client("sns", region_name="us-east-1")
    failed = _verdict("demo", "wr_0a", "failed", failedNode="fit", reason="xgboost crashed")
    entry = {"Source": EVENT_SOURCE, "DetailType": EVENT_DETAIL_TYPE, "Detail": json.dumps(failed)}
    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
    # not a verdict: another publisher's event and message are left out
    events.put_events(Entries=[{"Source": "shop", "DetailType": "Order", "Detail": "{}"}])
    sns.publish(TopicArn=INFRA_TOPIC, Message="hello")
    sns.publish(TopicArn=INFRA_TOPIC, Message=json.dumps(_verdict("other", "wr_0b", "succeeded")))

    answer = console.get("/api/notifications")
    assert answer.status == 200
    listed = answer.json()
    assert (listed["target"], listed["recorded"], listed["note"]) == ("local", True, None)
    found = listed["notifications"]
    assert [(n["Channel"], n["Message"]["runId"]) for n in found] == [
        (f"sns:{INFRA_TOPIC}", "wr_0b"),
        ("eventbridge", "wr_0a"),
    ]
    assert found[1]["Message"] == failed
    assert found[0]["Time"] >= found[1]["Time"]
    # the --json list of glue-wf notifications: ISO 8601 times, PascalCase keys
    assert found[0]["Time"].endswith("+00:00")
    assert all(key[:1].isupper() for d in found[0]["Deliveries"] for key in d)

    only_demo = console.get("/api/notifications?workflow=demo").json()["notifications"]
    assert [n["Message"]["runId"] for n in only_demo] == ["wr_0a"]
    assert len(console.get("/api/notifications?limit=1").json()["notifications"]) == 1
    bad = console.get("/api/notifications?limit=0")
    assert bad.status == 400
    assert bad.json()["error"]["message"] == (
        "query parameter limit must be between 1 and 500, got 0"
    )


def test_notifications_on_aws_say_where_the_messages_are():
    from glue_workflow.config import load_settings
    from glue_workflow.console.api import ConsoleApi
    from glue_workflow.console.models import Models
    from glue_workflow.console.workflows import Workflows

    settings = load_settings(PROJECT, target="aws", env={})
    api = ConsoleApi(
        Workflows(object(), settings=settings, log_path=None),
        Models(object(), object(), object(), endpoint_url=None),
    )
    status, answer = api.dispatch("GET", "/api/notifications", {}, {})
    assert status == 200
    assert answer == {
        "target": "aws",
        "recorded": False,
        "note": "no local record of notifications on --target aws; on AWS the verdicts go to "
        "EventBridge (source glue-wf) and the stack's SNS topic: subscribe to the topic "
        "(aws sns subscribe) or add an EventBridge rule",
        "notifications": [],
    }
