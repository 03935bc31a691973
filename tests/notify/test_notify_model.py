"""Workflow(notify=[...]): construction checks and what the compiler makes of it."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from glue_workflow.compiler import compile_workflow, placeholder_context
from glue_workflow.errors import DefinitionError
from glue_workflow.model import PythonShellJob, Workflow, succeeded
from glue_workflow.model.notify import NOTIFY_SCRIPT, ToEventBridge, ToSns
from glue_workflow.validation import check
from glue_workflow.validation.document import check_document_rules


def nodes() -> tuple[PythonShellJob, ...]:
    return (
        PythonShellJob(name="prep", script="jobs/prep.py", max_concurrent_runs=3),
        PythonShellJob(
            name="train",
            script="jobs/train.py",
            after=succeeded("prep"),
            max_retries=2,
            max_concurrent_runs=3,
        ),
    )


def workflow(**kw: Any) -> Workflow:
    return Workflow(name="wf", nodes=nodes(), **kw)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: ToEventBridge(on=["failed", "crashed"]),
            "ToEventBridge: on= holds 'crashed', which is not a verdict; use some of succeeded, "
            "rejected, failed, awaiting_approval, stopped, error [notify-verdict]",
        ),
        (
            lambda: ToSns(topic_arn="my-topic"),
            "ToSns: topic_arn 'my-topic' is not an SNS topic ARN "
            "(arn:aws:sns:<region>:<account>:<topic>); omit it to use the topic the infra "
            "stack creates [notify-topic]",
        ),
        (
            lambda: workflow(notify=["sns"]),
            "Workflow 'wf': notify= holds ToEventBridge(...) and ToSns(...) objects, got 'sns' "
            "[notify]",
        ),
        (
            lambda: workflow(notify=[ToSns(), ToSns()]),
            "Workflow 'wf': notify= lists the same destination twice: drop one [notify]",
        ),
        (
            lambda: Workflow(
                name="wf",
                nodes=(PythonShellJob(name="notify-verdict", script="jobs/n.py"),),
                notify=[ToEventBridge()],
            ),
            "Workflow 'wf': node name 'notify-verdict' is the verdict notifier notify= adds: "
            "rename the node [reserved-node]",
        ),
    ],
)
def test_bad_notify_is_refused_naming_where_rule_and_fix(build: Any, message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        build()
    assert str(caught.value) == message


def test_the_notifier_compiles_to_a_python_shell_job_the_start_trigger_starts() -> None:
    wf = workflow(notify=[ToEventBridge(), ToSns(on=["failed"])], max_concurrent_runs=3)
    check(wf)
    document = compile_workflow(wf, placeholder_context(wf, "bucket"))
    assert check_document_rules(document.to_dict()) == []
    jobs = {j["Name"]: j for j in document.jobs}
    notifier = jobs["wf-notify-verdict"]
    args = notifier["DefaultArguments"]
    assert notifier["Command"]["Name"] == "pythonshell"
    assert notifier["Command"]["ScriptLocation"].endswith("/notify.py")
    assert notifier["ExecutionProperty"] == {"MaxConcurrentRuns": 3}
    assert notifier["Timeout"] == 2880
    assert json.loads(args["--notify_targets"]) == [
        {
            "type": "eventbridge",
            "bus": "default",
            "on": ["succeeded", "rejected", "failed", "awaiting_approval"],
        },
        {"type": "sns", "topic_arn": None, "on": ["failed"]},
    ]
    assert json.loads(args["--notify_retries"]) == {"wf-train": 2}
    assert args["--notify_topic_arn"] == "arn:aws:sns:us-east-1:000000000000:glue-wf-notifications"
    assert args["--console_url"] == (
        "https://us-east-1.console.aws.amazon.com/glue/home?region=us-east-1"
        "#/v2/etl-configuration/workflows/view/wf"
    )
    start = next(t for t in document.triggers if t["Name"] == "wf-start")
    assert [a["JobName"] for a in start["Actions"]] == ["wf-notify-verdict", "wf-prep"]
    assert NOTIFY_SCRIPT in {a.source for a in document.artifacts}


def test_without_notify_nothing_is_added() -> None:
    wf = workflow()
    document = compile_workflow(wf, placeholder_context(wf, "bucket"))
    assert sorted(j["Name"] for j in document.jobs) == ["wf-prep", "wf-train"]


def test_sns_without_a_topic_needs_the_infra_stack() -> None:
    wf = workflow(notify=[ToSns()])
    context = replace(placeholder_context(wf, "bucket"), notify_topic_arn=None)
    with pytest.raises(DefinitionError) as caught:
        compile_workflow(wf, context)
    assert str(caught.value) == (
        "PythonShellJob 'notify-verdict': ToSns() without topic_arn publishes to the topic the "
        "infra stack creates: deploy it (glue-wf infra deploy: output NotificationsTopicArn) "
        "or pass ToSns(topic_arn=...) [notify-topic]"
    )
    explicit = workflow(notify=[ToSns(topic_arn="arn:aws:sns:us-east-1:1:t")])
    document = compile_workflow(explicit, context)
    args = next(j for j in document.jobs if j["Name"] == "wf-notify-verdict")["DefaultArguments"]
    assert "--notify_topic_arn" not in args


def test_a_stopped_verdict_in_on_is_warned_never_sent() -> None:
    from glue_workflow.validation import validate

    wf = workflow(notify=[ToSns(on=["failed", "stopped"]), ToEventBridge()])
    problems = [p for p in validate(wf) if p.rule == "notify-verdict"]
    assert [(str(p), p.severity) for p in problems] == [
        (
            "ToSns of workflow 'wf': on= holds 'stopped', which is never published on AWS: "
            "glue-wf stop stops the notifier with the rest of the run; drop it (a stopped run "
            "shows in glue-wf runs and the console) [notify-verdict]",
            "warning",
        )
    ]
