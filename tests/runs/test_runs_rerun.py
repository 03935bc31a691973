"""--rerun-from planning on the shipped pipeline, and the cache explanations status shows.

Earlier runs are produced by the scenario engine (a GetWorkflowRun-shaped answer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from glue_workflow.errors import ConfigError, DefinitionError
from glue_workflow.jobkit.cache import RERUN_PROPERTY, files_digest
from glue_workflow.model import Cache, PythonShellJob, SparkJob, Workflow
from glue_workflow.runs import cache_view
from glue_workflow.runs.rerun import RerunError, plan, upstream_and_downstream
from glue_workflow.testing import fails, run_scenario, succeeds
from glue_workflow.validation import check
from triggers.churn_pipeline import workflow as churn

WRITES = {
    node.name: succeeds({w: f"{node.name}-{w}" for w in node.writes})
    for node in churn.nodes
    if node.name not in ("gate", "reject")
}
FILES = {"jobs/train.py": "a" * 64}


def earlier_run(**outcomes: Any) -> dict[str, Any]:
    return dict(run_scenario(churn, {**WRITES, **outcomes}).run)


def deployed(files: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    config = {"cache": True, "files": files or FILES}
    return {
        f"churn-pipeline-{n}": {"DefaultArguments": {"--glue_wf_cache": json.dumps(config)}}
        for n in churn.node_names
    }


def test_upstream_and_downstream_of_train() -> None:
    up, down = upstream_and_downstream(churn, "train")
    assert up == {"preprocess"}
    assert down == {"train", "evaluate", "gate", "register", "deploy", "reject"}
    up, down = upstream_and_downstream(churn, "register")
    assert up == {"preprocess", "train", "evaluate", "gate"}
    assert down == {"register", "deploy"}


def test_plan_copies_upstream_outputs_and_marks_the_run() -> None:
    result = plan(churn, "train", earlier_run(), deployed())
    assert result.reuse == ("preprocess",)
    assert result.rerun == ("deploy", "evaluate", "gate", "register", "reject", "train")
    preprocess = next(n for n in churn.nodes if n.name == "preprocess")
    # its outputs, and what it read in that run (here the defaults' input_uri)
    copied = {k for k in result.properties if k != RERUN_PROPERTY}
    assert copied == set(preprocess.writes) | set(preprocess.reads)
    assert result.properties["train_uri"] == "preprocess-train_uri"
    earlier = earlier_run()["WorkflowRunProperties"]
    assert result.properties["input_uri"] == earlier["input_uri"]
    assert json.loads(result.properties[RERUN_PROPERTY]) == {
        "from": "train",
        "of": "wr_scenario",
        "reuse": ["preprocess"],
        "rerun": ["deploy", "evaluate", "gate", "register", "reject", "train"],
    }


def test_a_property_only_reused_nodes_read_is_refused() -> None:
    from glue_workflow.runs.rerun import refuse_unreached

    result = plan(churn, "train", earlier_run(), deployed())
    # input_uri made the reused split: register's lineage would name the new one
    with pytest.raises(ConfigError) as caught:
        refuse_unreached(churn, result, {"input_uri": "s3://b/other.csv"})
    was = result.properties["input_uri"]
    assert str(caught.value) == (
        "run property 'input_uri' is read by preprocess, which --rerun-from train reuses "
        f"from run wr_scenario where it was {was!r}: the reused outputs were made with that "
        "value; rerun from preprocess to use the new one, or drop -p input_uri"
    )
    # the same value, or a property a rerun node reads, is fine
    refuse_unreached(churn, result, {"input_uri": result.properties["input_uri"]})
    refuse_unreached(churn, result, {"num_round": "50"})


def test_the_verdict_notifier_is_named_not_unknown() -> None:
    with pytest.raises(ConfigError) as caught:
        plan(churn, "notify-verdict", earlier_run(), deployed())
    assert str(caught.value).startswith(
        "--rerun-from notify-verdict: notify-verdict is glue-wf's verdict notifier "
        "(Workflow(notify=...)), which runs with every run and publishes its verdict: rerun "
        "from one of the workflow's own nodes (deploy, evaluate, gate, "
    )


def test_unknown_node_is_refused_with_a_suggestion() -> None:
    with pytest.raises(ConfigError, match=r"has no such node \(did you mean 'train'\?\)"):
        plan(churn, "trian", earlier_run(), deployed())


def test_upstream_node_that_failed_in_the_earlier_run_cannot_be_reused() -> None:
    with pytest.raises(RerunError) as caught:
        plan(churn, "evaluate", earlier_run(train=fails()), deployed())
    assert str(caught.value) == (
        "--rerun-from evaluate: upstream node train ended FAILED in run wr_scenario, so it "
        "has no outputs to reuse: rerun from train (or pass --of with a run where it succeeded)"
    )


def test_the_run_reused_by_default_is_the_latest_whose_upstream_succeeded() -> None:
    """A rejected run succeeded, but its gate FAILED: a rerun from deploy skips it."""
    from glue_workflow.runs.rerun import latest_successful

    good = {**earlier_run(), "WorkflowRunId": "wr_good"}
    rejected = {**earlier_run(gate=rejects_min_accuracy()), "WorkflowRunId": "wr_rejected"}
    assert latest_successful([rejected, good], churn, "deploy") == good
    assert latest_successful([rejected, good], churn, "train") == rejected  # preprocess ran
    assert latest_successful([rejected], churn, "deploy") is None


def test_a_node_on_a_failure_branch_cannot_be_rerun_from() -> None:
    """The rerun serves the gate as it SUCCEEDED, which starts register, not reject."""
    from glue_workflow.runs.rerun import refuse_failure_branch

    with pytest.raises(RerunError) as caught:
        refuse_failure_branch(churn, "reject")
    assert str(caught.value) == (
        "--rerun-from reject: reject runs when gate ends FAILED, and a rerun serves gate as "
        "it SUCCEEDED (which starts the other branch): resume the run where gate ended "
        "FAILED instead (glue-wf resume RUN_ID --node reject)"
    )
    refuse_failure_branch(churn, "deploy")  # on the success branch: fine


def rejects_min_accuracy() -> Any:
    from glue_workflow.testing import rejects

    return rejects("min_accuracy", "accuracy 0.5 < min_accuracy 0.8")


def test_earlier_run_lacking_an_output_is_refused() -> None:
    run = earlier_run()
    del run["WorkflowRunProperties"]["model_artifact_uri"]
    with pytest.raises(RerunError, match=r"lacks output\(s\) model_artifact_uri of upstream node"):
        plan(churn, "evaluate", run, deployed())


def test_changed_upstream_code_makes_reuse_unsafe() -> None:
    run = earlier_run()
    record = {"decision": "ran", "why": "no earlier entry", "files": files_digest(FILES)}
    run["WorkflowRunProperties"]["glue_wf_cache_train"] = json.dumps(record)
    plan(churn, "evaluate", run, deployed())  # same files: fine
    with pytest.raises(RerunError, match="shipped files of upstream node train changed"):
        plan(churn, "evaluate", run, deployed({"jobs/train.py": "b" * 64}))


def test_changed_input_objects_of_a_reused_node_are_refused() -> None:
    # the same URI with new data: the reused split was made from the old rows
    import boto3
    from moto import mock_aws

    from glue_workflow.jobkit.cache_key import objects_digest
    from glue_workflow.runs.rerun import refuse_changed_inputs

    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="bkt")
        s3.put_object(Bucket="bkt", Key="data/churn.csv", Body=b"a,b\n1,2\n")
        uri, store, key = "s3://bkt/data/churn.csv", "s3://bkt/cache/preprocess", "f" * 64
        digest = objects_digest(
            {"data/churn.csv": s3.list_objects_v2(Bucket="bkt")["Contents"][0]["ETag"]}
        )
        entry = {"components": {"inputs": {uri: digest}}, "run_id": "wr_1"}
        s3.put_object(Bucket="bkt", Key=f"cache/preprocess/{key}.json", Body=json.dumps(entry))
        run = earlier_run()
        record = {"decision": "ran", "key": key[:16], "files": files_digest(FILES)}
        run["WorkflowRunProperties"]["glue_wf_cache_preprocess"] = json.dumps(record)
        jobs = deployed()
        config = {"cache": True, "files": FILES, "store": store}
        jobs["churn-pipeline-preprocess"]["DefaultArguments"]["--glue_wf_cache"] = json.dumps(
            config
        )
        result = plan(churn, "train", run, jobs)
        refuse_changed_inputs(s3, churn, result, run, jobs)  # unchanged: fine
        s3.put_object(Bucket="bkt", Key="data/churn.csv", Body=b"a,b\n1,2\n3,4\n")
        with pytest.raises(RerunError) as refused:
            refuse_changed_inputs(s3, churn, result, run, jobs)
        assert str(refused.value) == (
            f"--rerun-from train: input {uri} of upstream node preprocess changed since run "
            f"{result.of} read it: the reused outputs were made from the old objects; rerun "
            "from preprocess"
        )


def test_gone_outputs_of_a_reused_node_are_refused() -> None:
    # evaluate failed later, reading a model.tar.gz deleted since
    import boto3
    from moto import mock_aws

    from glue_workflow.runs.rerun import refuse_missing_outputs

    run = earlier_run()
    props = run["WorkflowRunProperties"]
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="bkt")
        for name in ("train_uri", "validation_uri", "test_uri", "model_artifact_uri"):
            props[name] = f"s3://bkt/run/{name}/"
            s3.put_object(Bucket="bkt", Key=f"run/{name}/part-0", Body=b"x")
        result = plan(churn, "evaluate", run, deployed())
        refuse_missing_outputs(s3, churn, result)  # all there: fine
        s3.delete_object(Bucket="bkt", Key="run/model_artifact_uri/part-0")
        with pytest.raises(RerunError) as refused:
            refuse_missing_outputs(s3, churn, result)
    assert str(refused.value) == (
        "--rerun-from evaluate: output model_artifact_uri=s3://bkt/run/model_artifact_uri/ of "
        f"upstream node train in run {result.of} is gone: rerun from train"
    )


def test_run_not_completed_is_refused() -> None:
    run = earlier_run()
    run["Status"] = "RUNNING"
    with pytest.raises(RerunError, match="is RUNNING, not COMPLETED: wait for it to finish"):
        plan(churn, "train", run, deployed())
    run["Status"] = "STOPPED"  # it has ended: waiting would not help
    with pytest.raises(RerunError) as caught:
        plan(churn, "train", run, deployed())
    assert str(caught.value).endswith(
        "is STOPPED, not COMPLETED: pass --of with the id of a completed run"
    )


def test_status_notes_read_the_cache_decisions() -> None:
    props = {
        "glue_wf_cache_preprocess": json.dumps({"decision": "cached", "run": "wr_1"}),
        "glue_wf_cache_train": json.dumps(
            {"decision": "ran", "why": "read num_round changed 100 -> 200"}
        ),
        "glue_wf_cache_gate": json.dumps(
            {"decision": "reused", "run": "wr_1", "why": "upstream of --rerun-from register"}
        ),
        "glue_wf_cache_bad": "not json",
    }
    notes = cache_view.notes({"WorkflowRunProperties": props})
    assert notes == {
        "gate": "reused from run wr_1 (upstream of --rerun-from register)",
        "preprocess": "cached (from run wr_1)",
        "train": "ran: read num_round changed 100 -> 200",
    }
    jobs = cache_view.job_notes({"WorkflowRunProperties": props}, "churn-pipeline")
    assert jobs["churn-pipeline-train"] == "ran: read num_round changed 100 -> 200"


def test_cache_model_errors_name_the_fix() -> None:
    with pytest.raises(DefinitionError, match="expire_after='30 days' is not a duration"):
        Cache(expire_after="30 days")
    with pytest.raises(DefinitionError, match="cache= needs the job library"):
        SparkJob(name="etl", script="jobs/etl.py", cache=True)
    with pytest.raises(DefinitionError, match="cache inputs name 'data_uri'"):
        PythonShellJob(name="t", script="jobs/t.py", cache=Cache(inputs=("data_uri",)))
    with pytest.raises(DefinitionError, match="cache= must be True, False or Cache"):
        PythonShellJob(name="t", script="jobs/t.py", cache="yes")  # type: ignore[arg-type]
    assert Cache(expire_after="2w").expire_seconds == 1209600
    assert PythonShellJob(name="t", script="jobs/t.py", cache=True).cache == Cache()


@pytest.mark.parametrize("name", ["glue_wf_cache_train", "glue_wf_no_cache", "glue_wf_rerun"])
def test_cache_property_names_are_reserved(name: str) -> None:
    job = PythonShellJob(name="t", script="jobs/t.py", writes=(name,))
    with pytest.raises(DefinitionError, match=f"declares run property '{name}'.*reserved"):
        check(Workflow(name="wf", nodes=(job,)))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--of", "wr_1"], "--of RUN_ID needs --rerun-from NODE: which node to rerun from"),
        (
            ["--no-cache", "-p", "glue_wf_rerun=x"],
            "run property 'glue_wf_rerun' is reserved: use glue-wf run --no-cache / --rerun-from",
        ),
        # without a cache option too: the docs' Reserved names (it ran every node uncached)
        (
            ["-p", "glue_wf_no_cache=true"],
            "run property 'glue_wf_no_cache' is reserved: use glue-wf run --no-cache / "
            "--rerun-from",
        ),
        (
            ["-p", "glue_wf_cache_train=x"],
            "run property 'glue_wf_cache_train' is reserved: use glue-wf run --no-cache / "
            "--rerun-from",
        ),
    ],
)
def test_run_refuses_misused_cache_options(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch, local_home: Path
) -> None:
    from click.testing import CliRunner

    from glue_workflow.cli import cli

    monkeypatch.setenv("GLUE_WF_HOME", str(local_home))  # uninstalled after the test
    project = str(Path(__file__).resolve().parents[2])
    result = CliRunner().invoke(cli, ["run", "--project", project, "--target", "local", *args])
    assert isinstance(result.exception, ConfigError)
    assert str(result.exception) == message
