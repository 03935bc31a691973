"""Fixtures of the job tests: one local Spark session for every Spark test here."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from glue_workflow.awsglue_local.runner import local_spark_session

    return local_spark_session(
        master="local[2]", shuffle_partitions=1, warehouse_dir=tmp_path_factory.mktemp("warehouse")
    )
