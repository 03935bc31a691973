from __future__ import annotations

import os
from pathlib import Path

import click
import pytest

from glue_workflow import cli
from glue_workflow.aws.clients import session_for
from glue_workflow.config import load_settings
from glue_workflow.errors import ConfigError, LocalTargetError
from glue_workflow.local import install, uninstall


def _settings(tmp_path: Path, target: str):  # type: ignore[no-untyped-def]
    (tmp_path / "glue-wf.toml").write_text("")
    return load_settings(tmp_path, target=target, env={})


def test_aws_target_refused_while_local_target_serves_this_process(tmp_path: Path) -> None:
    install(tmp_path / "home")
    try:
        with pytest.raises(ConfigError) as info:
            session_for(_settings(tmp_path, "aws"))
    finally:
        uninstall()
    assert "--target aws in a process set up for the local target" in str(info.value)
    assert "unset GLUE_WF_HOME PYTHONPATH" in str(info.value)
    assert session_for(_settings(tmp_path, "aws")).region_name == "us-east-1"


def test_unusable_home_is_a_clear_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(LocalTargetError) as info:
        install(not_a_dir)
    assert f"cannot use {not_a_dir} as the local target's state directory" in str(info.value)
    assert "set GLUE_WF_HOME" in str(info.value)


def test_ctrl_c_exits_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(**_: object) -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise click.exceptions.Abort() from exc

    monkeypatch.setattr(cli.cli, "main", interrupted)
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 130
    assert capsys.readouterr().err == ""


def test_a_locked_or_read_only_state_database_is_not_called_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    from glue_workflow.local import store

    # another process holding the database past the busy timeout: nothing to move aside
    # (it said "damaged ... move it aside", losing the run history for nothing)
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 200)
    db = tmp_path / "state.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(LocalTargetError) as locked:
            store.ThreadLocalConnections(db, "CREATE TABLE IF NOT EXISTS t (x)").get()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert str(locked.value) == (
        f"the local target's state database {db} stayed locked by another process for 0.2 s "
        "(SQLite: database is locked): a glue-wf command still writing, or a tool holding "
        "it open (an sqlite3 shell, a backup); let it finish or end it, then rerun (nothing "
        "was changed)"
    )

    def read_only(**_: object) -> None:  # as a run's first write meets a read-only home
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(cli.cli, "main", read_only)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 1
    assert capsys.readouterr().err == (
        "error: cannot write the local target's state database <local home>/state.db "
        "(SQLite: attempt to write a readonly database): the file or its directory is "
        "read-only or another user's; make them writable, or set GLUE_WF_HOME (or "
        "[target.local] home in glue-wf.toml) to a writable directory\n"
    )


def test_a_damaged_state_database_is_named_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3
    import subprocess
    import sys

    from glue_workflow.local.store import ThreadLocalConnections

    home = tmp_path / "home"
    home.mkdir()
    (home / "state.db").write_bytes(b"not a database, a text file written over it\n" * 200)
    with pytest.raises(LocalTargetError) as info:
        ThreadLocalConnections(home / "state.db", "CREATE TABLE IF NOT EXISTS t (x)").get()
    db = home / "state.db"
    assert str(info.value) == (
        f"the local target's state database {db} is damaged (SQLite: file is not a "
        f"database): move it aside (mv {db} {db}.damaged), then glue-wf deploy again: the "
        "local target starts a new one (the run history and the local endpoints it recorded "
        "are lost; local S3 objects are kept)"
    )
    # the CLI says so in one line, without a traceback
    done = subprocess.run(
        [str(Path(sys.executable).parent / "glue-wf"), "runs", "--target", "local"],
        capture_output=True,
        text=True,
        env={**os.environ, "GLUE_WF_HOME": str(home)},
        cwd=Path(__file__).resolve().parents[2],  # the churn demo project
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"error: the local target's state database {db} is damaged")
    assert "Traceback" not in done.stderr

    # damage found past the first statements: the home's path is not known there
    def malformed(**_: object) -> None:
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(cli.cli, "main", malformed)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 1
    assert capsys.readouterr().err.startswith(
        "error: the local target's state database <local home>/state.db is damaged (SQLite: "
        "database disk image is malformed): move it aside"
    )
