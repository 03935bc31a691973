"""``DynamicFrame`` and ``DynamicFrameCollection`` over Spark DataFrames.

A DynamicFrame here wraps one DataFrame (no choice types: a column has one type)
plus lazily built error records: rows whose casts failed or whose Filter/Map
function raised. A transform hands over a function that builds their DataFrame; it
runs only for ``errorsCount()`` and friends, or when a transform sets a non-zero
``stageThreshold``/``totalThreshold``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from awsglue import _nested, _reshape
from awsglue._errors import ErrorThresholdExceeded, GlueRuntimeError, UnsupportedFeatureError
from awsglue._mapping import apply_mapping, resolve_choice
from awsglue._readwrite import DynamicFrameReader, DynamicFrameWriter

__all__ = ["DynamicFrame", "DynamicFrameCollection", "DynamicFrameReader", "DynamicFrameWriter"]

# Glue methods the local runtime does not implement: named errors instead of AttributeError.
_UNSUPPORTED = {
    "mergeDynamicFrame",
    "mapPartitions",
    "mapPartitionsWithIndex",
    "simplify_ddb_json",
    "detect_sensitive_data",
    "gs_",
    "getSink",
}


class DynamicFrame:
    """A distributed collection of records with Glue's transform methods."""

    def __init__(
        self,
        df: Any,
        glue_ctx: Any,
        name: str = "",
        *,
        stage_errors: Any = None,
        prior_errors: tuple[Any, ...] = (),
        thresholds: tuple[int, int] = (0, 0),
    ) -> None:
        self._df = df
        self.glue_ctx = glue_ctx
        self.name = name
        self._stage_errors = stage_errors
        self._prior_errors = prior_errors
        self._thresholds = thresholds

    # -- construction and conversion -------------------------------------------------
    @classmethod
    def fromDF(cls, dataframe: Any, glue_ctx: Any, name: str = "") -> DynamicFrame:
        return cls(dataframe, glue_ctx, name)

    def toDF(self, options: Sequence[Any] | None = None) -> Any:
        if options:
            raise UnsupportedFeatureError(
                "DynamicFrame.toDF(options)", "call toDF() without options"
            )
        return self._df

    def _derive(
        self, df: Any, ctx: str, *, errors: Any = None, stage: int = 0, total: int = 0
    ) -> DynamicFrame:
        prior = self._prior_errors + (
            (self._stage_errors,) if self._stage_errors is not None else ()
        )
        frame = DynamicFrame(
            df,
            self.glue_ctx,
            ctx or self.name,
            stage_errors=errors,
            prior_errors=prior,
            thresholds=(stage, total),
        )
        if stage or total:
            frame.assertErrorThreshold()
        return frame

    # -- inspection ------------------------------------------------------------------
    def count(self) -> int:
        return int(self._df.count())

    def show(self, num_rows: int = 20) -> None:
        for line in self._df.toJSON().take(num_rows):
            print(json.dumps(json.loads(line), indent=2, sort_keys=False))

    def printSchema(self) -> None:
        self._df.printSchema()

    def schema(self) -> Any:
        """The Spark StructType (the local runtime has no separate Glue type system)."""
        return self._df.schema

    def getNumPartitions(self) -> int:
        return int(self._df.rdd.getNumPartitions())

    # -- errors ----------------------------------------------------------------------
    def _error_frames(self) -> list[Any]:
        stage = [self._stage_errors] if self._stage_errors is not None else []
        return [_materialize(errors) for errors in [*self._prior_errors, *stage]]

    def errorsCount(self) -> int:
        return sum(int(frame.count()) for frame in self._error_frames())

    def stageErrorsCount(self) -> int:
        if self._stage_errors is None:
            return 0
        return int(_materialize(self._stage_errors).count())

    def errorsAsDynamicFrame(self) -> DynamicFrame:
        from awsglue._records import empty_errors

        frames = self._error_frames()
        errors = frames[0] if frames else empty_errors(self._df.sparkSession)
        for frame in frames[1:]:
            errors = errors.unionByName(frame)
        return DynamicFrame(errors, self.glue_ctx, f"{self.name}_errors")

    def assertErrorThreshold(self) -> None:
        stage_limit, total_limit = self._thresholds
        if stage_limit:
            stage = self.stageErrorsCount()
            if stage > stage_limit:
                raise ErrorThresholdExceeded(
                    f"{self.name or 'frame'}: {stage} error records in this stage exceed "
                    f"stageThreshold={stage_limit}"
                )
        if total_limit:
            total = self.errorsCount()
            if total > total_limit:
                raise ErrorThresholdExceeded(
                    f"{self.name or 'frame'}: {total} error records in total exceed "
                    f"totalThreshold={total_limit}"
                )

    # -- field transforms ------------------------------------------------------------
    def apply_mapping(
        self,
        mappings: Sequence[Sequence[str]],
        case_sensitive: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        df, errors = apply_mapping(self._df, mappings, case_sensitive, transformation_ctx)
        return self._derive(
            df, transformation_ctx, errors=errors, stage=stageThreshold, total=totalThreshold
        )

    applyMapping = apply_mapping

    def select_fields(
        self,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        df = self._df.select(*_nested.select_paths(self._df.schema, _paths(paths)))
        return self._derive(df, transformation_ctx, stage=stageThreshold, total=totalThreshold)

    def drop_fields(
        self,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        df = _nested.drop_paths(self._df, _paths(paths))
        return self._derive(df, transformation_ctx, stage=stageThreshold, total=totalThreshold)

    def rename_field(
        self,
        oldName: str,
        newName: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        df = _nested.rename_path(self._df, oldName, newName)
        return self._derive(df, transformation_ctx, stage=stageThreshold, total=totalThreshold)

    def resolveChoice(
        self,
        specs: Sequence[tuple[str, str]] | None = None,
        choice: str = "",
        database: str | None = None,
        table_name: str | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        catalog_id: str | None = None,
    ) -> DynamicFrame:
        df, errors = resolve_choice(
            self._df, specs, choice, database, table_name, transformation_ctx
        )
        return self._derive(
            df, transformation_ctx, errors=errors, stage=stageThreshold, total=totalThreshold
        )

    def unnest(
        self,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        df = _reshape.unnest(self._df)
        return self._derive(df, transformation_ctx, stage=stageThreshold, total=totalThreshold)

    def drop_null_fields(
        self,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        df = _reshape.drop_null_fields(self._df)
        return self._derive(df, transformation_ctx, stage=stageThreshold, total=totalThreshold)

    def unbox(
        self,
        path: str,
        format: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **options: Any,
    ) -> DynamicFrame:

        if format.lower() != "json":
            raise UnsupportedFeatureError(f"unbox format {format!r}", "only json is supported")
        parts = _nested.resolve(self._df.schema, _nested.split_path(path))
        if parts is None or len(parts) != 1:
            raise GlueRuntimeError(f"unbox: {path!r} is not a top-level field of the frame")
        df, errors = _nested.unbox_json(self._df, parts[0], transformation_ctx)
        return self._derive(
            df, transformation_ctx, errors=errors, stage=stageThreshold, total=totalThreshold
        )

    # -- record transforms -----------------------------------------------------------
    def filter(
        self,
        f: Callable[[dict[str, Any]], Any],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        from awsglue._records import filter_rows

        df, errors = filter_rows(self._df, f, transformation_ctx)
        return self._derive(
            df, transformation_ctx, errors=errors, stage=stageThreshold, total=totalThreshold
        )

    def map(
        self,
        f: Callable[[dict[str, Any]], Any],
        preservesPartitioning: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        from awsglue._records import map_rows

        df, errors = map_rows(self._df, f, transformation_ctx)
        return self._derive(
            df, transformation_ctx, errors=errors, stage=stageThreshold, total=totalThreshold
        )

    # -- combining -------------------------------------------------------------------
    def join(
        self,
        paths1: str | Sequence[str],
        paths2: str | Sequence[str],
        frame2: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        from pyspark.sql import functions as F

        keys1, keys2 = _paths(paths1), _paths(paths2)
        if len(keys1) != len(keys2) or not keys1:
            raise GlueRuntimeError(
                f"join needs the same number of keys on both sides, got {keys1} and {keys2}"
            )
        left, right = self._df, frame2.toDF()
        # Glue keeps every column of both sides; a clashing name on the right gets a
        # leading dot (".zip" next to "zip").
        clashes = set(left.columns) & set(right.columns)
        renamed = {name: f".{name}" if name in clashes else name for name in right.columns}
        if clashes:  # untouched names stay plain references: no extra projection
            right = right.select(
                *[
                    F.col(_q(n)).alias(renamed[n]) if n in clashes else F.col(_q(n))
                    for n in right.columns
                ]
            )
        condition = None
        for k1, k2 in zip(keys1, keys2, strict=True):
            path1 = _join_key(left, k1, "paths1")
            path2 = _join_key(frame2.toDF(), k2, "paths2")
            path2 = [renamed[path2[0]], *path2[1:]]
            term = left[_nested.column_sql(path1)] == right[_nested.column_sql(path2)]
            condition = term if condition is None else condition & term
        df = left.join(right, condition, "inner")
        return self._derive(df, transformation_ctx, stage=stageThreshold, total=totalThreshold)

    def union(
        self,
        other_frame: DynamicFrame,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        df = self._df.unionByName(other_frame.toDF(), allowMissingColumns=True)
        return self._derive(df, transformation_ctx, stage=stageThreshold, total=totalThreshold)

    # -- partitioning ----------------------------------------------------------------
    def repartition(
        self,
        num_partitions: int,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        df = self._df.repartition(num_partitions)
        return self._derive(df, transformation_ctx, stage=stageThreshold, total=totalThreshold)

    def coalesce(
        self,
        num_partitions: int,
        shuffle: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        df = self._df.repartition(num_partitions) if shuffle else self._df.coalesce(num_partitions)
        return self._derive(df, transformation_ctx, stage=stageThreshold, total=totalThreshold)

    # -- splitting -------------------------------------------------------------------
    def split_fields(
        self,
        paths: Sequence[str],
        name1: str,
        name2: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        first = self.select_fields(paths, transformation_ctx)
        second = self.drop_fields(paths, transformation_ctx)
        first.name, second.name = name1, name2
        return DynamicFrameCollection({name1: first, name2: second}, self.glue_ctx)

    def split_rows(
        self,
        comparison_dict: Mapping[str, Mapping[str, Any]],
        name1: str,
        name2: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        condition = _reshape.split_rows_condition(self._df, comparison_dict)
        first = self._derive(self._df.where(condition), name1)
        second = self._derive(self._df.where(~condition), name2)
        return DynamicFrameCollection({name1: first, name2: second}, self.glue_ctx)

    def relationalize(
        self,
        root_table_name: str,
        staging_path: str | None = None,
        options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrameCollection:
        tables = _reshape.relationalize(self._df, root_table_name)
        frames = {name: self._derive(df, name) for name, df in tables.items()}
        return DynamicFrameCollection(frames, self.glue_ctx)

    def spigot(
        self,
        path: str,
        options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        from awsglue import _io

        opts = dict(options or {})
        unknown = sorted(set(opts) - {"topk", "prob"})
        if unknown:
            raise UnsupportedFeatureError(
                f"spigot option(s) {', '.join(unknown)}", "supported: topk, prob"
            )
        sample = self._df
        if "prob" in opts:
            sample = sample.sample(fraction=float(opts["prob"]), seed=0)
        sample = sample.limit(int(opts.get("topk", 100)))
        _io.write(sample.coalesce(1), "s3", {"path": path}, "json", {})
        return self

    def __getattr__(self, name: str) -> Any:
        if name in _UNSUPPORTED:
            raise UnsupportedFeatureError(f"DynamicFrame.{name}")
        raise AttributeError(f"'DynamicFrame' object has no attribute {name!r}")


class DynamicFrameCollection:
    """A dict of named DynamicFrames (the result of split and relationalize).

    A frame may be given as a zero-argument callable: it is built on first access, so
    an output nobody reads (e.g. EvaluateDataQuality's ruleOutcomes when a job uses only
    the row-level outcomes) costs no Spark action."""

    def __init__(
        self,
        dynamic_frames: Mapping[str, DynamicFrame | Callable[[], DynamicFrame]],
        glue_ctx: Any,
    ) -> None:
        self._frames = dict(dynamic_frames)
        self.glue_ctx = glue_ctx

    def _frame(self, key: str) -> DynamicFrame:
        frame = self._frames[key]
        if not isinstance(frame, DynamicFrame):
            frame = self._frames[key] = frame()
        return frame

    def __getitem__(self, key: str) -> DynamicFrame:
        return self._frame(key)

    def __len__(self) -> int:
        return len(self._frames)

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def keys(self) -> Any:
        return self._frames.keys()

    def values(self) -> Any:
        return [self._frame(key) for key in self._frames]

    def select(self, key: str, transformation_ctx: str = "") -> DynamicFrame:
        if key in self._frames:
            return self._frame(key)
        from pyspark.sql.types import StructType

        spark = self.glue_ctx.spark_session
        return DynamicFrame(spark.createDataFrame([], StructType([])), self.glue_ctx, key)

    def map(
        self, callable: Callable[..., DynamicFrame], transformation_ctx: str = ""
    ) -> DynamicFrameCollection:
        frames = {key: callable(self._frame(key), transformation_ctx) for key in self._frames}
        return DynamicFrameCollection(frames, self.glue_ctx)

    def flatmap(
        self, f: Callable[..., Any], transformation_ctx: str = ""
    ) -> DynamicFrameCollection:
        frames: dict[str, DynamicFrame | Callable[[], DynamicFrame]] = {}
        for key in self._frames:
            result = f(self._frame(key), transformation_ctx)
            if isinstance(result, DynamicFrameCollection):
                frames.update({f"{key}_{k}": v for k, v in result._frames.items()})
            else:
                frames[key] = result
        return DynamicFrameCollection(frames, self.glue_ctx)


def _materialize(errors: Any) -> Any:
    """Error frames are built on first use: a transform passes a function making one."""
    return errors() if callable(errors) else errors


def _paths(paths: str | Sequence[str]) -> list[str]:
    return [paths] if isinstance(paths, str) else list(paths)


def _join_key(df: Any, key: str, where: str) -> list[str]:
    """A join key's field path: dotted for a nested field, backticks around a name that
    holds dots (``` `a.b` ```), as the other transforms read paths."""
    parts = _nested.resolve(df.schema, _nested.split_path(key))
    if parts is None and key in df.columns:
        parts = [key]  # a top-level name holding dots, given without backticks
    if parts is None:
        raise GlueRuntimeError(
            f"join: key {key!r} of {where} is not a field of its frame "
            f"(fields: {', '.join(df.columns)}); put backticks around a name that holds "
            "dots, e.g. '`a.b`'"
        )
    return parts


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"
