"""glue-wf report: DPU-hours, lag, instance-hours and cost from known AWS answers."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from glue_workflow.errors import ConfigError
from glue_workflow.jobkit.sagemaker_ops import resource_name
from glue_workflow.runs.cost import glue_dpu_seconds, run_cost, shipped_rates, with_overrides
from glue_workflow.runs.cost_sources import sagemaker_usage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rungraphs import T0, WF, run_answer

RATES = shipped_rates()


def test_the_shipped_rate_table_has_its_date_and_sources() -> None:
    assert RATES.dpu_hour == 0.44
    assert RATES.minimum_seconds == 60
    assert RATES.date
    assert all(s.startswith("https://aws.amazon.com/") or "docs.aws" in s for s in RATES.sources)


@pytest.mark.parametrize(
    ("job_run", "dpu_seconds", "basis"),
    [
        # Python shell: 0.0625 DPU x 600 s
        ({"MaxCapacity": 0.0625, "ExecutionTime": 600}, 37.5, "ExecutionTime x 0.0625 DPU"),
        # Spark: 10 x G.2X for 300 s
        (
            {"WorkerType": "G.2X", "NumberOfWorkers": 10, "ExecutionTime": 300},
            6000.0,
            "ExecutionTime x 20 DPU",
        ),
        # billed for at least one minute
        ({"MaxCapacity": 1.0, "ExecutionTime": 7}, 60.0, "ExecutionTime x 1 DPU"),
        # auto-scaling / Flex: Glue's own DPUSeconds win
        (
            {
                "WorkerType": "G.1X",
                "NumberOfWorkers": 10,
                "ExecutionTime": 300,
                "DPUSeconds": 912.5,
            },
            912.5,
            "DPUSeconds",
        ),
    ],
)
def test_glue_dpu_seconds(job_run: dict[str, Any], dpu_seconds: float, basis: str) -> None:
    assert glue_dpu_seconds(job_run, RATES) == (dpu_seconds, basis)


def timed_run() -> dict[str, Any]:
    """preprocess (Spark, retried once) then train (Python shell) with known times."""
    run = run_answer({"preprocess": ["FAILED", "SUCCEEDED"], "train": "SUCCEEDED"})
    nodes = {n["Name"]: n for n in run["Graph"]["Nodes"]}
    first, second = nodes[f"{WF}-preprocess"]["JobDetails"]["JobRuns"]
    first.update(
        StartedOn=T0 + dt.timedelta(seconds=20),
        CompletedOn=T0 + dt.timedelta(seconds=140),
        ExecutionTime=100,
        WorkerType="G.1X",
        NumberOfWorkers=2,
    )
    second.update(
        StartedOn=T0 + dt.timedelta(seconds=150),
        CompletedOn=T0 + dt.timedelta(seconds=450),
        ExecutionTime=270,
        WorkerType="G.1X",
        NumberOfWorkers=2,
    )
    [train] = nodes[f"{WF}-train"]["JobDetails"]["JobRuns"]
    train.update(
        StartedOn=T0 + dt.timedelta(seconds=465),
        CompletedOn=T0 + dt.timedelta(seconds=1065),
        ExecutionTime=580,
        MaxCapacity=0.0625,
    )
    return run


def test_node_figures_from_known_job_runs() -> None:
    report = run_cost(timed_run(), WF, [], RATES)
    rows = {n.node: n for n in report.nodes}
    pre, train = rows[f"{WF}-preprocess"], rows[f"{WF}-train"]
    assert (pre.attempts, pre.lag_seconds, pre.startup_seconds, pre.run_seconds) == (
        2,
        20.0,
        50.0,  # (120 - 100) + (300 - 270)
        370.0,
    )
    assert pre.dpu_hours == pytest.approx((100 + 270) * 2 / 3600)
    assert pre.cost == pytest.approx(pre.dpu_hours * 0.44)
    # train's trigger held when preprocess last completed (450 s): started 15 s later
    assert (train.attempts, train.lag_seconds, train.startup_seconds) == (1, 15.0, 20.0)
    assert train.dpu_hours == pytest.approx(580 * 0.0625 / 3600)
    assert report.total == pytest.approx(pre.cost + train.cost)
    assert report.to_json()["GlueDpuHours"] == pytest.approx(
        pre.dpu_hours + train.dpu_hours, abs=1e-6
    )


def test_a_resumed_run_prices_only_the_job_runs_it_started() -> None:
    # Resumed at 460 s: preprocess's job runs are the original run's (shown in its graph)
    run = timed_run()
    run.update(StartedOn=T0 + dt.timedelta(seconds=460), PreviousRunId="wr_before")
    report = run_cost(run, WF, [], RATES)
    assert [n.node for n in report.nodes] == [f"{WF}-train"]
    # its lag counts from the resume (460 s), not from preprocess's end in that run (450 s)
    assert report.nodes[0].lag_seconds == 5.0
    assert report.total == pytest.approx(580 * 0.0625 / 3600 * 0.44)
    assert report.to_json()["PreviousRunId"] == "wr_before"
    from glue_workflow.cli.report import render

    assert render(report)[1] == (
        "resumed from wr_before: the nodes it did not rerun are priced there "
        "(glue-wf report wr_before)"
    )


def test_overrides_from_glue_wf_toml() -> None:
    rates = with_overrides(
        RATES, {"dpu_hour": 0.5, "training": {"ml.m5.xlarge": 0.3}}, "glue-wf.toml [cost.rates]"
    )
    assert rates.dpu_hour == 0.5
    assert rates.instance_rate("training", "ml.m5.xlarge") == 0.3
    assert rates.overridden == ("dpu_hour", "training.ml.m5.xlarge")
    with pytest.raises(ConfigError) as caught:
        with_overrides(RATES, {"dpu": 1}, "glue-wf.toml [cost.rates]")
    assert str(caught.value) == (
        "glue-wf.toml [cost.rates]: unknown key 'dpu'; use dpu_hour, flex_dpu_hour, "
        "minimum_seconds or a training/processing/hosting table of instance type = USD per hour"
    )
    with pytest.raises(ConfigError, match=r"dpu_hour must be a non-negative number"):
        with_overrides(RATES, {"dpu_hour": "cheap"}, "glue-wf.toml [cost.rates]")
    with pytest.raises(ConfigError) as typo:  # a key no run would ever be priced with
        with_overrides(RATES, {"hosting": {"m5.large": 0.2}}, "glue-wf.toml [cost.rates]")
    assert str(typo.value) == (
        "glue-wf.toml [cost.rates].hosting: 'm5.large' is not a SageMaker hosting instance "
        "type (did you mean 'ml.m5.large'?) (the SageMaker API's ProductionVariantInstanceType"
        '), so no run would be priced with it: use e.g. "ml.m5.large" = 0.115'
    )
    with pytest.raises(ConfigError, match="not a SageMaker training instance type"):
        with_overrides(RATES, {"training": {"ml.t2.medium": 0.05}}, "glue-wf.toml [cost.rates]")


def test_sagemaker_instance_hours_from_describe_answers() -> None:
    run = run_answer(
        {"preprocess": "SUCCEEDED", "train": "SUCCEEDED", "evaluate": "SUCCEEDED"},
        properties={"deploy_status": "deployed", "endpoint_config_name": "ep-cfg"},
    )
    # only the nodes that ran are looked at; the deploy answer comes from the properties
    sm = boto3.client("sagemaker", region_name="us-east-1")
    missing = {"Code": "ValidationException", "Message": "Requested resource not found."}

    def name(node: str, attempt: int = 1) -> str:
        return resource_name(workflow=WF, run_id="wr_1", node=node, attempt=attempt)

    now = T0 + dt.timedelta(hours=3)
    with Stubber(sm) as stub:
        # preprocess: no SageMaker job
        stub.add_client_error("describe_training_job", missing["Code"], missing["Message"])
        stub.add_client_error("describe_processing_job", missing["Code"], missing["Message"])
        # train: one training job of 2 x ml.m5.xlarge billed 900 s
        stub.add_response(
            "describe_training_job",
            _training(name("train"), 900),
            {"TrainingJobName": name("train")},
        )
        stub.add_client_error("describe_training_job", missing["Code"], missing["Message"])
        stub.add_client_error("describe_processing_job", missing["Code"], missing["Message"])
        # evaluate: one processing job of 1 x ml.m5.large for 240 s
        stub.add_client_error("describe_training_job", missing["Code"], missing["Message"])
        stub.add_response("describe_processing_job", _processing(name("evaluate")))
        stub.add_client_error("describe_training_job", missing["Code"], missing["Message"])
        stub.add_client_error("describe_processing_job", missing["Code"], missing["Message"])
        stub.add_response(
            "describe_endpoint_config",
            {
                "EndpointConfigName": "ep-cfg",
                "EndpointConfigArn": "arn:aws:sagemaker:us-east-1:1:endpoint-config/ep-cfg",
                "CreationTime": T0 + dt.timedelta(hours=1),
                "ProductionVariants": [
                    {"VariantName": "v", "InstanceType": "ml.m5.large", "InitialInstanceCount": 2}
                ],
            },
        )
        usage = sagemaker_usage(sm, run, WF, RATES, now)
        stub.assert_no_pending_responses()
    by_kind = {u.kind: u for u in usage}
    assert by_kind["training"].instance_hours == pytest.approx(0.5)  # 900 s x 2
    assert by_kind["training"].cost == pytest.approx(0.5 * 0.23)
    assert by_kind["processing"].instance_hours == pytest.approx(240 / 3600)
    assert by_kind["hosting"].instance_hours == pytest.approx(4.0)  # 2 h x 2 instances
    assert by_kind["hosting"].note.startswith("running")


def _training(name: str, billable: int) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:1:training-job/{name}",
        "ModelArtifacts": {"S3ModelArtifacts": "s3://b/m.tar.gz"},
        "TrainingJobStatus": "Completed",
        "SecondaryStatus": "Completed",
        "AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": "img"},
        "ResourceConfig": {
            "InstanceType": "ml.m5.xlarge",
            "InstanceCount": 2,
            "VolumeSizeInGB": 10,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "CreationTime": T0,
        "BillableTimeInSeconds": billable,
        "TrainingTimeInSeconds": billable,
    }


def _processing(name: str) -> dict[str, Any]:
    return {
        "ProcessingJobName": name,
        "ProcessingJobArn": f"arn:aws:sagemaker:us-east-1:1:processing-job/{name}",
        "ProcessingJobStatus": "Completed",
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 10,
            }
        },
        "AppSpecification": {"ImageUri": "img"},
        "CreationTime": T0,
        "ProcessingStartTime": T0 + dt.timedelta(minutes=5),
        "ProcessingEndTime": T0 + dt.timedelta(minutes=9),
    }


def test_local_flex_job_runs_report_dpu_seconds_as_glue() -> None:
    from glue_workflow.local.glue.state import flex_dpu_seconds

    flex = {"ExecutionClass": "FLEX", "WorkerType": "G.2X", "NumberOfWorkers": 3}
    assert flex_dpu_seconds({**flex, "ExecutionTime": 100}) == 600.0
    assert flex_dpu_seconds({**flex, "ExecutionClass": "STANDARD", "ExecutionTime": 100}) is None
    assert glue_dpu_seconds({**flex, "ExecutionTime": 100, "DPUSeconds": 600.0}, RATES) == (
        600.0,
        "DPUSeconds",
    )


def test_a_config_deployed_before_the_run_is_not_priced_again() -> None:
    """The step cache served deploy (or the run resumed one that deployed): the endpoint
    config is an earlier run's, priced in that run's report."""
    from glue_workflow.runs.cost_sources import _endpoint

    run = run_answer(
        {"deploy": "SUCCEEDED"},
        properties={"deploy_status": "deployed", "endpoint_config_name": "ep-cfg"},
    )
    run["StartedOn"] = T0
    sm = boto3.client("sagemaker", region_name="us-east-1")
    with Stubber(sm) as stub:
        stub.add_response(
            "describe_endpoint_config",
            {
                "EndpointConfigName": "ep-cfg",
                "EndpointConfigArn": "arn:aws:sagemaker:us-east-1:1:endpoint-config/ep-cfg",
                "CreationTime": T0 - dt.timedelta(minutes=5),
                "ProductionVariants": [{"VariantName": "v", "InstanceType": "ml.m5.large"}],
            },
        )
        assert _endpoint(sm, run, RATES, T0 + dt.timedelta(hours=1)) == []
