"""Run property names the step cache and ``--rerun-from`` write: reserved."""

from __future__ import annotations

from glue_workflow.errors import Problem
from glue_workflow.jobkit.cache import CACHE_PROPERTY_PREFIX, NO_CACHE_PROPERTY, RERUN_PROPERTY

RESERVED_NAMES = (NO_CACHE_PROPERTY, RERUN_PROPERTY)


def is_cache_property(name: str) -> bool:
    return name.startswith(CACHE_PROPERTY_PREFIX) or name in RESERVED_NAMES


def reserved_cache_property(place: str, what: str, prop: str) -> Problem:
    return Problem(
        where=place,
        rule="reserved-property",
        message=f"{what} declares run property {prop!r}, but {NO_CACHE_PROPERTY!r}, "
        f"{RERUN_PROPERTY!r} and names starting with {CACHE_PROPERTY_PREFIX!r} are reserved: "
        "glue-wf run --no-cache / --rerun-from and the step cache set them; rename the property",
    )
