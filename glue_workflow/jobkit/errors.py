"""Errors a job reports to the user: one line, exit status 1 (see ``run_job``)."""

from __future__ import annotations


class JobInputError(Exception):
    """A job argument or run property the job needs is missing or malformed."""


class JobFailed(Exception):
    """The job decided to fail on purpose (e.g. a gate rejecting a model)."""
