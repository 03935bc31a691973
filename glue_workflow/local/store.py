"""The local target's state directory and its SQLite database (WAL).

Layout of a home directory::

    <home>/state.db      control-plane state and runs of every local service
    <home>/s3/<bucket>/<key>   the S3 stand-in
    <home>/logs/...      job, training, processing and endpoint logs
    <home>/work/...      scratch directories of running jobs

Each service owns its tables (prefixed ``glue_``, ``sm_``, ...) and creates them with
``CREATE TABLE IF NOT EXISTS`` when it first connects.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from glue_workflow.errors import LocalTargetError

BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class LocalHome:
    """Paths inside one local target state directory."""

    root: Path

    @property
    def db_path(self) -> Path:
        return self.root / "state.db"

    @property
    def s3_root(self) -> Path:
        return self.root / "s3"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def work_dir(self) -> Path:
        return self.root / "work"

    def ensure(self) -> LocalHome:
        # private when created here: it holds the runs' data, logs and state
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        for path in (self.s3_root, self.logs_dir, self.work_dir):
            path.mkdir(parents=True, exist_ok=True)
        return self


def connect(db_path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode with WAL; use ``transaction`` for writes."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        db_path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``: one writer at a time across processes."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class ThreadLocalConnections:
    """One connection per thread to one database (sqlite3 connections are not shareable)."""

    def __init__(self, db_path: Path, schema: str = "") -> None:
        self._db_path = db_path
        self._schema = schema
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = connect(self._db_path)
                if self._schema:
                    conn.executescript(self._schema)
            except sqlite3.DatabaseError as exc:
                raise state_error(self._db_path, exc) or damaged(self._db_path, exc) from None
            self._local.conn = conn
        return conn


def state_error(db_path: Path | None, exc: sqlite3.DatabaseError) -> LocalTargetError | None:
    """The error for a sound state database SQLite could not use: held past the busy
    timeout by another process, or not writable (disk full too); None for any other
    SQLite error. Nothing is wrong with the file, so nothing is to be moved aside."""
    path = str(db_path) if db_path else "<local home>/state.db"
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return LocalTargetError(
            f"the local target's state database {path} stayed locked by another process "
            f"for {BUSY_TIMEOUT_MS / 1000:g} s (SQLite: {exc}): a glue-wf command still "
            "writing, or a tool holding it open (an sqlite3 shell, a backup); let it finish "
            "or end it, then rerun (nothing was changed)"
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return LocalTargetError(
            f"cannot write the local target's state database {path} (SQLite: {exc}): the "
            "file or its directory is read-only or another user's; make them writable, or "
            "set GLUE_WF_HOME (or [target.local] home in glue-wf.toml) to a writable "
            "directory"
        )
    if "disk is full" in text or "disk i/o" in text:
        return LocalTargetError(
            f"the local target's state database {path} could not be written (SQLite: "
            f"{exc}): free space on its disk, then rerun (nothing was changed)"
        )
    return None


def damaged(db_path: Path | None, exc: sqlite3.DatabaseError) -> LocalTargetError:
    """The error for a state database SQLite cannot read (truncated, overwritten);
    ``db_path`` None: found where the path is not known (the home's state.db)."""
    path = str(db_path) if db_path else "<local home>/state.db"
    return LocalTargetError(
        f"the local target's state database {path} is damaged (SQLite: {exc}): move it "
        f"aside (mv {path} {path}.damaged), then glue-wf deploy again: the local target "
        "starts a new one (the run history and the local endpoints it recorded are lost; "
        "local S3 objects are kept)"
    )


class TableState:
    """A local service's typed access to its tables (``schema``) in the home's database,
    one connection per thread."""

    def __init__(self, home: LocalHome, schema: str) -> None:
        self.home = home
        self._db = ThreadLocalConnections(home.db_path, schema)

    @property
    def conn(self) -> sqlite3.Connection:
        return self._db.get()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        with transaction(self.conn) as conn:
            yield conn
