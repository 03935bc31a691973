"""Local (clean-room) implementation of the ``awsglue`` job library on plain PySpark.

Importing this package, or ``awsglue.utils``, never imports pyspark: Python shell
jobs use ``getResolvedOptions`` only. Spark-backed names load on first access.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["DynamicFrame"]


def __getattr__(name: str) -> Any:
    if name == "DynamicFrame":
        from awsglue.dynamicframe import DynamicFrame

        return DynamicFrame
    raise AttributeError(f"module 'awsglue' has no attribute {name!r}")


# A Spark job the local engine started with a warm Spark attaches before any context:
# as pyspark is first imported (a run that never imports it, e.g. one the step cache
# serves, never holds the warm JVM).
if os.environ.get("GLUE_WF_WARM_SPARK_ADDRESS"):
    from awsglue import _warm

    _warm.attach_before_pyspark()
