"""A subset of DQDL (Data Quality Definition Language): parse and evaluate rules.

Supported rule types: RowCount, ColumnCount, IsComplete, Completeness, ColumnExists,
IsUnique, Uniqueness, IsPrimaryKey, UniqueValueRatio, DistinctValuesCount, ColumnValues
(in [...] / not in [...] with the NULL,
EMPTY and WHITESPACES_ONLY keywords, between, comparisons, = NULL / != NULL, matches).
Any other rule type, ``where`` clause or ``with threshold`` raises an error naming it,
rather than passing silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from awsglue._errors import GlueRuntimeError, UnsupportedFeatureError

SUPPORTED = (
    "RowCount",
    "ColumnCount",
    "IsComplete",
    "Completeness",
    "ColumnExists",
    "IsUnique",
    "Uniqueness",
    "IsPrimaryKey",
    "UniqueValueRatio",
    "DistinctValuesCount",
    "ColumnValues",
)
# Rule types taking one or more columns (dqdl-rule-types-IsUnique, -Uniqueness,
# -IsPrimaryKey: "The following example rule checks multiple columns").
MULTI_COLUMN = ("IsUnique", "Uniqueness", "IsPrimaryKey")
# A quoted string holds \" and \\ escapes (DQDL's lexer: QUOTED_STRING, fragment ESC);
# a list may hold quoted strings with "]" or "," in them.
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_TOKEN = re.compile(rf'{_QUOTED}|\[(?:{_QUOTED}|[^\]"])*\]|[<>=!]=?|[^\s\[\]"<>=!]+')
_ESCAPE = re.compile(r'\\([\\"])')


@dataclass(frozen=True, kw_only=True)
class Rule:
    text: str
    kind: str
    columns: tuple[str, ...]  # the quoted column parameters, in order
    condition: list[str]  # remaining tokens: e.g. [">", "0"], ["in", '["a","b"]']

    @property
    def column(self) -> str | None:
        """The (first) column the rule names; None for RowCount and ColumnCount."""
        return self.columns[0] if self.columns else None


def parse_ruleset(ruleset: str) -> list[Rule]:
    match = re.search(r"Rules\s*=\s*\[(.*)\]\s*$", ruleset.strip(), re.S)
    if not match:
        raise GlueRuntimeError("ruleset must look like 'Rules = [ RowCount > 0, ... ]'")
    return [_parse_rule(text) for text in _split_top(match.group(1)) if text.strip()]


def _split_top(body: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth, quoted, escaped = 0, False, False
    for char in body:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char == "[":
            depth += 1
        elif not quoted and char == "]":
            depth -= 1
        if char == "," and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


def _parse_rule(text: str) -> Rule:
    tokens = _TOKEN.findall(text)
    kind = tokens[0]
    if kind not in SUPPORTED:
        raise UnsupportedFeatureError(
            f"data quality rule type {kind!r}", f"supported: {', '.join(SUPPORTED)}"
        )
    lowered = [t.lower() for t in tokens]
    for word in ("where", "with"):
        if word in lowered:
            raise UnsupportedFeatureError(f"'{word}' clause in data quality rule {text!r}")
    columns: list[str] = []
    rest = tokens[1:]
    if kind not in ("RowCount", "ColumnCount"):
        while rest and rest[0].startswith('"') and (not columns or kind in MULTI_COLUMN):
            columns.append(_unquote(rest[0]))
            rest = rest[1:]
        if not columns:
            raise GlueRuntimeError(f"data quality rule {text!r} needs a quoted column name")
    return Rule(text=text, kind=kind, columns=tuple(columns), condition=rest)


def _unquote(token: str) -> str:
    """A quoted string's text: \\" and \\\\ stand for " and \\ (the escapes DQDL's lexer
    defines); any other backslash stays, as in a ``matches`` pattern's ``\\d``."""
    return _ESCAPE.sub(r"\1", token[1:-1])


