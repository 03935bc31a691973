"""Checks on the raw bytes of the input files, before Spark parses them.

Spark's CSV reader misreads some inputs without a word (a wrong delimiter gives one
wide column, a bad byte becomes U+FFFD) and fails on others with a JVM stack trace
(more than 20480 columns). This pass lists the files under the input prefix, then
streams each one (at most ``scan_max_bytes`` of it, in 1 MiB chunks) through an
incremental decoder and Python's csv reader: it finds the header, a byte-order mark,
undecodable bytes (file and byte offset), a wrong delimiter, and records whose field
count differs from the header's (line number). Memory stays bounded by the chunk size
and the longest record.

Shipped to Glue with ``--extra-py-files``; runs on Python 3.9.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import os
import re
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from etl_contract import (
    DELIMITERS,
    WHITESPACE,
    Columns,
    Contract,
    FileGroup,
    PreprocessError,
    check_groups,
    plan_columns,
    resolve_header,
)

CHUNK = 1024 * 1024
MAX_FIELD = 16 * 1024 * 1024  # one field longer than this is an unclosed quote
# Spark's CSV reader stops at 20480 columns (univocity maxColumns) with a JVM error.
MAX_COLUMNS = 20480
BOMS = {
    codecs.BOM_UTF8: "UTF-8",
    codecs.BOM_UTF16_LE: "UTF-16 LE",
    codecs.BOM_UTF16_BE: "UTF-16 BE",
}
EXAMPLES = 5


def is_s3(uri: str) -> bool:
    return uri.startswith(("s3://", "s3a://", "s3n://"))


def split_s3(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.split("://", 1)[1].partition("/")
    return bucket, key


def local(uri: str) -> str:
    return uri[len("file://") :] if uri.startswith("file://") else uri


_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def client(service: str) -> Any:
    """One boto3 client per service for the job (each new client costs tens of ms;
    clients are thread-safe, so the concurrent writes share them)."""
    with _clients_lock:
        if service not in _clients:
            import boto3

            _clients[service] = boto3.client(service)
        return _clients[service]


def hidden(name: str) -> bool:
    """Spark and Hadoop skip files whose name starts with _ or . (_SUCCESS, .crc)."""
    return name.startswith(("_", "."))


@dataclass(frozen=True)
class InputFile:
    uri: str
    size: int
    # what changes when the file is replaced: the S3 ETag, a local file's mtime (ns)
    version: str = ""


EMPTY = "empty file"
C1_CONTROL = re.compile(rb"[\x80-\x9f]")  # why a file is skipped (the report's skipped_files)


def list_inputs(uri: str) -> tuple[list[InputFile], list[tuple[str, str]]]:
    """The data files under ``uri`` (one object/file, or a prefix/directory), and the
    skipped ones with why (markers, hidden files, empty files)."""
    found: list[InputFile] = []
    if is_s3(uri):
        bucket, key = split_s3(uri)
        s3 = client("s3")
        scheme = uri.split("://", 1)[0]
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
        for page in _listed(pages, uri, bucket):
            for obj in page.get("Contents") or []:
                name = obj["Key"]
                # A key "data/churn.csv" must not pull in "data/churn.csv.bak/...".
                if key and not key.endswith("/") and name != key and not name.startswith(key + "/"):
                    continue
                found.append(
                    InputFile(f"{scheme}://{bucket}/{name}", int(obj["Size"]), str(obj["ETag"]))
                )
    else:
        path = local(uri)
        if os.path.isfile(path):
            found.append(_local_file(uri, path))
        elif os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not hidden(d))
                for name in sorted(files):
                    full = os.path.join(root, name)
                    found.append(_local_file(full, full))
    files: list[InputFile] = []
    skipped: list[tuple[str, str]] = []
    for item in sorted(found, key=lambda f: f.uri):
        parts = item.uri.split("://", 1)[-1].split("/")
        if item.uri.endswith("/"):
            continue  # an S3 "folder" marker
        if any(hidden(p) for p in parts[1:] if p):
            skipped.append((item.uri, "hidden or marker file (name starts with _ or .)"))
        elif item.size == 0:
            skipped.append((item.uri, EMPTY))
        else:
            files.append(item)
    return files, skipped


def _listed(pages: Any, uri: str, bucket: str) -> Any:
    """``pages`` of a ListObjectsV2 of ``uri``; S3's refusals as one line naming the fix."""
    from botocore.exceptions import ClientError

    try:
        yield from pages
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, text = error.get("Code", ""), error.get("Message", "")
        if code == "NoSuchBucket":
            raise PreprocessError(
                f"input {uri}: bucket {bucket!r} does not exist (S3 NoSuchBucket): fix the "
                "bucket in input_uri, or upload the data there first (glue-wf upload-data)"
            ) from None
        if code in ("AccessDenied", "AllAccessDisabled"):
            raise PreprocessError(
                f"input {uri}: S3 refused to list it ({code}: {text}): the job's role may "
                "read only the prefixes its policy grants (s3:ListBucket, s3:GetObject); put "
                "the data under one (glue-wf upload-data FILE), or widen the ReadInputData "
                "statement of infra/template.yaml and rerun 'glue-wf infra deploy'"
            ) from None
        raise PreprocessError(f"input {uri}: listing it failed: {code}: {text}") from None


