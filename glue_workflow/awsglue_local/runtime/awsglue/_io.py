"""S3 (local directory) sources and sinks with Glue's connection and format options."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from awsglue._errors import GlueRuntimeError, UnsupportedFeatureError
from awsglue._paths import local_path, s3_root

READ_FORMATS = ("csv", "json", "parquet", "orc")
WRITE_FORMATS = ("csv", "json", "parquet", "glueparquet", "orc")
# Source options Glue accepts that only tune its own file grouping: no local effect.
_IGNORED_SOURCE = {
    "groupFiles",
    "groupSize",
    "maxBand",
    "maxFilesInBand",
    "isFailFast",
    "useS3ListImplementation",
    "boundedFiles",
    "boundedSize",
}
_SOURCE = {"paths", "recurse", "exclusions", "compressionType", *_IGNORED_SOURCE}
# compressionType's values ("S3 connection option reference", AWS Glue Developer Guide)
# and the file extension by which Spark's (Hadoop's) readers pick the codec.
_CODEC_EXTENSIONS = {"gzip": ".gz", "bzip2": ".bz2"}
_SINK = {"path", "partitionKeys", "compression"}
# A sink's compression values: the S3 connection option's for text ("gzip", "bzip2":
# "S3 connection option reference"), Spark's codecs for Parquet and ORC (what Glue 5.0's
# writers take); anything else would fail in Spark with a raw codec error.
_SINK_CODECS = {
    "csv": {"gzip", "bzip2"},
    "json": {"gzip", "bzip2"},
    "parquet": {"none", "uncompressed", "snappy", "gzip", "lzo", "brotli", "lz4", "zstd"},
    "glueparquet": {"none", "uncompressed", "snappy", "gzip", "lzo", "brotli", "lz4", "zstd"},
    "orc": {"none", "snappy", "zlib", "lzo", "zstd", "lz4"},
}
_FORMAT_OPTIONS = {
    "csv": {
        "separator",
        "quoteChar",
        "escaper",
        "multiLine",
        "withHeader",
        "writeHeader",
        "skipFirst",
        "optimizePerformance",
        "strictCheckForQuoting",
    },
    "json": {"multiLine", "jsonPath", "optimizePerformance"},
    "parquet": {"compression", "useGlueParquetWriter", "blockSize", "pageSize"},
    "glueparquet": {"compression", "blockSize", "pageSize"},
    "orc": {"compression"},
}


def flag(value: Any, name: str) -> bool:
    """Glue accepts booleans and their string spellings ("true"/"false")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise GlueRuntimeError(f"option {name} must be true or false, got {value!r}")


def _check_keys(given: Mapping[str, Any], known: set[str], what: str) -> None:
    unknown = sorted(set(given) - known)
    if unknown:
        raise UnsupportedFeatureError(
            f"{what} option(s) {', '.join(unknown)}", f"supported: {', '.join(sorted(known))}"
        )


def _check_s3(connection_type: str) -> None:
    if connection_type != "s3":
        raise UnsupportedFeatureError(
            f"connection_type {connection_type!r}", "the local runtime reads and writes s3 only"
        )


def _checked_format(
    connection_type: str,
    connection_options: Mapping[str, Any],
    known_options: set[str],
    what: str,
    fmt: str | None,
    formats: Sequence[str],
    format_options: Mapping[str, Any],
) -> str:
    """The format's name once the connection and both option sets check out."""
    _check_s3(connection_type)
    _check_keys(connection_options, known_options, what)
    name = (fmt or "").lower()
    if name not in formats:
        raise UnsupportedFeatureError(f"format {fmt!r}", f"supported: {', '.join(formats)}")
    _check_keys(format_options, _FORMAT_OPTIONS[name], f"{name} format")
    return name


def _quoting_off(opts: Mapping[str, Any]) -> bool:
    # quoteChar -1 (the number or the string) turns quoting off ("CSV format options",
    # AWS Glue Developer Guide).
    return str(opts.get("quoteChar", '"')).strip() == "-1"


def _csv_options(opts: Mapping[str, Any]) -> dict[str, Any]:
    """Glue's csv separator/quoteChar/escaper as Spark options, for reads and writes."""
    if _quoting_off(opts):
        # Spark's spelling of "no quote character" is ""; its escape character then
        # never applies (it only escapes inside quotes), and must be one character.
        return {
            "sep": str(opts.get("separator", ",")),
            "quote": "",
            "escape": str(opts.get("escaper") or "\\"),
        }
    quote_char = str(opts.get("quoteChar", '"'))
    return {
        "sep": str(opts.get("separator", ",")),
        "quote": quote_char,
        # Glue has no escape character by default; "" inside quotes is a literal quote.
        "escape": str(opts.get("escaper") or quote_char),
    }


