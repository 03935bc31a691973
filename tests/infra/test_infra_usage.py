"""What a workflow's definition says it uses, which decides the statements it is granted."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from glue_workflow.compiler import compile_workflow, placeholder_context
from glue_workflow.config import load_settings
from glue_workflow.definition import load_workflow
from glue_workflow.errors import DefinitionError
from glue_workflow.infra.scopes import Usage, usage_of
from glue_workflow.model import (
    OnDemand,
    PythonShellJob,
    SparkJob,
    ToEventBridge,
    ToSns,
    Workflow,
    succeeded,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def etl(**kwargs: object) -> Workflow:
    clean = SparkJob(name="clean", script="jobs/clean.py")
    report = PythonShellJob(
        name="report",
        script="jobs/report.py",
        after=succeeded(clean),
        context_arguments=kwargs.pop("context_arguments", ()),  # type: ignore[arg-type]
    )
    return Workflow(name="etl", start=OnDemand(), nodes=(clean, report), **kwargs)  # type: ignore[arg-type]


def test_the_churn_workflow_starts_sagemaker_jobs_and_notifies_nobody() -> None:
    churn = load_workflow(load_settings(PROJECT_ROOT, target="local"))
    assert usage_of(churn) == Usage(sagemaker_jobs=True, sns=False, events=False)


def test_a_workflow_of_etl_jobs_uses_nothing() -> None:
    assert usage_of(etl()) == Usage(sagemaker_jobs=False, sns=False, events=False)


def test_a_job_handed_the_sagemaker_role_may_start_sagemaker_jobs() -> None:
    wf = etl(context_arguments=("artifacts_bucket", "sagemaker_role_arn"))
    assert usage_of(wf).sagemaker_jobs


@pytest.mark.parametrize(
    ("notify", "sns", "events"),
    [
        ([ToSns()], True, False),
        ([ToEventBridge()], False, True),
        ([ToSns(topic_arn="arn:aws:sns:us-east-1:1:t"), ToEventBridge()], True, True),
    ],
)
def test_notify_targets_decide_the_publishing(
    notify: list[object], sns: bool, events: bool
) -> None:
    assert usage_of(etl(notify=notify)) == Usage(sagemaker_jobs=False, sns=sns, events=events)


def test_a_job_handed_the_stack_topic_may_publish_to_it() -> None:
    assert usage_of(etl(context_arguments=("notify_topic_arn",))).sns


def test_without_a_sagemaker_role_only_a_job_handed_it_is_refused() -> None:
    plain = etl()
    compile_workflow(plain, replace(placeholder_context(plain, "b"), sagemaker_role_arn=None))
    handed = etl(context_arguments=("sagemaker_role_arn",))
    context = replace(placeholder_context(handed, "b"), sagemaker_role_arn=None)
    with pytest.raises(DefinitionError) as caught:
        compile_workflow(handed, context)
    assert str(caught.value) == (
        "PythonShellJob 'report': context argument sagemaker_role_arn: the target has no "
        "SageMaker execution role (the infra stack creates one only for a workflow that uses "
        "SageMaker): rerun 'glue-wf infra deploy' for this definition, or set "
        "sagemaker_role_arn in glue-wf.toml [sagemaker-role]"
    )
