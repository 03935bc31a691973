"""Requests are checked against botocore's models: enums, lengths, ranges, patterns."""

from __future__ import annotations

import pytest

from glue_workflow.errors import RequestValidationError
from glue_workflow.servicemodel import check_request, compile_pattern, request_problems

TRIGGER = {
    "Name": "churn-pipeline-train",
    "WorkflowName": "churn-pipeline",
    "Type": "CONDITIONAL",
    "Actions": [{"JobName": "churn-pipeline-evaluate"}],
    "Predicate": {
        "Logical": "AND",
        "Conditions": [
            {"LogicalOperator": "EQUALS", "JobName": "churn-pipeline-train", "State": "SUCCEEDED"}
        ],
    },
}


def texts(service: str, operation: str, params: dict[str, object]) -> list[str]:
    return [str(p) for p in request_problems(service, operation, params)]


def test_valid_request_passes() -> None:
    check_request("glue", "CreateTrigger", TRIGGER)


def test_enum_violation_names_the_path() -> None:
    params = {
        **TRIGGER,
        "Predicate": {
            "Logical": "AND",
            "Conditions": [
                {
                    "LogicalOperator": "EQUALS",
                    "JobName": "churn-pipeline-train",
                    "State": "SUCCEDED",
                }
            ],
        },
    }
    with pytest.raises(RequestValidationError) as caught:
        check_request("glue", "CreateTrigger", params)
    assert str(caught.value).startswith(
        "CreateTrigger[churn-pipeline-train].Predicate.Conditions[0].State: 'SUCCEDED' is not "
        "one of STARTING, RUNNING, STOPPING, STOPPED, SUCCEEDED, FAILED, TIMEOUT, ERROR, "
        "WAITING, EXPIRED (did you mean 'SUCCEEDED'?) [service-model]"
    )


def test_length_pattern_range_unknown_and_required() -> None:
    params = {
        "Name": "x" * 256,
        "Role": "r",
        "Command": {"Name": "pythonshell"},
        "Timeout": 0,
        "GlueVersion": "three",
        "Tags": {f"k{i}": "v" for i in range(51)},
        "MaxCapcity": 1.0,
    }
    found = texts("glue", "CreateJob", params)
    label = "CreateJob[" + "x" * 256 + "]"
    assert (
        f"{label}.Name: value is 256 characters long; the maximum is 255 [service-model]" in found
    )
    assert f"{label}.Timeout: 0 is below the minimum 1 [service-model]" in found
    assert (
        f"{label}.GlueVersion: 'three' does not match the pattern ^((\\w+\\.)+\\w+|auto)$ "
        "[service-model]"
    ) in found
    assert f"{label}.Tags: map size 51 is above the maximum 50 [service-model]" in found
    assert any(
        t.startswith(f"{label}.MaxCapcity: unknown parameter (did you mean 'MaxCapacity'?)")
        for t in found
    )


def test_missing_required_and_wrong_types() -> None:
    found = texts("glue", "CreateWorkflow", {"MaxConcurrentRuns": "2", "Tags": []})
    assert found == [
        "CreateWorkflow.Name: required parameter is missing [service-model]",
        "CreateWorkflow.MaxConcurrentRuns: expected an integer, got '2' [service-model]",
        "CreateWorkflow.Tags: expected a map (dict), got [] [service-model]",
    ]


def test_java_surrogate_ranges_accept_supplementary_characters() -> None:
    regex = compile_pattern("[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*")
    assert regex is not None
    assert regex.fullmatch("model \U0001f600 ok")
    assert regex.fullmatch("bell \x07") is None
    check_request("glue", "CreateWorkflow", {"Name": "wf", "Description": "emoji \U0001f600"})
    found = texts("glue", "CreateWorkflow", {"Name": "wf\x00"})
    assert found[0].startswith("CreateWorkflow[wf\x00].Name: 'wf\\x00' does not match")


def test_generic_for_other_services() -> None:
    found = texts("sagemaker", "CreateModelPackageGroup", {"ModelPackageGroupName": "bad_name"})
    assert found == [
        "CreateModelPackageGroup.ModelPackageGroupName: 'bad_name' does not match the pattern "
        "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62} [service-model]"
    ]
    check_request(
        "sagemaker",
        "CreateModelPackageGroup",
        {"ModelPackageGroupName": "churn-xgb"},
        label="churn-xgb",
    )


def test_unknown_operation() -> None:
    with pytest.raises(
        RequestValidationError,
        match="glue has no operation 'CreateTriger' "
        r"\(did you mean 'CreateTrigger'\?\)",
    ):
        check_request("glue", "CreateTriger", {})
