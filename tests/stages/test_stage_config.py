"""[stages.<name>] of glue-wf.toml: parsed into Settings.stages, bad tables named and explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from glue_workflow.config import load_settings
from glue_workflow.errors import ConfigError
from glue_workflow.stage_config import Stage, find_stage

GOOD = """
[stages.dev]
endpoint = "churn-dev"

[stages.prod]
endpoint = "churn-prod"
instance_type = "ml.m5.xlarge"
instance_count = 2
approval_required = true
smoke_test_uri = "s3://bucket/test/"
"""


def _load(tmp_path: Path, toml: str) -> tuple[Stage, ...]:
    (tmp_path / "glue-wf.toml").write_text(toml)
    return load_settings(tmp_path, env={}).stages


def test_stages_are_parsed_with_defaults(tmp_path: Path) -> None:
    dev, prod = _load(tmp_path, GOOD)
    assert dev == Stage(name="dev", endpoint="churn-dev")
    assert (dev.instance_type, dev.instance_count, dev.approval_required) == (
        "ml.m5.large",
        1,
        False,
    )
    assert prod == Stage(
        name="prod",
        endpoint="churn-prod",
        instance_type="ml.m5.xlarge",
        instance_count=2,
        approval_required=True,
        smoke_test_uri="s3://bucket/test/",
    )


def test_stages_may_name_the_stage_before_them(tmp_path: Path) -> None:
    dev, qa, prod = _load(
        tmp_path,
        '[stages.dev]\nendpoint = "d"\n[stages.qa]\nendpoint = "q"\nafter = "dev"\n'
        '[stages.prod]\nendpoint = "p"\nafter = "qa"',
    )
    assert (dev.after, qa.after, prod.after) == (None, "dev", "qa")


def test_no_stages_table_means_no_stages(tmp_path: Path) -> None:
    assert _load(tmp_path, "") == ()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            'stages = "prod"',
            "[stages] must be a table of stage tables such as [stages.prod], got str",
        ),
        (
            "[stages.prod]\ninstance_count = 1",
            '[stages.prod]: endpoint is required, e.g. endpoint = "churn-prod"',
        ),
        (
            '[stages.prod]\nendpoint = "churn_prod"',
            "[stages.prod] endpoint 'churn_prod' is not a valid SageMaker endpoint name",
        ),
        (
            '[stages.prod]\nendpoint = "e"\ninstance_type = "m5.large"',
            "[stages.prod] instance_type 'm5.large' is not a SageMaker instance type",
        ),
        (
            '[stages.prod]\nendpoint = "e"\ninstance_count = 0',
            "[stages.prod] instance_count must be a whole number >= 1, not 0",
        ),
        (
            '[stages.prod]\nendpoint = "e"\napproval_required = "yes"',
            "[stages.prod] approval_required must be true or false, not 'yes'",
        ),
        (
            '[stages.prod]\nendpoint = "e"\nsmoke_test_uri = "/tmp/x"',
            "[stages.prod] smoke_test_uri must be an s3:// prefix of label-first CSV rows",
        ),
        (
            '[stages.prod]\nendpoint = "e"\napprove = true',
            "[stages.prod]: unknown setting(s) approve; known: endpoint, instance_type",
        ),
        ('[stages.Prod]\nendpoint = "e"', "stage name 'Prod' must be 1-32 lowercase letters"),
        (
            '[stages.prod]\nendpoint = "e"\nafter = 1',
            '[stages.prod] after must be a stage name such as "qa", not 1',
        ),
        (
            '[stages.prod]\nendpoint = "e"\nafter = "prod"',
            "[stages.prod] after names the stage itself: name the stage promoted to before it",
        ),
        (
            '[stages.dev]\nendpoint = "d"\n[stages.prod]\nendpoint = "e"\nafter = "qa"',
            "[stages.prod] after = 'qa' is not a declared stage (declared: dev): add "
            "[stages.qa] or name one of them",
        ),
        (
            '[stages.dev]\nendpoint = "d"\nafter = "prod"\n'
            '[stages.qa]\nendpoint = "q"\nafter = "dev"\n'
            '[stages.prod]\nendpoint = "e"\nafter = "qa"',
            "[stages.dev] after: the stages' order loops (dev -> prod -> qa -> dev): a package "
            "could never be promoted to any of them; remove after from the first stage of the flow",
        ),
        (
            '[stages.qa]\nendpoint = "same"\n[stages.prod]\nendpoint = "SAME"',
            "[stages.prod] endpoint 'SAME' is also the endpoint of [stages.qa]: give each stage "
            "its own endpoint",
        ),
    ],
)
def test_bad_stage_tables_say_what_where_and_how(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, toml)
    assert message in str(info.value)
    assert str(tmp_path / "glue-wf.toml") in str(info.value)


TYPO = (
    "instance_type 'ml.m5.larg' is not a SageMaker endpoint instance type (did you mean "
    "'ml.m5.large'?) (the SageMaker API's ProductionVariantInstanceType: CreateEndpointConfig "
    'would refuse it), e.g. "ml.m5.large"'
)


def test_an_instance_type_sagemaker_does_not_offer_is_refused_where_the_stage_is_used(
    tmp_path: Path,
) -> None:
    # reading glue-wf.toml does not load the SageMaker service model (every command reads it)
    (stage,) = _load(tmp_path, '[stages.prod]\nendpoint = "e"\ninstance_type = "ml.m5.larg"')
    with pytest.raises(ConfigError) as info:
        find_stage((stage,), "prod", "glue-wf.toml")  # promote, approve
    assert str(info.value) == f"glue-wf.toml [stages.prod] {TYPO}"
    from glue_workflow.model import PythonShellJob, Workflow
    from glue_workflow.validation.stages import check_stage_endpoints

    workflow = Workflow(name="proj", nodes=(PythonShellJob(name="a", script="jobs/a.py"),))
    (problem,) = check_stage_endpoints(workflow, (stage,))  # validate, deploy
    assert (problem.where, problem.rule, problem.message) == (
        "[stages.prod]",
        "stage-instance-type",
        TYPO,
    )


def test_unknown_stage_lists_the_declared_ones(tmp_path: Path) -> None:
    stages = _load(tmp_path, GOOD)
    assert find_stage(stages, "prod", "glue-wf.toml").endpoint == "churn-prod"
    with pytest.raises(ConfigError) as info:
        find_stage(stages, "qa", "glue-wf.toml")
    assert str(info.value) == (
        "unknown stage 'qa': glue-wf.toml declares dev, prod; add [stages.qa] or use one of those"
    )
    with pytest.raises(ConfigError) as cased:
        find_stage(stages, "Prod", "glue-wf.toml")  # a table name is lowercase
    assert str(cased.value) == (
        "unknown stage 'Prod' (did you mean 'prod'?): glue-wf.toml declares dev, prod; use "
        "one of those"
    )
    with pytest.raises(ConfigError) as none:
        find_stage((), "qa", "glue-wf.toml")
    assert "glue-wf.toml declares no stages; add a [stages.qa] table" in str(none.value)


def test_a_stage_on_the_workflows_own_endpoint_is_refused() -> None:
    from glue_workflow.model import PythonShellJob, Workflow
    from glue_workflow.stage_config import Stage
    from glue_workflow.validation.stages import check_stage_endpoints

    workflow = Workflow(
        name="proj",
        max_concurrent_runs=1,
        default_run_properties={"endpoint_name": "proj"},
        nodes=(PythonShellJob(name="deploy", script="jobs/deploy.py", reads=("endpoint_name",)),),
    )
    stages = (Stage(name="qa", endpoint="Proj"), Stage(name="prod", endpoint="proj-prod"))
    (problem,) = check_stage_endpoints(workflow, stages)
    assert str(problem) == (
        "[stages.qa]: endpoint 'Proj' is the endpoint workflow 'proj' deploys each run to "
        "(default run property endpoint_name): every run would replace what was promoted to "
        "this stage, without its smoke test or approval; give the stage an endpoint of its "
        'own, e.g. endpoint = "proj-qa" [stage-endpoint]'
    )
    assert problem.severity == "error"
    (named,) = check_stage_endpoints(workflow, stages, "/p/glue-wf.toml")
    assert str(named).startswith("/p/glue-wf.toml [stages.qa]: endpoint 'Proj' is the endpoint")
