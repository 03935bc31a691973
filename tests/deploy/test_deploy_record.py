"""What the last deploy shipped from the project, and a run's note when files changed
since (a fix not deployed ran the old version, and a passing run said nothing)."""

from __future__ import annotations

from pathlib import Path

from glue_workflow.config import load_settings
from glue_workflow.deploy.record import changed_since_deploy, undeployed_note, write_record
from glue_workflow.document import Artifact, WorkflowDocument


def project(root: Path) -> tuple[object, WorkflowDocument]:
    root.mkdir(parents=True, exist_ok=True)
    (root / "glue-wf.toml").write_text('[workflow]\ndefinition = "triggers/pipeline.py"\n')
    (root / "triggers").mkdir()
    (root / "triggers" / "pipeline.py").write_text("WORKFLOW = None\n")
    (root / "jobs").mkdir()
    for name in ("a.py", "b.py"):
        (root / "jobs" / name).write_text(f"print({name!r})\n")
    artifacts = tuple(
        Artifact(source=source, uri=f"s3://b/{source}", sha256="0" * 64, content=b"")
        for source in ("jobs/a.py", "jobs/b.py", "glue_wf_jobkit.whl")  # a built archive too
    )
    document = WorkflowDocument(workflow={"Name": "wf"}, jobs=(), triggers=(), artifacts=artifacts)
    return load_settings(root, target="local", env={}), document


def test_a_run_names_the_files_changed_since_the_last_deploy(tmp_path: Path) -> None:
    settings, document = project(tmp_path)
    assert changed_since_deploy(settings, "wf") == []  # nothing deployed from here yet
    write_record(settings, document)
    assert (tmp_path / ".glue-wf" / "deployed" / "local-wf.json").is_file()
    assert undeployed_note(settings, "wf") is None
    (tmp_path / "jobs" / "b.py").write_text("print('fixed')\n")
    (tmp_path / "triggers" / "pipeline.py").write_text("WORKFLOW = 1\n")
    assert changed_since_deploy(settings, "wf") == ["jobs/b.py", "triggers/pipeline.py"]
    assert undeployed_note(settings, "wf") == (
        "jobs/b.py, triggers/pipeline.py changed since the last glue-wf deploy to the local "
        "target: this run uses what was deployed; glue-wf deploy first to run the change"
    )
    (tmp_path / "jobs" / "a.py").unlink()  # a deleted file is a change too
    assert changed_since_deploy(settings, "wf")[0] == "jobs/a.py"
    write_record(settings, document)  # the next deploy: in sync again
    assert changed_since_deploy(settings, "wf") == []
    assert changed_since_deploy(settings, "other") == []


def test_sources_linked_from_outside_the_project_are_recorded(tmp_path: Path) -> None:
    # a project whose jobs/ links elsewhere: the deploy failed recording them
    settings, document = project(tmp_path / "proj")
    shared = tmp_path / "shared-jobs"
    (tmp_path / "proj" / "jobs").rename(shared)
    (tmp_path / "proj" / "jobs").symlink_to(shared)
    write_record(settings, document)
    (shared / "a.py").write_text("print('changed')\n")
    assert changed_since_deploy(settings, "wf") == ["jobs/a.py"]
