"""A job's failure reason, recorded where ``status`` can read it on AWS too.

On Glue a failed Python shell job run's ``ErrorMessage`` is only "Command failed with
exit code 1" (awslabs/aws-glue-libs#221): the reason is in CloudWatch Logs alone. So
before it exits, every job puts its one-line reason into the workflow run property
``glue_wf_error_<node>`` (PutWorkflowRunProperties); ``status``, ``run --wait``, ``runs``
and the console prefer it to the job run's own message, on both targets.

Runs on Glue's Python shell 3.9 and in Spark jobs (stdlib + boto3 only).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from glue_workflow.jobkit.args import parse_arguments
from glue_workflow.jobkit.context import JobContext
from glue_workflow.jobkit.secrets import looks_like_secret, redact

ERROR_PROPERTY_PREFIX = "glue_wf_error_"
# Glue's run property keys: 1-255 characters, single line (PutWorkflowRunProperties,
# https://docs.aws.amazon.com/glue/latest/webapi/API_PutWorkflowRunProperties.html).
PROPERTY_KEY_MAX = 255
REASON_MAX = 600  # characters kept of a long reason: both ends (the end says the fix)


def node_of_job(workflow: str, job: str) -> str:
    """The node name of Glue job ``job`` in ``workflow`` (``<workflow>-<node>``).

    The inverse of ``glue_workflow.naming.job_name``, here because jobs need it on Glue,
    where only the job library is installed; a job name that is not ours is its own node.
    """
    prefix = workflow + "-"
    return job[len(prefix) :] if job.startswith(prefix) and len(job) > len(prefix) else job


def error_property(node: str) -> str:
    """``glue_wf_error_<node>``, within Glue's 255-character key limit.

    Node names of a definition are at most 80 characters; a longer (foreign) job name
    is cut and suffixed with a digest so distinct names keep distinct keys.
    """
    return node_property(ERROR_PROPERTY_PREFIX, node)


def node_property(prefix: str, node: str) -> str:
    """``<prefix><node>`` as a run property key, single-line and at most 255 characters."""
    node = " ".join(node.split())  # keys are single-line
    key = prefix + node
    if len(key) <= PROPERTY_KEY_MAX:
        return key
    digest = hashlib.sha256(node.encode("utf-8")).hexdigest()[:12]
    keep = PROPERTY_KEY_MAX - len(prefix) - len(digest) - 1
    return f"{prefix}{node[:keep]}_{digest}"


def is_error_property(name: str) -> bool:
    return name.startswith(ERROR_PROPERTY_PREFIX)


def shorten(line: str, limit: int = REASON_MAX) -> str:
    """Keep both ends of a long line (the end usually says how to fix it), cut between
    words: a number cut in two would read as another number."""
    if len(line) <= limit:
        return line
    half = limit // 2
    head, tail = line[:half], line[-half:]
    if line[half] != " " and " " in head[half // 2 :]:
        head = head[: head.rindex(" ")]
    if line[-half - 1] != " " and " " in tail[: half // 2]:
        tail = tail[tail.index(" ") + 1 :]
    return f"{head.rstrip()} … {tail.lstrip()}"


def one_line_reason(text: str, args: Mapping[str, str] | None = None) -> str:
    """``text`` as one line, trimmed at both ends, with secrets removed.

    ``args``: the job's arguments; the values of those whose names look like secrets
    are removed wherever they appear.
    """
    secret_values = tuple(v for k, v in (args or {}).items() if v and looks_like_secret(k))
    line = " ".join(str(text).split())
    return shorten(redact(line, secret_values))


def exception_reason(exc: BaseException) -> str:
    """What a traceback's last line says: ``Type: first line of the message``."""
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    reason = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    hint = lost_spark_hint(exc)
    if hint:  # the warm JVM went away: its log says whether it ran out of memory
        try:
            from awsglue import _warm  # the local runtime's (not on Glue)
        except ImportError:
            return reason + hint
        oom: str | None = _warm.out_of_memory_reason(reason)
        if oom is not None:
            return oom
    return reason + hint


