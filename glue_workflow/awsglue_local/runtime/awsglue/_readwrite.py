"""``glueContext.create_dynamic_frame`` / ``write_dynamic_frame`` (and the DataFrame
variants): S3 paths in the local S3 directory, catalog tables from the local registry."""

from __future__ import annotations

import contextlib
import functools
import json
import operator
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from awsglue import _bookmarks, _catalog, _io
from awsglue._errors import GlueRuntimeError, UnsupportedFeatureError
from awsglue._types import quote

_NO_OPTIONS: Mapping[str, Any] = {}


def _database(database: str | None, kwargs: dict[str, Any]) -> str:
    name_space = kwargs.pop("name_space", None)
    if (database is None) == (name_space is None):
        raise GlueRuntimeError(
            "from_catalog needs exactly one of database= or (legacy) name_space="
        )
    return str(database if database is not None else name_space)


def _reject(kwargs: Mapping[str, Any], where: str) -> None:
    if kwargs:
        raise UnsupportedFeatureError(f"{where} argument(s) {', '.join(sorted(kwargs))}")


def read_options(
    glue_ctx: Any,
    connection_type: str,
    connection_options: Mapping[str, Any],
    fmt: str | None,
    format_options: Mapping[str, Any],
    push_down_predicate: str,
    ctx: str = "",
) -> tuple[Any, Any]:
    """(DataFrame, a function building its error records, or None)."""
    df, errors = _io.read_frame(
        glue_ctx.spark_session, connection_type, connection_options, fmt, format_options, ctx
    )
    if connection_type == "s3":
        df = bookmarked(glue_ctx, ctx, df, connection_options)
    return (df.where(push_down_predicate) if push_down_predicate and df.columns else df), errors


def read_catalog(
    glue_ctx: Any,
    database: str,
    table_name: str,
    push_down_predicate: str,
    additional_options: Mapping[str, Any],
    ctx: str = "",
) -> tuple[Any, Any]:
    """(DataFrame, a function building its error records, or None)."""
    table = _catalog.get_table(database, table_name)
    partitioned = bool(table.get("partition_keys"))
    # A partitioned table's key=value folders are its partition columns: Spark finds them
    # when it lists the folders itself (a recursive file lookup would not).
    options: dict[str, Any] = {"paths": [table["location"]], "recurse": not partitioned}
    for key in ("exclusions", "recurse"):
        if key in additional_options:
            options[key] = additional_options[key]
    spark = glue_ctx.spark_session
    with _text_partitions(spark):
        df, errors = _io.read_frame(
            spark, "s3", options, table["format"], table.get("format_options") or {}, ctx
        )
    df = _catalog_columns(df, table)
    name = f"{database}.{table_name}"
    for option, predicate in (
        ("push_down_predicate", push_down_predicate),
        ("catalogPartitionPredicate", additional_options.get("catalogPartitionPredicate")),
    ):
        if predicate and df.columns:
            df = _partitions_where(df, table, name, option, str(predicate))
    where = {"paths": [table["location"]], "recurse": True}
    if "exclusions" in additional_options:
        where["exclusions"] = additional_options["exclusions"]
    return bookmarked(glue_ctx, ctx, df, where), errors


def _partitions_where(
    df: Any, table: Mapping[str, Any], name: str, option: str, predicate: str
) -> Any:
    """Only the partitions ``predicate`` selects. Glue evaluates push_down_predicate on
    the partitions it lists from the Data Catalog, and catalogPartitionPredicate in the
    catalog itself, before it reads a file (AWS doc "Optimizing reads with pushdown in
    AWS Glue ETL"): either may name partition columns only."""
    keys = [str(k) for k in table.get("partition_keys") or []]
    where = f"{option} {predicate!r} on table {name}"
    fix = "filter data columns after reading (frame.filter(...) or Filter.apply)"
    if not keys:
        raise GlueRuntimeError(
            f"{where}: the table has no partition keys, and Glue applies {option} to a "
            f"table's partitions only; {fix}"
        )
    # analysed against a relation of the partition columns alone, as Glue filters the
    # partitions (a select of them would not do: Spark resolves a filter's missing
    # columns through a projection)
    partitions = df.sparkSession.createDataFrame([], df.select(*[quote(k) for k in keys]).schema)
    try:
        partitions.where(predicate)
    except Exception as exc:  # AnalysisException / ParseException: a Spark class
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GlueRuntimeError(
            f"{where}: {reason}; it may name only the table's partition columns "
            f"({', '.join(keys)}), which Glue filters before reading a file; {fix}"
        ) from None
    return df.where(predicate)


