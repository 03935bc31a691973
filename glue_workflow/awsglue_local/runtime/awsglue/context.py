"""``GlueContext`` on plain PySpark: readers, writers, sources, sinks, purge, logger."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession, SQLContext

from awsglue import _catalog, _io, _warm
from awsglue._errors import GlueRuntimeError, UnsupportedFeatureError
from awsglue._paths import local_path
from awsglue._readwrite import (
    DataFrameReader,
    DataFrameWriter,
    DynamicFrameReader,
    DynamicFrameWriter,
    datacatalog_enabled,
    expose_catalog,
    refresh_table,
    update_behavior,
    write_catalog,
)

__all__ = ["GlueContext"]

_NO_OPTIONS: Mapping[str, Any] = {}
# A job process that starts its own context (``SparkContext()``) gets the local Spark
# settings its runner passed in this variable; one attached to the warm Spark
# (awsglue._warm) uses its JVM's, and explicit PYSPARK_SUBMIT_ARGS win.
SUBMIT_ARGS_ENV = "GLUE_WF_SPARK_SUBMIT_ARGS"
_submit_args = os.environ.get(SUBMIT_ARGS_ENV)
if (
    _submit_args
    and "PYSPARK_SUBMIT_ARGS" not in os.environ
    and SparkSession.getActiveSession() is None
):
    os.environ["PYSPARK_SUBMIT_ARGS"] = _submit_args
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

_IGNORED_CONTEXT_OPTIONS = {"minPartitions", "targetPartitions"}
_UNSUPPORTED = {
    "getStreamingSource": "streaming sources",
    "forEachBatch": "streaming (forEachBatch)",
    "extract_jdbc_conf": "JDBC connections",
    "transition_s3_path": "S3 storage class transitions",
    "transition_table": "S3 storage class transitions",
    "begin_transaction": "Lake Formation transactions",
    "commit_transaction": "Lake Formation transactions",
    "cancel_transaction": "Lake Formation transactions",
}
HOUR = 3600.0


class GlueLogger:
    """``glueContext.get_logger()``: ``info``/``warn``/``error`` to the job's stderr."""

    def __init__(self) -> None:
        self._logger = logging.getLogger("awsglue")
        if not self._logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            self._logger.addHandler(handler)
            self._logger.setLevel(logging.INFO)
            self._logger.propagate = False

    def info(self, message: str) -> None:
        self._logger.info(message)

    def warn(self, message: str) -> None:
        self._logger.warning(message)

    warning = warn

    def error(self, message: str) -> None:
        self._logger.error(message)


# Classes PySpark looks up by simple name on every call: each ``F.col``, ``F.when``...
# asks the JVM for ``functions``, which py4j tries in each of PySpark's star-imported
# packages in turn, every miss a search of the whole class path (a few thousand
# lookups in a job that builds wide plans). A single-class import makes each one hit
# at once; the name still means the same class.
_HOT_CLASSES = ("org.apache.spark.sql.functions", "org.apache.spark.api.python.PythonUtils")


def _quick_class_names(spark_context: Any) -> None:
    from py4j.java_gateway import java_import  # type: ignore[import-untyped]

    for name in _HOT_CLASSES:
        java_import(spark_context._jvm, name)


