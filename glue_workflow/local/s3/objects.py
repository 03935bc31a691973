"""The S3 stand-in's storage: objects are plain files ``<home>/s3/<bucket>/<key>``.

The file tree is the truth: Spark jobs and other local services write it directly.
SQLite only caches what a file cannot carry (ETag, content type, user metadata,
a multipart object's part sizes), keyed by size and mtime so a file rewritten behind
our back gets a fresh ETag.
Writes go to a temporary file in the destination directory, then ``os.replace``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from glue_workflow.local.s3paths import S3PathError, bucket_dir, object_path
from glue_workflow.local.store import LocalHome, ThreadLocalConnections, transaction

TMP_PREFIX = ".glue-wf-tmp-"
DEFAULT_CONTENT_TYPE = "binary/octet-stream"
_CHUNK = 1024 * 1024

SCHEMA = """
CREATE TABLE IF NOT EXISTS s3_objects (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    etag TEXT NOT NULL,
    content_type TEXT NOT NULL,
    metadata TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
);
CREATE TABLE IF NOT EXISTS s3_object_parts (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    etag TEXT NOT NULL,
    sizes TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
);
CREATE TABLE IF NOT EXISTS s3_uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created REAL NOT NULL
);
"""


@dataclass(frozen=True, kw_only=True)
class ObjectInfo:
    key: str
    size: int
    etag: str  # quoted, as S3 returns it
    last_modified: datetime
    content_type: str
    metadata: dict[str, str]


def md5_etag(digest_hex: str) -> str:
    return f'"{digest_hex}"'


class DigestMismatchError(Exception):
    """The body's MD5 is not the ``Content-MD5`` the request sent; nothing was written."""


