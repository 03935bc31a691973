"""Glue's job timeout: the default when a request leaves it out and the maximum, shared
by the model, the compiler and the local target (source: AWS Glue API reference,
``Job.Timeout``)."""

from __future__ import annotations

# Job.Timeout in minutes: 2,880 (48 hours) up to Glue 4.0, 480 (8 hours) from Glue 5.0.
DEFAULT_TIMEOUT_MINUTES = 2880
GLUE5_DEFAULT_TIMEOUT_MINUTES = 480
MAX_TIMEOUT_MINUTES = 10080  # 7 days


def default_timeout(glue_version: str) -> int:
    """Glue's default job timeout (minutes) for ``glue_version``."""
    return GLUE5_DEFAULT_TIMEOUT_MINUTES if float(glue_version) >= 5.0 else DEFAULT_TIMEOUT_MINUTES
