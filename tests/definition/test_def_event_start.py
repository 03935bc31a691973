"""Event(pattern=...): validated as PutRule validates, compiled to the EVENT trigger plus
the EventBridge rule and target Glue documents for event-started workflows."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from glue_workflow import naming
from glue_workflow.compiler import compile_workflow
from glue_workflow.errors import DefinitionError
from glue_workflow.model import PythonShellJob
from glue_workflow.model.triggers import Event
from glue_workflow.model.workflow import Workflow

PATTERN = {
    "source": ["aws.s3"],
    "detail-type": ["Object Created"],
    "detail": {"bucket": {"name": ["landing"]}, "object": {"key": [{"prefix": "input/"}]}},
}


def workflow(start: Any) -> Workflow:
    return Workflow(name="wf", nodes=(PythonShellJob(name="a", script="jobs/a.py"),), start=start)


def test_event_pattern_compiles_to_rule_and_target(fixed_context: Any) -> None:
    wf = workflow(Event(batch_size=10, batch_window=300, pattern=PATTERN))
    context = dataclasses.replace(
        fixed_context(wf), events_role_arn="arn:aws:iam::123456789012:role/ev"
    )
    document = compile_workflow(wf, context)
    start = document.trigger("wf-start")
    assert start["Type"] == "EVENT"
    assert start["EventBatchingCondition"] == {"BatchSize": 10, "BatchWindow": 300}
    (rule,) = document.event_rules
    assert rule["Rule"]["Name"] == "glue-wf-wf"
    assert json.loads(rule["Rule"]["EventPattern"]) == PATTERN
    assert rule["Rule"]["State"] == "ENABLED"
    assert {"Key": "glue-wf:workflow", "Value": "wf"} in rule["Rule"]["Tags"]
    assert rule["Targets"] == [
        {
            "Id": "glue-workflow",
            "Arn": "arn:aws:glue:eu-west-1:123456789012:workflow/wf",
            "RoleArn": "arn:aws:iam::123456789012:role/ev",
        }
    ]
    assert document.to_dict()["EventRules"] == [rule]


def test_without_pattern_only_the_trigger_is_compiled(fixed_context: Any) -> None:
    wf = workflow(Event())
    document = compile_workflow(wf, fixed_context(wf))
    assert document.event_rules == ()
    assert "EventRules" not in document.to_dict()


def test_a_pattern_needs_the_events_role(fixed_context: Any) -> None:
    wf = workflow(Event(pattern=PATTERN))
    with pytest.raises(DefinitionError, match="output EventsRoleArn"):
        compile_workflow(wf, fixed_context(wf))


def test_an_invalid_pattern_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError) as caught:
        Event(pattern={"source": "aws.s3"})
    assert "pattern is not a valid EventBridge event pattern" in str(caught.value)
    assert 'e.g. {"source": ["aws.s3"]}' in str(caught.value)


def test_long_workflow_names_keep_rule_names_within_64_characters() -> None:
    name = naming.event_rule_name("w" * 200)
    assert len(name) == 64
    assert name.startswith("glue-wf-www")
    assert naming.event_rule_name("churn") == "glue-wf-churn"


def test_the_rule_requests_are_checked_against_the_eventbridge_model(fixed_context: Any) -> None:
    from glue_workflow.servicemodel import check_document

    wf = workflow(Event(pattern=PATTERN))
    context = dataclasses.replace(fixed_context(wf), events_role_arn="arn:aws:iam::1:role/ev")
    document = compile_workflow(wf, context)
    check_document(document)  # the compiler's rule is valid
    (rule,) = document.event_rules
    bad = {**rule, "Targets": [{**rule["Targets"][0], "Id": "not valid!"}]}
    with pytest.raises(DefinitionError, match="Targets"):
        check_document(dataclasses.replace(document, event_rules=(bad,)))