# The connection errors a Spark job attached to the local warm Spark sees when that
# JVM goes away mid-run (py4j's own, or the socket's).
_LOST = {"Py4JNetworkError", "ConnectionRefusedError", "ConnectionResetError", "BrokenPipeError"}
# the JVM outlived its server, which stopped the leased context (Spark's own words)
_STOPPED = "Cannot call methods on a stopped SparkContext"
# set by the local awsglue runtime once the job leased the warm Spark's JVM (the address
# it was given is taken out of the environment then)
WARM_SPARK_LEASE_ENV = "GLUE_WF_WARM_SPARK_LEASED"


def lost_spark_hint(exc: BaseException) -> str:
    """Why a local Spark job lost its JVM, when the error says the connection broke and
    the job was attached to the warm Spark; else ``""``."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    if not os.environ.get(WARM_SPARK_LEASE_ENV) or not any(
        type(e).__name__ in _LOST or _STOPPED in str(e) for e in seen
    ):
        return ""
    return (
        " (the job lost the warm Spark it ran on: it stops with glue-wf local stop, or when "
        "its JVM or server is killed; run the node again: glue-wf resume <run> --wait)"
    )


def _run_key(argv: Sequence[str] | None) -> tuple[dict[str, str], str | None]:
    """The job's arguments and its node's ``glue_wf_error_<node>`` key; None outside a
    workflow run (no ``--WORKFLOW_NAME`` / ``--WORKFLOW_RUN_ID`` / ``--JOB_NAME``)."""
    args = parse_arguments(sys.argv if argv is None else argv)
    workflow, run_id = args.get("WORKFLOW_NAME"), args.get("WORKFLOW_RUN_ID")
    job = args.get("JOB_NAME")
    if not workflow or not run_id or not job:
        return args, None
    return args, error_property(node_of_job(workflow, job))


def record_failure(
    reason: str, argv: Sequence[str] | None = None, *, session: Any = None
) -> str | None:
    """Put ``reason`` into the run property ``glue_wf_error_<node>``; the key, or None.

    Nothing is recorded outside a workflow run (no ``--WORKFLOW_NAME`` /
    ``--WORKFLOW_RUN_ID``). A failure to record is reported on stderr and swallowed:
    the job is failing already, and its own error must be what surfaces.
    """
    args, key = _run_key(argv)
    if key is None:
        return None
    value = one_line_reason(reason, args)
    try:
        JobContext(args, session=session).put(**{key: value})
    except Exception as exc:  # the job's own error must surface, not this one
        detail = one_line_reason(exception_reason(exc), args)
        print(
            f"glue-wf: could not record the failure reason in run property {key} "
            f"({detail}); status shows the job run's own error message instead",
            file=sys.stderr,
            flush=True,
        )
        return None
    return key


def clear_failure(argv: Sequence[str] | None = None, *, session: Any = None) -> str | None:
    """Empty ``glue_wf_error_<node>`` after the node succeeded; the key, or None.

    A reason recorded by an earlier attempt (a retry) or an earlier run (a resume) must
    not outlive the success: a node that reads it would act on a failure that is no
    more. One read of the run's properties; written only when a reason is there. The
    same read finds the node's declared writes the job left unwritten: warned on stderr
    (``Contract.unwritten_warning``). A failure to read or write is reported on stderr
    and swallowed: the job succeeded.
    """
    args, key = _run_key(argv)
    if key is None:
        return None
    context = JobContext(args, session=session)
    try:
        answer = context.client("glue").get_workflow_run_properties(
            Name=args["WORKFLOW_NAME"], RunId=args["WORKFLOW_RUN_ID"]
        )
        current = answer.get("RunProperties") or {}
        warning = context.contract.unwritten_warning(current)
        if warning:
            print(warning, file=sys.stderr, flush=True)
        if not current.get(key):
            return None
        context.put(**{key: ""})
    except Exception as exc:  # the job succeeded: say so, do not fail it now
        detail = one_line_reason(exception_reason(exc), args)
        print(
            f"glue-wf: could not clear the earlier failure reason in run property {key} ({detail})",
            file=sys.stderr,
            flush=True,
        )
        return None
    return key
