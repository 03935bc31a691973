"""Promotion stages (``[stages.<name>]`` in glue-wf.toml) against the workflow."""

from __future__ import annotations

from collections.abc import Sequence

from glue_workflow.errors import Problem
from glue_workflow.model.workflow import Workflow
from glue_workflow.stage_config import Stage, unknown_instance_type

# The run property the shipped deploy job serves (jobs/deploy.py; infra scopes too).
ENDPOINT_PROPERTY = "endpoint_name"


def check_stage_endpoints(
    workflow: Workflow, stages: Sequence[Stage], config_file: str = ""
) -> list[Problem]:
    """A stage whose endpoint is the one the workflow's own deploy node serves (every
    run would replace what was promoted there, with no smoke test and no approval), or
    whose instance type SageMaker does not offer for endpoints; ``config_file``: the
    glue-wf.toml that declares them, named in each problem."""
    served = str(workflow.default_run_properties.get(ENDPOINT_PROPERTY, "")).lower()
    at = f"{config_file} " if config_file else ""
    return [
        Problem(
            where=f"{at}[stages.{stage.name}]",
            rule="stage-endpoint",
            message=f"endpoint {stage.endpoint!r} is the endpoint workflow "
            f"{workflow.name!r} deploys each run to (default run property "
            f"{ENDPOINT_PROPERTY}): every run would replace what was promoted to this "
            "stage, without its smoke test or approval; give the stage an endpoint of its "
            f'own, e.g. endpoint = "{served}-{stage.name}"',
        )
        for stage in stages
        if served and stage.endpoint.lower() == served
    ] + [
        Problem(where=f"{at}[stages.{stage.name}]", rule="stage-instance-type", message=why)
        for stage in stages
        if (why := unknown_instance_type(stage))
    ]


__all__ = ["check_stage_endpoints"]