# Spark's CSV writer's default timestamp format, kept by unquoted writes.
_CSV_TIMESTAMP = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"


def _unquoted_lines(df: Any, separator: str, partition_keys: Sequence[str]) -> Any:
    """``df`` as one text column per CSV line, named as the header line, for a write with
    quoting off: Spark's writer cannot turn quoting off (without a quote character it
    wraps a value holding the separator in NUL characters), so the lines are built here
    and written as one-column CSV that never needs quoting. Nulls are empty fields."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    fields = [f for f in df.schema.fields if f.name not in partition_keys]
    values = [
        F.date_format(F.col(_col(f.name)), _CSV_TIMESTAMP)
        if isinstance(f.dataType, TimestampType)
        else F.col(_col(f.name)).cast("string")
        for f in fields
    ]
    line = F.concat_ws(separator, *[F.coalesce(v, F.lit("")) for v in values])
    header = separator.join(f.name for f in fields)
    return df.select(line.alias(header), *[F.col(_col(k)) for k in partition_keys])


def _col(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A Glue exclusion glob ("Include and exclude patterns", AWS Glue Developer Guide):
    ``*`` matches within one path component, ``**`` across components, ``?`` one
    character of a component, ``[...]`` a character class (``[!...]`` negated),
    ``{a,b}`` either alternative."""
    out, i, depth = [], 0, 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            out.append(
                "[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]"
            )
            i = end + 1
            continue
        elif char == "{":
            depth += 1
            out.append("(?:")
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
        elif char == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + ")" * depth)


def _holds_data(path: Path) -> bool:
    """A file, or a folder with a file Spark reads below it (not ``_SUCCESS`` or a hidden
    one): an emptied prefix (purge_s3_path) leaves folders, and S3 lists nothing there."""
    if path.is_file():
        return True
    return (
        any(f.is_file() and not f.name.startswith(("_", ".")) for f in path.rglob("*"))
        if path.is_dir()
        else False
    )


def _source_files(paths: Sequence[str], exclusions: Sequence[str], recurse: bool) -> list[str]:
    """Local paths to read; with exclusions, the files that survive the globs: a pattern
    with a scheme (``s3://bkt/prefix/**.json``) matches a file's whole URI, one without
    (``**.pdf``) its key under the path read."""
    locals_ = [local_path(p) for p in paths]
    if not exclusions:
        return [p for p in locals_ if _holds_data(Path(p))]
    absolute = [glob_regex(local_path(g)) for g in exclusions if "://" in g]
    relative = [glob_regex(g) for g in exclusions if "://" not in g]
    files: list[str] = []
    for root in locals_:
        base = Path(root)
        candidates = [base] if base.is_file() else (base.rglob("*") if recurse else base.glob("*"))
        for candidate in sorted(candidates):
            text = str(candidate)
            key = candidate.relative_to(base).as_posix() if base.is_dir() else candidate.name
            if (
                candidate.is_file()
                and not any(g.fullmatch(text) for g in absolute)
                and not any(g.fullmatch(key) for g in relative)
            ):
                files.append(text)
    return files


def read_frame(
    spark: Any,
    connection_type: str,
    connection_options: Mapping[str, Any],
    fmt: str | None,
    format_options: Mapping[str, Any],
    ctx: str = "",
) -> tuple[Any, Callable[[], Any] | None]:
    """(the records read as Glue's S3 source would, a function building the error records
    of those that failed to parse, or None when none did). Missing paths give an empty
    frame."""
    name = _checked_format(
        connection_type, connection_options, _SOURCE, "s3 source", fmt, READ_FORMATS, format_options
    )
    paths = connection_options.get("paths")
    if isinstance(paths, str):
        paths = [paths]
    if not paths or not all(isinstance(p, str) for p in paths):
        raise GlueRuntimeError(
            "s3 source needs connection_options={'paths': ['s3://bucket/prefix', ...]}"
        )
    exclusions = connection_options.get("exclusions") or []
    if isinstance(exclusions, str):
        exclusions = json.loads(exclusions)
    recurse = flag(connection_options.get("recurse", False), "recurse")
    files = _source_files(paths, exclusions, recurse)
    if not files:
        from pyspark.sql.types import StructType

        return spark.createDataFrame([], StructType([])), None
    codec = connection_options.get("compressionType")
    extension = _codec_extension(codec) if codec is not None else ""
    mirror = ""
    if extension and name in ("csv", "json"):  # parquet and orc carry their own codec
        mirror, files = _with_extension(files, extension)
    reader = spark.read
    if recurse:
        reader = reader.option("recursiveFileLookup", "true")
    if name == "csv":
        return _read_csv(reader, files, format_options), None
    if name == "json":
        return _read_json(reader, files, format_options, ctx, (mirror, extension))
    return reader.format(name).load(files), None


