"""What the last ``glue-wf deploy`` shipped from this project, so a run can say when a
file has changed since: a fix made in a script, a dataset config or the definition runs
only once deployed, and a run that succeeds on the deployed version says nothing else.

One small JSON file per target and workflow under the project's ``.glue-wf/deployed/``
(the scaffold's .gitignore already leaves ``.glue-wf/`` out): the sha256 of the
definition file and of every project file the deployment uploaded. Checking it reads
those files only (no AWS call, no build), so every run can afford it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from glue_workflow.config import Settings
from glue_workflow.document import WorkflowDocument

RECORD_DIR = Path(".glue-wf") / "deployed"
SHOWN = 3  # changed files a note names


def record_path(settings: Settings, workflow: str) -> Path:
    return settings.project_root / RECORD_DIR / f"{settings.target}-{workflow}.json"


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:  # gone, or unreadable: changed either way
        return None


def _sources(settings: Settings, document: WorkflowDocument) -> list[str]:
    """The definition and the project files the document's artifacts come from (not the
    archives glue-wf builds itself), as the project names them (a path under the project
    root, which may be a link to elsewhere; else absolute)."""
    root = settings.project_root
    definition = settings.definition
    named = [definition.relative_to(root).as_posix() if definition.is_relative_to(root) else
             str(definition)]  # fmt: skip
    named += [a.source for a in document.artifacts if (root / a.source).is_file()]
    return named


def write_record(settings: Settings, document: WorkflowDocument) -> None:
    """Remember what ``document`` was deployed from (after a deploy that succeeded)."""
    root = settings.project_root
    files = {}
    for name in _sources(settings, document):
        digest = _digest(root / name)
        if digest is not None:
            files[name] = digest
    target = record_path(settings, document.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_text(json.dumps({"workflow": document.name, "files": files}, indent=1))
    partial.replace(target)


def changed_since_deploy(settings: Settings, workflow: str) -> list[str]:
    """The project files that differ from what the last deploy of ``workflow`` to this
    target shipped ([] when none do, or no deploy from here is recorded)."""
    try:
        recorded = json.loads(record_path(settings, workflow).read_text())
        files = dict(recorded["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return []
    root = settings.project_root
    return sorted(name for name, digest in files.items() if _digest(root / name) != digest)


def undeployed_note(settings: Settings, workflow: str) -> str | None:
    """A run's warning when project files changed since the last deploy, else None."""
    changed = changed_since_deploy(settings, workflow)
    if not changed:
        return None
    shown = ", ".join(changed[:SHOWN]) + (
        f" and {len(changed) - SHOWN} more" if len(changed) > SHOWN else ""
    )
    return (
        f"{shown} changed since the last glue-wf deploy to the {settings.target} target: "
        "this run uses what was deployed; glue-wf deploy first to run the change"
    )