def bookmarked(glue_ctx: Any, ctx: str, df: Any, connection_options: Mapping[str, Any]) -> Any:
    """``df``'s rows from the files the job's bookmark has not seen under ``ctx`` (all
    rows without a bookmark or a ``transformation_ctx``, as on Glue); a frame without
    fields when every file was read before (Glue's empty frame: its write puts nothing)."""
    session = _bookmarks.session_of(glue_ctx)
    if session is None or not ctx or not df.columns:
        return df
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    paths = connection_options.get("paths") or []
    exclusions = connection_options.get("exclusions") or []
    if isinstance(exclusions, str):
        exclusions = json.loads(exclusions)
    recurse = _io.flag(connection_options.get("recurse", False), "recurse")
    listed = _io._source_files([paths] if isinstance(paths, str) else paths, exclusions, recurse)
    files = sorted(
        str(f)
        for root in map(Path, listed)
        for f in ([root] if root.is_file() else _read_below(root, recurse))
        if f.is_file() and not f.name.startswith(("_", "."))
    )
    unread = session.unread(ctx, files)
    if not unread:
        return df.sparkSession.createDataFrame([], StructType([]))
    if len(unread) == len(files):
        return df
    # input_file_name() is the file's qualified Hadoop URI ("dt=1" stays, a space is %20)
    jvm = df.sparkSession._jvm
    conf = df.sparkSession._jsc.hadoopConfiguration()
    uris = []
    for f in unread:
        path = jvm.org.apache.hadoop.fs.Path(f)
        uris.append(path.getFileSystem(conf).makeQualified(path).toUri().toString())
    codec = connection_options.get("compressionType")
    extension = _io._CODEC_EXTENSIONS.get(str(codec).strip().lower(), "") if codec else ""
    if not extension:
        return df.where(F.input_file_name().isin(uris))
    # compressionType reads a file through a link named <its path><extension> under a
    # directory of its own (_io._with_extension): its URI ends with the file's
    name = F.input_file_name()
    wanted = [name.endswith(u.split("://", 1)[-1] + extension) | (name == u) for u in uris]
    return df.where(functools.reduce(operator.or_, wanted))


def _read_below(folder: Path, recurse: bool) -> list[Path]:
    """The files Spark reads under ``folder``: all with ``recurse``, else its own and
    those of its key=value partition folders."""
    if recurse:
        return list(folder.rglob("*"))
    return [
        f
        for child in folder.iterdir()
        for f in ([child] if child.is_file() else child.rglob("*") if "=" in child.name else [])
    ]


PARTITION_INFERENCE = "spark.sql.sources.partitionColumnTypeInference.enabled"


@contextlib.contextmanager
def _text_partitions(spark: Any) -> Iterator[None]:
    """Partition values read as strings, the type of a catalog table's partition keys
    (Spark would read dt=2024-01-01 as a date and id=007 as the number 7)."""
    before = spark.conf.get(PARTITION_INFERENCE, "true")
    spark.conf.set(PARTITION_INFERENCE, "false")
    try:
        yield
    finally:
        spark.conf.set(PARTITION_INFERENCE, before)


