"""Base class of the transform classes: ``Transform.apply(**kwargs)`` calls the instance."""

from __future__ import annotations

from typing import Any


class GlueTransform:
    """A transform usable as ``Transform.apply(frame=..., ...)`` or ``Transform()(...)``."""

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        return cls()(*args, **kwargs)

    @classmethod
    def name(cls) -> str:
        return cls.__name__

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {"name": cls.__name__, "description": (cls.__doc__ or "").strip()}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement __call__")
