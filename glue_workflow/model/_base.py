"""Construction-time checks shared by the model's dataclasses.

Each check raises a ``DefinitionError`` holding one ``Problem`` that names where the
value is, the rule it breaks, the offending value and the fix. A ``__post_init__``
runs its independent checks under ``Gather`` so one object reports all its problems
at once; under ``deferring()`` (``glue-wf validate``) objects record their problems
instead of raising, so every object of a definition gets checked and whole-graph
validation still runs.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any, NoReturn

from glue_workflow.errors import DefinitionError, Problem
from glue_workflow.model.secrets import SECRET_HINT, looks_like_secret

# Node and workflow names become Glue names (``<workflow>-<node>``) and parts of
# SageMaker names and S3 keys: a conservative alphabet keeps them valid everywhere.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
# Run property names: identifiers, so jobs can pass them as keyword arguments.
PROPERTY_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
# Job argument keys: Glue wants the ``--`` prefix; the parsed name is what follows.
ARGUMENT_PATTERN = re.compile(r"--[A-Za-z][A-Za-z0-9_-]{0,252}")
# Where construction problems go instead of being raised (see ``deferring``).
_DEFERRED: ContextVar[list[Problem] | None] = ContextVar("glue_wf_deferred", default=None)


@contextmanager
def deferring() -> Iterator[list[Problem]]:
    """Within: model objects record their problems in the yielded list and are built anyway.

    For reporting only: an object built here may hold unchecked values.
    """
    problems: list[Problem] = []
    token = _DEFERRED.set(problems)
    try:
        yield problems
    finally:
        _DEFERRED.reset(token)


class Gather:
    """Run one object's independent checks, then report every problem together."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.failed: set[str] = set()

    @contextmanager
    def check(self, field: str = "") -> Iterator[None]:
        """One check (or a group that depends on its first step): record its failure.

        ``field`` names what the check normalises, so later checks can skip it with
        ``ok(field)`` instead of tripping over the unnormalised value.
        """
        try:
            yield
        except DefinitionError as exc:
            self.problems.extend(exc.problems)
            self.failed.add(field)

    def ok(self, *fields: str) -> bool:
        """True when none of ``fields`` failed its check."""
        return self.failed.isdisjoint(fields)

    def done(self) -> None:
        """Raise the gathered problems (or record them while ``deferring``)."""
        if not self.problems:
            return
        sink = _DEFERRED.get()
        if sink is None:
            raise DefinitionError(self.problems)
        sink.extend(self.problems)


def fail(where: str, rule: str, message: str) -> NoReturn:
    raise DefinitionError([Problem(where=where, rule=rule, message=message)])


def did_you_mean(value: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a close candidate, else ``""``."""
    close = difflib.get_close_matches(value, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_name(where: str, what: str, value: Any) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value):
        fail(
            where,
            "name-pattern",
            f"{what} {value!r} is not a valid name: use 1-80 letters, digits, '-' or '_', "
            "starting with a letter or digit",
        )
    return value


def check_enum(where: str, what: str, value: Any, allowed: Iterable[Any]) -> Any:
    allowed = tuple(allowed)
    if value not in allowed:
        hint = did_you_mean(str(value), [str(a) for a in allowed])
        fail(
            where,
            f"{what.replace(' ', '-')}-value",
            f"{what} {value!r} is not one of {', '.join(repr(a) for a in allowed)}{hint}",
        )
    return value


def check_int(where: str, what: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        fail(where, "integer", f"{what} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        fail(where, f"{what.replace(' ', '-')}-range", f"{what} must be {bound}, got {value}")
    return value


def check_bool(where: str, what: str, value: Any) -> bool:
    if not isinstance(value, bool):
        fail(where, "boolean", f"{what} must be True or False, got {value!r}")
    return value


def check_text(where: str, what: str, value: Any, max_len: int) -> str:
    if not isinstance(value, str):
        fail(where, "string", f"{what} must be a string, got {type(value).__name__}")
    if len(value) > max_len:
        fail(where, "length", f"{what} is {len(value)} characters long; the maximum is {max_len}")
    return value


def str_tuple(where: str, what: str, value: Any) -> tuple[str, ...]:
    """A list/tuple of strings (a lone string is refused: it is a list of characters)."""
    if isinstance(value, str):
        fail(
            where,
            "list",
            f"{what} must be a list of strings, got the string {value!r}: write "
            f"({value!r},) with its comma, or [{value!r}]",
        )
    if not isinstance(value, Iterable):
        fail(where, "list", f"{what} must be a list of strings, got {value!r}")
    items = tuple(value)
    for item in items:
        if not isinstance(item, str) or not item:
            fail(where, "list", f"{what} must hold non-empty strings, got {item!r}")
    if len(set(items)) != len(items):
        dupes = sorted({i for i in items if items.count(i) > 1})
        fail(where, "duplicate", f"{what} lists {', '.join(map(repr, dupes))} more than once")
    return items


def str_map(where: str, what: str, value: Any) -> Mapping[str, str]:
    """A read-only copy of a str -> str mapping, keys sorted for deterministic output."""
    if not isinstance(value, Mapping):
        fail(where, "mapping", f"{what} must be a mapping of strings, got {value!r}")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            fail(
                where,
                "string-values",
                f"{what} must map strings to strings (run properties and arguments are "
                f"strings): {key!r} -> {item!r}; quote the value, e.g. {str(item)!r}",
            )
    return MappingProxyType(dict(sorted(value.items())))


RESERVED_TAG_PREFIX = "glue-wf:"  # ownership tags the compiler adds


def tag_map(where: str, value: Any) -> Mapping[str, str]:
    """``tags``: strings, none of whose keys starts with ``aws:`` (Glue's Tag API: "The key
    ... must not contain the prefix aws"; the prefix is AWS's in every casing) or with
    glue-wf's own prefix (a node's ``glue-wf:workflow`` took over its job's ownership:
    deploys then refused the job and destroy left it behind)."""
    tags = str_map(where, "tags", value)
    for key in tags:
        if key.lower().startswith("aws:"):
            fail(
                where, "aws-tag", f"tag {key!r}: keys starting with 'aws:' are AWS's own: rename it"
            )
        if key.startswith(RESERVED_TAG_PREFIX):
            fail(
                where,
                "reserved-tag",
                f"tag {key!r}: keys starting with {RESERVED_TAG_PREFIX!r} are set by glue-wf",
            )
    return tags


def check_property_names(where: str, what: str, names: Iterable[str]) -> None:
    gather = Gather()
    for name in names:
        with gather.check():
            _check_property_name(where, what, name)
    if gather.problems:
        raise DefinitionError(gather.problems)


def _check_property_name(where: str, what: str, name: str) -> None:
    if name.startswith("aws:"):  # Glue's own (aws:eventIds), never a definition's
        fail(
            where,
            "property-name",
            f"{what} {name!r} is set by Glue itself (aws:eventIds: the events that started "
            "the run): do not declare it; a job reads it without declaring it",
        )
    if not PROPERTY_PATTERN.fullmatch(name):
        fail(
            where,
            "property-name",
            f"{what} {name!r} is not a valid run property name: use letters, digits "
            "and '_', starting with a letter or '_' (at most 255 characters)",
        )
    if looks_like_secret(name):
        fail(
            where,
            "no-secrets",
            f"{what} {name!r} looks like a secret; run properties are stored and shown "
            f"in plain text by Glue: {SECRET_HINT}",
        )


def set_attr(obj: object, name: str, value: Any) -> None:
    """Normalise a field of a frozen dataclass inside ``__post_init__``."""
    object.__setattr__(obj, name, value)