def _local_file(uri: str, path: str) -> InputFile:
    stat = os.stat(path)
    return InputFile(uri, stat.st_size, str(stat.st_mtime_ns))


def changed_inputs(uri: str, before: list[InputFile]) -> list[str]:
    """What changed under ``uri`` since ``before`` was listed: files replaced, added or
    deleted (an upload during the job: Spark then read a mix, or a cut-off copy)."""
    now = {f.uri: f for f in list_inputs(uri)[0]}
    then = {f.uri: f for f in before}
    found = [
        f"{u} was replaced ({then[u].size} -> {now[u].size} bytes)"
        if now[u].size != then[u].size
        else f"{u} was replaced"
        for u in sorted(then.keys() & now.keys())
        if (now[u].size, now[u].version) != (then[u].size, then[u].version)
    ]
    found += [f"{u} appeared" for u in sorted(now.keys() - then.keys())]
    found += [f"{u} was deleted" for u in sorted(then.keys() - now.keys())]
    return found


def _file_bytes(item: InputFile, limit: int | None) -> Iterator[bytes]:
    """The first ``limit`` bytes of a file as stored (all of it for None), in chunks."""
    if is_s3(item.uri):
        bucket, key = split_s3(item.uri)
        end = item.size if limit is None else min(item.size, limit)
        body = client("s3").get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{end - 1}")
        try:
            yield from body["Body"].iter_chunks(CHUNK)
        finally:  # a compressed file stops being read once the scan has enough
            body["Body"].close()
        return
    with open(local(item.uri), "rb") as handle:
        left = item.size if limit is None else limit
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


# What Spark decompresses itself: Hadoop picks the codec by the file name's extension,
# so the scan does too (and refuses a name and content that disagree).
CODECS = {".gz": "gzip", ".bz2": "bzip2"}
# Compressed content by its first bytes: (magic, what it is, the extension Spark needs).
MAGIC = (
    (b"\x1f\x8b", "gzip", ".gz"),
    (b"BZh", "bzip2", ".bz2"),
    (b"PK\x03\x04", "a zip archive", None),
    (b"\x28\xb5\x2f\xfd", "zstd", None),
    (b"\xfd7zXZ\x00", "xz", None),
)


# the magic of a bzip2 stream's first block, or of its end (an empty stream)
BZIP2_BLOCKS = (b"1AY&SY", b"\x17rE8P\x90")


def codec_of(uri: str) -> str | None:
    """The compression Spark reads a file with, from its name (None: plain text)."""
    return next((c for ext, c in CODECS.items() if uri.lower().endswith(ext)), None)


def _compressed_as(first: bytes) -> tuple[str, str | None] | None:
    for magic, what, ext in MAGIC:
        # bzip2: "BZh", the block size digit, then the block magic (pi's digits)
        if first.startswith(magic) and (
            what != "bzip2" or (first[3:4].isdigit() and first[4:10] in BZIP2_BLOCKS)
        ):
            return what, ext
    return None


