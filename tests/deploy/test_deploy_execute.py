"""The executor with botocore's Stubber: exact calls, activation reconciled by State."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from wfdocs import make_document

from glue_workflow.aws.retry import RetryPolicy
from glue_workflow.deploy.execute import DisplayExecutor, Executor
from glue_workflow.deploy.glue_deploy_calls import GlueDeployApi
from glue_workflow.deploy.plan import Instruction, Plan
from glue_workflow.errors import DeployError

DOC = make_document()
START = DOC.trigger("wf-start")  # ON_DEMAND
NEXT = DOC.trigger("wf-on-a-succeeded")  # CONDITIONAL


@pytest.fixture
def stubbed() -> Iterator[tuple[Executor, Stubber, list[float]]]:
    client = boto3.client("glue", region_name="us-east-1",
                          config=Config(retries={"total_max_attempts": 1}))  # fmt: skip
    sleeps: list[float] = []
    policy = RetryPolicy(sleep=sleeps.append, rng=lambda: 1.0)
    with Stubber(client) as stubber:
        yield (
            Executor(glue=GlueDeployApi(client=client, policy=policy), policy=policy),
            stubber,
            sleeps,
        )
        stubber.assert_no_pending_responses()


def trigger_state(stubber: Stubber, name: str, state: str) -> None:
    stubber.add_response("get_trigger", {"Trigger": {"Name": name, "State": state}},
                         {"Name": name})  # fmt: skip


def step(action: Any, request: dict[str, Any], activation: str | None = None) -> Instruction:
    return Instruction(action=action, type="trigger", name=request["Name"], request=request,
                       activation=activation)  # fmt: skip


def test_on_demand_create_is_never_started(stubbed: tuple[Executor, Stubber, Any]) -> None:
    executor, stubber, _ = stubbed
    stubber.add_response("create_trigger", {"Name": "wf-start"}, START)
    executor.apply(step("create", START, None))  # no GetTrigger, no StartTrigger


def test_update_reads_state_then_activates(stubbed: tuple[Executor, Stubber, Any]) -> None:
    executor, stubber, sleeps = stubbed
    update = {k: NEXT[k] for k in ("Predicate", "Actions")}
    stubber.add_response("update_trigger", {"Trigger": {"Name": NEXT["Name"]}},
                         {"Name": NEXT["Name"], "TriggerUpdate": {"Name": NEXT["Name"],
                                                                  **update}})  # fmt: skip
    trigger_state(stubber, NEXT["Name"], "UPDATING")  # transitional: wait and read again
    trigger_state(stubber, NEXT["Name"], "DEACTIVATED")
    stubber.add_response("start_trigger", {"Name": NEXT["Name"]}, {"Name": NEXT["Name"]})
    executor.apply(step("update", NEXT, "ACTIVATED"))
    assert sleeps == [0.5]


def test_create_already_active_needs_no_start(stubbed: tuple[Executor, Stubber, Any]) -> None:
    executor, stubber, _ = stubbed
    stubber.add_response("create_trigger", {"Name": NEXT["Name"]}, NEXT)
    trigger_state(stubber, NEXT["Name"], "ACTIVATED")
    executor.apply(step("create", NEXT, "ACTIVATED"))


def test_paused_schedule_is_stopped(stubbed: tuple[Executor, Stubber, Any]) -> None:
    executor, stubber, _ = stubbed
    trigger_state(stubber, NEXT["Name"], "ACTIVATED")
    stubber.add_response("stop_trigger", {"Name": NEXT["Name"]}, {"Name": NEXT["Name"]})
    executor.apply(step("deactivate", NEXT, "DEACTIVATED"))


def test_refuses_to_activate_on_demand(stubbed: tuple[Executor, Stubber, Any]) -> None:
    executor, _, _ = stubbed
    with pytest.raises(DeployError, match=r"^refusing to activate ON_DEMAND trigger wf-start$"):
        executor.apply(step("activate", START, "ACTIVATED"))


def test_display_executor_only_prints() -> None:
    lines: list[str] = []
    plan = Plan(workflow_name="wf", instructions=(
        Instruction(action="update", type="job", name="wf-a", changes={"Command": {}}),
        Instruction(action="delete", type="job", name="wf-z", reason="no longer declared"),
    ))  # fmt: skip
    DisplayExecutor(echo=lines.append).execute(plan)
    assert lines == [
        "would update job wf-a (Command)",
        "would delete job wf-z [no longer declared]",
    ]
    DisplayExecutor(echo=lines.append).execute(Plan(workflow_name="wf"))
    assert lines[-1] == "workflow wf: up to date, nothing to do"


def test_a_replaced_trigger_is_gone_before_its_name_is_created_again(
    stubbed: tuple[Executor, Stubber, list[float]],
) -> None:
    """Glue deletes triggers asynchronously (DELETING): the create of the same name waits."""
    executor, stubber, sleeps = stubbed
    stubber.add_response("delete_trigger", {"Name": "wf-start"}, {"Name": "wf-start"})
    trigger_state(stubber, "wf-start", "DELETING")
    stubber.add_client_error("get_trigger", "EntityNotFoundException", "Trigger not found")
    stubber.add_response("create_trigger", {"Name": "wf-start"}, START)
    executor.apply(Instruction(action="delete", type="trigger", name="wf-start",
                               reason="replace: Type changed"))  # fmt: skip
    executor.apply(step("create", START, None))
    assert sleeps == [0.5]


def test_a_plain_trigger_delete_does_not_wait(
    stubbed: tuple[Executor, Stubber, list[float]],
) -> None:
    executor, stubber, sleeps = stubbed
    stubber.add_response("delete_trigger", {"Name": "wf-old"}, {"Name": "wf-old"})
    executor.apply(Instruction(action="delete", type="trigger", name="wf-old"))
    assert sleeps == []


def test_a_trigger_that_stays_deleting_stops_the_deploy_with_what_to_do() -> None:
    client = boto3.client("glue", region_name="us-east-1",
                          config=Config(retries={"total_max_attempts": 1}))  # fmt: skip
    policy = RetryPolicy(sleep=lambda _s: None)
    executor = Executor(glue=GlueDeployApi(client=client, policy=policy), policy=policy,
                        settle_attempts=2)  # fmt: skip
    with Stubber(client) as stubber:
        stubber.add_response("delete_trigger", {"Name": "wf-start"}, {"Name": "wf-start"})
        trigger_state(stubber, "wf-start", "DELETING")
        trigger_state(stubber, "wf-start", "DELETING")
        with pytest.raises(DeployError) as caught:
            executor.apply(Instruction(action="delete", type="trigger", name="wf-start",
                                       reason="replace: Type changed"))  # fmt: skip
    assert str(caught.value) == (
        "trigger wf-start is still DELETING after its deletion; wait a minute, then rerun "
        "glue-wf deploy (it creates the trigger again)"
    )
