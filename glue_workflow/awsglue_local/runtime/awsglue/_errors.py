"""Errors of the local runtime (importable without pyspark).

The runtime is a stand-alone library: its errors derive from Python's own, and the
local target reports a job's failure from the exception's type name and message.
"""

from __future__ import annotations


class GlueRuntimeError(Exception):
    """A Glue API call was used wrongly (bad option, unknown table, missing path)."""


class UnsupportedFeatureError(NotImplementedError):
    """A Glue feature the local runtime does not implement; the message names it."""

    def __init__(self, feature: str, hint: str = "") -> None:
        self.feature = feature
        text = f"{feature} is not supported by the local awsglue runtime (glue-wf local target)"
        super().__init__(f"{text}: {hint}" if hint else text)


class ErrorThresholdExceeded(GlueRuntimeError):
    """A transform produced more error records than its stage/total threshold allows."""
