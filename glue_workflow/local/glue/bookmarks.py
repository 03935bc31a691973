"""GetJobBookmark and ResetJobBookmark on the local target.

Local Spark jobs keep their bookmarks under the home (the awsglue runtime's
``_bookmarks`` module writes ``bookmarks/<sha256 of the job name>[:40].json``); these
answer from the same files, as Glue answers from its own store, so ``aws glue
reset-job-bookmark --job-name ...`` under ``glue-wf env`` makes the next run read every
input again (AWS doc "Tracking processed data using job bookmarks").
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glue_workflow.local.dispatch import not_supported
from glue_workflow.local.glue.errors import entity_not_found

if TYPE_CHECKING:
    from glue_workflow.local.glue.resources import Resources

DIRECTORY = "bookmarks"


def bookmark_path(home: Path, job_name: str) -> Path:
    """The runtime's file for ``job_name`` (awsglue_local/runtime/awsglue/_bookmarks.py)."""
    return home / DIRECTORY / f"{hashlib.sha256(job_name.encode('utf-8')).hexdigest()[:40]}.json"


class Bookmarks:
    def __init__(self, home: Path, resources: Resources) -> None:
        self.home, self.resources = home, resources

    def _entry(self, job_name: str) -> tuple[Path, dict[str, Any]]:
        self.resources.job(job_name)  # EntityNotFoundException for a job that does not exist
        path = bookmark_path(self.home, job_name)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if not isinstance(data, dict):
            # what Glue answers for a job that has no bookmark yet (the AWS CLI's output;
            # the API reference documents EntityNotFoundException only)
            raise entity_not_found(f"Continuation for job {job_name} not found")
        entry = {
            "JobName": job_name,
            "Version": int(data.get("Version", 0)),
            "Run": int(data.get("Run", 0)),
            "Attempt": int(data.get("Attempt", 0)),
            "JobBookmark": json.dumps(data.get("States") or {}, sort_keys=True),
        }
        for key in ("RunId", "PreviousRunId"):
            if data.get(key):
                entry[key] = str(data[key])
        return path, entry

    def get(self, p: dict[str, Any]) -> dict[str, Any]:
        _path, entry = self._entry(str(p["JobName"]))
        return {"JobBookmarkEntry": entry}

    def reset(self, p: dict[str, Any]) -> dict[str, Any]:
        """Forget every state element of the job: its next run reads all input. A
        ``RunId`` (rewinding to an earlier run) is not kept locally: refused by name."""
        if p.get("RunId"):
            raise not_supported("glue", "ResetJobBookmark with RunId (a rewind to an earlier run)")
        path, entry = self._entry(str(p["JobName"]))
        path.unlink(missing_ok=True)
        return {"JobBookmarkEntry": entry}