def _catalog_columns(df: Any, table: Mapping[str, Any]) -> Any:
    """A CSV table's frame with the catalog's column names and types, by position: the
    catalog names a CSV table's columns, not the files (a header-less file's are col0...)."""
    columns = table.get("columns") or []
    keys = set(table.get("partition_keys") or [])
    data = [c for c in df.columns if c not in keys]
    if str(table.get("format")).lower() != "csv" or not columns or len(columns) != len(data):
        return df
    projected = [
        f"CAST({quote(old)} AS {column['Type']}) AS {quote(column['Name'])}"
        for old, column in zip(data, columns, strict=True)
    ]
    return df.selectExpr(*projected, *[quote(k) for k in df.columns if k in keys])


def write_catalog(
    df: Any, database: str, table_name: str, additional_options: Mapping[str, Any]
) -> None:
    table = _catalog.get_table(database, table_name)
    behavior = update_behavior(additional_options)  # refused before anything is written
    partition_keys = additional_options.get("partitionKeys", table.get("partition_keys") or [])
    _io.write(
        df,
        "s3",
        {"path": table["location"], "partitionKeys": partition_keys},
        table["format"],
        table.get("format_options") or {},
    )
    if str(additional_options.get("enableUpdateCatalog", "false")).lower() == "true":
        if behavior == "UPDATE_IN_DATABASE":
            fields = df.schema.fields
            columns = [{"Name": f.name, "Type": f.dataType.simpleString()} for f in fields]
            _catalog.update_columns(database, table_name, columns, list(partition_keys))
        refresh_table(df.sparkSession, database, table_name)


# enableUpdateCatalog's updateBehavior (AWS doc "Updating the schema, and adding new
# partitions in the Data Catalog using AWS Glue ETL jobs"): UPDATE_IN_DATABASE (default)
# overwrites the table's schema with what is written; LOG keeps it and only adds the new
# partitions (the local catalog finds partitions in the table's folders when read).
UPDATE_BEHAVIORS = ("UPDATE_IN_DATABASE", "LOG")


def update_behavior(options: Mapping[str, Any]) -> str:
    value = options.get("updateBehavior", UPDATE_BEHAVIORS[0])
    if value not in UPDATE_BEHAVIORS:
        raise GlueRuntimeError(
            f"updateBehavior {value!r} must be UPDATE_IN_DATABASE (the table's schema follows "
            "what is written; the default) or LOG (the schema stays, new partitions are added)"
        )
    return str(value)


def refresh_table(spark: Any, database: str, table_name: str) -> None:
    """A table a sink created or changed, as Spark SQL sees it from now on in a job whose
    catalog is exposed (``--enable-glue-datacatalog``): as on Glue, at once."""
    if not getattr(spark.sparkContext, "_glue_wf_catalog", False):
        return
    name = f"{quote(database)}.{quote(table_name)}"
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {quote(database)}")
    spark.sql(f"DROP TABLE IF EXISTS {name}")  # external: its files stay
    table = _catalog.get_table(database, table_name)
    with _text_partitions(spark):
        spark.sql(table_ddl(database, table_name, table))
    if table.get("partition_keys"):
        spark.sql(f"ALTER TABLE {name} RECOVER PARTITIONS")


DATACATALOG_ARG = "--enable-glue-datacatalog"


def datacatalog_enabled(argv: list[str]) -> bool:
    """Whether the job run has ``--enable-glue-datacatalog true``: on Glue the Data
    Catalog is then Spark's Hive metastore, so ``spark.sql`` and ``spark.table`` see its
    tables (without it they see none)."""
    for i, arg in enumerate(argv):
        if arg == DATACATALOG_ARG:
            value = argv[i + 1] if i + 1 < len(argv) else "true"
        elif arg.startswith(f"{DATACATALOG_ARG}="):
            value = arg.split("=", 1)[1]
        else:
            continue
        return value.strip().lower() in ("true", "")
    return False


