"""The transform classes of ``from awsglue.transforms import *`` with Glue's keywords."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from awsglue.transforms.transform import GlueTransform

# Keyword defaults shared by every frame transform.
_T = dict[str, Any]


class ApplyMapping(GlueTransform):
    """Keep only the mapped fields, renamed and cast (null when a cast fails)."""

    def __call__(
        self,
        frame: Any,
        mappings: Sequence[Sequence[str]],
        case_sensitive: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame.apply_mapping(
            mappings, case_sensitive, transformation_ctx, info, stageThreshold, totalThreshold
        )


class Coalesce(GlueTransform):
    """Reduce the number of partitions."""

    def __call__(
        self,
        frame: Any,
        num_partitions: int,
        shuffle: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame.coalesce(
            num_partitions, shuffle, transformation_ctx, info, stageThreshold, totalThreshold
        )


class DropFields(GlueTransform):
    """Drop the given (possibly nested) fields."""

    def __call__(
        self,
        frame: Any,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame.drop_fields(paths, transformation_ctx, info, stageThreshold, totalThreshold)


class DropNullFields(GlueTransform):
    """Drop fields that are null or missing in every record."""

    def __call__(
        self,
        frame: Any,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame.drop_null_fields(transformation_ctx, info, stageThreshold, totalThreshold)


class ErrorsAsDynamicFrame(GlueTransform):
    """The error records accumulated by a frame's transforms, as a frame."""

    def __call__(self, frame: Any) -> Any:
        return frame.errorsAsDynamicFrame()


class Filter(GlueTransform):
    """Keep records for which ``f(record)`` is true."""

    def __call__(
        self,
        frame: Any,
        f: Callable[[dict[str, Any]], Any],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame.filter(f, transformation_ctx, info, stageThreshold, totalThreshold)


class Map(GlueTransform):
    """Replace each record with ``f(record)``."""

    def __call__(
        self,
        frame: Any,
        f: Callable[[dict[str, Any]], Any],
        preservesPartitioning: bool = False,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame.map(
            f, preservesPartitioning, transformation_ctx, info, stageThreshold, totalThreshold
        )


class Join(GlueTransform):
    """Inner equi-join of two frames; every column of both is kept."""

    def __call__(
        self,
        frame1: Any,
        frame2: Any,
        keys1: Any,
        keys2: Any,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame1.join(
            keys1, keys2, frame2, transformation_ctx, info, stageThreshold, totalThreshold
        )


class RenameField(GlueTransform):
    """Rename one (possibly nested) field."""

    def __call__(
        self,
        frame: Any,
        old_name: str,
        new_name: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame.rename_field(
            old_name, new_name, transformation_ctx, info, stageThreshold, totalThreshold
        )


class Repartition(GlueTransform):
    """Repartition into ``num_partitions`` partitions."""

    def __call__(
        self,
        frame: Any,
        num_partitions: int,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame.repartition(
            num_partitions, transformation_ctx, info, stageThreshold, totalThreshold
        )


class ResolveChoice(GlueTransform):
    """Resolve field types: cast/project, make_cols, make_struct, match_catalog."""

    def __call__(
        self,
        frame: Any,
        specs: Sequence[tuple[str, str]] | None = None,
        choice: str = "",
        database: str | None = None,
        table_name: str | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        catalog_id: str | None = None,
    ) -> Any:
        return frame.resolveChoice(
            specs,
            choice,
            database,
            table_name,
            transformation_ctx,
            info,
            stageThreshold,
            totalThreshold,
            catalog_id,
        )


class SelectFields(GlueTransform):
    """Keep only the given (possibly nested) fields."""

    def __call__(
        self,
        frame: Any,
        paths: Sequence[str],
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame.select_fields(paths, transformation_ctx, info, stageThreshold, totalThreshold)


class Union(GlueTransform):
    """All records of both frames (fields matched by name)."""

    def __call__(
        self,
        frame1: Any,
        frame2: Any,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame1.union(frame2, transformation_ctx, info, stageThreshold, totalThreshold)


class Unbox(GlueTransform):
    """Parse a JSON string field into a struct."""

    def __call__(
        self,
        frame: Any,
        path: str,
        format: str,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
        **options: Any,
    ) -> Any:
        return frame.unbox(
            path, format, transformation_ctx, info, stageThreshold, totalThreshold, **options
        )


class UnnestFrame(GlueTransform):
    """Flatten nested structs into top-level fields named ``a.b``."""

    def __call__(
        self,
        frame: Any,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame.unnest(transformation_ctx, info, stageThreshold, totalThreshold)


class Relationalize(GlueTransform):
    """Flatten a frame into a root table plus one table per array."""

    def __call__(
        self,
        frame: Any,
        staging_path: str | None = None,
        name: str = "roottable",
        options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame.relationalize(
            name, staging_path, options, transformation_ctx, info, stageThreshold, totalThreshold
        )


class Spigot(GlueTransform):
    """Write a sample of the frame (``topk``, ``prob``) as JSON and pass it through."""

    def __call__(
        self,
        frame: Any,
        path: str,
        options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame.spigot(path, options, transformation_ctx, info, stageThreshold, totalThreshold)


class SplitFields(GlueTransform):
    """Split into the given fields (``name1``) and the rest (``name2``)."""

    def __call__(
        self,
        frame: Any,
        paths: Sequence[str],
        name1: str | None = None,
        name2: str | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        first = name1 or f"{frame.name}_selected"
        second = name2 or f"{frame.name}_remaining"
        return frame.split_fields(
            paths, first, second, transformation_ctx, info, stageThreshold, totalThreshold
        )


class SplitRows(GlueTransform):
    """Split rows by comparisons ``{field: {op: value}}`` into two frames."""

    def __call__(
        self,
        frame: Any,
        comparison_dict: Mapping[str, Mapping[str, Any]],
        name1: str = "frame1",
        name2: str = "frame2",
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> Any:
        return frame.split_rows(
            comparison_dict, name1, name2, transformation_ctx, info, stageThreshold, totalThreshold
        )


class SelectFromCollection(GlueTransform):
    """One frame of a DynamicFrameCollection by key."""

    def __call__(self, dfc: Any, key: str, transformation_ctx: str = "") -> Any:
        return dfc.select(key, transformation_ctx)


class MapToCollection(GlueTransform):
    """Apply a transform class to every frame of a collection."""

    def __call__(
        self, dfc: Any, callable: Any, transformation_ctx: str = "", **base_kwargs: Any
    ) -> Any:
        return dfc.map(
            lambda frame, ctx: _apply(callable, frame, ctx, base_kwargs), transformation_ctx
        )


class FlatMap(GlueTransform):
    """Apply a transform class to every frame of a collection and flatten the results."""

    def __call__(
        self,
        dfc: Any,
        BaseTransform: Any,
        frame_name: str = "frame",
        transformation_ctx: str = "",
        **base_kwargs: Any,
    ) -> Any:
        return dfc.flatmap(
            lambda frame, ctx: _apply(BaseTransform, frame, ctx, base_kwargs, frame_name),
            transformation_ctx,
        )


def _apply(transform: Any, frame: Any, ctx: str, kwargs: _T, frame_name: str = "frame") -> Any:
    if isinstance(transform, type) and issubclass(transform, GlueTransform):
        return transform.apply(**{frame_name: frame, "transformation_ctx": ctx, **kwargs})
    return transform(frame, ctx, **kwargs) if kwargs else transform(frame, ctx)
