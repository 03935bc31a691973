"""Read the files a workflow's jobs need and build the job library wheel.

Everything here is deterministic: the same sources give the same bytes and the
same sha256 (fixed zip timestamps and permissions, sorted entries, no compression
so zlib versions cannot change the bytes).
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

from glue_workflow import __version__, naming
from glue_workflow.compiler import artifact_filename, artifact_sources
from glue_workflow.document import Artifact
from glue_workflow.errors import DefinitionError, Problem
from glue_workflow.model.workflow import Workflow

PACKAGE_DIR = Path(__file__).resolve().parent
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# The verdict rule, shared by ``glue-wf status`` and the verdict notifier job
# (``verdict_notifier``): these modules import only the standard library and each other.
VERDICT_MODULES = (
    "errors.py",
    "naming.py",
    "runs/__init__.py",
    "runs/failures.py",
    "runs/run_nodes.py",
    "runs/verdict.py",
    "verdict_notifier.py",
)


def _jobkit_files() -> list[tuple[str, bytes]]:
    """``glue_workflow/__init__.py``, every ``.py`` under ``glue_workflow/jobkit/`` and
    the verdict modules."""
    files = [
        (f"glue_workflow/{name}", (PACKAGE_DIR / name).read_bytes())
        for name in ("__init__.py", *VERDICT_MODULES)
    ]
    jobkit = PACKAGE_DIR / "jobkit"
    for path in sorted(jobkit.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(PACKAGE_DIR.parent).as_posix()
        files.append((rel, path.read_bytes()))
    return sorted(files)


def _record_hash(content: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
    return f"sha256={digest.decode()},{len(content)}"


def build_jobkit_wheel(version: str = __version__) -> tuple[str, bytes]:
    """The job library as a pure-Python wheel: ``(filename, bytes)``."""
    dist = f"{naming.JOBKIT_DISTRIBUTION}-{version}.dist-info"
    entries = _jobkit_files()
    entries.append(
        (
            f"{dist}/METADATA",
            (
                "Metadata-Version: 2.1\n"
                f"Name: {naming.JOBKIT_DISTRIBUTION.replace('_', '-')}\n"
                f"Version: {version}\n"
                "Summary: glue-wf job library (glue_workflow.jobkit)\n"
                "Requires-Python: >=3.9\n"
            ).encode(),
        )
    )
    entries.append(
        (
            f"{dist}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: glue-wf\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
    )
    entries.append((f"{dist}/top_level.txt", b"glue_workflow\n"))
    record = "".join(f"{name},{_record_hash(data)}\n" for name, data in entries)
    record += f"{dist}/RECORD,,\n"
    entries.append((f"{dist}/RECORD", record.encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever the building machine is
            archive.writestr(info, data)
    return naming.jobkit_filename(version), buffer.getvalue()


def _artifact(bucket: str, workflow: str, source: str, filename: str, content: bytes) -> Artifact:
    digest = sha256(content)
    return Artifact(
        source=source,
        uri=naming.artifact_uri(bucket, workflow, digest, filename),
        sha256=digest,
        content=content,
    )


def source_path(source: str, project_root: Path) -> Path:
    """Where a source lives: the installed package for glue-wf's own job scripts
    (``glue_workflow/scripts/...``), else the project."""
    if naming.is_packaged(source):
        return PACKAGE_DIR.parent / source
    return project_root / source


def missing_files(workflow: Workflow, project_root: Path) -> list[Problem]:
    """A problem per referenced project file that does not exist."""
    problems = []
    for job in workflow.jobs:
        for source in job.files_and_script:
            path = source_path(source, project_root)
            if path.is_file():
                continue
            message = (
                f"glue-wf's own job script {path} is missing from the installed package: "
                "reinstall glue-wf"
                if naming.is_packaged(source)
                else f"file {source!r} does not exist under {project_root}: create it or fix "
                "the path in the definition"
            )
            problems.append(
                Problem(where=f"{job.kind} {job.name!r}", rule="file-missing", message=message)
            )
    return problems


def collect_artifacts(workflow: Workflow, project_root: Path, bucket: str) -> tuple[Artifact, ...]:
    """Every artifact the compiled requests reference, read from the project."""
    problems = missing_files(workflow, project_root)
    if problems:
        raise DefinitionError(problems)
    artifacts = []
    for source in artifact_sources(workflow):
        filename = artifact_filename(source)
        if source in (naming.JOBKIT_SOURCE, naming.JOBKIT_ZIP_SOURCE):
            # one archive: a wheel is a zip with the package at its root
            _, content = build_jobkit_wheel()
        else:
            content = source_path(source, project_root).read_bytes()
        artifacts.append(_artifact(bucket, workflow.name, source, filename, content))
    return tuple(artifacts)
