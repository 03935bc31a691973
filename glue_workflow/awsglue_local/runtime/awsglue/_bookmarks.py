"""Job bookmarks of the local runtime: ``<GLUE_WF_HOME>/bookmarks/<sha256 of the job>.json``.

Glue keeps one bookmark per job: a state element per ``transformation_ctx``, read by
``job.init`` and saved atomically by ``job.commit``, with a run number that grows by
one for every committed run and a version for every update (AWS doc "Tracking
processed data using job bookmarks"). For S3 sources Glue reads only the objects it
has not read, by last-modified time: an object modified since is read again. Locally
each state element lists the files it read with their modification time and size (the
local file system lists consistently, so the list alone decides, without Glue's
timestamp window). Only sources with a ``transformation_ctx`` are bookmarked, as on
Glue. The file::

    {"JobName": "...", "Run": 2, "Attempt": 0, "Version": 2, "RunId": "jr_...",
     "PreviousRunId": "jr_...", "States": {"<ctx>": {"<file path>": [mtime_ns, size]}}}

The local Glue service answers GetJobBookmark and ResetJobBookmark from the same file
(``glue_workflow.local.glue.bookmarks``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from awsglue._errors import GlueRuntimeError
from awsglue._paths import DEFAULT_HOME, HOME_ENV

ENABLE, PAUSE = "job-bookmark-enable", "job-bookmark-pause"
ATTRIBUTE = "_glue_wf_bookmark"  # the GlueContext's bookmark session, set by Job.init


def bookmark_path(job_name: str) -> Path:
    """Where ``job_name``'s bookmark is kept (a digest: job names may hold any character)."""
    digest = hashlib.sha256(job_name.encode("utf-8")).hexdigest()[:40]
    home = Path(os.environ.get(HOME_ENV) or DEFAULT_HOME).resolve()
    return home / "bookmarks" / f"{digest}.json"


def load(job_name: str) -> dict[str, Any]:
    """The job's bookmark (an empty one before its first committed run)."""
    path = bookmark_path(job_name)
    if not path.is_file():
        return {"JobName": job_name, "Run": 0, "Attempt": 0, "Version": 0, "States": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GlueRuntimeError(
            f"job bookmark of {job_name!r} at {path} is unreadable ({exc}); delete the file "
            "(or reset it: aws glue reset-job-bookmark --job-name ... under glue-wf env) to "
            "read every input again"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("States"), dict):
        raise GlueRuntimeError(f"job bookmark of {job_name!r} at {path}: expected a States map")
    return data


class Session:
    """One job run's bookmark: what its sources read, committed by ``Job.commit``."""

    def __init__(self, job_name: str, option: str, run_id: str | None) -> None:
        self.job_name, self.option, self.run_id = job_name, option, run_id
        self.saved = load(job_name)
        self.read: dict[str, dict[str, list[int]]] = {}

    def unread(self, ctx: str, files: Sequence[str]) -> list[str]:
        """The files ``ctx`` has not read in a committed run (new or modified since)."""
        seen: Mapping[str, Any] = self.saved["States"].get(ctx) or {}
        stamps = {f: _stamp(f) for f in files}
        fresh = [f for f in files if seen.get(f) != stamps[f]]
        self.read.setdefault(ctx, {}).update({f: stamps[f] for f in fresh})
        return fresh

    def commit(self) -> None:
        """Save what this run read (``job-bookmark-enable``); a paused run saves nothing."""
        if self.option != ENABLE:
            return
        data = load(self.job_name)  # another run may have committed since this one began
        states: dict[str, Any] = data["States"]
        for ctx, files in self.read.items():
            states.setdefault(ctx, {}).update(files)
        data.update(
            JobName=self.job_name,
            Run=int(data.get("Run", 0)) + 1,
            Attempt=0,
            Version=int(data.get("Version", 0)) + 1,
            PreviousRunId=data.get("RunId"),
            RunId=self.run_id,
        )
        _save(bookmark_path(self.job_name), data)
        self.read = {}


def _stamp(path: str) -> list[int]:
    stat = os.stat(path)
    return [stat.st_mtime_ns, stat.st_size]


def _save(path: Path, data: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".bookmark-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(tmp, path)


def session_of(glue_context: Any) -> Session | None:
    return getattr(glue_context, ATTRIBUTE, None)
