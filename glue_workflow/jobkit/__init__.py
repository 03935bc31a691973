"""The job library shipped to every Python shell job (stdlib + boto3, Python 3.9).

from glue_workflow.jobkit import JobContext, run_job

def main():
    ctx = JobContext.from_argv(required=("artifacts_bucket",))
    props = ctx.require("train_uri")
    ...
    ctx.put(model_artifact_uri=uri)

run_job(main)
"""

from __future__ import annotations

from glue_workflow.jobkit.args import parse_arguments, resolve_options
from glue_workflow.jobkit.context import JobContext
from glue_workflow.jobkit.errors import JobFailed, JobInputError
from glue_workflow.jobkit.runner import run_job

__all__ = [
    "JobContext",
    "JobFailed",
    "JobInputError",
    "parse_arguments",
    "resolve_options",
    "run_job",
]
