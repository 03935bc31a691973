"""Run control with botocore's Stubber (moto has no ResumeWorkflowRun and no run graph)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber
from rungraphs import HAPPY, WF, run_answer

from glue_workflow.aws.retry import RetryPolicy
from glue_workflow.config import load_settings
from glue_workflow.errors import ConfigError, DefinitionError, NotFoundError, RunError
from glue_workflow.runs import control, resume
from glue_workflow.runs.glue_run_calls import GlueRunsApi
from glue_workflow.runs.view import console_url, format_duration


@pytest.fixture
def aws(tmp_path: Path) -> Iterator[tuple[control.RunTarget, Stubber]]:
    (tmp_path / "glue-wf.toml").write_text('[target]\ndefault = "aws"\n')
    settings = load_settings(tmp_path)
    client = boto3.client("glue", region_name="us-east-1",
                          config=Config(retries={"total_max_attempts": 1}))  # fmt: skip
    api = GlueRunsApi(client=client, policy=RetryPolicy(sleep=lambda _s: None))
    with Stubber(client) as stubber:
        yield control.RunTarget(settings=settings, workflow=WF, glue=api), stubber
        stubber.assert_no_pending_responses()


def get_run(stubber: Stubber, run: dict[str, Any]) -> None:
    stubber.add_response("get_workflow_run", {"Run": run},
                         {"Name": WF, "RunId": "wr_1", "IncludeGraph": True})  # fmt: skip


def jobs_exist(stubber: Stubber, run: dict[str, Any], *, gone: tuple[str, ...] = ()) -> None:
    """BatchGetJobs of the run's job nodes: every one still deployed but ``gone``."""
    names = sorted(n["Name"] for n in run["Graph"]["Nodes"] if n["Type"] == "JOB")
    stubber.add_response(
        "batch_get_jobs",
        {
            "Jobs": [{"Name": n} for n in names if n not in gone],
            "JobsNotFound": [n for n in names if n in gone],
        },
        {"JobNames": names},
    )


SECRET_MESSAGE = (
    "run property {key!r} looks like a secret: run properties are stored and shown in plain "
    "text by Glue; keep the secret in AWS Secrets Manager or SSM Parameter Store and pass "
    "its ARN or name under a key ending in _arn or _name (e.g. db_password_secret_arn) for "
    "the job to read at run time"
)


def test_start_refuses_secret_properties_before_any_call(
    aws: tuple[control.RunTarget, Stubber],
) -> None:
    target, _stubber = aws  # no stubbed response: a call would fail the test
    for key in ("db_password", "API-KEY", "github_token", "aws_secret_access_key"):
        with pytest.raises(control.SecretRunPropertyError) as err:
            control.start(target, {key: "x"})
        assert str(err.value) == SECRET_MESSAGE.format(key=key)
    with pytest.raises(ConfigError) as shaped:
        control.start(target, {"note": "AKIAABCDEFGHIJKLMNOP"})
    assert str(shaped.value).startswith(
        "run property 'note' looks like a secret (its value is shaped like an AWS access key "
        "id): run properties are stored"
    )


def test_start_refuses_reserved_failure_reason_properties() -> None:
    with pytest.raises(ConfigError) as err:
        control.check_properties({"glue_wf_error_train": "x"})
    assert str(err.value) == (
        "run property 'glue_wf_error_train' is reserved: names starting with 'glue_wf_error_' "
        "hold a failed node's reason, written by the job itself; pass another name"
    )


def test_secret_references_are_accepted_like_validate_does() -> None:
    # What the hint suggests must pass: the same rule as the definition validator's.
    from glue_workflow.model.secrets import looks_like_secret

    for key in ("db_password_secret_arn", "db_secret_name", "tokenizer"):
        control.check_properties({key: "prod/db"})
        assert not looks_like_secret(key)


def test_concurrent_runs_exceeded_names_the_active_runs(
    aws: tuple[control.RunTarget, Stubber],
) -> None:
    target, stubber = aws
    stubber.add_response("get_workflow", {"Workflow": {"Name": WF, "MaxConcurrentRuns": 1}})
    stubber.add_client_error("start_workflow_run",
                             service_error_code="ConcurrentRunsExceededException",
                             service_message="Concurrent runs exceeded for workflow")  # fmt: skip
    stubber.add_response("get_workflow_runs", {"Runs": [
        {"Name": WF, "WorkflowRunId": "wr_old", "Status": "COMPLETED"},
        {"Name": WF, "WorkflowRunId": "wr_live", "Status": "RUNNING"},
    ]})  # fmt: skip
    with pytest.raises(RunError) as err:
        control.start(target, {})
    assert str(err.value) == (
        f"workflow {WF} already has its maximum of concurrent runs (1) active (active: "
        "wr_live): wait for it to finish (glue-wf status wr_live --wait), stop it "
        "(glue-wf stop wr_live), or raise max_concurrent_runs in the workflow definition "
        "and deploy"
    )


