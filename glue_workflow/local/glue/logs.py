"""Where the local engine keeps each job run's output (stdout and stderr together)."""

from __future__ import annotations

from pathlib import Path


def job_log_path(home: Path, job_run_id: str) -> Path:
    """``<home>/logs/jobs/<JobRunId>.log``."""
    if not job_run_id or "/" in job_run_id or job_run_id.startswith("."):
        raise ValueError(f"invalid job run id {job_run_id!r}")
    return Path(home) / "logs" / "jobs" / f"{job_run_id}.log"
