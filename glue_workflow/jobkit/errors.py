"""Errors a job reports to the user: one line, exit status 1 (see ``run_job``)."""

from __future__ import annotations


class JobInputError(Exception):
    """A job argument or run property the job needs is missing or malformed."""


class JobFailed(Exception):
    """The job decided to fail on purpose (e.g. a gate rejecting a model)."""


class JobExit(SystemExit):
    """Exit status 1 after ``run_job`` printed (and recorded) the one-line ``reason``.

    A ``SystemExit(1)`` to the interpreter; runners that run a script in-process (the
    local awsglue runner in tests) read ``reason`` instead of scraping stderr.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(1)
        self.reason = reason