def test_history_and_stop_of_missing_things(aws: tuple[control.RunTarget, Stubber]) -> None:
    target, stubber = aws
    stubber.add_client_error("get_workflow_runs", service_error_code="EntityNotFoundException",
                             service_message="Workflow not found")  # fmt: skip
    with pytest.raises(NotFoundError) as err:
        control.history(target, 20)
    assert str(err.value) == (
        f"workflow {WF!r} is not deployed on target aws: run 'glue-wf deploy --target aws' first"
    )
    stubber.add_client_error("stop_workflow_run", service_error_code="EntityNotFoundException",
                             service_message="Workflow run not found")  # fmt: skip
    with pytest.raises(NotFoundError) as stop_err:
        control.stop(target, "wr_nope")
    assert str(stop_err.value) == (
        f"no run 'wr_nope' of workflow {WF!r}: list runs with 'glue-wf runs'"
    )


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("RUNNING", f"run wr_1 of workflow {WF!r} is RUNNING: only a COMPLETED run can be "
                    "resumed; wait for it to finish (glue-wf status wr_1 --wait) "
                    "or stop it (glue-wf stop wr_1)"),
        ("STOPPING", f"run wr_1 of workflow {WF!r} is STOPPING: only a COMPLETED run can be "
                     "resumed; wait for it to finish (glue-wf status wr_1 --wait) "
                     "or stop it (glue-wf stop wr_1)"),
        # glue-semantics.md §8: only a COMPLETED run can be resumed, never a stopped one.
        ("STOPPED", f"run wr_1 of workflow {WF!r} is STOPPED: only a COMPLETED run can be "
                    "resumed; start a new run instead (glue-wf run)"),
        ("ERROR", f"run wr_1 of workflow {WF!r} is ERROR: only a COMPLETED run can be "
                  "resumed; start a new run instead (glue-wf run)"),
    ],
)  # fmt: skip
def test_resume_checks_the_run_status_first(
    aws: tuple[control.RunTarget, Stubber], status: str, message: str
) -> None:
    target, stubber = aws
    get_run(stubber, run_answer({"preprocess": "FAILED"}, status=status))
    with pytest.raises(RunError) as err:
        resume.resume(target, "wr_1", [])
    assert str(err.value) == message


def test_start_warns_about_unknown_property(aws: tuple[control.RunTarget, Stubber]) -> None:
    target, stubber = aws
    stubber.add_response("get_workflow", {"Workflow": {
        "Name": WF, "DefaultRunProperties": {"min_accuracy": "0.9"}}})  # fmt: skip
    stubber.add_response("start_workflow_run", {"RunId": "wr_9"},
                         {"Name": WF, "RunProperties": {"triggered_by": "ci"}})  # fmt: skip
    run_id, warnings = control.start(target, {"triggered_by": "ci"})
    assert run_id == "wr_9"
    assert warnings == [
        "run property 'triggered_by' is not one of the workflow's defaults or start parameters"
    ]


def test_start_refuses_a_misspelt_property(aws: tuple[control.RunTarget, Stubber]) -> None:
    # The run would gate on the default 0.9, not the 0.999 the caller meant: nothing starts.
    target, stubber = aws
    stubber.add_response("get_workflow", {"Workflow": {
        "Name": WF, "DefaultRunProperties": {"min_accuracy": "0.9"}}})  # fmt: skip
    with pytest.raises(ConfigError) as err:
        control.start(target, {"min_acuracy": "0.999"})
    assert str(err.value) == (
        "run property 'min_acuracy' (did you mean 'min_accuracy'? it would keep its default "
        "'0.9'): not one of the workflow's defaults or start parameters; pass the property's "
        "own name (-p min_accuracy=VALUE)"
    )
    stubber.assert_no_pending_responses()


