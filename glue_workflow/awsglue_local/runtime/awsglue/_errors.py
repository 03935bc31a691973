"""Errors of the local runtime (importable without pyspark)."""

from __future__ import annotations

from glue_workflow.errors import GlueWfError, NotSupportedError


class UnsupportedFeatureError(NotSupportedError, NotImplementedError):
    """A Glue feature the local runtime does not implement; the message names it."""

    def __init__(self, feature: str, hint: str = "") -> None:
        self.feature = feature
        text = f"{feature} is not supported by the local awsglue runtime (glue-wf local target)"
        super().__init__(f"{text}: {hint}" if hint else text)


class GlueRuntimeError(GlueWfError):
    """A Glue API call was used wrongly (bad option, unknown table, missing path)."""


class ErrorThresholdExceeded(GlueRuntimeError):
    """A transform produced more error records than its stage/total threshold allows."""
