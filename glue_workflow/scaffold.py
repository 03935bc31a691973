"""``glue-wf init``: a new project from a template, ready to validate, deploy and run.

Templates live in ``glue_workflow/templates/<name>/`` as ``*.tmpl`` files
(``{{workflow}}`` is replaced by the workflow name); ``common/`` is added to each.
Shared files are copied verbatim: the infra template, and for ``ml`` glue-wf's ML job
scripts (the repository's ``jobs/`` tree; setup.py packages both into the wheel under
``templates/shared/``). The ``ml`` template also writes
sample data, which it also puts into the new project's local S3 so that the first
``glue-wf run`` has an input.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from glue_workflow.errors import ConfigError
from glue_workflow.shared_files import shared_source

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
TEMPLATES = ("ml", "minimal")
PLACEHOLDER = "{{workflow}}"
# Template file names that cannot keep their final name inside the package.
RENAMES = {"gitignore": ".gitignore"}
# Repository files every project (``*``) or a template's projects get verbatim; setup.py
# packages the same list into the wheel (keep the two in step).
SHARED: dict[str, tuple[str, ...]] = {"*": ("infra/template.yaml",), "ml": ("jobs",)}
SAMPLE_DATA = "data/churn.csv"
SAMPLE_ROWS = 5000
SAMPLE_SEED = 42
_NAME = re.compile(r"[^A-Za-z0-9-]+")


@dataclass(frozen=True, kw_only=True)
class Scaffold:
    """What ``init`` wrote."""

    root: Path
    template: str
    workflow: str
    files: tuple[str, ...]
    sample_data: str | None = None


def workflow_name(directory: Path) -> str:
    """A valid workflow name from the directory name (``My Project`` -> ``my-project``)."""
    name = _NAME.sub("-", directory.resolve().name.lower()).strip("-")[:60]
    return name or "pipeline"


def _template_files(template: str) -> list[tuple[Path, str]]:
    """``(source, project-relative destination)`` for every file of the template."""
    files = []
    for base in (TEMPLATES_DIR / "common", TEMPLATES_DIR / template):
        for path in sorted(base.rglob("*.tmpl")):
            rel = path.relative_to(base).as_posix().removesuffix(".tmpl")
            parent, _, name = rel.rpartition("/")
            name = RENAMES.get(name, name)
            files.append((path, f"{parent}/{name}" if parent else name))
    return files


def _shared_files(template: str) -> list[tuple[Path, str]]:
    files = []
    for rel in SHARED["*"] + SHARED.get(template, ()):
        source = shared_source(rel)
        if source.is_file():
            files.append((source, rel))
            continue
        files += [
            (path, f"{rel}/{path.relative_to(source).as_posix()}")
            for path in sorted(source.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
        ]
    return files


def init_project(directory: Path, template: str = "ml", *, name: str | None = None) -> Scaffold:
    """Write a new project into ``directory`` (missing or empty)."""
    if template not in TEMPLATES:
        raise ConfigError(f"unknown template {template!r}: use one of {', '.join(TEMPLATES)}")
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ConfigError(
            f"{directory} exists and is not an empty directory: glue-wf init writes a new "
            "project; choose a new directory name"
        )
    workflow = name or workflow_name(directory)
    from glue_workflow.model._base import check_name

    try:
        check_name("glue-wf init", "workflow name", workflow)
    except Exception as exc:
        raise ConfigError(f"{exc} (set it with --name)") from None
    written = []
    for source, rel in _template_files(template):
        target = directory / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text().replace(PLACEHOLDER, workflow))
        written.append(rel)
    for source, rel in _shared_files(template):
        target = directory / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(rel)
    sample = None
    if template == "ml":
        from glue_workflow.demo import sample_data

        sample_data.to_file(directory / SAMPLE_DATA, SAMPLE_ROWS, SAMPLE_SEED)
        written.append(SAMPLE_DATA)
        sample = SAMPLE_DATA
    return Scaffold(
        root=directory,
        template=template,
        workflow=workflow,
        files=tuple(sorted(written)),
        sample_data=sample,
    )


def seed_local_data(project: Path, relative: str) -> str:
    """Put the project's sample data at the workflow's default input on the local target."""
    from glue_workflow.aws.target import Target
    from glue_workflow.config import load_settings
    from glue_workflow.demo import sample_data

    settings = load_settings(project, target="local")
    uri = Target.from_settings(settings).s3_uri(relative)
    sample_data.upload(settings, project / relative, uri)
    return uri