def test_start_refuses_a_property_in_another_case(aws: tuple[control.RunTarget, Stubber]) -> None:
    # the nearest miss of all (it only warned, and the run used the default)
    target, stubber = aws
    stubber.add_response("get_workflow", {"Workflow": {
        "Name": WF, "DefaultRunProperties": {"min_accuracy": "0.9"}}})  # fmt: skip
    with pytest.raises(ConfigError) as err:
        control.start(target, {"MIN_ACCURACY": "0.999"})
    assert str(err.value).startswith(
        "run property 'MIN_ACCURACY' (did you mean 'min_accuracy'? it would keep its default '0.9')"
    )


def test_start_takes_a_node_s_own_property_near_a_default(
    aws: tuple[control.RunTarget, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    # train_uri is close to the default input_uri, but a node writes it: seeding it is no
    # typo, so it starts with the usual warning
    target, stubber = aws
    monkeypatch.setattr(control, "node_properties", lambda _settings, _wf: {"train_uri"})
    stubber.add_response("get_workflow", {"Workflow": {
        "Name": WF, "DefaultRunProperties": {"input_uri": "s3://b/in.csv"}}})  # fmt: skip
    stubber.add_response("start_workflow_run", {"RunId": "wr_9"},
                         {"Name": WF, "RunProperties": {"train_uri": "s3://b/t/"}})  # fmt: skip
    run_id, warnings = control.start(target, {"train_uri": "s3://b/t/"})
    assert run_id == "wr_9"
    assert warnings == [
        "run property 'train_uri' is not one of the workflow's defaults or start parameters"
    ]


def test_start_needs_the_definition_s_start_parameters(
    aws: tuple[control.RunTarget, Stubber],
) -> None:
    target, stubber = aws
    target = replace(target, start_parameters=("owner", "batch_date"))
    stubber.add_response("get_workflow", {"Workflow": {
        "Name": WF, "DefaultRunProperties": {"min_accuracy": "0.9"}}})  # fmt: skip
    with pytest.raises(ConfigError) as err:
        control.start(target, {"owner": "alice"})
    assert str(err.value) == (
        f"workflow {WF} needs run property 'batch_date' at start (the definition's "
        "start_parameters): pass -p batch_date=VALUE"
    )
    stubber.add_response("get_workflow", {"Workflow": {
        "Name": WF, "DefaultRunProperties": {"min_accuracy": "0.9"}}})  # fmt: skip
    given = {"owner": "alice", "batch_date": "2026-12-01"}
    stubber.add_response("start_workflow_run", {"RunId": "wr_9"},
                         {"Name": WF, "RunProperties": given})  # fmt: skip
    assert control.start(target, given) == ("wr_9", [])  # a start parameter is no stranger


@pytest.mark.parametrize("value", ["not-a-uri", "/tmp/x.csv", "s3:/b/x.csv", "S3://bkt/x.csv"])
def test_a_property_whose_default_is_an_s3_uri_gets_one(
    aws: tuple[control.RunTarget, Stubber], value: str
) -> None:
    target, stubber = aws
    stubber.add_response("get_workflow", {"Workflow": {
        "Name": WF, "DefaultRunProperties": {"input_uri": "s3://b/data/churn.csv"}}})  # fmt: skip
    with pytest.raises(ConfigError) as err:
        control.start(target, {"input_uri": value})
    assert str(err.value) == (
        f"run property input_uri={value!r} is not an s3://BUCKET/KEY URI, as its default "
        "'s3://b/data/churn.csv' is: pass an S3 URI; a file on this machine goes to S3 first "
        "with 'glue-wf upload-data FILE --to s3://b/data/FILE_NAME', then "
        "-p input_uri=s3://b/data/FILE_NAME"
    )


def test_resume_defaults_to_unhandled_failures(aws: tuple[control.RunTarget, Stubber]) -> None:
    target, stubber = aws
    run = run_answer({"preprocess": "SUCCEEDED", "train": "SUCCEEDED", "evaluate": "FAILED"})
    get_run(stubber, run)
    jobs_exist(stubber, run)
    stubber.add_response(
        "resume_workflow_run",
        {"RunId": "wr_2", "NodeIds": ["wnode_evaluate", "wnode_gate"]},
        {"Name": WF, "RunId": "wr_1", "NodeIds": ["wnode_evaluate"]},
    )
    resumed = resume.resume(target, "wr_1", [])
    assert resumed == resume.Resumed(
        run_id="wr_2", selected=(f"{WF}-evaluate",),
        restarted=(f"{WF}-evaluate", f"{WF}-gate"),
        selected_ids=("wnode_evaluate",), restarted_ids=("wnode_evaluate", "wnode_gate"),
    )  # fmt: skip


def test_resume_named_node_and_errors(aws: tuple[control.RunTarget, Stubber]) -> None:
    target, stubber = aws
    run = run_answer({"preprocess": "SUCCEEDED", "train": "SUCCEEDED", "evaluate": "FAILED"})
    get_run(stubber, run)
    jobs_exist(stubber, run)
    stubber.add_response("resume_workflow_run", {"RunId": "wr_3", "NodeIds": ["wnode_train"]},
                         {"Name": WF, "RunId": "wr_1", "NodeIds": ["wnode_train"]})  # fmt: skip
    assert resume.resume(target, "wr_1", ["train"]).run_id == "wr_3"
    # a job a deploy removed or renamed since the run: its graph would start it
    get_run(stubber, run)
    jobs_exist(stubber, run, gone=(f"{WF}-gate",))
    with pytest.raises(RunError) as gone:
        resume.resume(target, "wr_1", ["train"])
    assert str(gone.value) == (
        f"cannot resume run wr_1: its graph holds job(s) {WF}-gate that no longer exist "
        "(removed or renamed by a deploy since the run), and a resume runs the run's own "
        "graph; start a new run instead (glue-wf run)"
    )
    # beyond MaxConcurrentRuns: the message run gives, active runs named
    get_run(stubber, run)
    jobs_exist(stubber, run)
    stubber.add_client_error("resume_workflow_run",
                             service_error_code="ConcurrentRunsExceededException",
                             service_message="Concurrent runs exceeded for workflow")  # fmt: skip
    stubber.add_response("get_workflow_runs", {"Runs": [{
        "WorkflowRunId": "wr_live", "Name": WF, "Status": "RUNNING"}]})  # fmt: skip
    with pytest.raises(RunError) as busy:
        resume.resume(target, "wr_1", ["train"])
    assert str(busy.value).startswith(
        f"workflow {WF} already has its maximum of concurrent runs active (active: wr_live): "
    )
    get_run(stubber, run)
    with pytest.raises(RunError) as err:
        resume.resume(target, "wr_1", ["deploy"])
    assert str(err.value) == (
        f"cannot resume run wr_1 from {WF}-deploy: never ran in that run (Glue resumes only "
        "nodes with a run attempt)"
    )
    get_run(stubber, run_answer(HAPPY))
    with pytest.raises(RunError) as nothing:
        resume.resume(target, "wr_1", [])
    assert str(nothing.value) == (
        f"run wr_1 of workflow {WF!r} has no failed, timed-out or stopped job node left "
        "unhandled to resume from; to rerun nodes anyway, name them (glue-wf resume --node "
        "NAME, or a node's 'Resume from this node' in the console)"
    )


def test_missing_run_and_illegal_state(aws: tuple[control.RunTarget, Stubber]) -> None:
    target, stubber = aws
    stubber.add_client_error("get_workflow_run", service_error_code="EntityNotFoundException",
                             service_message="not found", http_status_code=400)  # fmt: skip
    with pytest.raises(NotFoundError) as err:
        target.glue.run(WF, "wr_1")
    assert str(err.value) == f"no run 'wr_1' of workflow {WF!r}: list runs with 'glue-wf runs'"
    stubber.add_client_error("stop_workflow_run",
                             service_error_code="IllegalWorkflowStateException",
                             service_message="Workflow run is not RUNNING")  # fmt: skip
    get_run(stubber, run_answer(HAPPY, status="STOPPED"))  # to say which state it is in
    with pytest.raises(resume.RunStateError) as stop_err:
        control.stop(target, "wr_1")
    assert str(stop_err.value) == (
        f"run wr_1 of workflow {WF!r} is STOPPED: only a RUNNING run can be stopped"
    )


def test_follow_backs_off_and_times_out(aws: tuple[control.RunTarget, Stubber]) -> None:
    target, stubber = aws
    clock = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    poll = control.PollPolicy(first=1.0, factor=2.0, cap=4.0, sleep=sleep,
                              clock=lambda: clock[0])  # fmt: skip
    running = run_answer({"preprocess": "RUNNING"}, status="RUNNING")
    for _ in range(5):
        stubber.add_response("get_workflow_run", {"Run": running},
                             {"Name": WF, "RunId": "wr_1", "IncludeGraph": ANY})  # fmt: skip
    with pytest.raises(RunError) as err:
        control.follow(target, "wr_1", timeout=12, poll=poll)
    assert sleeps == [1.0, 2.0, 4.0, 4.0]  # unchanged state: back off up to the cap
    assert str(err.value) == (
        f"run wr_1 of {WF} still RUNNING after 12 s; it keeps running: check it with "
        "'glue-wf status wr_1' or stop it with 'glue-wf stop wr_1'"
    )


def test_aws_log_location(aws: tuple[control.RunTarget, Stubber]) -> None:
    target, stubber = aws
    run = run_answer(HAPPY)
    gate = next(n for n in run["Graph"]["Nodes"] if n["Name"] == f"{WF}-gate")
    gate["JobDetails"]["JobRuns"][0]["LogGroupName"] = "/aws-glue/python-jobs"
    get_run(stubber, run)
    location = control.log_location(target, "wr_1", "gate")
    assert location.describe() == (
        f"job run jr_gate_0 of {WF}-gate (CloudWatch Logs, us-east-1):\n"
        "  output: log group /aws-glue/python-jobs/output, stream jr_gate_0\n"
        "  errors: log group /aws-glue/python-jobs/error, stream jr_gate_0\n"
        "  aws logs tail /aws-glue/python-jobs/output --log-stream-names jr_gate_0"
    )


def test_an_earlier_attempts_log(aws: tuple[control.RunTarget, Stubber]) -> None:
    # only the last attempt's log was reachable
    target, stubber = aws
    run = run_answer(HAPPY)
    gate = next(n for n in run["Graph"]["Nodes"] if n["Name"] == f"{WF}-gate")
    first = dict(gate["JobDetails"]["JobRuns"][0])
    gate["JobDetails"]["JobRuns"].insert(0, {**first, "Id": "jr_gate_x", "Attempt": 0})
    gate["JobDetails"]["JobRuns"][1].update(Id="jr_gate_y", Attempt=1)
    for _ in range(3):
        get_run(stubber, run)
    assert control.log_location(target, "wr_1", "gate").job_run_id == "jr_gate_y"
    assert control.log_location(target, "wr_1", "gate", 0).job_run_id == "jr_gate_x"
    with pytest.raises(NotFoundError) as missing:
        control.log_location(target, "wr_1", "gate", 2)
    assert str(missing.value) == (
        f"node {WF}-gate has no attempt 2 in run wr_1: its attempts are 0, 1 (0 is the "
        "first run, 1 its first retry)"
    )


def test_formatting() -> None:
    assert [format_duration(s) for s in (None, 4.4, 75, 3725)] == ["", "4s", "1m15s",
                                                                   "1h02m05s"]  # fmt: skip
    assert console_url("eu-west-1", WF) == (
        "https://eu-west-1.console.aws.amazon.com/glue/home?region=eu-west-1"
        f"#/v2/etl-configuration/workflows/view/{WF}"
    )


def test_the_definition_gives_its_own_workflow_start_parameters(tmp_path: Path) -> None:
    from glue_workflow.scaffold import init_project

    project = init_project(tmp_path / "hello", "minimal").root
    definition = project / "triggers" / "pipeline.py"
    definition.write_text(
        definition.read_text().replace(
            "    max_concurrent_runs=1,\n",
            '    max_concurrent_runs=1,\n    start_parameters=("owner",),\n',
        )
    )
    settings = load_settings(project, env={})
    assert control.defined_start(settings, None) == ("hello", ("owner",))
    assert control.defined_start(settings, "hello") == ("hello", ("owner",))
    assert control.defined_start(settings, "other") == ("other", ())  # another workflow
    definition.write_text("raise RuntimeError('half-edited')\n")
    assert control.defined_start(settings, "hello") == ("hello", ())
    with pytest.raises(DefinitionError, match="half-edited"):
        control.defined_start(settings, None)


@pytest.mark.parametrize("key", ["a\x01b", "a\nb", ""])
def test_a_key_glue_would_refuse_is_refused_at_start(key: str) -> None:
    with pytest.raises(ConfigError) as err:
        control.check_properties({key: "v"})
    assert str(err.value) == (
        f"run property key {key!r} holds a character Glue refuses in a key (control "
        "characters other than tab; Glue's IdString pattern): rename it"
    )
    control.check_properties({"a\tb": "v", "größe": "v"})  # Glue takes these


def test_concurrent_runs_message_speaks_of_one_of_several_active_runs() -> None:
    assert control.concurrent_runs_message(WF, ["wr_a", "wr_b"], 2) == (
        f"workflow {WF} already has its maximum of concurrent runs (2) active (active: wr_a, "
        "wr_b): wait for one to finish (glue-wf status wr_a --wait), stop one (glue-wf stop "
        "wr_a), or raise max_concurrent_runs in the workflow definition and deploy"
    )