class DataStream:
    """The data bytes of one input file, decompressed as Spark would (``codec_of``), at
    most ``limit`` of them, in chunks. ``truncated`` (the file holds more) is known
    before reading for a plain file, once read for a compressed one."""

    def __init__(self, item: InputFile, limit: int) -> None:
        self.item, self.limit = item, limit
        self.codec = codec_of(item.uri)
        self.truncated = self.codec is None and item.size > limit
        self.data_bytes = 0  # bytes of data yielded
        self.file_bytes = 0  # bytes of the file used for them (decompressed, if it is)
        self._decompressor: Any = None
        self._member_at = 0  # where the data of the current member/stream begins

    def __iter__(self) -> Iterator[bytes]:
        stored = _file_bytes(self.item, None if self.codec else self.limit)
        try:
            for at, chunk in enumerate(_headed(stored, MAGIC_BYTES)):
                if not at:
                    self._check_name(chunk)
                if self.codec is None:
                    self.file_bytes += len(chunk)
                for data in [chunk] if self.codec is None else self._inflate(chunk):
                    self.data_bytes += len(data)
                    yield data
                    if self.codec is not None and self.data_bytes >= self.limit:
                        self.truncated = True  # (or the file ends exactly here)
                        return
            if self._decompressor is not None:
                raise PreprocessError(
                    f"file {self.item.uri} is a truncated {self.codec} file: it ends inside "
                    f"the compressed data, after {self.data_bytes} bytes of text; upload it "
                    "again"
                )
        finally:
            stored.close()

    def _inflate(self, chunk: bytes) -> Iterator[bytes]:
        """The data in the next compressed ``chunk``; members or streams may follow one
        another (``cat a.gz b.gz``), as gzip, bzip2 and Spark read them (but not zero
        padding after the last, which gzip ignores and Spark refuses)."""
        full = False
        while chunk or full:
            if self._decompressor is None:
                self._decompressor = _decompressor(self.codec)
                self._member_at = self.data_bytes
            # bounded output per call: a small file may hold gigabytes (a bomb)
            most = max(1, min(CHUNK, self.limit - self.data_bytes))
            decompressor = self._decompressor
            try:
                data = decompressor.decompress(chunk, most)
            except (zlib.error, OSError, EOFError) as exc:
                if self.data_bytes and self.data_bytes == self._member_at:
                    # Spark (Hadoop's decompressor) fails on these bytes: "not a gzip file"
                    raise PreprocessError(
                        f"file {self.item.uri} has bytes after its {self.codec} data (zero "
                        f"padding or another file appended, after {self.data_bytes} bytes of "
                        "text), which Spark cannot read: compress the CSV again and upload it"
                    ) from None
                raise PreprocessError(
                    f"file {self.item.uri} is not valid {self.codec} data after "
                    f"{self.data_bytes} bytes of text ({exc}): compress it again and upload it"
                ) from None
            given = len(chunk)
            if decompressor.eof:  # what follows the member (zlib: also in unconsumed_tail)
                chunk, self._decompressor = decompressor.unused_data, None
            else:  # zlib hands back the input it could not use; bz2 keeps it
                chunk = getattr(decompressor, "unconsumed_tail", b"")
            self.file_bytes += given - len(chunk)
            full = len(data) == most
            if data:
                yield bytes(data)

    def _check_name(self, first: bytes) -> None:
        found, uri = _compressed_as(first), self.item.uri
        if self.codec is not None and (found is None or found[0] != self.codec):
            raise PreprocessError(
                f"file {uri} is named like a {self.codec} file but is not {self.codec}-"
                f"compressed{f' (it is {found[0]})' if found else ''}: Spark picks the "
                "decompressor by the file name; rename it, or compress it as its name says"
            )
        if self.codec is None and found is not None:
            what, ext = found
            if ext is None:
                raise PreprocessError(
                    f"file {uri} is {what} (it starts with the bytes {first[:4].hex(' ')}), "
                    "which Spark does not read: extract or decompress it and upload the CSV "
                    "(or compress it with gzip, as a .gz file)"
                )
            raise PreprocessError(
                f"file {uri} is {what}-compressed (it starts with the bytes "
                f"{first[:3].hex(' ')}) but its name does not end in {ext}: Spark picks the "
                "decompressor by the file name and would read the compressed bytes as text; "
                f"rename it to end in {ext}"
            )


MAGIC_BYTES = 10  # the longest test of _compressed_as


