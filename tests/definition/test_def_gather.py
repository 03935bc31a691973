"""One object reports all its field problems; deferred construction reports every
object's; schedules that never fire; the secret rule's own advice is accepted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from glue_workflow.errors import DefinitionError
from glue_workflow.model import Event, PythonShellJob, Scheduled, SparkJob, Workflow, succeeded
from glue_workflow.model._base import deferring
from glue_workflow.validation import validate

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def job(name: str, **kw: Any) -> PythonShellJob:
    return PythonShellJob(name=name, script=f"jobs/{name}.py", **kw)


def messages(exc: pytest.ExceptionInfo[DefinitionError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_event_reports_batch_size_and_window() -> None:
    with pytest.raises(DefinitionError) as exc:
        Event(batch_size=0, batch_window=1000000)
    assert messages(exc) == [
        "start trigger: batch_size must be between 1 and 100, got 0 [batch_size-range]",
        "start trigger: batch_window must be between 1 and 900, got 1000000 [batch_window-range]",
    ]
    assert str(exc.value).startswith("2 problems:\n  - start trigger: batch_size")


def test_job_reports_every_field_problem() -> None:
    with pytest.raises(DefinitionError) as exc:
        job("a", max_retries=-1, timeout=0, arguments={"--api_key": "x", "bad": "y"})
    assert [p.rule for p in exc.value.problems] == [
        "no-secrets",
        "argument-key",
        "max_retries-range",
        "timeout-range",
    ]


def test_spark_job_reports_base_and_own_problems() -> None:
    with pytest.raises(DefinitionError) as exc:
        SparkJob(name="etl", script="jobs/etl.py", max_retries=99, worker_type="G.9X")
    assert [p.rule for p in exc.value.problems] == ["max_retries-range", "worker_type-value"]


def test_workflow_reports_every_field_problem() -> None:
    with pytest.raises(DefinitionError) as exc:
        Workflow(
            name="bad name",
            nodes=(job("a"),),
            default_run_properties={"password": "x"},
            start_parameters=("token",),
            max_concurrent_runs=0,
        )
    assert [p.rule for p in exc.value.problems] == [
        "name-pattern",
        "no-secrets",
        "no-secrets",
        "max_concurrent_runs-range",
    ]


def test_deferring_builds_objects_and_records_their_problems() -> None:
    with deferring() as deferred:
        workflow = Workflow(
            name="wf",
            max_concurrent_runs=1,
            default_run_properties={"db_password": "x"},
            start=Scheduled(cron="cron(* * * * ? *)"),
            nodes=(
                job("train", timeout=0),
                job("evaluate", after=succeeded("trian")),
            ),
        )
    assert [p.rule for p in deferred] == ["timeout-range", "no-secrets"]
    texts = [str(p) for p in validate(workflow, now=NOW, tolerant=True)]
    assert any("refers to node 'trian'" in t for t in texts), texts
    assert any("fires every 1 minute(s)" in t for t in texts), texts
    # Outside deferring() construction raises again.
    with pytest.raises(DefinitionError):
        job("x", timeout=0)


def test_a_node_that_did_not_build_causes_no_follow_on_problems() -> None:
    # The gate's condition did not parse, so it reads nothing yet: its threshold property
    # is not "read by no node". Two nodes named alike are a duplicate, not a self-loop.
    from glue_workflow.model import Gate

    with deferring() as deferred:
        workflow = Workflow(
            name="wf",
            default_run_properties={"min_accuracy": "0.8"},
            start=Scheduled(cron="cron(0 1 * * ? *)"),
            nodes=(
                job("train", writes=("accuracy",)),
                Gate(
                    name="gate", conditions=("accuracy => min_accuracy",), after=succeeded("train")
                ),
                job("deploy", after=succeeded("gate")),
                job("deploy", after=succeeded("deploy")),
            ),
        )
    assert [p.rule for p in deferred] == ["gate-condition", "duplicate-node"]
    rules = [p.rule for p in validate(workflow, now=NOW, tolerant=True)]
    assert "self-loop" not in rules, rules
    assert "property-contract" not in rules, rules


@pytest.mark.parametrize(
    ("cron", "why"),
    [
        ("cron(0 0 31 4 ? *)", "April has no day 31"),
        ("cron(0 0 31 4,6 ? *)", "April and June have no day 31"),
        ("cron(0 0 30 2 ? *)", "February has no day 30"),
        ("cron(0 0 1 1 ? 2020)", "its last year, 2020, is in the past"),
        ("cron(0 0 1 1 ? 2026)", "it has no fire time after 2026-06-01 00:00 UTC"),
    ],
)
def test_schedule_that_never_fires(cron: str, why: str) -> None:
    workflow = Workflow(
        name="wf", max_concurrent_runs=1, start=Scheduled(cron=cron), nodes=(job("a"),)
    )
    problems = [p for p in validate(workflow, now=NOW) if p.severity == "error"]
    assert [str(p) for p in problems] == [
        f"start trigger: schedule {cron!r} never fires: {why}; fix its Day-of-month, Month or "
        "Year field [cron-never-fires]"
    ]


def test_schedule_that_fires_later_passes() -> None:
    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        start=Scheduled(cron="cron(0 0 29 2 ? 2028)"),
        nodes=(job("a"),),
    )
    assert [p for p in validate(workflow, now=NOW) if p.severity == "error"] == []


def test_names_the_secret_hint_suggests_pass_everywhere() -> None:
    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        default_run_properties={"db_password_secret_arn": "arn:aws:secretsmanager:x"},
        start_parameters=("db_secret_name",),
        nodes=(
            job(
                "a",
                reads=("db_password_secret_arn", "db_secret_name"),
                arguments={"--db_password_secret_arn": "arn", "--db_secret_name": "n"},
            ),
        ),
    )
    assert [p for p in validate(workflow, now=NOW) if p.severity == "error"] == []


@pytest.mark.parametrize("name", ["db_secret", "password", "api_key", "aws_secret_access_key"])
def test_secret_names_refused_as_start_parameters(name: str) -> None:
    with pytest.raises(DefinitionError) as exc:
        Workflow(name="wf", nodes=(job("a"),), start_parameters=(name,))
    assert messages(exc) == [
        f"Workflow 'wf': start parameter {name!r} looks like a secret; run properties are "
        "stored and shown in plain text by Glue: keep the secret in AWS Secrets Manager or SSM "
        "Parameter Store and pass its ARN or name under a key ending in _arn or _name (e.g. "
        "db_password_secret_arn) for the job to read at run time [no-secrets]"
    ]


def test_two_nodes_of_one_name_are_one_problem() -> None:
    """Neither a contract nor a double start follows from the duplicate name."""
    with deferring() as deferred:
        workflow = Workflow(
            name="dup",
            max_concurrent_runs=1,
            nodes=(
                job("count", writes=("item_count",)),
                job("count", after=succeeded("count"), reads=("item_count",)),
            ),
        )
    assert [p.rule for p in deferred] == ["duplicate-node"]
    rules = [p.rule for p in validate(workflow, now=NOW, tolerant=True)]
    assert "property-contract" not in rules, rules
    assert "started-twice" not in rules, rules
