"""Shared fixtures for the awsglue runtime tests: one local SparkSession per run.

Inside the official Glue image (``GLUE_WF_REAL_AWSGLUE=1``, set by
infra/docker/run-spark-tests.sh) the real ``awsglue`` is used and tests of the local
runtime's own additions are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REAL_AWSGLUE = os.environ.get("GLUE_WF_REAL_AWSGLUE") == "1"

local_runtime_only = pytest.mark.skipif(
    REAL_AWSGLUE, reason="tests a glue-wf local runtime addition, absent from real Glue"
)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from glue_workflow.awsglue_local.runner import local_spark_session

    return local_spark_session(
        master="local[2]",
        warehouse_dir=tmp_path_factory.mktemp("warehouse"),
        shuffle_partitions=1,
    )


@pytest.fixture
def glue_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A local-target home for s3:// paths and the catalog registry, with bucket ``bkt``."""
    home = tmp_path / "home"
    (home / "s3" / "bkt").mkdir(parents=True)
    monkeypatch.setenv("GLUE_WF_HOME", str(home))
    return home


@pytest.fixture
def glue_context(spark: Any) -> Any:
    from awsglue.context import GlueContext

    return GlueContext(spark.sparkContext)