class GlueContext(SQLContext):
    """Glue's entry point, reusing the active SparkSession."""

    def __init__(self, sparkContext: Any, **options: Any) -> None:
        unknown = sorted(set(options) - _IGNORED_CONTEXT_OPTIONS)
        if unknown:
            raise UnsupportedFeatureError(f"GlueContext option(s) {', '.join(unknown)}")
        if isinstance(sparkContext, SparkSession):
            session = sparkContext
            sparkContext = session.sparkContext
        else:
            session = SparkSession.builder.getOrCreate()
        super().__init__(sparkContext, session)
        _quick_class_names(sparkContext)
        _io.no_local_checksums(sparkContext)
        group = _warm.job_group()
        if group is not None:
            # the warm Spark cancels this group when the run ends (stop, timeout, kill)
            sparkContext.setJobGroup(group, "glue-wf job run", interruptOnCancel=True)
            _warm.context_started()
        self._glue_logger = GlueLogger()
        self.spark_session = session
        self.create_dynamic_frame = DynamicFrameReader(self)
        self.write_dynamic_frame = DynamicFrameWriter(self)
        self.create_data_frame = DataFrameReader(self)
        self.write_data_frame = DataFrameWriter(self)
        if datacatalog_enabled(sys.argv):
            expose_catalog(session, self._glue_logger.warn)

    def __getattr__(self, name: str) -> Any:
        if name in _UNSUPPORTED:
            raise UnsupportedFeatureError(f"GlueContext.{name}", _UNSUPPORTED[name] or "")
        raise AttributeError(f"'GlueContext' object has no attribute {name!r}")

    def get_logger(self) -> GlueLogger:
        return self._glue_logger

    # -- create/write shortcuts ------------------------------------------------------
    def create_dynamic_frame_from_options(self, *args: Any, **kwargs: Any) -> Any:
        return self.create_dynamic_frame.from_options(*args, **kwargs)

    def create_dynamic_frame_from_catalog(self, *args: Any, **kwargs: Any) -> Any:
        return self.create_dynamic_frame.from_catalog(*args, **kwargs)

    def create_dynamic_frame_from_rdd(
        self,
        data: Any,
        name: str,
        schema: Any = None,
        sample_ratio: float | None = None,
        transformation_ctx: str = "",
    ) -> Any:
        return self.create_dynamic_frame.from_rdd(data, name, schema, sample_ratio)

    def create_data_frame_from_options(self, *args: Any, **kwargs: Any) -> Any:
        return self.create_data_frame.from_options(*args, **kwargs)

    def create_data_frame_from_catalog(self, *args: Any, **kwargs: Any) -> Any:
        return self.create_data_frame.from_catalog(*args, **kwargs)

    def write_dynamic_frame_from_options(self, *args: Any, **kwargs: Any) -> Any:
        return self.write_dynamic_frame.from_options(*args, **kwargs)

    def write_dynamic_frame_from_catalog(self, *args: Any, **kwargs: Any) -> Any:
        return self.write_dynamic_frame.from_catalog(*args, **kwargs)

    def write_data_frame_from_catalog(self, *args: Any, **kwargs: Any) -> Any:
        return self.write_data_frame.from_catalog(*args, **kwargs)

    def write_from_options(
        self,
        frame_or_dfc: Any,
        connection_type: str,
        connection_options: Mapping[str, Any] = _NO_OPTIONS,
        format: str | None = None,
        format_options: Mapping[str, Any] = _NO_OPTIONS,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> Any:
        from awsglue.dynamicframe import DynamicFrameCollection

        if isinstance(frame_or_dfc, DynamicFrameCollection):
            raise UnsupportedFeatureError(
                "write_from_options with a DynamicFrameCollection", "write each frame"
            )
        return self.write_dynamic_frame.from_options(
            frame_or_dfc,
            connection_type,
            connection_options,
            format,
            format_options,
            transformation_ctx,
        )

    # -- Glue Studio's source/sink objects -------------------------------------------
    def getSource(
        self,
        connection_type: str,
        format: str | None = None,
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        **options: Any,
    ) -> DataSource:
        return DataSource(
            self, connection_type, format, transformation_ctx, push_down_predicate, options
        )

    def getSink(
        self,
        connection_type: str,
        format: str | None = None,
        transformation_ctx: str = "",
        **options: Any,
    ) -> DataSink:
        return DataSink(self, connection_type, format, options)

    # -- housekeeping ----------------------------------------------------------------
    def purge_s3_path(
        self, s3_path: str, options: Mapping[str, Any] = _NO_OPTIONS, transformation_ctx: str = ""
    ) -> None:
        """Delete objects under ``s3_path`` older than ``retentionPeriod`` hours (168)."""
        _purge(s3_path, options)

    def purge_table(
        self,
        database: str,
        table_name: str,
        options: Mapping[str, Any] = _NO_OPTIONS,
        transformation_ctx: str = "",
        catalog_id: str | None = None,
    ) -> None:
        _purge(str(_catalog.get_table(database, table_name)["location"]), options)

    def get_catalog_schema_as_spark_schema(
        self, database: str, table_name: str, catalog_id: str | None = None
    ) -> Any:
        from pyspark.sql.types import StructField, StructType, _parse_datatype_string

        from awsglue._types import spark_type

        columns = _catalog.get_table(database, table_name).get("columns") or []
        return StructType(
            [
                StructField(
                    str(c["Name"]), _parse_datatype_string(spark_type(str(c["Type"]))), True
                )
                for c in columns
            ]
        )


def _purge(s3_path: str, options: Mapping[str, Any]) -> None:
    unknown = sorted(set(options) - {"retentionPeriod", "excludeStorageClasses"})
    if unknown:
        raise UnsupportedFeatureError(f"purge option(s) {', '.join(unknown)}")
    hours = float(options.get("retentionPeriod", 168))
    cutoff = time.time() - hours * HOUR
    base = Path(local_path(s3_path))
    # An S3 prefix matches keys by string prefix: "data/x" also covers "data/x1/...";
    # "data/x/" covers only what is under the directory.
    if s3_path.endswith("/") or base.is_dir():
        roots = [base] if base.is_dir() else []
    elif base.parent.is_dir():
        roots = [p for p in base.parent.iterdir() if p.name.startswith(base.name)]
    else:
        roots = []
    for root in roots:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()


class DataSource:
    """``glueContext.getSource(...)``."""

    def __init__(
        self,
        glue_ctx: GlueContext,
        connection_type: str,
        fmt: str | None,
        ctx: str,
        push_down_predicate: str,
        options: dict[str, Any],
    ) -> None:
        self._glue_ctx = glue_ctx
        self._connection_type = connection_type
        self._format = fmt
        self._format_options: dict[str, Any] = {}
        self._ctx = ctx
        self._predicate = push_down_predicate
        self._options = options

    def setFormat(self, format: str, **options: Any) -> None:
        self._format = format
        self._format_options = options

    def getFrame(self, **options: Any) -> Any:
        return self._glue_ctx.create_dynamic_frame.from_options(
            self._connection_type,
            {**self._options, **options},
            self._format,
            self._format_options,
            self._ctx,
            self._predicate,
        )


class DataSink:
    """``glueContext.getSink(...)``, as Glue Studio scripts use it."""

    _ACCEPTED = {"path", "partitionKeys", "compression", "enableUpdateCatalog", "updateBehavior"}

    def __init__(
        self, glue_ctx: GlueContext, connection_type: str, fmt: str | None, options: dict[str, Any]
    ) -> None:
        unknown = sorted(set(options) - self._ACCEPTED)
        if unknown:
            raise UnsupportedFeatureError(f"getSink option(s) {', '.join(unknown)}")
        self._glue_ctx = glue_ctx
        self._connection_type = connection_type
        self._format = fmt
        self._format_options: dict[str, Any] = {}
        self._options = options
        self._catalog: tuple[str, str] | None = None

    def setFormat(self, format: str, **options: Any) -> None:
        self._format = format
        self._format_options = options

    def setCatalogInfo(
        self, catalogDatabase: str, catalogTableName: str, catalogId: str = ""
    ) -> None:
        self._catalog = (catalogDatabase, catalogTableName)

    def writeFrame(self, dynamic_frame: Any, info: str = "") -> Any:
        self.writeDataFrame(dynamic_frame.toDF(), self._glue_ctx, info)
        return dynamic_frame

    def writeDataFrame(self, data_frame: Any, glue_context: Any = None, info: str = "") -> Any:
        update = _io.flag(self._options.get("enableUpdateCatalog", False), "enableUpdateCatalog")
        behavior = update_behavior(self._options)  # refused before anything is written
        path = self._options.get("path")
        if self._catalog and not path:
            write_catalog(
                data_frame,
                *self._catalog,
                {
                    "enableUpdateCatalog": update,
                    **{
                        k: self._options[k]
                        for k in ("partitionKeys", "updateBehavior")
                        if k in self._options
                    },
                },
            )
            return data_frame
        if not path:
            raise GlueRuntimeError("getSink needs path='s3://...' or setCatalogInfo(...)")
        connection_options: dict[str, Any] = {
            k: self._options[k]
            for k in ("path", "partitionKeys", "compression")
            if k in self._options
        }
        fmt = "parquet" if (self._format or "").lower() == "glueparquet" else self._format
        fmt_options = {
            k: v
            for k, v in self._format_options.items()
            if not (fmt == "parquet" and k in ("blockSize", "pageSize"))
        }
        _io.write(data_frame, self._connection_type, connection_options, fmt, fmt_options)
        if self._catalog and update:
            database, table = self._catalog
            if behavior == "LOG" and _catalog.has_table(database, table):
                # LOG: the table keeps its schema, format and location; its new partitions
                # are found in its folders when it is read
                refresh_table(data_frame.sparkSession, database, table)
                return data_frame
            keys = list(self._options.get("partitionKeys") or [])
            columns = [  # a partition key is the table's key, not one of its columns
                {"Name": f.name, "Type": f.dataType.simpleString()}  # Hive's names: bigint
                for f in data_frame.schema.fields
                if f.name not in keys
            ]
            _catalog.register_table(
                database,
                table,
                location=str(path),
                format=fmt or "parquet",
                format_options=fmt_options,
                columns=columns,
                partition_keys=keys,
            )
            refresh_table(data_frame.sparkSession, database, table)
        return data_frame
