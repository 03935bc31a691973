"""Job argument rules: keys Glue or glue-wf own, what Python shell jobs refuse, and the
checks every job, gate, drift check and trigger action applies to its arguments."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from glue_workflow.errors import DefinitionError
from glue_workflow.model._base import ARGUMENT_PATTERN, Gather, fail
from glue_workflow.model.dependencies import Dependency
from glue_workflow.model.secrets import argument_secret

# Arguments Glue sets itself, or that glue-wf derives from dedicated fields.
GLUE_RESERVED_ARGUMENTS = frozenset(
    {
        "--JOB_NAME",
        "--JOB_ID",
        "--JOB_RUN_ID",
        "--WORKFLOW_NAME",
        "--WORKFLOW_RUN_ID",
        "--conf",
        "--debug",
        "--mode",
    }
)
FIELD_ARGUMENTS = {
    "--extra-py-files": "extra_py_files",
    "--extra-files": "extra_files",
    "--additional-python-modules": "additional_python_modules",
    "--job-bookmark-option": "job_bookmarks",
    "--TempDir": "(set by glue-wf)",
    "--glue_wf_producers": "(set by glue-wf)",
    "--glue_wf_contract": "(set by glue-wf)",
    "--job-language": "(set by glue-wf)",
    "--glue_wf_cache": "cache",
}
# Values the compiler fills from the deployment context (contract: names are fixed).
CONTEXT_ARGUMENTS = (
    "artifacts_bucket",
    "sagemaker_role_arn",
    "xgboost_image_uri",
    "notify_topic_arn",  # the infra stack's notifications topic (model/notify.py)
    "console_url",  # the run's console page, with {run_id} to fill (model/notify.py)
)


def check_path(where: str, what: str, value: Any, suffixes: tuple[str, ...] = ()) -> str:
    if not isinstance(value, str) or not value:
        fail(where, "path", f"{what} must be a project-relative path, got {value!r}")
    if "://" in value:
        example = "jobs/train.py" if what == "script" else "jobs/config.json"
        elsewhere = "" if what == "script" else "; an object already in S3 goes in arguments="
        fail(
            where,
            "path",
            f"{what} {value!r} is a URI: it names a file of the project, which glue-wf "
            f"uploads (e.g. {example!r}){elsewhere}",
        )
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or "\\" in value:
        fail(
            where,
            "path",
            f"{what} {value!r} must be a relative path inside the project using '/' "
            "(e.g. 'jobs/train.py')",
        )
    if suffixes and path.suffix not in suffixes:
        fail(where, "path", f"{what} {value!r} must end with {' or '.join(suffixes)}")
    return str(path)


PYTHON_SHELL_UNSUPPORTED = {
    "--extra-files": "Python shell jobs do not support --extra-files: use files= (each "
    "file is uploaded and its S3 URI passed as an argument)",
    "--job-bookmark-option": "Python shell jobs have no job bookmarks: remove it",
}


def check_arguments(
    where: str, what: str, args: Mapping[str, str], *, python_shell: bool = False
) -> None:
    gather = Gather()
    for key, value in args.items():
        with gather.check():
            check_argument(where, what, key, value, python_shell=python_shell)
    if gather.problems:
        raise DefinitionError(gather.problems)


def check_after(where: str, after: Any) -> None:
    if after is not None and not isinstance(after, Dependency):
        fail(
            where,
            "after-type",
            f"after= must be a dependency such as succeeded('train'), got {_shown(after)}",
        )


def _shown(value: Any) -> str:
    """A value as a message shows it: a node (or nodes) by name, with the dependency
    meant (a node's repr is its whole definition)."""
    items = value if isinstance(value, list | tuple) else [value]
    names = [getattr(item, "name", None) for item in items]
    if items and all(isinstance(n, str) for n in names):
        nodes = ", ".join(f"{type(i).__name__} {n!r}" for i, n in zip(items, names, strict=True))
        meant = ", ".join(f"succeeded({n!r})" for n in names)
        meant = meant if len(names) == 1 else f"all_of({meant})"
        return f"{nodes} itself: write after={meant} (or failed(...), any_of(...))"
    shown = repr(value)
    return shown if len(shown) <= 120 else shown[:117] + "..."


def check_argument(where: str, what: str, key: str, value: str, *, python_shell: bool) -> None:
    if python_shell and key in PYTHON_SHELL_UNSUPPORTED:
        fail(
            where,
            "python-shell-argument",
            f"{what} key {key!r}: " + PYTHON_SHELL_UNSUPPORTED[key],
        )
    if key in GLUE_RESERVED_ARGUMENTS:
        fail(
            where,
            "reserved-argument",
            f"{what} key {key!r} is reserved: Glue sets it for every run; remove it",
        )
    if key in FIELD_ARGUMENTS or key == "library-set":
        owner = FIELD_ARGUMENTS.get(key, "library_set")
        fix = "remove it" if owner.startswith("(") else f"use the {owner}= field instead"
        fail(where, "reserved-argument", f"{what} key {key!r} is managed by glue-wf: {fix}")
    if key.lstrip("-") in CONTEXT_ARGUMENTS:
        fail(
            where,
            "reserved-argument",
            f"{what} key {key!r} is filled from the deployment: use "
            f"context_arguments=({key.lstrip('-')!r},) instead",
        )
    if not ARGUMENT_PATTERN.fullmatch(key):
        fail(
            where,
            "argument-key",
            f"{what} key {key!r} is not a valid job argument: keys start with '--' then "
            "a letter, then letters, digits or '_' (e.g. '--input_path')",
        )
    secret = argument_secret(key, value)
    if secret is not None:
        by_key, why = secret
        fail(where, "no-secrets", f"{what}{' key' if by_key else ''} {key!r} {why}")
