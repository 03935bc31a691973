"""Files glue-wf shares with projects: its ML job scripts (the repository's ``jobs/``
tree) and the infra template.

``glue-wf init`` copies them into new projects (``scaffold``); ``glue-wf validate``
parses dataset configs with the shipped ETL's own contract module
(``validation.dataset_configs``). setup.py packages them into the wheel under
``glue_workflow/templates/shared/``; a source checkout has them at its root.
"""

from __future__ import annotations

from pathlib import Path

from glue_workflow.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGED_DIR = PACKAGE_DIR / "templates" / "shared"


def shared_source(rel: str) -> Path:
    """A file or tree glue-wf shares with new projects (the ML job scripts, the infra
    template): packaged in the wheel under ``templates/shared/``, or the source checkout's."""
    packaged = PACKAGED_DIR / rel
    if packaged.exists():
        return packaged
    checkout = PACKAGE_DIR.parent / rel
    if checkout.exists():
        return checkout
    raise ConfigError(f"{rel} is missing from the installed glue-wf ({packaged}): reinstall it")
