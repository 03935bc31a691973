"""Construction-time checks shared by the model's dataclasses.

Each check raises a ``DefinitionError`` holding one ``Problem`` that names where the
value is, the rule it breaks, the offending value and the fix.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, NoReturn

from glue_workflow.errors import DefinitionError, Problem

# Node and workflow names become Glue names (``<workflow>-<node>``) and parts of
# SageMaker names and S3 keys: a conservative alphabet keeps them valid everywhere.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
# Run property names: identifiers, so jobs can pass them as keyword arguments.
PROPERTY_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
# Job argument keys: Glue wants the ``--`` prefix; the parsed name is what follows.
ARGUMENT_PATTERN = re.compile(r"--[A-Za-z][A-Za-z0-9_-]{0,252}")
# Names that look like they carry credentials must never be run properties/arguments:
# both are logged and shown in the console.
SECRET_PATTERN = re.compile(
    r"(?i)(secret|passw(or)?d|passwd|token|api_?key|access_?key|private_?key|credential)"
)


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


def check_text(where: str, what: str, value: Any, max_len: int) -> str:
    if not isinstance(value, str):
        fail(where, "string", f"{what} must be a string, got {type(value).__name__}")
    if len(value) > max_len:
        fail(where, "length", f"{what} is {len(value)} characters long; the maximum is {max_len}")
    return value


def str_tuple(where: str, what: str, value: Any) -> tuple[str, ...]:
    """A list/tuple of strings (a lone string is refused: it is a list of characters)."""
    if isinstance(value, str) or not isinstance(value, Iterable):
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


def check_property_names(where: str, what: str, names: Iterable[str]) -> None:
    for name in names:
        if not PROPERTY_PATTERN.fullmatch(name):
            fail(
                where,
                "property-name",
                f"{what} {name!r} is not a valid run property name: use letters, digits "
                "and '_', starting with a letter or '_' (at most 255 characters)",
            )
        if SECRET_PATTERN.search(name):
            fail(
                where,
                "no-secrets",
                f"{what} {name!r} looks like a secret; run properties are logged and shown "
                "in the console: keep the secret in AWS Secrets Manager and pass its ARN "
                "under a neutral name (e.g. 'db_conn_arn') for the job to read",
            )


def set_attr(obj: object, name: str, value: Any) -> None:
    """Normalise a field of a frozen dataclass inside ``__post_init__``."""
    object.__setattr__(obj, name, value)
