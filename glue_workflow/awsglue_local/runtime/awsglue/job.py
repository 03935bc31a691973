"""``awsglue.job.Job``: init/commit, and the job's bookmark (``awsglue._bookmarks``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awsglue import _bookmarks
from awsglue._errors import GlueRuntimeError, UnsupportedFeatureError
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
        if option == _bookmarks.PAUSE and (
            args.get("job_bookmark_from") or args.get("job_bookmark_to")
        ):
            raise UnsupportedFeatureError(
                "job-bookmark-pause with --job-bookmark-from/--job-bookmark-to (a range of "
                "earlier runs)",
                "pause without them reads what the last committed run left unread",
            )
        session = None
        if option in (_bookmarks.ENABLE, _bookmarks.PAUSE):
            run_id = args.get("JOB_RUN_ID")
            session = _bookmarks.Session(job_name, option, str(run_id) if run_id else None)
        setattr(self._glue_context, _bookmarks.ATTRIBUTE, session)
        self._name = job_name
        self._initialized = True

    def isInitialized(self) -> bool:
        return self._initialized

    def commit(self) -> None:
        """Save the bookmark's new state (``job-bookmark-enable``): a run that fails before
        it leaves the bookmark as it was, so the next run reads the same input again."""
        if not self._initialized:
            raise GlueRuntimeError("Job.commit() called before Job.init(job_name, args)")
        session = _bookmarks.session_of(self._glue_context)
        if session is not None:
            session.commit()