def _literal(token: str) -> Any:
    if token.startswith('"'):
        return _unquote(token)
    try:
        return float(token)
    except ValueError as exc:
        raise GlueRuntimeError(f"cannot read value {token!r} in a data quality rule") from exc


def check_number(value: float, condition: list[str], text: str) -> bool:
    """Evaluate ``<op> N`` or ``between A and B`` against a computed metric."""
    if not condition:
        raise GlueRuntimeError(f"data quality rule {text!r} needs a condition such as '> 0'")
    op = condition[0].lower()
    if op == "between" and len(condition) == 4 and condition[2].lower() == "and":
        return float(_literal(condition[1])) < value < float(_literal(condition[3]))
    if len(condition) != 2:
        raise UnsupportedFeatureError(f"data quality condition {' '.join(condition)!r}")
    target = float(_literal(condition[1]))
    return {
        ">": value > target,
        ">=": value >= target,
        "<": value < target,
        "<=": value <= target,
        "=": value == target,
        "!=": value != target,
    }[op]


def row_condition(rule: Rule) -> Any:
    """A Column true for rows that pass a row-level ColumnValues/IsComplete rule."""
    from pyspark.sql import functions as F

    col = F.col("`" + str(rule.column).replace("`", "``") + "`")
    if rule.kind in ("IsComplete", "Completeness"):
        return col.isNotNull()
    cond = rule.condition
    if not cond:
        raise GlueRuntimeError(f"data quality rule {rule.text!r} needs a condition")
    op = cond[0].lower()
    # DQDL: every ColumnValues rule fails NULL rows except the negated ones (!=, not in),
    # which pass them (docs.aws.amazon.com/glue/latest/dg/dqdl-rule-types-ColumnValues.html).
    if op == "not" and len(cond) == 3 and cond[1].lower() == "in" and cond[2].startswith("["):
        return ~_in_list(col, cond[2])
    if op == "in" and len(cond) == 2 and cond[1].startswith("["):
        return _in_list(col, cond[1])
    if op == "matches" and len(cond) == 2:
        return F.coalesce(col.rlike(str(_literal(cond[1]))), F.lit(False))
    if op == "between" and len(cond) == 4:
        low, high = _literal(cond[1]), _literal(cond[3])
        return F.coalesce((col > F.lit(low)) & (col < F.lit(high)), F.lit(False))
    if len(cond) == 2 and op in (">", ">=", "<", "<=", "=", "!="):
        if cond[1].upper() == "NULL" and op in ("=", "!="):
            return col.isNull() if op == "=" else col.isNotNull()
        value = F.lit(_literal(cond[1]))
        term = {
            ">": col > value,
            ">=": col >= value,
            "<": col < value,
            "<=": col <= value,
            "=": col == value,
            "!=": col != value,
        }[op]
        return F.coalesce(term, F.lit(op == "!="))
    raise UnsupportedFeatureError(f"ColumnValues condition {' '.join(cond)!r}")


def _in_list(col: Any, listed: str) -> Any:
    """True for values in a DQDL list; the keywords NULL, EMPTY ("") and
    WHITESPACES_ONLY stand for those values; never null."""
    from pyspark.sql import functions as F

    items = [v.strip() for v in _split_top(listed[1:-1]) if v.strip()]
    keywords = {v.upper() for v in items if not v.startswith('"')} & {
        "NULL",
        "EMPTY",
        "WHITESPACES_ONLY",
    }
    values = [_literal(v) for v in items if v.startswith('"') or v.upper() not in keywords]
    term = F.coalesce(col.isin(values), F.lit(False)) if values else F.lit(False)
    if "NULL" in keywords:
        term = term | col.isNull()
    if "EMPTY" in keywords:
        term = term | F.coalesce(col.cast("string") == F.lit(""), F.lit(False))
    if "WHITESPACES_ONLY" in keywords:
        term = term | F.coalesce(col.cast("string").rlike(r"^\s+$"), F.lit(False))
    return term
