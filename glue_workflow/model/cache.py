"""Step caching of a job node: ``cache=Cache(expire_after="30d")`` or ``cache=True``.

A cached node's job computes a key from its script and shipped files (content
hashes), its resolved arguments, the values of its declared ``reads`` and the
identity (ETag) of every S3 object under the ``inputs`` it names; an entry recorded
by an earlier successful run under the same key is served instead of doing the work.
The lookup happens in the job (``glue_workflow.jobkit.cache``), so it behaves the
same on AWS Glue and on the local target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from glue_workflow.model._base import fail, set_attr, str_tuple

# "30d", "12h", "90m", "3600s", "2w": a positive integer and one unit.
_DURATION = re.compile(r"([1-9][0-9]{0,6})([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def duration_seconds(where: str, value: Any) -> int:
    """Seconds of a duration such as ``"30d"`` (units s, m, h, d, w)."""
    match = _DURATION.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        fail(
            where,
            "cache-expire-after",
            f"cache expire_after={value!r} is not a duration: use a positive whole number "
            "and one unit of s, m, h, d or w (e.g. '30d', '12h')",
        )
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


@dataclass(frozen=True, kw_only=True)
class Cache:
    """How a node's results are reused.

    ``expire_after``: entries older than this are misses (None: never expire).
    ``inputs``: names of the node's ``reads`` or arguments (without ``--``) whose
    values are S3 URIs; every object under each is part of the key (by ETag).
    """

    expire_after: str | None = None
    inputs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = "Cache"
        if self.expire_after is not None:
            duration_seconds(where, self.expire_after)
        set_attr(self, "inputs", str_tuple(where, "inputs", self.inputs))

    @property
    def expire_seconds(self) -> int | None:
        if self.expire_after is None:
            return None
        return duration_seconds("Cache", self.expire_after)


def as_cache(where: str, value: Any) -> Cache | None:
    """A job's ``cache=`` value: ``True`` is ``Cache()``, ``False``/``None`` is no caching."""
    if value is None or value is False:
        return None
    if value is True:
        return Cache()
    if isinstance(value, Cache):
        return value
    return fail(
        where,
        "cache-type",
        f"cache= must be True, False or Cache(expire_after=..., inputs=...), got {value!r}",
    )


def check_cache_job(
    where: str, cache: Cache, *, reads: tuple[str, ...], arguments: Any, jobkit: bool
) -> None:
    """The job ships the job library (it does the lookup) and names known inputs."""
    if not jobkit:
        fail(
            where,
            "cache-jobkit",
            "cache= needs the job library in the job (the lookup runs in the job, through "
            "run_job): set jobkit=True and end the script with run_job(main)",
        )
    known = set(reads) | {str(k).lstrip("-") for k in arguments}
    for name in cache.inputs:
        if name not in known:
            fail(
                where,
                "cache-inputs",
                f"cache inputs name {name!r}, which is neither in reads= nor an argument of "
                "the job: list the run property (or argument) whose value is the S3 input URI",
            )
