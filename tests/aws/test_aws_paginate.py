"""``aws.paginate``: every page through botocore's paginator, or by NextToken without one."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from glue_workflow.aws.errors import AccessDenied
from glue_workflow.aws.paginate import items, pages
from glue_workflow.aws.retry import RetryPolicy
from glue_workflow.errors import InfraError, RunError

TAGS = {"glue-wf:workflow": "wf"}


def test_every_page_is_read_with_its_token(glue: tuple[Any, Stubber]) -> None:
    client, stubber = glue
    stubber.add_response("list_jobs", {"JobNames": ["a", "b"], "NextToken": "t1"}, {"Tags": TAGS})
    stubber.add_response(
        "list_jobs", {"JobNames": ["c"], "NextToken": "t2"}, {"Tags": TAGS, "NextToken": "t1"}
    )
    stubber.add_response("list_jobs", {"JobNames": ["d"]}, {"Tags": TAGS, "NextToken": "t2"})
    assert items(client, "ListJobs", "JobNames", Tags=TAGS) == ["a", "b", "c", "d"]


def test_a_limit_stops_the_requests(glue: tuple[Any, Stubber]) -> None:
    client, stubber = glue
    stubber.add_response(
        "get_workflow_runs",
        {"Runs": [{"WorkflowRunId": "r1"}, {"WorkflowRunId": "r2"}], "NextToken": "t1"},
        {"Name": "wf", "MaxResults": 2},
    )
    found = items(client, "get_workflow_runs", "Runs", limit=2, Name="wf", MaxResults=2)
    assert [run["WorkflowRunId"] for run in found] == ["r1", "r2"]  # the second page unread


def test_a_failing_page_is_translated(glue: tuple[Any, Stubber]) -> None:
    client, stubber = glue
    stubber.add_response("list_triggers", {"TriggerNames": ["t"], "NextToken": "t1"})
    stubber.add_client_error(
        "list_triggers",
        "AccessDeniedException",
        "User is not authorized to perform: glue:ListTriggers",
        expected_params={"NextToken": "t1"},
    )
    read = pages(client, "list_triggers", base=RunError, hint="check the caller's policy")
    assert next(read)["TriggerNames"] == ["t"]
    with pytest.raises(AccessDenied) as denied:
        next(read)
    assert str(denied.value) == (
        "glue:ListTriggers failed: AccessDeniedException: User is not authorized to "
        "perform: glue:ListTriggers (check the caller's policy); grant the permission to "
        "the caller (see infra/ for the policies glue-wf needs)"
    )


def test_an_operation_without_paginator_pages_by_next_token(glue: tuple[Any, Stubber]) -> None:
    client, stubber = glue
    assert not client.can_paginate("list_crawlers")
    sleeps: list[float] = []
    policy = RetryPolicy(sleep=sleeps.append, rng=lambda: 1.0)
    stubber.add_response("list_crawlers", {"CrawlerNames": ["a"], "NextToken": "t1"}, {})
    # without a paginator each request is retried by the policy
    stubber.add_client_error("list_crawlers", "ThrottlingException", "Rate exceeded")
    stubber.add_response("list_crawlers", {"CrawlerNames": ["b"]}, {"NextToken": "t1"})
    assert items(client, "list_crawlers", "CrawlerNames", policy=policy) == ["a", "b"]
    assert sleeps == [0.5]


def test_cloudformation_pages_of_the_facade_fail_as_infra_errors(stubbed: Any) -> None:
    from glue_workflow.infra.stacks import CloudFormation

    client, stubber = stubbed("cloudformation")
    stubber.add_client_error("list_stack_resources", "ValidationError", "Stack x is gone")
    with pytest.raises(InfraError) as gone:
        CloudFormation(client).resources("x")
    assert str(gone.value) == (
        "cloudformation:ListStackResources failed: ValidationError: Stack x is gone"
    )
