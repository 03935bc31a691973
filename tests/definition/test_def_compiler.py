"""The compiled document: golden file, determinism, and the Glue rules it must keep."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from glue_workflow.compiler import compile_workflow
from glue_workflow.document import MANAGED_BY_TAG, OWNER_TAG
from glue_workflow.errors import DefinitionError
from glue_workflow.model import (
    Action,
    Event,
    Gate,
    PythonShellJob,
    Scheduled,
    SparkJob,
    Trigger,
    Workflow,
    failed,
    succeeded,
)
from glue_workflow.servicemodel import check_document
from glue_workflow.validation.document import check_document_rules

GOLDEN = Path(__file__).parent / "golden" / "churn_pipeline.json"
ROOT = Path(__file__).resolve().parents[2]


def shipped() -> Workflow:
    from triggers.churn_pipeline import workflow

    return workflow


def test_golden_document(fixed_context: Any) -> None:
    document = compile_workflow(shipped(), fixed_context(shipped()))
    text = document.to_json()
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), (
        "compiled document changed: review, then regenerate with UPDATE_GOLDEN=1"
    )


def test_document_passes_service_model_and_glue_rules(fixed_context: Any) -> None:
    document = compile_workflow(shipped(), fixed_context(shipped()))
    check_document(document)
    assert check_document_rules(document.to_dict()) == []


def test_compile_is_byte_identical_across_processes(fixed_context: Any) -> None:
    here = compile_workflow(shipped(), fixed_context(shipped())).to_json()
    code = (
        f"import sys; sys.path[:0] = [{str(Path(__file__).parent)!r}, {str(ROOT)!r}]\n"
        "from conftest import fixed_context\n"
        "from triggers.churn_pipeline import workflow\n"
        "from glue_workflow.compiler import compile_workflow\n"
        "sys.stdout.write(compile_workflow(workflow, fixed_context(workflow)).to_json())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert other == here


def test_shipped_graph_shape(fixed_context: Any) -> None:
    document = compile_workflow(shipped(), fixed_context(shipped()))
    edges = {
        (c["JobName"], c["State"], a["JobName"])
        for t in document.triggers
        if t["Type"] == "CONDITIONAL"
        for c in t["Predicate"]["Conditions"]
        for a in t["Actions"]
    }
    p = "churn-pipeline-"
    assert edges == {
        (p + "preprocess", "SUCCEEDED", p + "train"),
        (p + "train", "SUCCEEDED", p + "evaluate"),
        (p + "evaluate", "SUCCEEDED", p + "gate"),
        (p + "gate", "SUCCEEDED", p + "register"),
        (p + "register", "SUCCEEDED", p + "deploy"),
        (p + "gate", "FAILED", p + "reject"),
    }
    start = document.trigger("churn-pipeline-start")
    assert start["Type"] == "ON_DEMAND"
    assert "StartOnCreation" not in start
    assert start["Actions"] == [{"JobName": p + "preprocess"}]
    assert document.workflow["DefaultRunProperties"]["input_uri"] == (
        "s3://example-bucket/data/churn.csv"
    )
    pre = document.job(p + "preprocess")
    assert (pre["GlueVersion"], pre["WorkerType"], pre["NumberOfWorkers"]) == ("5.0", "G.1X", 2)
    train = document.job(p + "train")
    assert train["Command"]["Name"] == "pythonshell"
    assert (train["GlueVersion"], train["MaxCapacity"]) == ("3.0", 0.0625)
    assert train["DefaultArguments"]["library-set"] == "analytics"
    assert train["DefaultArguments"]["--xgboost_image_uri"].endswith("sagemaker-xgboost:3.0-5")
    assert "jobkit" in train["DefaultArguments"]["--extra-py-files"]
    evaluate = document.job(p + "evaluate")
    assert evaluate["DefaultArguments"]["--evaluation_script_uri"].endswith("/evaluate_model.py")


def test_every_resource_is_tagged(fixed_context: Any) -> None:
    document = compile_workflow(shipped(), fixed_context(shipped()))
    for request in (document.workflow, *document.jobs, *document.triggers):
        assert request["Tags"][OWNER_TAG] == "churn-pipeline"
        assert request["Tags"][MANAGED_BY_TAG] == "glue-wf"


def test_every_trigger_has_workflow_logical_and_equals(fixed_context: Any) -> None:
    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        nodes=(
            PythonShellJob(name="a", script="jobs/a.py"),
            PythonShellJob(name="b", script="jobs/b.py"),
            PythonShellJob(name="c", script="jobs/c.py", after=succeeded("a", "b")),
            PythonShellJob(name="d", script="jobs/d.py", after=failed("a", "b")),
            PythonShellJob(name="e", script="jobs/e.py", after=succeeded("a", "b")),
        ),
    )
    document = compile_workflow(workflow, fixed_context(workflow))
    conditional = [t for t in document.triggers if t["Type"] == "CONDITIONAL"]
    assert len(conditional) == 2  # c and e share one trigger: the minimal set
    for trigger in document.triggers:
        assert trigger["WorkflowName"] == "wf"
    for trigger in conditional:
        assert trigger["Predicate"]["Logical"] in ("AND", "ANY")
        assert {c["LogicalOperator"] for c in trigger["Predicate"]["Conditions"]} == {"EQUALS"}
    shared = next(t for t in conditional if len(t["Actions"]) == 2)
    assert shared["Predicate"]["Logical"] == "AND"
    assert [a["JobName"] for a in shared["Actions"]] == ["wf-c", "wf-e"]
    assert shared["Name"].startswith("wf-on-all-a-and-1-more-")
    check_document(document)


def test_scheduled_event_and_explicit_trigger_options(fixed_context: Any) -> None:
    nodes = (
        SparkJob(
            name="etl",
            script="jobs/etl.py",
            worker_type="G.1X",
            number_of_workers=10,
            glue_version="4.0",
            execution_class="FLEX",
            extra_files=["conf/x.json"],
            job_bookmarks=True,
        ),
        PythonShellJob(
            name="b",
            script="jobs/b.py",
            max_capacity=1.0,
            library_set="none",
            connections=["vpc-conn"],
            security_configuration="kms-at-rest",
            notify_delay_after=15,
            additional_python_modules=["scikit-learn==1.5.2"],
        ),
    )
    trigger = Trigger(
        name="then-b",
        when=succeeded("etl"),
        actions=[
            Action(node="b", arguments={"--limit": "{region}"}, timeout=7, notify_delay_after=3)
        ],
        active=False,
    )
    scheduled = Workflow(
        name="wf",
        nodes=nodes,
        triggers=[trigger],
        max_concurrent_runs=1,
        start=Scheduled(cron="cron(0 6 * * ? *)", active=False),
    )
    document = compile_workflow(scheduled, fixed_context(scheduled))
    start = document.trigger("wf-start")
    assert (start["Type"], start["Schedule"], start["StartOnCreation"]) == (
        "SCHEDULED",
        "cron(0 6 * * ? *)",
        False,
    )
    explicit = document.trigger("wf-then-b")
    assert explicit["StartOnCreation"] is False
    assert explicit["Actions"] == [
        {
            "JobName": "wf-b",
            "Arguments": {"--limit": "eu-west-1"},
            "Timeout": 7,
            "NotificationProperty": {"NotifyDelayAfter": 3},
        }
    ]
    etl = document.job("wf-etl")
    assert (etl["WorkerType"], etl["NumberOfWorkers"]) == ("G.1X", 10)
    assert "MaxCapacity" not in etl  # Glue 2.0+: workers, never a maximum capacity
    assert etl["ExecutionClass"] == "FLEX"
    assert etl["DefaultArguments"]["--job-bookmark-option"] == "job-bookmark-enable"
    assert etl["DefaultArguments"]["--extra-files"].endswith("/x.json")
    assert etl["Timeout"] == 2880  # Glue 4.0 default, always sent explicitly
    b = document.job("wf-b")
    assert b["Connections"] == {"Connections": ["vpc-conn"]}
    assert b["SecurityConfiguration"] == "kms-at-rest"
    assert b["NotificationProperty"] == {"NotifyDelayAfter": 15}
    assert b["DefaultArguments"]["--additional-python-modules"] == "scikit-learn==1.5.2"
    assert b["DefaultArguments"]["library-set"] == "none"
    check_document(document)
    evented = Workflow(
        name="wf",
        nodes=nodes[1:],
        max_concurrent_runs=1,
        start=Event(batch_size=5, batch_window=60),
    )
    start = compile_workflow(evented, fixed_context(evented)).trigger("wf-start")
    assert start["EventBatchingCondition"] == {"BatchSize": 5, "BatchWindow": 60}


def test_gate_compiles_to_python_shell_job(fixed_context: Any) -> None:
    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        nodes=(
            PythonShellJob(name="e", script="jobs/e.py", writes=["auc"]),
            Gate(name="check", conditions=["auc > 0.7", "auc < 0.999"], after=succeeded("e")),
        ),
    )
    job = compile_workflow(workflow, fixed_context(workflow)).job("wf-check")
    assert job["Command"]["ScriptLocation"].endswith("/gate.py")
    args = job["DefaultArguments"]
    assert args["--gate_name"] == "check"
    assert json.loads(args["--gate_conditions"]) == [
        {"metric": "auc", "op": ">", "value": 0.7},
        {"metric": "auc", "op": "<", "value": 0.999},
    ]
    assert json.loads(args["--glue_wf_producers"]) == {"auc": "node 'e' (job wf-e)"}


def test_missing_artifact_is_a_clear_error(fixed_context: Any) -> None:
    workflow = shipped()
    context = fixed_context(workflow)
    partial = type(context)(**{**context.__dict__, "artifacts": context.artifacts[1:]})
    with pytest.raises(DefinitionError, match="no artifact for 'glue_workflow/jobkit'"):
        compile_workflow(workflow, partial)


def test_compiler_imports_no_boto3() -> None:
    code = (
        "import sys; import glue_workflow.compiler; "
        "print(any(m.split('.')[0] in ('boto3', 'botocore') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_wide_fan_out_keeps_descriptions_within_glue_limits(fixed_context: Any) -> None:
    nodes = [PythonShellJob(name="root", script="jobs/root.py")]
    nodes += [
        PythonShellJob(name=f"worker-{i:03d}", script="jobs/w.py", after=succeeded("root"))
        for i in range(300)
    ]
    nodes.append(
        PythonShellJob(
            name="join", script="jobs/j.py", after=succeeded(*[n.name for n in nodes[1:]])
        )
    )
    workflow = Workflow(name="wide", nodes=tuple(nodes), max_concurrent_runs=1)
    document = compile_workflow(workflow, fixed_context(workflow))
    check_document(document)
    fan_out = document.trigger("wide-on-root-succeeded")
    assert fan_out["Description"] == "Start 300 nodes when all of 1 conditions hold"
    assert len(fan_out["Actions"]) == 300


def test_training_resources_compile_into_the_train_jobs_arguments(fixed_context: Any) -> None:
    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        nodes=(
            PythonShellJob(
                name="train", script="jobs/train.py", instance_type="ml.m5.xlarge", instance_count=4
            ),
            PythonShellJob(name="other", script="jobs/other.py", after=succeeded("train")),
        ),
    )
    document = compile_workflow(workflow, fixed_context(workflow))
    args = document.job("wf-train")["DefaultArguments"]
    assert args["--training_instance_type"] == "ml.m5.xlarge"
    assert args["--training_instance_count"] == "4"
    assert "--training_instance_count" not in document.job("wf-other")["DefaultArguments"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"instance_type": "m5.xlarge"}, "instance_type='m5.xlarge' is not a SageMaker instance"),
        (  # an inference-only type: CreateTrainingJob's enum has no ml.t2
            {"instance_type": "ml.t2.medium"},
            r"instance_type='ml.t2.medium' is not a SageMaker training instance type \(did you ",
        ),
        (
            {"instance_type": "ml.m5.xlarg"},
            r"is not a SageMaker training instance type \(did you mean 'ml.m5.xlarge'\?\) \(the "
            r"SageMaker API's TrainingInstanceType: CreateTrainingJob would refuse it\)",
        ),
        ({"instance_count": 0}, "instance_count"),
        (
            {"instance_count": 2, "arguments": {"--training_instance_count": "2"}},
            "set the same thing",
        ),
        (  # the shipped scripts' arguments: each against its own API's enum
            {"arguments": {"--endpoint_instance_type": "ml.m5.larg"}},
            r"argument --endpoint_instance_type='ml.m5.larg' is not a SageMaker instance type "
            r"\(did you mean 'ml.m5.large'\?\) for CreateEndpointConfig \(the SageMaker API's "
            r"ProductionVariantInstanceType: it would refuse it after the nodes before this "
            r"one ran\), e.g. 'ml.m5.large' \[instance-type\]",
        ),
        (  # training offers no ml.t2: an endpoint type, named as one
            {"arguments": {"--training_instance_type": "ml.t2.medium"}},
            r"--training_instance_type='ml.t2.medium' is a SageMaker instance type, but not one "
            r"CreateTrainingJob offers \(did you mean 'ml.t3.medium'\?\) \(the SageMaker API's "
            r"TrainingInstanceType",
        ),
        (
            {"arguments": {"--processing_instance_type": "m5.large"}},
            r"for CreateProcessingJob \(the SageMaker API's ProcessingInstanceType",
        ),
        (
            {"arguments": {"--processing_max_runtime": "1000000"}},
            r"argument --processing_max_runtime='1000000' must be a whole number, 1 to 777600 "
            r"\(SageMaker's ProcessingStoppingCondition.MaxRuntimeInSeconds\) "
            r"\[argument-value\]",
        ),
        (
            {"arguments": {"--training_max_runtime": "1h"}},
            r"--training_max_runtime='1h' must be a whole number, at least 1",
        ),
        (
            {"arguments": {"--processing_instance_count": "101"}},
            r"must be a whole number, 1 to 100 \(SageMaker's ProcessingClusterConfig.InstanceCount",
        ),
        (
            {"arguments": {"--endpoint_instance_count": "0"}},
            r"--endpoint_instance_count='0' must be a whole number, at least 1",
        ),
    ],
)
def test_training_resources_are_checked(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        PythonShellJob(name="train", script="jobs/train.py", **fields)


def test_valid_sagemaker_arguments_pass() -> None:
    PythonShellJob(
        name="deploy",
        script="jobs/deploy.py",
        arguments={
            "--endpoint_instance_type": "ml.t2.medium",  # inference offers it
            "--processing_instance_type": "ml.m5.xlarge",
            "--training_max_runtime": "86400",
        },
    )