def _codec_extension(value: Any) -> str:
    name = str(value).strip().lower()
    if name not in _CODEC_EXTENSIONS:
        raise GlueRuntimeError(
            f"s3 source option compressionType={value!r} is not one of "
            f"{', '.join(_CODEC_EXTENSIONS)}: give one of them, or leave it out for "
            "uncompressed objects and ones named .gz or .bz2"
        )
    return _CODEC_EXTENSIONS[name]


_mirrors: list[str] = []


def _mirror_root() -> Path:
    """The process's directory of links to compressed objects, removed at exit (links
    only: rmtree does not follow them). Reads are lazy, so it lives as long as the job."""
    if not _mirrors:
        import atexit
        import shutil
        import tempfile

        _mirrors.append(tempfile.mkdtemp(prefix="glue-wf-s3-codec-"))
        atexit.register(shutil.rmtree, _mirrors[0], ignore_errors=True)
    return Path(_mirrors[0])


def _with_extension(files: list[str], extension: str) -> tuple[str, list[str]]:
    """(the mirror's root, ``files`` as symbolic links named with ``extension`` added):
    Spark picks a codec by file name only, and compressionType decompresses objects
    named otherwise. Links sit at the files' own absolute paths under a fresh root, so
    folders (partition columns, recursive reads) look the same; hidden and ``_`` files,
    which Spark skips, get none."""
    import uuid

    root = _mirror_root() / uuid.uuid4().hex
    mirrored = []
    for given in files:
        source = Path(given).resolve()
        sources = [source] if source.is_file() else sorted(source.rglob("*"))
        for path in sources:
            if not path.is_file() or path.name.startswith(("_", ".")):
                continue
            link = root / path.relative_to(path.anchor)
            link = link.with_name(link.name + extension)
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.is_symlink():
                link.symlink_to(path)
        target = root / source.relative_to(source.anchor)
        mirrored.append(
            str(target.with_name(target.name + extension) if source.is_file() else target)
        )
    return str(root), mirrored


def _read_csv(reader: Any, files: list[str], opts: Mapping[str, Any]) -> Any:
    header = flag(opts.get("withHeader", False), "withHeader")
    skip_first = flag(opts.get("skipFirst", False), "skipFirst")
    reader = (
        reader.options(**_csv_options(opts))
        .option("multiLine", flag(opts.get("multiLine", False), "multiLine"))
        .option("header", header or skip_first)
        .option("inferSchema", "true")
        .option("mode", "PERMISSIVE")
    )
    df = reader.csv(files)
    if not header:
        # Glue names header-less columns col0, col1, ...
        df = df.toDF(*[f"col{i}" for i in range(len(df.columns))])
    return df


# Spark's column for a record that fails to parse, named so that a record's own
# "_corrupt_record" field stays data; and a field no record has (always null).
_MALFORMED = "__glue_wf_malformed_record"
_PROBE = "__glue_wf_probe"


def _read_json(
    reader: Any,
    files: list[str],
    opts: Mapping[str, Any],
    ctx: str,
    mirror: tuple[str, str] = ("", ""),
) -> tuple[Any, Callable[[], Any] | None]:
    from pyspark.sql import functions as F

    json_path = str(opts.get("jsonPath", "") or "")
    multi_line = flag(opts.get("multiLine", False), "multiLine")
    reader = (
        reader.option("multiLine", multi_line or bool(json_path))
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", _MALFORMED)
    )
    df = reader.json(files)
    errors = None
    # Inference reads every record, so the column is there only when one failed to parse.
    if _MALFORMED in df.columns:
        df, errors = _split_malformed(reader, files, df.schema, ctx, mirror)
    if json_path in ("", "$", "$[*]"):
        return df, errors
    if not (json_path.startswith("$.") and json_path.endswith("[*]")):
        raise UnsupportedFeatureError(
            f"jsonPath {json_path!r}", "only '$[*]' and '$.field.sub[*]' are supported"
        )
    field = json_path[2:-3]
    return df.select(F.explode(F.col(field)).alias("_row")).select("_row.*"), errors


