"""`glue-wf upload-data` on the local target: only the artifacts bucket is implicit."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from glue_workflow.cli import cli
from glue_workflow.local import uninstall


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "glue-wf.toml").write_text('[target.local]\nhome = "state"\n')
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    yield tmp_path
    uninstall()


def _upload(project: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        cli, ["upload-data", str(project / "data.csv"), "--project", str(project), *args]
    )


def test_default_destination_creates_the_local_artifacts_bucket(project: Path) -> None:
    result = _upload(project)
    assert result.exit_code == 0, result.output
    assert (project / "state" / "s3" / "glue-wf-local" / "data" / "churn.csv").is_file()


def test_other_missing_bucket_is_an_error_as_on_aws(project: Path) -> None:
    result = _upload(project, "--to", "s3://nobucket/x.csv")
    assert result.exit_code == 1
    assert "bucket 'nobucket' does not exist on the local target" in str(result.exception)
    assert not (project / "state" / "s3" / "nobucket").exists()


def test_key_escaping_the_bucket_is_refused_without_traceback(project: Path) -> None:
    result = _upload(project, "--to", "s3://glue-wf-local/../x.csv")
    assert result.exit_code == 1
    assert "cannot upload" in str(result.exception)
    assert "escapes its bucket" in str(result.exception)


def test_a_directory_of_exports_goes_under_a_prefix(project: Path) -> None:
    exports = project / "loans"
    (exports / "2024").mkdir(parents=True)
    (exports / "2024" / "01.csv").write_text("a,b\n1,2\n")
    (exports / "02.csv").write_text("a,b\n3,4\n")
    (exports / ".DS_Store").write_text("x")
    (exports / "_SUCCESS").write_text("")
    result = CliRunner().invoke(
        cli,
        ["upload-data", str(exports), "--project", str(project), "--to", "s3://glue-wf-local/in/"],
    )
    assert result.exit_code == 0, result.output
    assert f"uploaded 2 files of {exports} to s3://glue-wf-local/in/" in result.output
    root = project / "state" / "s3" / "glue-wf-local" / "in"
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "02.csv",
        "2024/01.csv",
    ]


def test_a_directory_needs_a_prefix(project: Path) -> None:
    (project / "loans").mkdir()
    result = CliRunner().invoke(
        cli, ["upload-data", str(project / "loans"), "--project", str(project)]
    )
    assert result.exit_code == 2
    assert (
        "is a directory: pass a prefix ending in '/' (e.g. --to s3://glue-wf-local/data/loans/)"
        in (" ".join(result.output.split()))
    )


def test_a_file_to_a_prefix_keeps_its_name(project: Path) -> None:
    result = _upload(project, "--to", "s3://glue-wf-local/in/")
    assert result.exit_code == 0, result.output
    assert (project / "state" / "s3" / "glue-wf-local" / "in" / "data.csv").is_file()


def test_a_new_export_over_an_old_one_names_the_old_files_or_replaces_them(
    project: Path,
) -> None:
    # the prefix kept an older export's part files, which a run reading it read too
    old, new = project / "old", project / "new"
    for folder, names in ((old, ("p1.csv", "p2.csv", "p3.csv")), (new, ("p1.csv", "p2.csv"))):
        folder.mkdir()
        for name in names:
            (folder / name).write_text("a,b\n1,2\n")
    prefix = "s3://glue-wf-local/in/"
    runner = CliRunner()

    def upload(folder: Path, *args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(
            cli, ["upload-data", str(folder), "--project", str(project), "--to", prefix, *args]
        )

    assert upload(old).exit_code == 0
    result = upload(new)
    assert result.exit_code == 0, result.output
    assert (
        f"note: {prefix} also holds 1 object(s) this upload did not write "
        f"({prefix}p3.csv); a run reading the prefix reads them too: rerun with "
        "--replace to delete them"
    ) in result.output
    bucket = project / "state" / "s3" / "glue-wf-local" / "in"
    assert (bucket / "p3.csv").is_file()
    result = upload(new, "--replace")
    assert result.exit_code == 0, result.output
    assert f"deleted 1 other object(s) under {prefix} (--replace)" in result.output
    assert sorted(p.name for p in bucket.iterdir()) == ["p1.csv", "p2.csv"]
    refused = runner.invoke(
        cli, ["upload-data", str(new / "p1.csv"), "--project", str(project), "--replace"]
    )
    assert refused.exit_code == 2
    assert "--replace empties a prefix" in refused.output
