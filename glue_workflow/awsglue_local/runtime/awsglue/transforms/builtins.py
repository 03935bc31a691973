"""The transform classes of ``from awsglue.transforms import *`` with Glue's keywords."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

from awsglue.dynamicframe import DynamicFrame
from awsglue.transforms.transform import GlueTransform

# Keyword defaults shared by every frame transform.
_T = dict[str, Any]


class _FrameMethod(GlueTransform):
    """A transform taking ``frame`` and then exactly the parameters of one DynamicFrame
    method (``class ApplyMapping(_FrameMethod, method="apply_mapping")``), to which it
    forwards: the method alone declares the keywords, defaults and checks."""

    def __init_subclass__(cls, *, method: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)

        def call(self: GlueTransform, frame: Any, *args: Any, **keywords: Any) -> Any:
            return getattr(frame, method)(*args, **keywords)

        # help() and inspect show Glue's parameters rather than *args, **kwargs.
        signature = inspect.signature(getattr(DynamicFrame, method))
        self_param, *params = signature.parameters.values()
        frame = inspect.Parameter("frame", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        call.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[self_param, frame, *params], return_annotation=Any
        )
        call.__name__, call.__qualname__ = "__call__", f"{cls.__qualname__}.__call__"
        cls.__call__ = call  # type: ignore[method-assign]


class ApplyMapping(_FrameMethod, method="apply_mapping"):
    """Keep only the mapped fields, renamed and cast (null when a cast fails)."""


class Coalesce(_FrameMethod, method="coalesce"):
    """Reduce the number of partitions."""


class DropFields(_FrameMethod, method="drop_fields"):
    """Drop the given (possibly nested) fields."""


class DropNullFields(_FrameMethod, method="drop_null_fields"):
    """Drop fields that are null or missing in every record."""


class ErrorsAsDynamicFrame(_FrameMethod, method="errorsAsDynamicFrame"):
    """The error records accumulated by a frame's transforms, as a frame."""


class Filter(_FrameMethod, method="filter"):
    """Keep records for which ``f(record)`` is true."""


class Map(_FrameMethod, method="map"):
    """Replace each record with ``f(record)``."""


class Repartition(_FrameMethod, method="repartition"):
    """Repartition into ``num_partitions`` partitions."""


class ResolveChoice(_FrameMethod, method="resolveChoice"):
    """Resolve field types: cast/project, make_cols, make_struct, match_catalog."""


class SelectFields(_FrameMethod, method="select_fields"):
    """Keep only the given (possibly nested) fields."""


class Spigot(_FrameMethod, method="spigot"):
    """Write a sample of the frame (``topk``, ``prob``) as JSON and pass it through."""


class Unbox(_FrameMethod, method="unbox"):
    """Parse a JSON string field into a struct."""


class UnnestFrame(_FrameMethod, method="unnest"):
    """Flatten nested structs into top-level fields named ``a.b``."""


# Transforms whose parameters differ from their method's (names, order or defaults).
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
