"""Run-property contracts enforced by the job library, and property renaming."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from glue_workflow.jobkit import JobContext
from glue_workflow.jobkit.contract import ContractError


@pytest.fixture
def run() -> Any:
    with mock_aws():
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_workflow(
            Name="wf", DefaultRunProperties={"a": "1", "secret_sauce": "x", "renamed_b": "2"}
        )
        yield glue, glue.start_workflow_run(Name="wf")["RunId"]


def _ctx(run: Any, *, reads: list[str], writes: list[str], names: dict[str, str] | None = None):
    _glue, run_id = run
    argv = [
        "job.py",
        "--JOB_NAME",
        "wf-score",
        "--WORKFLOW_NAME",
        "wf",
        "--WORKFLOW_RUN_ID",
        run_id,
    ]
    argv += ["--glue_wf_contract", json.dumps({"node": "score", "reads": reads, "writes": writes})]
    if names:
        argv += ["--property_names", json.dumps(names)]
    return JobContext.from_argv(argv, session=boto3.session.Session(region_name="us-east-1"))


def test_reading_an_undeclared_property_fails_naming_it_and_the_node(run: Any) -> None:
    ctx = _ctx(run, reads=["a"], writes=["out"])
    assert ctx.node == "score"
    assert ctx.require("a") == {"a": "1"}
    message = (
        "node 'score' reads run property 'secret_sauce', which it does not declare: add "
        "'secret_sauce' to reads= of node 'score' in the workflow definition (declared reads: a)"
    )
    with pytest.raises(ContractError) as caught:
        ctx.require("secret_sauce")
    assert str(caught.value) == message
    with pytest.raises(ContractError):
        ctx.properties().get("secret_sauce")
    # Iterating shows only what the node may read; its own writes may be read back.
    assert dict(ctx.properties()) == {"a": "1"}


def test_glues_own_properties_are_readable_undeclared(run: Any) -> None:
    # aws:eventIds cannot be declared (not a valid property name in a definition)
    glue, run_id = run
    glue.put_workflow_run_properties(
        Name="wf", RunId=run_id, RunProperties={"aws:eventIds": '["e1","e2"]'}
    )
    ctx = _ctx(run, reads=["a"], writes=["out"])
    assert ctx.properties()["aws:eventIds"] == '["e1","e2"]'


def test_writing_an_undeclared_property_fails_and_writes_nothing(run: Any) -> None:
    glue, run_id = run
    ctx = _ctx(run, reads=[], writes=["out"])
    with pytest.raises(ContractError) as caught:
        ctx.put(out="ok", stray="no")
    assert str(caught.value) == (
        "node 'score' writes run property 'stray', which it does not declare: add 'stray' to "
        "writes= of node 'score' in the workflow definition (declared writes: out)"
    )
    props = glue.get_workflow_run_properties(Name="wf", RunId=run_id)["RunProperties"]
    assert "out" not in props
    assert "stray" not in props
    ctx.put(out="ok", glue_wf_error_score="the failure reason is always allowed")
    # glue-wf's own properties (glue_wf_*) are outside every node's contract
    assert dict(ctx.properties()) == {
        "out": "ok",
        "glue_wf_error_score": "the failure reason is always allowed",
    }


def test_renamed_properties_keep_the_scripts_names(run: Any) -> None:
    glue, run_id = run
    ctx = _ctx(
        run,
        reads=["renamed_b"],
        writes=["clf_uri"],
        names={"b": "renamed_b", "model_uri": "clf_uri"},
    )
    assert ctx.require("b") == {"b": "2"}
    ctx.put(model_uri="s3://x/model.tar.gz")
    props = glue.get_workflow_run_properties(Name="wf", RunId=run_id)["RunProperties"]
    assert props["clf_uri"] == "s3://x/model.tar.gz"
    assert dict(ctx.properties()) == {"b": "2", "model_uri": "s3://x/model.tar.gz"}


def test_without_a_contract_nothing_is_enforced(run: Any) -> None:
    _glue, run_id = run
    argv = ["job.py", "--WORKFLOW_NAME", "wf", "--WORKFLOW_RUN_ID", run_id]
    ctx = JobContext.from_argv(argv, session=boto3.session.Session(region_name="us-east-1"))
    assert ctx.require("secret_sauce") == {"secret_sauce": "x"}
    ctx.put(anything="goes")


def test_an_optional_input_reads_as_empty_when_the_node_does_not_declare_it(run: Any) -> None:
    ctx = _ctx(run, reads=["used"], writes=[])
    glue, run_id = run
    glue.put_workflow_run_properties(
        Name="wf", RunId=run_id, RunProperties={"used": "1", "unused": "2"}
    )
    props = ctx.properties()
    assert props.optional("used") == "1"
    assert props.optional("unused") == ""  # set, but not declared: never a contract error
    assert props.optional("missing") == ""
