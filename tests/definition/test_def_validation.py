"""Every definition rule, broken once, with the exact message a user sees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from glue_workflow.errors import DefinitionError
from glue_workflow.model import (
    Action,
    Condition,
    Event,
    Gate,
    OnDemand,
    PythonShellJob,
    Scheduled,
    SparkJob,
    Trigger,
    Workflow,
    failed,
    on,
    succeeded,
)
from glue_workflow.validation import check, validate
from glue_workflow.validation.document import check_document_rules


def job(name: str, **kw: Any) -> PythonShellJob:
    return PythonShellJob(name=name, script=f"jobs/{name}.py", **kw)


def spark(name: str = "etl", **kw: Any) -> SparkJob:
    return SparkJob(name=name, script=f"jobs/{name}.py", **kw)


def wf(*nodes: Any, **kw: Any) -> Workflow:
    kw.setdefault("max_concurrent_runs", 1)
    return Workflow(name="wf", nodes=nodes, **kw)


def errors(build: Callable[[], Any]) -> list[str]:
    """Error texts of a definition: raised on construction, or found by validation."""
    try:
        built = build()
    except DefinitionError as exc:
        return [str(p) for p in exc.problems]
    assert isinstance(built, Workflow), "expected a DefinitionError or a Workflow"
    return [str(p) for p in validate(built) if p.severity == "error"]


CASES: list[tuple[str, Callable[[], Any], str]] = [
    (
        "glue-property",
        lambda: wf(job("a", reads=("aws:eventIds",))),
        "PythonShellJob 'a': run property 'aws:eventIds' is set by Glue itself (aws:eventIds: "
        "the events that started the run): do not declare it; a job reads it without "
        "declaring it [property-name]",
    ),
    (
        "workflow-name",
        lambda: wf(job("a")).__class__(name="my wf", nodes=(job("a"),)),
        "Workflow 'my wf': workflow name 'my wf' is not a valid name: use 1-80 letters, digits, "
        "'-' or '_', starting with a letter or digit [name-pattern]",
    ),
    (
        "node-name",
        lambda: job("train.v2"),
        "PythonShellJob 'train.v2': job name 'train.v2' is not a valid name: use 1-80 letters, "
        "digits, '-' or '_', starting with a letter or digit [name-pattern]",
    ),
    (
        "duplicate-node",
        lambda: wf(job("a"), job("a")),
        "Workflow 'wf': two nodes are named 'a': rename one [duplicate-node]",
    ),
    (
        "no-nodes",
        lambda: Workflow(name="wf", nodes=()),
        "Workflow 'wf': a workflow needs at least one node [nodes]",
    ),
    (
        "unlistenable-state",
        lambda: Condition(node="a", state="ERROR"),
        "condition on 'a': state 'ERROR' cannot be watched by a Glue trigger: only SUCCEEDED, "
        "FAILED, STOPPED, TIMEOUT fire conditional triggers [listenable-state]",
    ),
    (
        "state-typo",
        lambda: on("a", "SUCEEDED"),
        "condition on 'a': state 'SUCEEDED' is not one of 'SUCCEEDED', 'FAILED', 'STOPPED', "
        "'TIMEOUT' (did you mean 'SUCCEEDED'?) [state-value]",
    ),
    (
        "mixed-logical",
        lambda: (succeeded("a") & succeeded("b")) | failed("c"),
        "dependency (a SUCCEEDED & b SUCCEEDED) | (c FAILED): cannot mix '&' (AND) and '|' "
        "(ANY): a Glue trigger predicate is one flat list; add an "
        "intermediate node or an explicit Trigger [flat-predicate]",
    ),
    (
        "predicate-size",
        lambda: succeeded(*[f"n{i}" for i in range(501)]),
        "dependency: 501 conditions; a Glue predicate holds at most 500 [predicate-size]",
    ),
    (
        "pyshell-capacity",
        lambda: job("a", max_capacity=0.5),
        "PythonShellJob 'a': max_capacity must be 0.0625 or 1 DPU for a Python shell job, got "
        "0.5 [python-shell-capacity]",
    ),
    (
        "pyshell-3.6",
        lambda: job("a", python_version="3", glue_version="1.0"),
        "PythonShellJob 'a': Python shell 3 on Glue 1.0 has reached end of life: use "
        "glue_version='3.0', python_version='3.9' [python-shell-version]",
    ),
    (
        "pyshell-version",
        lambda: job("a", glue_version="4.0"),
        "PythonShellJob 'a': Python shell runs Python 3.9 on Glue 3.0; got python_version='3.9', "
        "glue_version='4.0' [python-shell-version]",
    ),
    (
        "pyshell-egg",
        lambda: job("a", extra_py_files=["libs/x.egg"]),
        "PythonShellJob 'a': extra_py_files 'libs/x.egg': Python 3.9 shell jobs need .whl, not "
        ".egg [python-shell-egg]",
    ),
    (
        "wheel-name",
        lambda: job("a", extra_py_files=["libs/mylib.whl"]),
        "PythonShellJob 'a': extra_py_files 'libs/mylib.whl' is not named as a wheel is "
        "(name-version-python-abi-platform.whl, e.g. mylib-1.0-py3-none-any.whl): pip on Glue "
        "refuses it; build it with 'pip wheel' or 'python -m build', or ship a .zip [wheel-name]",
    ),
    (
        "files-uri",
        lambda: job("a", files={"--cfg": "s3://bucket/x.json"}),
        "PythonShellJob 'a': files['--cfg'] 's3://bucket/x.json' is a URI: it names a file of "
        "the project, which glue-wf uploads (e.g. 'jobs/config.json'); an object already in "
        "S3 goes in arguments= [path]",
    ),
    (
        "script-uri",
        lambda: PythonShellJob(name="a", script="s3://bucket/x.py"),
        "PythonShellJob 'a': script 's3://bucket/x.py' is a URI: it names a file of the "
        "project, which glue-wf uploads (e.g. 'jobs/train.py') [path]",
    ),
    (
        "argument-twice",
        lambda: job("a", files={"--cfg": "jobs/a.py"}, arguments={"--cfg": "mine"}),
        "PythonShellJob 'a': --cfg is in both files= and arguments=: the job would get the "
        "file's URI only; keep one [argument-twice]",
    ),
    (
        "aws-tag-job",
        lambda: job("a", tags={"AWS:team": "data"}),
        "PythonShellJob 'a': tag 'AWS:team': keys starting with 'aws:' are AWS's own: rename it "
        "[aws-tag]",
    ),
    (
        "glue-eol",
        lambda: spark(glue_version="1.0"),
        "SparkJob 'etl': Glue 1.0 has reached end of life (runs cannot start): use "
        "glue_version='5.0' [glue-end-of-life]",
    ),
    (
        "capacity-exclusive",
        lambda: spark(max_capacity=10.0),
        "SparkJob 'etl': max_capacity cannot be combined with worker_type/number_of_workers: set "
        "worker_type=None and number_of_workers=None, or drop max_capacity [capacity-exclusive]",
    ),
    (
        "worker-type",
        lambda: spark(worker_type="G.1x"),
        "SparkJob 'etl': worker_type 'G.1x' is not one of 'G.1X', 'G.2X', 'G.4X', 'G.8X', "
        "'G.12X', 'G.16X', 'R.1X', 'R.2X', 'R.4X', 'R.8X' (did you mean 'G.1X'?) "
        "[worker_type-value]",
    ),
    (
        "workers",
        lambda: spark(number_of_workers=1),
        "SparkJob 'etl': number_of_workers must be between 2 and 1000, got 1 "
        "[number_of_workers-range]",
    ),
    (
        "reserved-argument",
        lambda: job("a", arguments={"--JOB_NAME": "x"}),
        "PythonShellJob 'a': argument key '--JOB_NAME' is reserved: Glue sets it for every run; "
        "remove it [reserved-argument]",
    ),
    (
        "field-argument",
        lambda: job("a", arguments={"--extra-py-files": "s3://b/x.whl"}),
        "PythonShellJob 'a': argument key '--extra-py-files' is managed by glue-wf: use the "
        "extra_py_files= field instead [reserved-argument]",
    ),
    (
        "pyshell-extra-files",
        lambda: job("a", arguments={"--extra-files": "s3://b/x.json"}),
        "PythonShellJob 'a': argument key '--extra-files': Python shell jobs do not support "
        "--extra-files: use files= (each file is uploaded and its S3 URI passed as an argument) "
        "[python-shell-argument]",
    ),
    (
        "pyshell-bookmarks",
        lambda: job("a", arguments={"--job-bookmark-option": "x"}),
        "PythonShellJob 'a': argument key '--job-bookmark-option': Python shell jobs have no job "
        "bookmarks: remove it [python-shell-argument]",
    ),
    (
        "context-argument",
        lambda: job("a", arguments={"--artifacts_bucket": "b"}),
        "PythonShellJob 'a': argument key '--artifacts_bucket' is filled from the deployment: use "
        "context_arguments=('artifacts_bucket',) instead [reserved-argument]",
    ),
    (
        "argument-key",
        lambda: job("a", arguments={"input_path": "s3://b/k"}),
        "PythonShellJob 'a': argument key 'input_path' is not a valid job argument: keys start "
        "with '--' then a letter, then letters, digits or '_' (e.g. '--input_path') "
        "[argument-key]",
    ),
    (
        "secret-argument",
        lambda: job("a", arguments={"--db_password": "hunter2"}),
        "PythonShellJob 'a': argument key '--db_password' looks like a secret; job arguments are "
        "logged and shown in the console: keep the secret in AWS Secrets Manager or SSM "
        "Parameter Store and pass its ARN or name under a key ending in _arn or _name (e.g. "
        "db_password_secret_arn) for the job to read at run time [no-secrets]",
    ),
    (
        "access-key-value",
        lambda: job("a", arguments={"--who": "AKIAABCDEFGHIJKLMNOP"}),
        "PythonShellJob 'a': argument '--who' holds what looks like an AWS access key id: never "
        "put credentials in job arguments; jobs use their IAM role, or read the secret from "
        "Secrets Manager or SSM Parameter Store at run time [no-secrets]",
    ),
    (
        "secret-property",
        lambda: wf(job("a"), default_run_properties={"api_token": "x"}),
        "Workflow 'wf': default run property 'api_token' looks like a secret; run properties are "
        "stored and shown in plain text by Glue: keep the secret in AWS Secrets Manager or SSM "
        "Parameter Store and pass its ARN or name under a key ending in _arn or _name (e.g. "
        "db_password_secret_arn) for the job to read at run time [no-secrets]",
    ),
    (
        "property-name",
        lambda: job("a", reads=["model-uri"]),
        "PythonShellJob 'a': run property 'model-uri' is not a valid run property name: use "
        "letters, digits and '_', starting with a letter or '_' (at most 255 characters) "
        "[property-name]",
    ),
    (
        "property-value-type",
        lambda: wf(job("a"), default_run_properties={"min_accuracy": 0.9}),
        "Workflow 'wf': default_run_properties must map strings to strings (run properties and "
        "arguments are strings): 'min_accuracy' -> 0.9; quote the value, e.g. '0.9' "
        "[string-values]",
    ),
    (
        "reads-string",
        lambda: job("a", reads="train_uri"),
        "PythonShellJob 'a': reads must be a list of strings, got the string 'train_uri': "
        "write ('train_uri',) with its comma, or ['train_uri'] [list]",
    ),
    (
        "timeout",
        lambda: job("a", timeout=20000),
        "PythonShellJob 'a': timeout must be between 1 and 10080, got 20000 [timeout-range]",
    ),
    (
        "retries",
        lambda: job("a", max_retries=11),
        "PythonShellJob 'a': max_retries must be between 0 and 10, got 11 [max_retries-range]",
    ),
    (
        "script-path",
        lambda: PythonShellJob(name="a", script="/abs/a.py"),
        "PythonShellJob 'a': script '/abs/a.py' must be a relative path inside the project using "
        "'/' (e.g. 'jobs/train.py') [path]",
    ),
    (
        "script-suffix",
        lambda: PythonShellJob(name="a", script="jobs/a.sh"),
        "PythonShellJob 'a': script 'jobs/a.sh' must end with .py [path]",
    ),
    (
        "context-typo",
        lambda: job("a", context_arguments=["artifact_bucket"]),
        "PythonShellJob 'a': context argument 'artifact_bucket' is not one of 'artifacts_bucket', "
        "'sagemaker_role_arn', 'xgboost_image_uri', 'notify_topic_arn', 'console_url' "
        "(did you mean 'artifacts_bucket'?) [context-argument-value]",
    ),
    (
        "gate-syntax",
        lambda: Gate(name="gate", conditions=["accuracy => 0.9"]),
        "Gate 'gate': condition 'accuracy => 0.9' is not '<metric> <op> <property or number>' "
        "with op one of >= <= == != > < (e.g. 'accuracy >= min_accuracy') [gate-condition]",
    ),
    (
        "gate-threshold",
        lambda: Gate(name="gate", conditions=["accuracy >= 0.9x"]),
        "Gate 'gate': condition 'accuracy >= 0.9x': right side '0.9x' is neither a run property "
        "name nor a number [gate-condition]",
    ),
    (
        "trigger-no-actions",
        lambda: Trigger(name="t", when=succeeded("a"), actions=()),
        "Trigger 't': a trigger needs at least one action (a node to start) [no-actions]",
    ),
    (
        "trigger-when",
        lambda: Trigger(name="t", when="a SUCCEEDED", actions=["b"]),  # type: ignore[arg-type]
        "Trigger 't': when= must be a dependency such as succeeded('train'); the start trigger is "
        "Workflow(start=OnDemand() | Scheduled(...) | Event(...)) [when-type]",
    ),
    (
        "start-type",
        lambda: wf(job("a"), start=Trigger(name="t", when=succeeded("a"), actions=["a"])),
        "Workflow 'wf': start= must be OnDemand(), Scheduled(cron=...) or Event(...), got ",
    ),
    (
        "event-batch",
        lambda: Event(batch_size=0),
        "start trigger: batch_size must be between 1 and 100, got 0 [batch_size-range]",
    ),
    (
        "reserved-tag",
        lambda: wf(job("a"), tags={"glue-wf:workflow": "x"}),
        "Workflow 'wf': tag 'glue-wf:workflow': keys starting with 'glue-wf:' are set by glue-wf "
        "[reserved-tag]",
    ),
    (
        "reserved-tag",  # a node's too: it replaced its job's ownership tag
        lambda: job("a", tags={"glue-wf:workflow": "x"}),
        "PythonShellJob 'a': tag 'glue-wf:workflow': keys starting with 'glue-wf:' are set by "
        "glue-wf [reserved-tag]",
    ),
    (
        "start-parameter-unset",
        lambda: wf(
            job("a"),
            start=Scheduled(cron="cron(0 6 * * ? *)"),
            start_parameters=("mode", "input_uri"),
            default_run_properties={"input_uri": "s3://b/in/"},
        ),
        "Workflow 'wf': start_parameters 'mode' have no default, and a scheduled start passes "
        "no run property (its StartWorkflowRun carries the defaults only): every such run "
        "would fail; give each a value in default_run_properties, or start on demand "
        "(OnDemand(), glue-wf run -p NAME=VALUE) [start-parameter-unset]",
    ),
    (
        "aws-tag",
        lambda: wf(job("a"), tags={"aws:team": "x"}),
        "Workflow 'wf': tag 'aws:team': keys starting with 'aws:' are AWS's own: rename it "
        "[aws-tag]",
    ),
    # -- whole-graph rules ----------------------------------------------------------------
    (
        "unknown-node",
        lambda: wf(job("train"), job("evaluate", after=succeeded("trian"))),
        "after= of 'evaluate': refers to node 'trian', which is not in workflow 'wf' (did you "
        "mean 'train'?): add it to nodes= or fix the name [unknown-node]",
    ),
    (
        "self-loop",
        lambda: wf(
            job("a"),
            job("b", after=succeeded("a")),
            triggers=[Trigger(name="retry", when=failed("b"), actions=["b"])],
        ),
        "Trigger 'retry': node 'b' is both a condition and an action of trigger 'wf-retry'; Glue "
        "refuses this: use max_retries= to retry a job [self-loop]",
    ),
    (
        "cycle",
        lambda: wf(job("a"), job("b", after=succeeded("c")), job("c", after=succeeded("b"))),
        "node 'b': dependency cycle b -> c -> b: a Glue workflow run is a DAG; remove one of these "
        "after= links [cycle]",
    ),
    (
        "unreachable",
        lambda: wf(job("a"), job("b", after=succeeded("c")), job("c", after=succeeded("b"))),
        "node 'c': is never started: nothing connects it to the start trigger (its after= only "
        "watches nodes that cannot run); fix its after= or remove it [unreachable]",
    ),
    (
        "trigger-collision",
        lambda: wf(
            job("a"), job("b"), triggers=[Trigger(name="start", when=succeeded("a"), actions=["b"])]
        ),
        "Trigger 'start': trigger name 'wf-start' is also produced by start trigger: rename the "
        "explicit Trigger [trigger-name-collision]",
    ),
    (
        "missing-property",
        lambda: wf(
            job("a", writes=["train_uri"]), job("b", after=succeeded("a"), reads=["train_url"])
        ),
        "node 'b': reads run property 'train_url' but nothing writes it (did you mean "
        "'train_uri'?): add it to an upstream node's writes=, to default_run_properties, or to "
        "start_parameters [property-contract]",
    ),
    (
        "parallel-writer",
        lambda: wf(
            job("a"),
            job("b", after=succeeded("a"), writes=["m"]),
            job("c", after=succeeded("a"), reads=["m"]),
        ),
        "node 'c': reads run property 'm' but it is written by 'b', which is not upstream of 'c' "
        "(it may run later or in parallel): add it to an upstream node's writes=, to "
        "default_run_properties, or to start_parameters [property-contract]",
    ),
    (
        "any-fan-in",
        # audit starts when either finishes: check may not have run yet
        lambda: wf(
            job("a"),
            job("stats", after=succeeded("a")),
            job("check", after=succeeded("a"), writes=["check_status"]),
            job(
                "audit",
                after=succeeded("stats") | succeeded("check"),
                reads=["check_status"],
            ),
        ),
        "node 'audit': reads run property 'check_status' but it is written by 'check', which "
        "'audit' does not always wait for (it starts on any one of its trigger's conditions, or "
        "by one of several triggers): make the trigger wait for all (&), or read it where every "
        "path writes it: add it to an upstream node's writes=, to default_run_properties, or to "
        "start_parameters [property-contract]",
    ),
    (
        "concurrency",
        lambda: wf(job("a"), max_concurrent_runs=3),
        "node 'a': max_concurrent_runs=1 is below the workflow's max_concurrent_runs=3: "
        "overlapping runs would fail this job; set max_concurrent_runs=3 or more "
        "[job-concurrency]",
    ),
    (
        "cron-rate",
        lambda: wf(job("a"), start=Scheduled(cron="cron(0/1 * * * ? *)")),
        "start trigger: schedule 'cron(0/1 * * * ? *)': fires every 1 minute(s); Glue allows at "
        "most one run every 5 minutes (e.g. Minutes '0/5') [cron]",
    ),
    (
        "cron-fields",
        lambda: wf(job("a"), start=Scheduled(cron="cron(15 12 * * *)")),
        "start trigger: schedule 'cron(15 12 * * *)': has 5 fields, needs 6",
    ),
    (
        "placeholder",
        lambda: wf(job("a"), default_run_properties={"input_uri": "s3://{bukcet}/x"}),
        "workflow 'wf': 'input_uri' uses unknown placeholder {bukcet} (did you mean 'bucket'?); "
        "known: {bucket}, {region}, {workflow} [placeholder]",
    ),
    (
        "gate-decision",
        lambda: wf(
            job("e", writes=["acc"]),
            Gate(name="g1", decision="q", conditions=["acc > 1"], after=succeeded("e")),
            Gate(name="g2", decision="q", conditions=["acc > 2"], after=succeeded("e")),
        ),
        "node 'g2': writes 'gate_q_decision', which node 'g1' records too: gate decisions must "
        "have one writer; give each gate its own decision= [gate-decision]",
    ),
    (
        "argument-size",
        lambda: wf(job("a", arguments={"--big": "x" * (261 * 1024)})),
        "node 'a': arguments total 267269 bytes; Glue allows 266240: put large values in S3 and "
        "pass the URI [argument-size]",
    ),
]


@pytest.mark.parametrize(("build", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_is_reported_with_its_message(build: Callable[[], Any], expected: str) -> None:
    found = errors(build)
    assert any(text.startswith(expected) for text in found), found


def test_there_are_at_least_thirty_negative_cases() -> None:
    assert len(CASES) >= 30


def test_check_raises_listing_every_error() -> None:
    workflow = wf(job("a", reads=["x"]), job("b", after=succeeded("a"), reads=["y"]))
    with pytest.raises(DefinitionError) as caught:
        check(workflow)
    text = str(caught.value)
    assert text.startswith("2 problems:\n  - node 'a': reads run property 'x'")
    assert "\n  - node 'b': reads run property 'y'" in text


# -- warnings -------------------------------------------------------------------------------


def warnings(workflow: Workflow) -> list[str]:
    return [str(p) for p in validate(workflow) if p.severity == "warning"]


def test_more_than_100_graph_nodes_warns() -> None:
    nodes = [job("n0")] + [job(f"n{i}", after=succeeded(f"n{i - 1}")) for i in range(1, 51)]
    assert warnings(wf(*nodes)) == [
        "workflow 'wf': 102 graph nodes (jobs + triggers); AWS recommends at most 100, above "
        "which resuming and stopping runs may fail: split the workflow [node-count]"
    ]
    assert check(wf(*nodes))  # a warning does not stop the workflow


def test_wide_trigger_warns_about_the_quota() -> None:
    nodes = [job("root")] + [job(f"w{i}", after=succeeded("root")) for i in range(51)]
    found = warnings(wf(*nodes))
    assert found[0] == (
        "after= of 51 nodes ('w0', 'w1', 'w10', ...): trigger 'wf-on-root-succeeded' starts 51 "
        "jobs; Glue's "
        "default quota is 50 jobs per trigger (Service Quotas, service code glue): raise the "
        "quota or split the fan-out [trigger-actions]"
    )


def test_retries_with_failure_branch_warns() -> None:
    found = warnings(wf(job("a", max_retries=2), job("b", after=failed("a"))))
    assert found == [
        "node 'a': has max_retries=2 and trigger 'wf-on-a-failed' watches its FAILED state; "
        "whether the branch fires after the first or the last attempt is undocumented (glue-wf "
        "local fires on the final attempt) [retry-failure-branch]"
    ]


def test_a_timeout_branch_of_a_retried_job_does_not_warn() -> None:
    """A TIMEOUT is never retried: the branch fires on the one attempt."""
    assert warnings(wf(job("a", max_retries=2), job("b", after=on("a", "TIMEOUT")))) == []


def test_a_job_two_triggers_can_start_in_one_run_warns() -> None:
    """Each trigger that fires starts a run of the job; one past its limit fails."""
    again = Trigger(name="again", when=succeeded("a"), actions=[Action(node="b")])
    found = warnings(wf(job("a"), job("b", after=succeeded("a")), triggers=[again]))
    assert found == [
        "node 'b': is started by 2 triggers that can fire in one run ('wf-again', "
        "'wf-on-a-succeeded'): each starts a run of its own, and one past "
        "max_concurrent_runs=1 fails ('exceeded maximum allowed concurrent runs'); start it "
        "from one trigger (any_of(...) for either condition) or raise max_concurrent_runs "
        "[started-twice]"
    ]
    # triggers that need one node in different states never fire in one run
    other = Trigger(name="other", when=failed("a"), actions=[Action(node="b")])
    assert warnings(wf(job("a"), job("b", after=succeeded("a")), triggers=[other])) == []
    # nor when the job allows a run per trigger
    roomy = job("b", after=succeeded("a"), max_concurrent_runs=2)
    assert warnings(wf(job("a"), roomy, triggers=[again])) == []


def test_an_argument_one_typo_from_a_scripts_argument_warns() -> None:
    train = job("train", arguments={"--training_instance_typ": "ml.m5.xlarge", "--mine": "x"})
    assert warnings(wf(train)) == [
        "node 'train': argument --training_instance_typ is not one glue-wf's scripts read: "
        "did you mean --training_instance_type? (a script ignores an argument it does not "
        "read and takes its default) [argument-name]"
    ]


def test_end_of_support_glue_warns() -> None:
    assert warnings(wf(spark(glue_version="2.0"))) == [
        "node 'etl': Glue 2.0 is past end of support: use glue_version='5.0' [glue-end-of-support]"
    ]


def test_unlimited_workflow_concurrency_warns() -> None:
    workflow = Workflow(name="wf", nodes=(job("a"),))
    assert warnings(workflow) == [
        "workflow 'wf': allows unlimited concurrent runs but its jobs allow 1 run at a time, "
        "so overlapping runs fail: set Workflow(max_concurrent_runs=1) [job-concurrency]"
    ]


def test_a_gate_runs_as_many_at_once_as_its_workflow() -> None:
    # Gate has no max_concurrent_runs=, yet validation asked for one above 1
    workflow = Workflow(
        name="wf",
        max_concurrent_runs=3,
        nodes=(
            job("e", writes=["acc"], max_concurrent_runs=3),
            Gate(name="gate", conditions=["acc > 0.5"], after=succeeded("e")),
        ),
    )
    assert [p for p in validate(workflow) if p.rule == "job-concurrency"] == []
    assert {j.name: j.max_concurrent_runs for j in workflow.jobs} == {"e": 3, "gate": 3}


def test_start_parameter_with_default_warns() -> None:
    workflow = wf(job("a", reads=["x"]), start_parameters=["x"], default_run_properties={"x": "1"})
    assert warnings(workflow) == [
        "workflow 'wf': 'x' is both a start parameter and a default run property; a default "
        "makes it optional: drop it from start_parameters [property-contract]"
    ]


def test_a_default_no_node_reads_warns() -> None:
    # before: colsample_bytree in the defaults, never sent to XGBoost, without a word
    workflow = wf(
        job("train", reads=["eta", "max_depth"]),
        default_run_properties={
            "eta": "0.2",
            "max_depth": "5",
            "colsample_bytree": "0.5",
            "etaa": "1",
        },
    )
    assert warnings(workflow) == [
        "workflow 'wf': default run property 'colsample_bytree' is read by no node: a node's "
        "job gets a run property it lists in reads= (a hyperparameter too); add it to that "
        "node's reads=, or drop it [property-contract]",
        "workflow 'wf': default run property 'etaa' is read by no node (did you mean 'eta'?): "
        "a node's job gets a run property it lists in reads= (a hyperparameter too); add it "
        "to that node's reads=, or drop it [property-contract]",
    ]


# -- contracts that hold --------------------------------------------------------------------


def test_reads_satisfied_by_default_start_parameter_or_upstream_writer() -> None:
    workflow = wf(
        job("a", reads=["threshold", "input"], writes=["m"]),
        job("b", after=succeeded("a"), reads=["m"]),
        job("c", after=failed("b"), reads=["m", "input"]),
        default_run_properties={"threshold": "1"},
        start_parameters=["input"],
    )
    assert validate(workflow) == []


def test_explicit_trigger_with_action_arguments_is_valid() -> None:
    workflow = wf(
        job("a"),
        job("b"),
        triggers=[
            Trigger(
                name="then-b",
                when=succeeded("a"),
                actions=[Action(node="b", arguments={"--mode_name": "x"}, timeout=5)],
            )
        ],
    )
    assert validate(workflow) == []


# -- document-level rules (hand-written or tampered documents) ------------------------------


def _document(**trigger: Any) -> dict[str, Any]:
    base = {
        "Name": "wf-on-a",
        "WorkflowName": "wf",
        "Type": "CONDITIONAL",
        "Actions": [{"JobName": "wf-b"}],
    }
    base.update(trigger)
    return {
        "Workflow": {"Name": "wf"},
        "Jobs": [{"Name": "wf-a"}, {"Name": "wf-b"}],
        "Triggers": [
            {
                "Name": "wf-start",
                "WorkflowName": "wf",
                "Type": "ON_DEMAND",
                "Actions": [{"JobName": "wf-a"}],
            },
            base,
        ],
    }


def test_document_two_conditions_without_logical() -> None:
    doc = _document(
        Predicate={
            "Conditions": [
                {"LogicalOperator": "EQUALS", "JobName": "wf-a", "State": "SUCCEEDED"},
                {"LogicalOperator": "EQUALS", "JobName": "wf-a", "State": "FAILED"},
            ]
        }
    )
    assert [str(p) for p in check_document_rules(doc)] == [
        "trigger 'wf-on-a': 2 conditions need Predicate.Logical AND or ANY; Glue rejects the "
        "trigger without it [logical]"
    ]


def test_document_missing_logical_operator_and_bad_state() -> None:
    doc = _document(
        Predicate={"Logical": "AND", "Conditions": [{"JobName": "wf-a", "State": "RUNNING"}]}
    )
    assert [str(p) for p in check_document_rules(doc)] == [
        "trigger 'wf-on-a' condition 0: LogicalOperator must be 'EQUALS' (Glue fails with "
        "'Logical operator cannot be null or empty') [logical-operator]",
        "trigger 'wf-on-a' condition 0: state 'RUNNING' never fires a trigger: use one of "
        "SUCCEEDED, FAILED, STOPPED, TIMEOUT [listenable-state]",
    ]


def test_document_two_start_triggers_and_self_loop() -> None:
    doc = _document(Type="SCHEDULED", Schedule="cron(0 12 * * ? *)")
    doc["Triggers"].append(
        {
            "Name": "wf-loop",
            "WorkflowName": "wf",
            "Type": "CONDITIONAL",
            "Actions": [{"JobName": "wf-a"}],
            "Predicate": {
                "Logical": "AND",
                "Conditions": [{"LogicalOperator": "EQUALS", "JobName": "wf-a", "State": "FAILED"}],
            },
        }
    )
    assert [str(p) for p in check_document_rules(doc)] == [
        "workflow 'wf': has 2 start triggers (wf-start, wf-on-a); a workflow needs exactly one "
        "ON_DEMAND, SCHEDULED or EVENT trigger [start-trigger]",
        "trigger 'wf-loop' condition 0: job 'wf-a' is both a condition and an action of this "
        "trigger; Glue refuses it: use MaxRetries [self-loop]",
    ]


def test_on_demand_start_is_default() -> None:
    assert isinstance(wf(job("a")).start, OnDemand)


def test_reads_given_as_a_string_is_one_error_not_one_per_character() -> None:
    from glue_workflow.model._base import deferring

    with deferring() as problems:
        workflow = wf(job("a", reads="train_uri"))
    found = [str(p) for p in problems] + [
        str(p) for p in validate(workflow) if p.severity == "error"
    ]
    assert found == [
        "PythonShellJob 'a': reads must be a list of strings, got the string 'train_uri': "
        "write ('train_uri',) with its comma, or ['train_uri'] [list]"
    ]


def test_a_node_given_as_after_is_named_with_the_dependency_meant() -> None:
    from glue_workflow.model import PythonShellJob

    first = PythonShellJob(name="profile", script="jobs/a.py")
    second = PythonShellJob(name="score", script="jobs/a.py")
    with pytest.raises(DefinitionError) as one:
        PythonShellJob(name="b", script="jobs/b.py", after=first)  # type: ignore[arg-type]
    assert str(one.value) == (
        "PythonShellJob 'b': after= must be a dependency such as succeeded('train'), got "
        "PythonShellJob 'profile' itself: write after=succeeded('profile') (or failed(...), "
        "any_of(...)) [after-type]"
    )
    with pytest.raises(DefinitionError) as two:
        PythonShellJob(name="b", script="jobs/b.py", after=[first, second])  # type: ignore[arg-type]
    assert "write after=all_of(succeeded('profile'), succeeded('score'))" in str(two.value)


def test_a_fan_in_guarantees_what_it_waits_for() -> None:
    """AND: every branch's writes; ANY: what each branch writes (or was given before)."""
    branches = (
        job("a", writes=["base"]),
        job("stats", after=succeeded("a"), writes=["status", "stats_uri"]),
        job("check", after=succeeded("a"), writes=["status"]),
    )
    both = job("both", after=succeeded("stats") & succeeded("check"), reads=["stats_uri"])
    either = job("either", after=succeeded("stats") | succeeded("check"), reads=["status", "base"])
    assert errors(lambda: wf(*branches, both, either)) == []


def test_a_node_reference_without_a_name_is_named_by_its_class() -> None:
    from types import SimpleNamespace

    from glue_workflow.errors import DefinitionError
    from glue_workflow.model.dependencies import node_name

    # it printed the node's whole repr (about 700 characters for a job)
    with pytest.raises(DefinitionError) as caught:
        node_name(SimpleNamespace(name=None), "succeeded()")
    assert str(caught.value) == (
        "succeeded(): expected a node or a node name, got a SimpleNamespace whose name is "
        "None [node-reference]"
    )