def _write_checked(tmp: Path, chunks: Iterator[bytes], content_md5: bytes | None) -> str:
    """Write ``chunks`` to ``tmp``; the body's MD5 (hex). ``tmp`` is gone on any failure."""
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with tmp.open("wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                out.write(chunk)
        if content_md5 is not None and digest.digest() != content_md5:
            raise DigestMismatchError
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest.hexdigest()


class ObjectStore:
    """Files, metadata cache and multipart parts of the local S3 stand-in."""

    def __init__(self, home: LocalHome) -> None:
        self.home = home
        self.root = home.s3_root
        self.uploads_dir = home.work_dir / "s3-multipart"
        self._db = ThreadLocalConnections(home.db_path, SCHEMA)

    # -- buckets -------------------------------------------------------------
    def bucket_path(self, bucket: str) -> Path:
        return bucket_dir(self.root, bucket)

    def bucket_exists(self, bucket: str) -> bool:
        try:
            return self.bucket_path(bucket).is_dir()
        except S3PathError:
            return False

    def buckets(self) -> list[tuple[str, datetime]]:
        if not self.root.is_dir():
            return []
        return sorted(
            (p.name, _mtime(p))
            for p in self.root.iterdir()
            if p.is_dir() and self.bucket_exists(p.name)
        )

    # -- objects -------------------------------------------------------------
    def path(self, bucket: str, key: str) -> Path:
        return object_path(self.root, bucket, key)

    def writable_path(self, bucket: str, key: str) -> Path:
        """The file for a new object; refuses keys a file tree cannot hold."""
        if not key or key.endswith("/"):
            raise S3PathError(
                f"key {key!r}: folder-marker keys (empty or ending in '/') are not supported by "
                "the local S3 stand-in, whose objects are files; write objects under the prefix"
            )
        path = self.path(bucket, key)
        if path.is_dir():
            raise S3PathError(
                f"key {key!r} is also the prefix of other objects ({key}/...): the local S3 "
                "stand-in stores objects as files, so a key cannot be both"
            )
        for parent in path.relative_to(self.bucket_path(bucket).resolve()).parents:
            if parent != Path(".") and (self.bucket_path(bucket).resolve() / parent).is_file():
                raise S3PathError(
                    f"key {key!r} lies under the object {parent.as_posix()!r}: the local S3 "
                    "stand-in stores objects as files, so a key cannot be both"
                )
        return path

    def write(
        self,
        bucket: str,
        key: str,
        chunks: Iterator[bytes],
        *,
        content_type: str,
        metadata: dict[str, str],
        etag: str | None = None,
        part_sizes: list[int] | None = None,
        content_md5: bytes | None = None,
    ) -> ObjectInfo:
        """Write an object atomically; ``etag`` overrides the md5 (multipart ETags, whose
        ``part_sizes`` are kept for GetObject's PartNumber). A ``content_md5`` the body
        does not match raises ``DigestMismatchError`` and leaves the old object in place."""
        path = self.writable_path(bucket, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f"{TMP_PREFIX}{uuid.uuid4().hex}"
        digest_hex = _write_checked(tmp, chunks, content_md5)
        try:
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return self._record(
            bucket,
            key,
            path,
            etag or md5_etag(digest_hex),
            content_type,
            metadata,
            part_sizes=part_sizes,
        )

    def _record(  # noqa: PLR0917 - private helper, call sites are positional
        self,
        bucket: str,
        key: str,
        path: Path,
        etag: str,
        content_type: str,
        metadata: dict[str, str],
        *,
        part_sizes: list[int] | None = None,
    ) -> ObjectInfo:
        stat = path.stat()
        conn = self._db.get()
        with transaction(conn):
            conn.execute("DELETE FROM s3_object_parts WHERE bucket = ? AND key = ?", (bucket, key))
            if part_sizes:
                conn.execute(
                    "INSERT INTO s3_object_parts VALUES (?, ?, ?, ?)",
                    (bucket, key, etag, json.dumps(part_sizes)),
                )
            conn.execute(
                "INSERT OR REPLACE INTO s3_objects VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    bucket,
                    key,
                    stat.st_size,
                    stat.st_mtime_ns,
                    etag,
                    content_type,
                    json.dumps(metadata),
                ),
            )
        return ObjectInfo(
            key=key,
            size=stat.st_size,
            etag=etag,
            last_modified=_from_ns(stat.st_mtime_ns),
            content_type=content_type,
            metadata=metadata,
        )

    def info(self, bucket: str, key: str) -> ObjectInfo | None:
        path = self.path(bucket, key)
        if not path.is_file() or path.name.startswith(TMP_PREFIX):
            return None
        row = (
            self._db.get()
            .execute("SELECT * FROM s3_objects WHERE bucket = ? AND key = ?", (bucket, key))
            .fetchone()
        )
        return self._info_from(bucket, key, path, row)

    def _info_from(self, bucket: str, key: str, path: Path, row: sqlite3.Row | None) -> ObjectInfo:
        stat = path.stat()
        if row is not None and row["size"] == stat.st_size and row["mtime_ns"] == stat.st_mtime_ns:
            return ObjectInfo(
                key=key,
                size=stat.st_size,
                etag=row["etag"],
                last_modified=_from_ns(stat.st_mtime_ns),
                content_type=row["content_type"],
                metadata=json.loads(row["metadata"]),
            )
        # written outside this service (Spark, another local service): hash it now
        digest = hashlib.md5(usedforsecurity=False)
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
        content_type = row["content_type"] if row is not None else DEFAULT_CONTENT_TYPE
        metadata = json.loads(row["metadata"]) if row is not None else {}
        return self._record(bucket, key, path, md5_etag(digest.hexdigest()), content_type, metadata)

    def part_sizes(self, bucket: str, key: str, etag: str) -> list[int] | None:
        """The part sizes of the multipart object ``etag`` (None: not a multipart object)."""
        row = (
            self._db.get()
            .execute(
                "SELECT sizes FROM s3_object_parts WHERE bucket = ? AND key = ? AND etag = ?",
                (bucket, key, etag),
            )
            .fetchone()
        )
        return None if row is None else [int(size) for size in json.loads(row["sizes"])]

    def delete(self, bucket: str, key: str) -> None:
        path = self.path(bucket, key)
        if path.is_file():
            path.unlink()
            self._prune_dirs(bucket, path.parent)
        conn = self._db.get()
        with transaction(conn):
            conn.execute("DELETE FROM s3_objects WHERE bucket = ? AND key = ?", (bucket, key))
            conn.execute("DELETE FROM s3_object_parts WHERE bucket = ? AND key = ?", (bucket, key))

    def _prune_dirs(self, bucket: str, directory: Path) -> None:
        """Remove directories left empty: S3 has no directories, so prefixes vanish."""
        base = self.bucket_path(bucket).resolve()
        current = directory.resolve()
        while current != base and base in current.parents:
            with contextlib.suppress(OSError):
                current.rmdir()
            if current.exists():
                return
            current = current.parent

    def keys(self, bucket: str, prefix: str) -> list[str]:
        """Every key of the bucket starting with ``prefix``, sorted as S3 sorts (bytes)."""
        base = self.bucket_path(bucket)
        start_dir = prefix.rpartition("/")[0]
        try:
            top = object_path(self.root, bucket, start_dir) if start_dir else base
        except S3PathError:
            return []
        if not top.is_dir():
            return []
        found: list[str] = []
        for dirpath, _dirnames, filenames in os.walk(top):
            rel = Path(dirpath).relative_to(base).as_posix()
            rel = "" if rel == "." else rel + "/"
            for name in filenames:
                key = rel + name
                if not name.startswith(TMP_PREFIX) and key.startswith(prefix):
                    found.append(key)
        return sorted(found, key=lambda k: k.encode())

    def infos(self, bucket: str, keys: list[str]) -> list[ObjectInfo]:
        rows = {
            row["key"]: row
            for row in self._db.get().execute(
                "SELECT * FROM s3_objects WHERE bucket = ?", (bucket,)
            )
        }
        out = []
        for key in keys:
            path = self.path(bucket, key)
            with contextlib.suppress(FileNotFoundError):
                out.append(self._info_from(bucket, key, path, rows.get(key)))
        return out

    # -- multipart -----------------------------------------------------------
    def create_upload(
        self, bucket: str, key: str, content_type: str, metadata: dict[str, str]
    ) -> str:
        self.writable_path(bucket, key)  # reject a bad key now, not at completion
        upload_id = uuid.uuid4().hex
        (self.uploads_dir / upload_id).mkdir(parents=True)
        conn = self._db.get()
        with transaction(conn):
            conn.execute(
                "INSERT INTO s3_uploads VALUES (?, ?, ?, ?, ?, ?)",
                (
                    upload_id,
                    bucket,
                    key,
                    content_type,
                    json.dumps(metadata),
                    datetime.now(UTC).timestamp(),
                ),
            )
        return upload_id

    def upload(self, upload_id: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = (
            self._db.get()
            .execute("SELECT * FROM s3_uploads WHERE upload_id = ?", (upload_id,))
            .fetchone()
        )
        return row

    def part_path(self, upload_id: str, number: int) -> Path:
        return self.uploads_dir / upload_id / f"{number:05d}.part"

    def write_part(
        self, upload_id: str, number: int, chunks: Iterator[bytes], content_md5: bytes | None
    ) -> str:
        path = self.part_path(upload_id, number)
        tmp = path.with_name(f"{TMP_PREFIX}{uuid.uuid4().hex}")
        digest_hex = _write_checked(tmp, chunks, content_md5)
        os.replace(tmp, path)
        return md5_etag(digest_hex)

    def drop_upload(self, upload_id: str) -> None:
        directory = self.uploads_dir / upload_id
        if directory.is_dir():
            for part in directory.iterdir():
                part.unlink(missing_ok=True)
            directory.rmdir()
        conn = self._db.get()
        with transaction(conn):
            conn.execute("DELETE FROM s3_uploads WHERE upload_id = ?", (upload_id,))


def read_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    yield from iter(lambda: handle.read(_CHUNK), b"")


def _from_ns(ns: int) -> datetime:
    return datetime.fromtimestamp(ns // 1_000_000_000, UTC)


def _mtime(path: Path) -> datetime:
    return _from_ns(path.stat().st_mtime_ns)