def _literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def table_ddl(database: str, table_name: str, table: Mapping[str, Any]) -> str:
    """``CREATE TABLE`` for a registered table over its local files, read as
    ``from_catalog`` reads it: a CSV table's columns are the catalog's, by position."""
    from awsglue._paths import local_path
    from awsglue._types import spark_type

    fmt = str(table["format"]).lower()
    fmt = "parquet" if fmt == "glueparquet" else fmt
    if fmt not in _io.READ_FORMATS:
        raise UnsupportedFeatureError(f"catalog table format {fmt!r}")
    options: dict[str, str] = {"path": str(local_path(table["location"]))}
    format_options = table.get("format_options") or {}
    if fmt == "csv":
        options.update(_io._csv_options(format_options))
        header = _io.flag(format_options.get("withHeader", False), "withHeader")
        options["header"] = "true" if header else "false"
    elif fmt == "json" and "multiLine" in format_options:
        options["multiLine"] = str(_io.flag(format_options["multiLine"], "multiLine")).lower()
    keys = [str(k) for k in table.get("partition_keys") or []]
    columns = [(str(c["Name"]), spark_type(str(c["Type"]))) for c in table.get("columns") or []]
    if columns:
        columns += [(k, "string") for k in keys if k not in {n for n, _ in columns}]
    schema = f" ({', '.join(f'{quote(n)} {t}' for n, t in columns)})" if columns else ""
    opts = ", ".join(f"{_literal(k)} {_literal(v)}" for k, v in options.items())
    # without columns Spark infers the schema, partition columns included
    partitioned = f" PARTITIONED BY ({', '.join(map(quote, keys))})" if keys and columns else ""
    name = f"{quote(database)}.{quote(table_name)}"
    return f"CREATE TABLE IF NOT EXISTS {name}{schema} USING {fmt} OPTIONS ({opts}){partitioned}"


def expose_catalog(spark: Any, warn: Callable[[str], None]) -> None:
    """The local catalog's tables as Spark SQL tables (``--enable-glue-datacatalog``), once
    per SparkContext. A table Spark cannot define (no files to infer a schema from, say)
    is ``warn``-ed and left out, as a query on Glue fails only when it names it."""
    context = spark.sparkContext
    if getattr(context, "_glue_wf_catalog", False):
        return
    context._glue_wf_catalog = True
    for database, tables in _catalog.tables().items():
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {quote(database)}")
        for table_name in tables:
            try:
                refresh_table(spark, database, table_name)
            except Exception as exc:  # said in the job's log; a query naming it fails
                first = (str(exc).strip().splitlines() or [""])[0]
                warn(
                    f"catalog table {database}.{table_name} is not visible to spark.sql "
                    f"({DATACATALOG_ARG}): {type(exc).__name__}: {first}"
                )


def expose_on_session(builder_class: Any) -> None:
    """A plain PySpark job (no GlueContext) with ``--enable-glue-datacatalog``: the
    catalog's tables are there once ``SparkSession.builder.getOrCreate()`` returns."""
    original = builder_class.getOrCreate
    if getattr(original, "_glue_wf", False):
        return

    def get_or_create(self: Any) -> Any:
        session = original(self)
        expose_catalog(session, lambda text: print(f"glue-wf: warning: {text}", file=sys.stderr))
        return session

    get_or_create._glue_wf = True  # type: ignore[attr-defined]
    builder_class.getOrCreate = get_or_create


def _catalog_table(
    database: str | None, table_name: str | None, kwargs: dict[str, Any], where: str
) -> tuple[str, str]:
    """The (database, table) a ``from_catalog`` call names; other keywords are rejected."""
    db = _database(database, kwargs)
    _reject(kwargs, where)
    if not table_name:
        raise GlueRuntimeError("from_catalog needs table_name=")
    return db, table_name


