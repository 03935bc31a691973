"""The job library shipped to every Python shell job (stdlib + boto3, Python 3.9).

from glue_workflow.jobkit import JobContext, run_job

def main():
    ctx = JobContext.from_argv(required=("artifacts_bucket",))
    props = ctx.require("train_uri")
    ...
    ctx.put(model_artifact_uri=uri)

run_job(main)

``run_job`` also records a failing job's one-line reason in the run property
``glue_wf_error_<node>`` (see ``failure``); Spark jobs that ship the library use it too.
"""

from __future__ import annotations

from glue_workflow.jobkit.args import parse_arguments, resolve_options
from glue_workflow.jobkit.context import JobContext
from glue_workflow.jobkit.errors import JobExit, JobFailed, JobInputError
from glue_workflow.jobkit.failure import error_property, record_failure
from glue_workflow.jobkit.runner import run_job

__all__ = [
    "JobContext",
    "JobExit",
    "JobFailed",
    "JobInputError",
    "error_property",
    "parse_arguments",
    "record_failure",
    "resolve_options",
    "run_job",
]
