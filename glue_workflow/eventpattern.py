"""EventBridge event patterns: checked as PutRule checks them, matched as EventBridge matches.

Rules (Amazon EventBridge User Guide, "Amazon EventBridge event patterns" and
"Content filtering in Amazon EventBridge event patterns",
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):

* a pattern is a JSON object; every key names a field of the event; a nested object
  descends into the event; a leaf is an array of match values;
* fields are ANDed, the values of one array ORed; when the event's value is an array,
  the leaf matches if any element matches;
* a match value is a literal (string, number, boolean, null: exact, case-sensitive,
  numbers compared numerically) or one operator object: ``prefix``, ``suffix``,
  ``equals-ignore-case``, ``anything-but`` (a value, a list, or ``{"prefix"}`` /
  ``{"suffix"}``), ``numeric`` (``[op, n, op, n]``), ``exists`` (true/false),
  ``wildcard`` (``*`` matches any run of characters).

Pure: no I/O.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

# "Numeric matching only works with values between -5.0e9 and +5.0e9 inclusive"
# (content filtering, "Numeric matching").
NUMERIC_LIMIT = 5.0e9
# PutRule's EventPattern: "Length Constraints: Maximum length of 4096" (API_PutRule.html)
PATTERN_MAX = 4096
_NUMERIC_OPS: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_OPERATORS = frozenset(
    {"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "wildcard"}
)
_MISSING = object()


class PatternError(ValueError):
    """The pattern is not valid (PutRule answers InvalidEventPatternException)."""


def parse_pattern(text: str) -> dict[str, Any]:
    """The pattern in ``text`` (PutRule's EventPattern), checked."""
    try:
        pattern = json.loads(text)
    except ValueError as exc:
        raise PatternError(f"Event pattern is not valid JSON: {exc}") from exc
    check_pattern(pattern)
    return dict(pattern)


def check_pattern(pattern: Any, path: str = "") -> None:
    """Raise ``PatternError`` naming the first field that is not a valid pattern."""
    if not isinstance(pattern, Mapping) or (not path and not pattern):
        where = f" at {path}" if path else ""
        raise PatternError(f"Event pattern{where} must be a non-empty JSON object")
    for key, value in pattern.items():
        field = f"{path}.{key}" if path else str(key)
        if isinstance(value, Mapping):
            check_pattern(value, field)
        elif isinstance(value, list):
            if not value:
                raise PatternError(f"Empty arrays are not allowed: {field}")
            for item in value:
                _check_value(item, field)
        else:
            raise PatternError(
                f"Match value must be String, number, true, false, or null: {field} "
                "must be an array of match values, e.g. "
                f'{{"{key}": [{json.dumps(value)}]}}'
            )


def _check_value(item: Any, field: str) -> None:
    if item is None or isinstance(item, (str, bool, int, float)):
        return
    if not isinstance(item, Mapping) or len(item) != 1:
        raise PatternError(f"{field}: a match value is a literal or one operator object")
    ((op, arg),) = item.items()
    if op not in _OPERATORS:
        raise PatternError(f"{field}: unrecognized match type {op}")
    if op == "exists":
        if not isinstance(arg, bool):
            raise PatternError(f"{field}: exists match pattern must be either true or false.")
    elif op == "numeric":
        _numeric_conditions(arg, field)
    elif op == "anything-but":
        _check_anything_but(arg, field)
    elif op == "prefix" and isinstance(arg, Mapping):
        if set(arg) != {"equals-ignore-case"} or not isinstance(arg["equals-ignore-case"], str):
            raise PatternError(f"{field}: prefix takes a string or {{equals-ignore-case}}")
    elif not isinstance(arg, str):
        raise PatternError(f"{field}: {op} match pattern must be a string")


def _check_anything_but(arg: Any, field: str) -> None:
    if isinstance(arg, Mapping):
        if len(arg) != 1 or next(iter(arg)) not in ("prefix", "suffix", "equals-ignore-case"):
            raise PatternError(f"{field}: anything-but takes a value, a list, prefix or suffix")
        return
    values = arg if isinstance(arg, list) else [arg]
    if not values or any(
        not isinstance(v, (str, int, float)) or isinstance(v, bool) for v in values
    ):
        raise PatternError(f"{field}: anything-but takes strings or numbers")


def _numeric_conditions(arg: Any, field: str) -> list[tuple[str, float]]:
    if not isinstance(arg, list) or not arg or len(arg) % 2:
        raise PatternError(f"{field}: numeric takes [operator, number, ...], e.g. ['>', 0]")
    pairs = []
    for op, number in zip(arg[::2], arg[1::2], strict=True):
        if op not in _NUMERIC_OPS:
            raise PatternError(f"{field}: unrecognized numeric range operator: {op}")
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise PatternError(f"{field}: value of {op} must be numeric")
        if abs(number) > NUMERIC_LIMIT:
            raise PatternError(f"{field}: value of {op} must be between -5.0E9 and 5.0E9")
        pairs.append((str(op), float(number)))
    return pairs


def matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Whether ``event`` (the JSON EventBridge delivers) matches ``pattern``."""
    for key, expected in pattern.items():
        value = event.get(key, _MISSING) if isinstance(event, Mapping) else _MISSING
        if isinstance(expected, Mapping):
            if not isinstance(value, Mapping):
                # only exists:false leaves can match inside a missing object
                if not _all_absent_ok(expected):
                    return False
                continue
            if not matches(expected, value):
                return False
        elif not _leaf(expected, value):
            return False
    return True


def _all_absent_ok(pattern: Mapping[str, Any]) -> bool:
    for expected in pattern.values():
        if isinstance(expected, Mapping):
            if not _all_absent_ok(expected):
                return False
        elif not _leaf(expected, _MISSING):
            return False
    return True


def _leaf(expected: list[Any], value: Any) -> bool:
    if value is _MISSING:
        return any(_absent_match(item) for item in expected)
    values = value if isinstance(value, list) else [value]
    return any(_one(item, v) for item in expected for v in values)


def _absent_match(item: Any) -> bool:
    return isinstance(item, Mapping) and item.get("exists") is False


def _one(item: Any, value: Any) -> bool:
    if not isinstance(item, Mapping):
        return _literal(item, value)
    ((op, arg),) = item.items()
    if op == "exists":
        return bool(arg)
    if op == "numeric":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return all(_NUMERIC_OPS[o](float(value), n) for o, n in _numeric_conditions(arg, ""))
    if op == "anything-but":
        return _anything_but(arg, value)
    if not isinstance(value, str):
        return False
    if op == "prefix":
        if isinstance(arg, Mapping):
            return value.lower().startswith(str(arg["equals-ignore-case"]).lower())
        return value.startswith(arg)
    if op == "suffix":
        return value.endswith(arg)
    if op == "equals-ignore-case":
        return value.lower() == str(arg).lower()
    if op == "wildcard":
        # only "*" is special in a wildcard pattern
        regex = ".*".join(re.escape(part) for part in str(arg).split("*"))
        return re.fullmatch(regex, value, re.DOTALL) is not None
    return False


def _literal(item: Any, value: Any) -> bool:
    if item is None or isinstance(item, bool) or isinstance(value, bool):
        return item is value or (item is None and value is None)
    if isinstance(item, (int, float)):
        return isinstance(value, (int, float)) and float(item) == float(value)
    return isinstance(value, str) and item == value


def _anything_but(arg: Any, value: Any) -> bool:
    if isinstance(arg, Mapping):
        ((op, text),) = arg.items()
        if not isinstance(value, str):  # prefix / suffix / case filters apply to strings
            return False
        if op == "prefix":
            return not value.startswith(text)
        if op == "suffix":
            return not value.endswith(text)
        return value.lower() != str(text).lower()
    values = arg if isinstance(arg, list) else [arg]
    return not any(_literal(v, value) for v in values)