class _Reader:
    """Reads for ``glueContext.<api>``; subclasses say what a read DataFrame becomes."""

    _api: str

    def __init__(self, glue_context: Any) -> None:
        self._glue_context = glue_context

    def _result(self, df: Any, name: str, errors: Any = None) -> Any:
        raise NotImplementedError

    def from_options(
        self,
        connection_type: str,
        connection_options: Mapping[str, Any] = _NO_OPTIONS,
        format: str | None = None,
        format_options: Mapping[str, Any] = _NO_OPTIONS,
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        **kwargs: Any,
    ) -> Any:
        _reject(kwargs, f"{self._api}.from_options")
        df, errors = read_options(
            self._glue_context,
            connection_type,
            connection_options,
            format,
            format_options,
            push_down_predicate,
            transformation_ctx,
        )
        return self._result(df, transformation_ctx, errors)

    def from_catalog(
        self,
        database: str | None = None,
        table_name: str | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        additional_options: Mapping[str, Any] = _NO_OPTIONS,
        catalog_id: str | None = None,
        **kwargs: Any,
    ) -> Any:
        db, table = _catalog_table(database, table_name, kwargs, f"{self._api}.from_catalog")
        df, errors = read_catalog(
            self._glue_context,
            db,
            table,
            push_down_predicate,
            additional_options,
            transformation_ctx,
        )
        return self._result(df, transformation_ctx, errors)


class _Writer:
    """Writes for ``glueContext.<api>``; subclasses say how to get a frame's DataFrame."""

    _api: str

    def __init__(self, glue_context: Any) -> None:
        self._glue_context = glue_context

    def _df(self, frame: Any) -> Any:
        raise NotImplementedError

    def from_options(
        self,
        frame: Any,
        connection_type: str,
        connection_options: Mapping[str, Any] = _NO_OPTIONS,
        format: str | None = None,
        format_options: Mapping[str, Any] = _NO_OPTIONS,
        transformation_ctx: str = "",
    ) -> Any:
        _io.write(self._df(frame), connection_type, connection_options, format, format_options)
        return frame

    def from_catalog(
        self,
        frame: Any,
        database: str | None = None,
        table_name: str | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        additional_options: Mapping[str, Any] = _NO_OPTIONS,
        catalog_id: str | None = None,
        **kwargs: Any,
    ) -> Any:
        db, table = _catalog_table(database, table_name, kwargs, f"{self._api}.from_catalog")
        write_catalog(self._df(frame), db, table, additional_options)
        return frame


class DynamicFrameReader(_Reader):
    """``glueContext.create_dynamic_frame``."""

    _api = "create_dynamic_frame"

    def _result(self, df: Any, name: str, errors: Any = None) -> Any:
        from awsglue.dynamicframe import DynamicFrame

        # records that failed to parse are the read's error records
        return DynamicFrame(df, self._glue_context, name, stage_errors=errors)

    def from_rdd(
        self, data: Any, name: str, schema: Any = None, sampleRatio: float | None = None
    ) -> Any:
        spark = self._glue_context.spark_session
        return self._result(spark.createDataFrame(data, schema, sampleRatio), name)

    def from_jdbc_conf(self, *args: Any, **kwargs: Any) -> Any:
        raise UnsupportedFeatureError("create_dynamic_frame.from_jdbc_conf (JDBC)")


class DynamicFrameWriter(_Writer):
    """``glueContext.write_dynamic_frame``."""

    _api = "write_dynamic_frame"

    def _df(self, frame: Any) -> Any:
        return frame.toDF()

    def from_jdbc_conf(self, *args: Any, **kwargs: Any) -> Any:
        raise UnsupportedFeatureError("write_dynamic_frame.from_jdbc_conf (JDBC)")


class DataFrameReader(_Reader):
    """``glueContext.create_data_frame``: the same sources, returning Spark DataFrames."""

    _api = "create_data_frame"

    def _result(self, df: Any, name: str, errors: Any = None) -> Any:
        return df  # a DataFrame holds no error records, as DynamicFrame.toDF() drops them


class DataFrameWriter(_Writer):
    """``glueContext.write_data_frame``."""

    _api = "write_data_frame"

    def _df(self, frame: Any) -> Any:
        return frame
