"""Spark capacity settings Glue's CreateJob refuses, refused by the model first: Flex
off G.1X/G.2X, worker types newer than the job's Glue version, and max_capacity on
Glue 2.0+. Each message is pinned exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from glue_workflow.cli import cli
from glue_workflow.errors import DefinitionError
from glue_workflow.model import SparkJob
from glue_workflow.model.jobs import SPARK_GLUE_VERSIONS, SPARK_WORKER_TYPES


def spark(**kw: Any) -> SparkJob:
    return SparkJob(name="etl", script="jobs/etl.py", **kw)


def refused(**kw: Any) -> list[str]:
    with pytest.raises(DefinitionError) as info:
        spark(**kw)
    return [str(p) for p in info.value.problems]


# -- Flex: G.1X or G.2X only ---------------------------------------------------------


@pytest.mark.parametrize(
    "worker_type", ["G.4X", "G.8X", "G.12X", "G.16X", "R.1X", "R.2X", "R.4X", "R.8X"]
)
def test_flex_needs_g1x_or_g2x(worker_type: str) -> None:
    assert refused(execution_class="FLEX", worker_type=worker_type) == [
        f"SparkJob 'etl': execution_class='FLEX' needs worker_type 'G.1X' or 'G.2X'; this job "
        f"uses {worker_type!r}: set worker_type='G.2X' or drop execution_class "
        "[flex-worker-type]"
    ]


@pytest.mark.parametrize("worker_type", ["G.1X", "G.2X"])
@pytest.mark.parametrize("glue_version", ["3.0", "4.0", "5.0", "5.1", "6.0"])
def test_flex_on_g1x_g2x_glue_3_and_later_is_accepted(worker_type: str, glue_version: str) -> None:
    spark(execution_class="FLEX", worker_type=worker_type, glue_version=glue_version)


def test_standard_execution_class_takes_any_worker_type() -> None:
    spark(execution_class="STANDARD", worker_type="G.16X")


def test_flex_on_glue_2_keeps_its_message() -> None:
    assert refused(execution_class="FLEX", glue_version="2.0") == [
        "SparkJob 'etl': execution_class='FLEX' needs Glue 3.0 or later; this job uses Glue "
        "2.0: set glue_version='5.0' or drop execution_class [flex-glue-version]"
    ]


def test_flex_with_a_new_worker_on_glue_2_reports_each_problem_once() -> None:
    assert refused(execution_class="FLEX", worker_type="G.4X", glue_version="2.0") == [
        "SparkJob 'etl': worker_type 'G.4X' needs Glue 3.0 or later; this job uses Glue 2.0: "
        "set glue_version='5.0', or use a worker type Glue 2.0 has ('G.1X', 'G.2X') "
        "[worker-type-glue-version]",
        "SparkJob 'etl': execution_class='FLEX' needs Glue 3.0 or later; this job uses Glue "
        "2.0: set glue_version='5.0' or drop execution_class [flex-glue-version]",
    ]


def test_flex_with_an_unknown_worker_type_gets_only_the_worker_type_error() -> None:
    assert [p.split(" [")[-1] for p in refused(execution_class="FLEX", worker_type="G.9X")] == [
        "worker_type-value]"
    ]


# -- worker type vs Glue version -----------------------------------------------------


@pytest.mark.parametrize(
    ("worker_type", "glue_version", "minimum", "offered"),
    [
        ("G.4X", "2.0", "3.0", "'G.1X', 'G.2X'"),
        ("G.8X", "2.0", "3.0", "'G.1X', 'G.2X'"),
        ("G.12X", "2.0", "4.0", "'G.1X', 'G.2X'"),
        ("G.12X", "3.0", "4.0", "'G.1X', 'G.2X', 'G.4X', 'G.8X'"),
        ("G.16X", "3.0", "4.0", "'G.1X', 'G.2X', 'G.4X', 'G.8X'"),
        ("R.1X", "3.0", "4.0", "'G.1X', 'G.2X', 'G.4X', 'G.8X'"),
        ("R.2X", "2.0", "4.0", "'G.1X', 'G.2X'"),
        ("R.4X", "3.0", "4.0", "'G.1X', 'G.2X', 'G.4X', 'G.8X'"),
        ("R.8X", "3.0", "4.0", "'G.1X', 'G.2X', 'G.4X', 'G.8X'"),
    ],
)
def test_worker_type_needs_its_glue_version(
    worker_type: str, glue_version: str, minimum: str, offered: str
) -> None:
    assert refused(worker_type=worker_type, glue_version=glue_version) == [
        f"SparkJob 'etl': worker_type {worker_type!r} needs Glue {minimum} or later; this job "
        f"uses Glue {glue_version}: set glue_version='5.0', or use a worker type Glue "
        f"{glue_version} has ({offered}) [worker-type-glue-version]"
    ]


def test_every_worker_type_runs_on_glue_4_and_later() -> None:
    for glue_version in SPARK_GLUE_VERSIONS:
        if glue_version in ("2.0", "3.0"):
            continue
        for worker_type in SPARK_WORKER_TYPES:
            spark(worker_type=worker_type, glue_version=glue_version)


@pytest.mark.parametrize("worker_type", ["G.1X", "G.2X", "G.4X", "G.8X"])
def test_glue_3_worker_types_are_accepted(worker_type: str) -> None:
    spark(worker_type=worker_type, glue_version="3.0")


@pytest.mark.parametrize("worker_type", ["G.025X", "Z.2X"])
def test_streaming_and_ray_worker_types_stay_refused(worker_type: str) -> None:
    assert [p.split(" [")[-1] for p in refused(worker_type=worker_type)] == ["worker_type-value]"]


def test_unknown_glue_version_gets_only_the_version_error() -> None:
    assert [p.split(" [")[-1] for p in refused(worker_type="G.4X", glue_version="7.0")] == [
        "glue_version-value]"
    ]


# -- max_capacity on Glue 2.0+ -------------------------------------------------------


@pytest.mark.parametrize("glue_version", ["2.0", "3.0", "4.0", "5.0", "5.1", "6.0"])
def test_max_capacity_is_refused_on_glue_2_and_later(glue_version: str) -> None:
    assert refused(
        worker_type=None, number_of_workers=None, max_capacity=10.0, glue_version=glue_version
    ) == [
        f"SparkJob 'etl': max_capacity cannot be set on Glue 2.0 or later (this job uses Glue "
        f"{glue_version}): drop max_capacity and set worker_type and number_of_workers (a "
        "G.1X worker is 1 DPU: e.g. worker_type='G.1X', number_of_workers=10) "
        "[capacity-glue-version]"
    ]


def test_max_capacity_suggestion_falls_back_to_two_workers() -> None:
    assert refused(worker_type=None, number_of_workers=None, max_capacity=2.5) == [
        "SparkJob 'etl': max_capacity cannot be set on Glue 2.0 or later (this job uses Glue "
        "5.0): drop max_capacity and set worker_type and number_of_workers (a G.1X worker is "
        "1 DPU: e.g. worker_type='G.1X', number_of_workers=2) [capacity-glue-version]"
    ]


def test_max_capacity_with_flex_is_one_problem() -> None:
    assert [
        p.split(" [")[-1]
        for p in refused(
            worker_type=None, number_of_workers=None, max_capacity=10.0, execution_class="FLEX"
        )
    ] == ["capacity-glue-version]"]


def test_max_capacity_with_workers_keeps_the_exclusive_message() -> None:
    assert refused(max_capacity=10.0) == [
        "SparkJob 'etl': max_capacity cannot be combined with worker_type/number_of_workers: set "
        "worker_type=None and number_of_workers=None, or drop max_capacity [capacity-exclusive]"
    ]


def test_capacity_missing_no_longer_suggests_max_capacity() -> None:
    assert refused(worker_type=None) == [
        "SparkJob 'etl': set worker_type and number_of_workers (e.g. 'G.1X' and 2) "
        "[capacity-missing]"
    ]


def test_end_of_life_glue_gets_only_the_end_of_life_error() -> None:
    assert [
        p.split(" [")[-1]
        for p in refused(
            worker_type=None, number_of_workers=None, max_capacity=10.0, glue_version="1.0"
        )
    ] == ["glue-end-of-life]"]


# -- through the CLI ---------------------------------------------------------------------


def test_validate_reports_the_new_rules(tmp_path: Path, make_project: Any) -> None:
    project = make_project(
        tmp_path / "p",
        "from glue_workflow.model import SparkJob, Workflow\n\n"
        "workflow = Workflow(\n"
        "    name='wf',\n"
        "    max_concurrent_runs=1,\n"
        "    nodes=(SparkJob(name='etl', script='jobs/etl.py', glue_version='3.0',\n"
        "                    worker_type='G.12X', execution_class='FLEX'),),\n"
        ")\n",
    )
    result = CliRunner().invoke(cli, ["validate", "--project", str(project)])
    assert result.exit_code == 1
    text = str(result.exception) + result.output
    assert "[worker-type-glue-version]" in text
    assert "[flex-worker-type]" in text