def _split_malformed(
    reader: Any, files: list[str], schema: Any, ctx: str, mirror: tuple[str, str]
) -> tuple[Any, Callable[[], Any]]:
    """(the records that parsed, with the schema inferred from them; a function building
    an error record per one that did not). Glue makes a record it cannot parse an error
    record, counted by errorsCount() ("DynamicFrame class", AWS Glue Developer Guide),
    where Spark would keep it as a row of nulls beside its text."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    from awsglue._records import error_schema

    probed = StructType([*schema.fields, StructField(_PROBE, StringType(), True)])
    full = reader.schema(probed).json(files)
    # Spark refuses a query of JSON files that reads the malformed-record column alone
    # (a count, say): the probe keeps a second column read.
    unprobed = F.col(_PROBE).isNull()
    data = full.where(F.col(_MALFORMED).isNull() & unprobed).drop(_MALFORMED, _PROBE)
    root = "file://" + str(s3_root())

    def errors() -> Any:
        bad = full.where(F.col(_MALFORMED).isNotNull() & unprobed).select(
            F.input_file_name(), F.col(_MALFORMED)
        )
        return bad.sparkSession.createDataFrame(
            bad.rdd.mapPartitions(_malformed_records(ctx, root, mirror)), error_schema()
        )

    return data, errors


def _malformed_records(ctx: str, root: str, mirror: tuple[str, str]) -> Callable[[Any], Any]:
    """A partition function: (file URI, text) rows as error records naming the object
    (not its compressionType link) and the parse error. Closes over the standard
    library only (Spark's workers)."""
    links, extension = mirror

    def run(rows: Any) -> Any:
        import json
        import urllib.parse

        for uri, text in rows:
            where = urllib.parse.unquote(uri)
            if links and where.replace("file://", "", 1).startswith(links + "/"):
                where = "file://" + where.replace("file://", "", 1)[len(links) :]
                where = where[: -len(extension)]
            for prefix in (root + "/", root.replace("file://", "file:", 1) + "/"):
                if where.startswith(prefix):
                    where = "s3://" + where[len(prefix) :]
            try:
                json.loads(text)
                reason = "not a JSON object"
            except ValueError as exc:
                reason = str(exc)
            yield (ctx, f"malformed JSON record in {where}: {reason}", text)

    return run


def write(
    df: Any,
    connection_type: str,
    connection_options: Mapping[str, Any],
    fmt: str | None,
    format_options: Mapping[str, Any],
) -> None:
    """Append ``df`` under ``path`` (Glue's S3 sink only adds files)."""
    name = _checked_format(
        connection_type, connection_options, _SINK, "s3 sink", fmt, WRITE_FORMATS, format_options
    )
    path = connection_options.get("path")
    if not isinstance(path, str) or not path:
        raise GlueRuntimeError("s3 sink needs connection_options={'path': 's3://bucket/prefix/'}")
    if not df.columns:
        # A frame without fields (read from a prefix with no objects, or everything
        # dropped) holds no records, so Glue's S3 sink has nothing to put: the write
        # succeeds and adds no object. An S3 prefix exists only through its objects, so
        # no folder is made either. Spark would refuse the empty schema.
        return
    partition_keys = connection_options.get("partitionKeys") or []
    missing = [k for k in partition_keys if k not in df.columns]
    if missing:
        raise GlueRuntimeError(
            f"partitionKeys {missing} are not columns of the frame ({', '.join(df.columns)})"
        )
    options: dict[str, Any] = {}
    if name == "csv":
        options["header"] = flag(format_options.get("writeHeader", True), "writeHeader")
        if _quoting_off(format_options):
            df = _unquoted_lines(df, str(format_options.get("separator", ",")), partition_keys)
            # one column that needs no quoting: a separator no line holds, no quote
            options.update(sep="\u0001", quote="", emptyValue="")
        else:
            options.update(_csv_options(format_options))
    compression = connection_options.get("compression") or format_options.get("compression")
    if compression:
        allowed = _SINK_CODECS.get(name)
        if allowed is not None and str(compression).lower() not in allowed:
            raise GlueRuntimeError(
                f"{name} sink compression={compression!r} is not one of "
                f"{', '.join(sorted(allowed))}"
            )
        options["compression"] = str(compression)
    writer = df.write.mode("append").options(**options)
    if partition_keys:
        writer = writer.partitionBy(*partition_keys)
    target = local_path(path)
    if name == "csv":
        writer.csv(target)
    elif name == "json":
        writer.json(target)
    else:
        writer.format("orc" if name == "orc" else "parquet").save(target)
    _tidy(Path(target))


def no_local_checksums(spark_context: Any) -> None:
    """Have Hadoop's local file system (the S3 directory's paths) write no hidden
    ``.crc`` file beside each file it writes: S3 holds none, and a write that fails
    midway (before ``_tidy``) must leave none either. Set on the JVM's cached instance,
    which every task's writer of this context gets."""
    with contextlib.suppress(Exception):  # not a JVM this runtime knows: leave it
        conf = spark_context._jsc.hadoopConfiguration()
        spark_context._jvm.org.apache.hadoop.fs.FileSystem.getLocal(conf).setWriteChecksum(False)


def _tidy(target: Path) -> None:
    """Remove Hadoop's local checksum files and _SUCCESS markers: S3 holds neither, and
    readers of the prefix (e.g. training channels) must see only data files."""
    if not target.is_dir():
        return
    for path in target.rglob("*"):
        if path.is_file() and (
            path.name == "_SUCCESS" or (path.name.startswith(".") and path.name.endswith(".crc"))
        ):
            path.unlink()