def _headed(chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    """``chunks`` with the first one at least ``size`` bytes long (if the data is)."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= size:
            break
    if head:
        yield head
    yield from chunks


def _decompressor(codec: str | None) -> Any:
    if codec == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    return bz2.BZ2Decompressor()


def read_line(item: InputFile, start: int, limit: int = 4096) -> bytes:
    """The line of a file's data that begins at byte ``start`` (at most ``limit`` bytes)."""
    if codec_of(item.uri):
        parts, at = [], 0
        for chunk in DataStream(item, start + limit):
            if at + len(chunk) > start:
                parts.append(chunk[max(0, start - at) :])
            at += len(chunk)
        data = b"".join(parts)
    elif is_s3(item.uri):
        bucket, key = split_s3(item.uri)
        end = min(item.size, start + limit) - 1
        body = client("s3").get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{end}")
        data = bytes(body["Body"].read())
    else:
        with open(local(item.uri), "rb") as handle:
            handle.seek(start)
            data = handle.read(limit)
    return data.split(b"\n", 1)[0].rstrip(b"\r")


@dataclass(frozen=True)
class ScannedFile:
    uri: str
    size: int
    header: tuple[str, ...]
    bom: bool
    crlf: bool
    records: int  # data records read by the scan
    multiline_records: int  # records with a quoted line break (spanning lines)
    blank_lines: int
    complete: bool  # the whole file was scanned (else the first scan_max_bytes)
    scanned_bytes: int = 0  # how many bytes of its data (decompressed) the scan read
    compression: str | None = None  # "gzip", "bzip2" (by its name, as Spark reads it)
    read_bytes: int = 0  # how many of the file's own bytes the scan read for them

    def estimated_records(self) -> float:
        """About how many data records the whole file holds."""
        if self.complete or not self.read_bytes:
            return float(self.records)
        return self.records * self.size / self.read_bytes

    def as_dict(self) -> dict:  # type: ignore[type-arg]
        return {
            "uri": self.uri,
            "bytes": self.size,
            "columns": len(self.header),
            "bom": self.bom,
            "line_endings": "CRLF" if self.crlf else "LF",
            "records_scanned": self.records,
            "multiline_records": self.multiline_records,
            "blank_lines": self.blank_lines,
            "scanned": "whole file" if self.complete else f"first {self.scanned_bytes} bytes",
            **({"compression": self.compression} if self.compression else {}),
        }


class _Decoded:
    """Text lines of a byte stream; a decoding error names the byte offset and line."""

    def __init__(self, item: InputFile, contract: Contract) -> None:
        self.item, self.contract = item, contract
        self.bom = False
        self.crlf = False
        self.stream = DataStream(item, contract.scan_max_bytes)
        # A file declared in a single-byte charset whose non-ASCII bytes all decode as
        # UTF-8 is UTF-8: read as declared, "Québec" would become "QuÃ©bec", a category
        # no real input ever matches. Followed only for such declarations.
        self.utf8: Any = None
        self.first_non_ascii: tuple[int, int] | None = None  # (line, its first byte)
        self.line_start = 0  # offset of the line the last chunk ended in

    def blocks(self) -> Iterator[str]:
        """The text chunk by chunk, each block cut after its last line break (the last
        block may end without one)."""
        contract, item = self.contract, self.item
        encoding = contract.encoding
        decoder: Any = None
        offset, newlines, pending = 0, 0, ""
        # Latin-1 decodes every byte, but 0x80-0x9f as control characters no text holds:
        # such a file is windows-1252 (dashes, the euro sign, curly quotes), misdeclared.
        latin1 = codecs.lookup(encoding).name == "iso8859-1"
        for chunk in self.stream:
            if decoder is None:
                decoder = self._decoder(chunk)
            control = C1_CONTROL.search(chunk) if latin1 else None
            if control is not None:
                line = newlines + chunk[: control.start()].count(b"\n") + 1
                char = bytes([chunk[control.start()]]).decode("cp1252", "replace")
                raise PreprocessError(
                    f"file {item.uri}: byte {chunk[control.start()]:02x} at byte offset "
                    f"{offset + control.start()} (line {line}) is a control character in "
                    f"{encoding}, which no text holds: the file is most likely windows-1252 "
                    f'(where it is {char!r}); declare "encoding": "windows-1252"'
                )
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                buffered = len(decoder.getstate()[0])
                start = max(0, exc.start - buffered)
                at = offset - buffered + exc.start
                line = newlines + chunk[:start].count(b"\n") + 1
                bad = exc.object[exc.start : exc.end]
                raise PreprocessError(
                    f"file {item.uri} is not valid {encoding}: byte(s) {bad.hex(' ')} at "
                    f"byte offset {at} (line {line}); re-save it as UTF-8, or declare its "
                    'encoding in the dataset config, e.g. "encoding": "windows-1252"'
                ) from None
            if self.utf8 is not None:
                self._follow_utf8(chunk, offset, newlines)
            offset += len(chunk)
            newlines += chunk.count(b"\n")
            if not self.crlf and "\r" in text and "\r\n" in text:  # one character: memchr
                self.crlf = True
            text = pending + text
            cut = text.rfind("\n") + 1
            pending = text[cut:]
            if cut:
                yield text[:cut]
        if pending and not self.truncated:
            yield pending  # the last line may lack a newline
        if self.utf8 is not None and not self.truncated:
            try:  # a sequence cut off by the end of the file is not UTF-8
                self.utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8 = None
        if self.utf8 is not None and self.first_non_ascii is not None:
            self._refuse_utf8()

    @property
    def truncated(self) -> bool:
        """Whether the file holds more than the scan reads (of a compressed file: known
        once its last chunk is read)."""
        return self.stream.truncated

    def _follow_utf8(self, chunk: bytes, offset: int, newlines: int) -> None:
        start = self.line_start
        last = chunk.rfind(b"\n")
        if last >= 0:
            self.line_start = offset + last + 1
        if chunk.isascii() and not self.utf8.getstate()[0]:
            return  # (a sequence begun in the last chunk must go on in this one)
        try:
            self.utf8.decode(chunk)
        except UnicodeDecodeError:
            self.utf8 = None  # not UTF-8: the declared charset it is
            return
        if self.first_non_ascii is None:
            at = next(i for i, byte in enumerate(chunk) if byte > 0x7F)
            before = chunk.rfind(b"\n", 0, at)
            if before >= 0:
                start = offset + before + 1
            self.first_non_ascii = (newlines + chunk.count(b"\n", 0, at) + 1, start)

    def _refuse_utf8(self) -> None:
        assert self.first_non_ascii is not None
        number, start = self.first_non_ascii
        line = read_line(self.item, start)
        encoding = self.contract.encoding
        shown = line.decode("utf-8", "replace")[:80]
        misread = line.decode(encoding, "replace")[:80]
        raise PreprocessError(
            f"file {self.item.uri} is UTF-8, not {encoding} as the dataset config declares: "
            f"its non-ASCII bytes are UTF-8 (line {number}: {shown!r}, which {encoding} would "
            f'read as {misread!r}); remove "encoding" from the dataset config (UTF-8 is the '
            f"default), or re-save the file as {encoding}"
        )

    def _decoder(self, first: bytes) -> Any:
        encoding = self.contract.encoding
        inner = _compressed_as(first)
        if inner is not None:  # (the file's own compression is undone by DataStream)
            raise PreprocessError(
                f"file {self.item.uri}: its data is {inner[0]}"
                f"{'-compressed' if inner[1] else ''} (it starts with the bytes "
                f"{first[:3].hex(' ')}){' once decompressed' if self.stream.codec else ''}: "
                "the input must be CSV text; decompress it and upload the CSV (a .gz or .bz2 "
                "file is read as such)"
            )
        head = first[:4096]
        codec = codecs.lookup(encoding).name
        wide = codec.startswith("utf-16")
        if first.startswith(codecs.BOM_UTF8) and codec != "utf-8":
            raise PreprocessError(
                f"file {self.item.uri} starts with a UTF-8 byte-order mark: it is UTF-8, not "
                f'{encoding} as the dataset config declares; remove "encoding" from the '
                "dataset config (UTF-8 is the default), or re-save the file as "
                f"{encoding}"
            )
        if not codec.startswith("utf"):
            self.utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        if not wide and head.count(b"\0") * 3 > len(head) and not first.startswith(tuple(BOMS)):
            order = "LE" if head[1:2] == b"\0" else "BE"
            raise PreprocessError(
                f"file {self.item.uri} looks like UTF-16 {order} without a byte-order mark "
                f"(every other byte is 0), not {encoding}; re-save it as UTF-8 or declare "
                f'"encoding": "utf-16-{order.lower()}"'
            )
        for bom, what in BOMS.items():
            if first.startswith(bom):
                if what == "UTF-8" and codec == "utf-8":
                    self.bom = True
                    return codecs.getincrementaldecoder("utf-8-sig")("strict")
                if what != "UTF-8" and not wide:
                    raise PreprocessError(
                        f"file {self.item.uri} starts with a {what} byte-order mark: it is "
                        f'{what}, not {encoding}; re-save it as UTF-8 or declare "encoding": '
                        '"utf-16"'
                    )
        return codecs.getincrementaldecoder(encoding)("strict")


class _Lines:
    """The lines of a file's blocks, as the csv reader consumes them, one block at a
    time; ``scan_file`` takes the blocks the reader need not parse itself."""

    def __init__(self, blocks: Iterator[str]) -> None:
        self.blocks = blocks
        self.lines: list[str] = []
        self.at = 0
        self.skipped = 0  # lines of the blocks taken past the reader

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        while self.at == len(self.lines):
            self.load(next(self.blocks))
        self.at += 1
        return self.lines[self.at - 1]

    def load(self, block: str) -> None:
        parts = block.split("\n")
        tail = parts.pop()  # "" when the block ends with a line break
        self.lines = [part + "\n" for part in parts] + ([tail] if tail else [])
        self.at = 0

    def drained(self) -> bool:
        return self.at == len(self.lines)


def plain(block: str, quote: str) -> bool:
    """Whether every line of ``block`` is one record whose fields the delimiter alone
    splits: no quote character, no NUL and no carriage return but in a CRLF line end
    (the csv reader treats each of those specially)."""
    if quote in block or "\0" in block:
        return False
    return "\r" not in block or block.count("\r") == block.count("\r\n")


# Per delimiter, the bytes ``uniform`` deletes: all but the delimiter and the line break.
# Each delimiter is ASCII, and no byte of a multi-byte UTF-8 character is.
_OTHERS = {d: bytes(b for b in range(256) if b not in (ord(d), 10)) for d in DELIMITERS}


def uniform(block: str, delimiter: str, separators: int) -> int | None:
    """The number of lines of a ``plain`` block if every one has exactly ``separators``
    delimiters (> 0), else None. Checked in C: less every other character, the block
    must be one line's shape repeated (1M rows: 0.9 s -> 0.45 s of per-line counts)."""
    if not separators:  # a blank line would pass: the caller looks at each line
        return None
    shape = block.encode("utf-8").translate(None, _OTHERS[delimiter])
    if not block.endswith("\n"):  # the file's last line
        shape += b"\n"
    count = len(shape) // (separators + 1)
    return count if shape == (delimiter.encode() * separators + b"\n") * count else None


def scan_file(item: InputFile, contract: Contract) -> ScannedFile:
    """Header and record structure of one file; raises PreprocessError naming the file.

    Blocks without a quote character (most files, most of the time) are checked line
    by line with ``str.count``; the csv reader parses the header and every block that
    has quotes, twice as slow (1M rows: 2.2 s -> 1.0 s)."""
    source = _Decoded(item, contract)
    csv.field_size_limit(MAX_FIELD)
    lines = _Lines(source.blocks())
    reader = csv.reader(
        lines, delimiter=contract.delimiter, quotechar=contract.quote, doublequote=True
    )
    header: list[str] | None = None
    records, blanks, bad, spanning = 0, 0, 0, 0
    examples: list[str] = []
    last_bad = False

    def consumed() -> int:
        return reader.line_num + lines.skipped

    def note_bad(line: int, fields: int) -> None:
        nonlocal bad
        bad += 1
        if len(examples) < EXAMPLES:
            examples.append(f"line {line}: {fields} field{'' if fields == 1 else 's'}")

    try:
        while True:
            if header is not None and lines.drained():
                block = next(lines.blocks, None)
                if block is None:
                    break
                if not plain(block, contract.quote):
                    lines.load(block)
                    continue
                # one record per line: count the delimiters
                last_bad = False  # a line without quotes is a whole record
                separators = len(header) - 1
                _check_repeat(item, contract, block, consumed() + 1, header)
                count = uniform(block, contract.delimiter, separators)
                if count is not None:
                    records += count
                    lines.skipped += count
                    continue
                rows = block.split("\n")
                if not rows[-1]:
                    rows.pop()
                first = consumed() + 1
                counts = [row.count(contract.delimiter) for row in rows]
                records += len(rows)
                for at, (row, count) in enumerate(zip(rows, counts)):
                    if row in ("", "\r"):  # a blank line, as the csv reader skips it
                        records -= 1
                        blanks += 1
                    elif count != separators:
                        note_bad(first + at, count + 1)
                lines.skipped += len(rows)
                continue
            line = consumed() + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            if not row:
                blanks += 1
                continue
            if header is None:
                header = row
                try:
                    _check_header(item, contract, header, line)
                except OtherDelimiter:
                    _refuse_title(item, contract, header, line, reader)
                    raise
                continue
            records += 1
            if repeats_header(row, header):
                _refuse_repeat(item, line, row, header)
            if consumed() != line:  # a quoted field holds a line break
                spanning += 1
            last_bad = len(row) != len(header)
            if last_bad:
                note_bad(line, len(row))
    except csv.Error as exc:
        if "new-line character seen in unquoted field" in str(exc):
            raise PreprocessError(
                f"file {item.uri} line {consumed()}: a carriage return ends a line without a "
                "line feed: the file has classic Mac (CR-only) line endings, or a value holds a "
                "stray CR; re-save it with LF or CRLF line endings"
            ) from None
        if not source.truncated:
            raise PreprocessError(
                f"file {item.uri} line {consumed()}: cannot parse the CSV ({exc}); "
                "look for an unclosed quote"
            ) from None
    if header is None:
        if source.truncated:  # the scan stopped before the header's line ended
            raise PreprocessError(
                f"file {item.uri}: no complete header row in its first {contract.scan_max_bytes} "
                'bytes (the dataset config\'s "scan_max_bytes"): raise "scan_max_bytes" above '
                "the header's length"
            )
        raise PreprocessError(f"file {item.uri} has no header row (only blank lines)")
    if source.truncated and last_bad:
        bad -= 1  # the scan stopped inside the last record it read
        examples = examples[:bad]
    if bad:
        more = f" and {bad - len(examples)} more" if bad > len(examples) else ""
        raise PreprocessError(
            f"file {item.uri}: {bad} row(s) have a field count other than the header's "
            f"{len(header)} ({'; '.join(examples)}{more}); check the quoting, the "
            f"delimiter {contract.delimiter!r} and unquoted separators inside values"
        )
    return ScannedFile(
        uri=item.uri,
        size=item.size,
        header=tuple(header),
        bom=source.bom,
        crlf=source.crlf,
        records=records,
        multiline_records=spanning,
        blank_lines=blanks,
        complete=not source.truncated,
        scanned_bytes=source.stream.data_bytes,
        compression=source.stream.codec,
        read_bytes=source.stream.file_bytes,
    )


def repeats_header(row: list[str], header: list[str]) -> bool:
    """Whether a record is the header again, in any column order: two exports joined
    into one file. Read as data, its label is one row dropped, and the rows after it
    are read in the first header's column order, their values under other columns."""
    strip = WHITESPACE + "\ufeff"  # a joined file's own byte-order mark
    return len(row) == len(header) and {f.strip(strip) for f in row} == {
        h.strip(strip) for h in header
    }


def _check_repeat(
    item: InputFile, contract: Contract, block: str, first: int, header: list[str]
) -> None:
    """``repeats_header`` for a block whose lines the delimiter alone splits: only
    lines holding the header's longest name are split."""
    longest = max((h.strip(WHITESPACE) for h in header), key=len)
    if not longest or longest not in block:
        return
    for at, line in enumerate(block.split("\n")):
        if longest in line:
            row = line.rstrip("\r").split(contract.delimiter)
            if repeats_header(row, header):
                _refuse_repeat(item, first + at, row, header)


def _refuse_repeat(item: InputFile, line: int, row: list[str], header: list[str]) -> None:
    order = "in the same column order" if row == header else "in another column order"
    raise PreprocessError(
        f"file {item.uri} line {line} repeats the header row, {order} (exports joined "
        "into one file?): read as data, the rows after it would take the first header's "
        "columns; split the file at that line, or delete the line if the order is the same"
    )


def _check_header(item: InputFile, contract: Contract, header: list[str], line: int) -> None:
    first = contract.delimiter.join(header).strip()
    if first.lower().startswith("sep=") and len(first) <= 5:
        # Excel's hint line ("sep=;") above the header: Spark would take it as the header
        raise PreprocessError(
            f"file {item.uri} line {line} is {first!r}, Excel's separator hint, not a "
            'header: delete that line (the dataset config\'s "delimiter" names the '
            "separator)"
        )
    if len(header) > MAX_COLUMNS:
        raise PreprocessError(
            f"file {item.uri}: the header (line {line}) has {len(header)} columns; Spark "
            f"reads at most {MAX_COLUMNS}: check the delimiter {contract.delimiter!r}"
        )
    if len(header) > 1:
        return
    text = header[0] if header else ""
    counts = {d: len(re.findall(re.escape(d), text)) for d in DELIMITERS}
    better = max(
        (d for d in DELIMITERS if d != contract.delimiter), key=lambda d: counts[d], default=None
    )
    if better is not None and counts[better] > 0:
        shown = "\\t" if better == "\t" else better
        raise OtherDelimiter(
            f"file {item.uri}: the header has one column with delimiter "
            f"{contract.delimiter!r} but {counts[better] + 1} with {shown!r}: the file looks "
            f'{_name(better)}-separated; set "delimiter": "{shown}" in the dataset config',
            item.uri,
            better,
        )


def _refuse_title(
    item: InputFile, contract: Contract, first: list[str], line: int, reader: Any
) -> None:
    """A one-column first line that holds another delimiter (a title such as "|1x3 Cross
    validator") above a line that splits on the declared one: name the title line."""
    try:
        following = next((row for row in reader if row), [])
    except csv.Error:
        return
    if len(following) > 2:
        raise PreprocessError(
            f"file {item.uri} line {line} ({first[0][:60]!r}) does not look like the header: "
            f"it has one column, while the next line has {len(following)} separated by "
            f"{contract.delimiter!r}; if it is a title above the header, delete it"
        )


class OtherDelimiter(PreprocessError):
    """A file whose header splits on another delimiter than the declared one."""

    def __init__(self, message: str, uri: str, delimiter: str) -> None:
        super().__init__(message)
        self.uri, self.delimiter = uri, delimiter


def _scan_all(files: list[InputFile], contract: Contract) -> list[ScannedFile]:
    """Scan every file. A file that looks separated by another delimiter is named as
    the odd one when other files are separated as declared (one re-exported file among
    monthly ones: declaring its delimiter would break the rest)."""
    scanned: list[ScannedFile] = []
    odd: list[OtherDelimiter] = []
    for item in files:
        try:
            scanned.append(scan_file(item, contract))
        except OtherDelimiter as exc:
            odd.append(exc)
    if odd and not scanned:
        raise odd[0]
    if odd:
        first, declared = odd[0], _name(contract.delimiter)
        more = f" and {len(odd) - 1} more file(s)" if len(odd) > 1 else ""
        raise PreprocessError(
            f"file {first.uri}{more} look(s) {_name(first.delimiter)}-separated, while "
            f"{len(scanned)} other file(s) under the input (e.g. {scanned[0].uri}) are "
            f"{declared}-separated as the dataset config declares: re-export "
            f"{'them' if more else 'it'} {declared}-separated, or move {'them' if more else 'it'} "
            "out of the input prefix"
        )
    return scanned


def _name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[delimiter]


@dataclass(frozen=True)
class Inspection:
    """What the raw files say, before Spark reads them."""

    files: list[ScannedFile]
    skipped: list[tuple[str, str]]
    columns: Columns
    groups: list[FileGroup]
    listed: tuple[InputFile, ...] = ()  # the data files as listed, with their versions


def inspect(contract: Contract, uri: str) -> Inspection:
    """List, scan and match every input file against the contract."""
    files, skipped = list_inputs(uri)
    if not files and not skipped:
        raise PreprocessError(
            f"input {uri}: no such object or prefix; upload the CSV there (glue-wf upload-data "
            "FILE --to URI) or run with the run property input_uri set to where it is"
        )
    if not files:
        why = f" (skipped: {', '.join(u for u, _ in skipped)})" if skipped else ""
        raise PreprocessError(f"input {uri} is empty (no CSV files or no header){why}")
    scanned = _scan_all(files, contract)
    headers = [(s.uri, resolve_header(contract, list(s.header), f"file {s.uri}")) for s in scanned]
    try:
        columns = plan_columns(contract, headers[0][1], list(scanned[0].header))
    except PreprocessError as exc:
        if len(scanned) == 1:
            raise
        # The first file (in key order) sets the columns: it may not be data at all.
        raise PreprocessError(
            f"file {scanned[0].uri}, the first of {len(scanned)} files under {uri}: {exc}; "
            "a file under the input prefix that is not this dataset (notes, a README, "
            "another table) must move elsewhere"
        ) from None
    by_line = {s.uri for s in scanned if line_by_line(s, contract)}
    groups = [
        replace(group, multiline=not set(group.uris) <= by_line)
        for group in check_groups(contract, columns, headers)
    ]
    return Inspection(
        files=scanned, skipped=skipped, columns=columns, groups=groups, listed=tuple(files)
    )


def locate(contract: Contract, found: Inspection, column: str, values: list[str]) -> str | None:
    """Where one of ``values`` (a column's offending values, trimmed; lower-cased with
    ``"category_case": "ignore"``) first stands in ``column``: ``"file <uri> line <n>"``,
    read as the scan reads (at most ``scan_max_bytes`` of each file, in key order).
    None if not found there. For a refusal's message: Spark's rows carry no file or
    line. Only lines holding one of the values are parsed."""
    if not values:
        return None
    # an offending category is compared as encoded: lower-cased if the case is ignored
    fold = contract.category_case == "ignore" and column in contract.categorical
    wanted = {v.lower() for v in values} if fold else set(values)
    for scanned in found.files:
        names = resolve_header(contract, list(scanned.header), f"file {scanned.uri}")
        if column not in names:
            continue
        index = names.index(column)
        try:
            line = _first_line(scanned, contract, index, wanted, fold)
        except (PreprocessError, csv.Error):
            # an undecodable file (its refusal names it already), or a line the csv reader
            # refuses (an unquoted field past MAX_FIELD): the refusal goes without a place
            line = None
        if line is not None:
            return f"file {scanned.uri} line {line}"
    return None


def _first_line(
    scanned: ScannedFile, contract: Contract, index: int, wanted: set[str], fold: bool
) -> int | None:
    source = _Decoded(InputFile(scanned.uri, scanned.size), contract)
    dialect = {"delimiter": contract.delimiter, "quotechar": contract.quote, "doublequote": True}
    if scanned.multiline_records:  # records span lines: parse them all
        reader = csv.reader(_Lines(source.blocks()), **dialect)
        start = 1
        for number, row in enumerate(reader):
            if number and len(row) > index and _matches(row[index], wanted, fold):
                return start
            start = reader.line_num + 1
        return None
    line = 0  # one record per line: parse only the lines that hold a value
    for block in source.blocks():
        text = block.lower() if fold else block
        if not any(value in text for value in wanted):
            line += block.count("\n")
            continue
        for raw in block.split("\n"):
            line += 1
            held = raw.lower() if fold else raw
            if line > 1 and any(value in held for value in wanted):
                row = next(csv.reader([raw.rstrip("\r")], **dialect), [])
                if len(row) > index and _matches(row[index], wanted, fold):
                    return line
        line -= 1  # the text after the block's last line break is not a line
    return None


def _matches(field: str, wanted: set[str], fold: bool) -> bool:
    value = field.strip(WHITESPACE)
    return (value.lower() if fold else value) in wanted


def line_by_line(scanned: ScannedFile, contract: Contract) -> bool:
    """Whether Spark may split the file by line: no record spanning lines in what the
    scan read, no byte-order mark, and an encoding whose line break is the byte 0x0A
    (Hadoop splits the bytes before decoding). Else it reads the file whole, in one
    task. Past ``scan_max_bytes`` a record with a quoted line break would be cut in
    two malformed rows, which the contract always refuses: loud, never silent."""
    ascii_newline = "\n".encode(contract.encoding) == b"\n"
    return not scanned.multiline_records and not scanned.bom and ascii_newline
