"""``awsglue.job.Job``: init/commit; bookmarks behave as ``job-bookmark-disable`` locally."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awsglue._errors import GlueRuntimeError
from awsglue.utils import BOOKMARK_CHOICES

__all__ = ["Job"]


class Job:
    """One run of a Glue job script."""

    def __init__(self, glue_context: Any) -> None:
        self._glue_context = glue_context
        self._name: str | None = None
        self._initialized = False

    @classmethod
    def continuation_options(cls) -> list[str]:
        return [
            "--continuation-option",
            "continuation-enabled",
            "continuation-readonly",
            "continuation-ignore",
        ]

    @classmethod
    def job_bookmark_options(cls) -> list[str]:
        return ["--job-bookmark-option", *BOOKMARK_CHOICES]

    def init(self, job_name: str, args: Mapping[str, Any] | None = None) -> None:
        args = dict(args or {})
        option = args.get("job_bookmark_option") or "job-bookmark-disable"
        if option not in BOOKMARK_CHOICES:
            raise GlueRuntimeError(
                f"job_bookmark_option {option!r} is not one of {', '.join(BOOKMARK_CHOICES)}"
            )
        if option != "job-bookmark-disable":
            self._glue_context.get_logger().warn(
                f"job bookmarks ({option}) are not kept by the local awsglue runtime: "
                "every run reads all input, as with job-bookmark-disable"
            )
        self._name = job_name
        self._initialized = True

    def isInitialized(self) -> bool:
        return self._initialized

    def commit(self) -> None:
        if not self._initialized:
            raise GlueRuntimeError("Job.commit() called before Job.init(job_name, args)")
