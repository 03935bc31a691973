"""A subset of DQDL (Data Quality Definition Language): parse and evaluate rules.

Supported rule types: RowCount, ColumnCount, IsComplete, Completeness, ColumnExists,
IsUnique, Uniqueness, IsPrimaryKey, UniqueValueRatio, DistinctValuesCount, ColumnValues
(in [...] / not in [...] with the NULL, EMPTY and WHITESPACES_ONLY keywords, between,
comparisons, = NULL / != NULL, matches).
A ruleset that is not DQDL raises DQDLSyntaxError when parsed, as Glue does; valid DQDL
the local runtime lacks (another rule type, ``where``, ``with threshold``, dynamic
expressions, composite rules, the Analyzers section) raises UnsupportedFeatureError.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
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
# Every DQDL rule type (docs.aws.amazon.com/glue/latest/dg/dqdl-rule-types.html;
# awslabs/dqdl configuration/rules/rules-config.json): another name is a mistake.
DQDL_RULE_TYPES = (
    *SUPPORTED,
    "AggregateMatch",
    "ColumnCorrelation",
    "ColumnDataType",
    "ColumnLength",
    "ColumnNamesMatchPattern",
    "CustomSql",
    "DataFreshness",
    "DatasetMatch",
    "DetectAnomalies",
    "Entropy",
    "FileFreshness",
    "FileMatch",
    "FileSize",
    "FileUniqueness",
    "Mean",
    "ReferentialIntegrity",
    "RowCountMatch",
    "SchemaMatch",
    "StandardDeviation",
    "Sum",
)
ANALYZER_ONLY = ("AllStatistics",)  # dqdl-rule-types: "Supported as Rule? No"
# Rule types whose metric a condition tests, and those that take no condition
# (awslabs/dqdl InvalidDQRulesetTest: 'IsComplete "col-A" > 0.05' is refused).
NUMERIC = (
    "RowCount",
    "ColumnCount",
    "Completeness",
    "Uniqueness",
    "UniqueValueRatio",
    "DistinctValuesCount",
)
# (with the rule type measuring the same thing with a condition)
NO_CONDITION = {
    "IsComplete": "Completeness",
    "IsUnique": "Uniqueness",
    "IsPrimaryKey": "",
    "ColumnExists": "",
}
_OPS = (">", ">=", "<", "<=", "=", "!=")
# Rule types taking one or more columns (dqdl-rule-types-IsUnique, -Uniqueness,
# -IsPrimaryKey: "The following example rule checks multiple columns").
MULTI_COLUMN = ("IsUnique", "Uniqueness", "IsPrimaryKey")
# A quoted string holds \" and \\ escapes (DQDL's lexer: QUOTED_STRING, fragment ESC);
# a list may hold quoted strings with "]" or "," in them.
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_TOKEN = re.compile(rf'{_QUOTED}|\[(?:{_QUOTED}|[^\]"])*\]|[<>=!]=?|[^\s\[\]"<>=!]+')
_ESCAPE = re.compile(r'\\([\\"])')
_SECTION = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*")
# document: metadata? dataSources? rulesOrAnalyzers (DataQualityDefinitionLanguage.g4)
_SECTIONS = {"Metadata": "{", "DataSources": "{", "Rules": "[", "Analyzers": "["}
_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class DQDLSyntaxError(GlueRuntimeError):
    """A ruleset that is not valid DQDL: Glue refuses it when it parses the ruleset
    (InvalidDataQualityRulesetException, "Parsing Error: ...", awslabs/dqdl DQDLParser)."""


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
    """The rules of a DQDL document; every mistake is raised here, before any Spark job."""
    sections = _sections(ruleset)
    rules = [
        _parse_rule(text, ruleset, offset)
        for text, offset in _items(ruleset, sections.get("Rules"), "rule")
    ]
    analyzers = _items(ruleset, sections.get("Analyzers"), "analyzer")
    for text, offset in analyzers:
        kind = text.split()[0]
        if kind not in DQDL_RULE_TYPES + ANALYZER_ONLY:
            raise _syntax(f"Analyzer Type: {kind} is not valid", ruleset, offset, _suggest(kind))
    if not rules and not analyzers:
        # awslabs/dqdl DQDLParserListener: an empty Rules (and Analyzers) is refused
        start = min(span[0] for span in sections.values()) - 1
        fix = "put at least one rule in Rules = [ ... ]"
        raise _syntax("No rules or analyzers provided.", ruleset, start, fix)
    if analyzers:
        raise UnsupportedFeatureError(
            "the DQDL Analyzers section",
            "its statistics are not computed locally; remove the section to evaluate the rules",
        )
    return rules


def _syntax(what: str, document: str, offset: int, fix: str, rule: str = "") -> DQDLSyntaxError:
    """A parse error naming where (line:column, 0-based column as ANTLR reports it)."""
    line = document.count("\n", 0, offset) + 1
    column = offset - (document.rfind("\n", 0, offset) + 1)
    where = f"line {line}:{column}" + (f", rule {rule!r}" if rule else "")
    return DQDLSyntaxError(f"Parsing Error: {what} ({where}): {fix}")


def _suggest(kind: str) -> str:
    close = difflib.get_close_matches(kind, DQDL_RULE_TYPES + ANALYZER_ONLY, n=1)
    hint = f"did you mean {close[0]}?" if close else "see the DQDL rule type reference"
    return f"{kind} is not a DQDL rule type; {hint}"


def _sections(document: str) -> dict[str, tuple[int, int]]:
    """Each section's body as (start, end) offsets, between its brackets."""
    found: dict[str, tuple[int, int]] = {}
    pos = 0
    while True:
        while pos < len(document) and document[pos].isspace():
            pos += 1
        if pos == len(document):
            break
        match = _SECTION.match(document, pos)
        if not match:
            shown = document[pos : pos + 30].strip()
            raise _syntax(
                f"unexpected {shown!r}",
                document,
                pos,
                "a ruleset reads Rules = [ <rule>, <rule>, ... ]",
            )
        name = match.group(1)
        if name not in _SECTIONS:
            close = difflib.get_close_matches(name, list(_SECTIONS), n=1)
            if close:
                raise _syntax(f"unknown section {name}", document, pos, f"did you mean {close[0]}?")
            raise UnsupportedFeatureError(f"DQDL variable declaration '{name} = ...'")
        opening, start = _SECTIONS[name], match.end()
        if document[start : start + 1] != opening:
            raise _syntax(
                f"{name} = must be followed by {opening!r}",
                document,
                start,
                f"write {name} = {opening} ... ",
            )
        end = _closing(document, start)
        if name in found:
            raise _syntax(
                f"a second {name} section", document, pos, f"merge the two {name} sections"
            )
        found[name] = (start + 1, end)
        pos = end + 1
    if "Rules" not in found and "Analyzers" not in found:
        raise _syntax("no Rules section", document, 0, "a ruleset reads Rules = [ <rule>, ... ]")
    return found


def _unquoted(document: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    """(offset, character) of ``document[start:end]`` outside double-quoted text (in
    which a backslash escapes the next character)."""
    quoted = escaped = False
    for pos in range(start, end):
        char = document[pos]
        if escaped:
            escaped = False
        elif quoted:
            escaped, quoted = char == "\\", char != '"'
        elif char == '"':
            quoted = True
        else:
            yield pos, char


def _closing(document: str, start: int) -> int:
    """The offset of the bracket closing the one at ``start`` (quoted text skipped)."""
    depth = 0
    for pos, char in _unquoted(document, start, len(document)):
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return pos
    opening = document[start]
    closer = "]" if opening == "[" else "}"
    raise _syntax(
        f"{opening!r} is never closed", document, start, f"end the section with {closer!r}"
    )


def _items(document: str, span: tuple[int, int] | None, what: str) -> list[tuple[str, int]]:
    """A section's comma-separated items with their offsets; an empty item (a trailing
    or doubled comma) is refused: dqRules: topLevelRule (COMMA topLevelRule)*."""
    if span is None or not document[span[0] : span[1]].strip():
        return []
    items: list[tuple[str, int]] = []
    begin, depth = span[0], 0

    def cut(pos: int) -> None:  # the item from ``begin`` up to the comma (or end) at pos
        piece = document[begin:pos]
        if not piece.strip():
            # the comma before the empty item (at the end: the last comma)
            comma = pos if pos < span[1] else document.rindex(",", span[0], pos)
            raise _syntax(
                "extraneous ','",
                document,
                comma,
                f"{what}s are separated by single commas, with none after the last",
            )
        items.append((piece.strip(), begin + len(piece) - len(piece.lstrip())))

    for pos, char in _unquoted(document, span[0], span[1]):
        if char in "[{(":
            depth += 1
        elif char in "]})":
            depth -= 1
        elif char == "," and depth == 0:
            cut(pos)
            begin = pos + 1
    cut(span[1])
    return items


def _parse_rule(text: str, document: str, offset: int) -> Rule:
    tokens = _TOKEN.findall(text)
    kind = tokens[0]

    def invalid(what: str, fix: str) -> DQDLSyntaxError:
        return _syntax(what, document, offset, fix, rule=text)

    if kind.startswith("("):
        raise UnsupportedFeatureError("composite DQDL rules ((rule) and/or (rule))")
    if not _NAME.fullmatch(kind) or kind in ANALYZER_ONLY or kind not in DQDL_RULE_TYPES:
        if kind in ANALYZER_ONLY:  # awslabs/dqdl DQDLParserListener's message
            what = f"Analyzer Type: {kind} is not supported in rules section"
            raise invalid(what, "move it to Analyzers = [ ... ]")
        raise invalid(f"Rule Type: {kind} is not valid", _suggest(kind))
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
    while rest and rest[0].startswith('"'):
        columns.append(_unquote(rest[0]))
        rest = rest[1:]
    _check_columns(kind, len(columns), invalid)
    _check_condition(kind, rest, tokens[1 : 1 + len(columns)], invalid)
    return Rule(text=text, kind=kind, columns=tuple(columns), condition=rest)


def _check_columns(kind: str, count: int, invalid: Any) -> None:
    """The column count of each rule type (dqdl-rule-types; awslabs/dqdl
    rules-config.json: IsPrimaryKey's TargetColumn "is_var_arg")."""
    if kind in ("RowCount", "ColumnCount"):
        wanted, ok = "no column", count == 0
    elif kind in MULTI_COLUMN:
        wanted, ok = "one or more quoted column names", count >= 1
    else:
        wanted, ok = "exactly one quoted column name", count == 1
    if not ok:
        plural = "" if count == 1 else "s"
        raise invalid(
            f"Rule Type: {kind} is not valid with {count} column{plural}", f"{kind} takes {wanted}"
        )


def _check_condition(kind: str, cond: list[str], quoted: list[str], invalid: Any) -> None:
    """Refuse what the DQDL grammar refuses; valid conditions the runtime lacks are
    UnsupportedFeatureError. Conditions: numberBasedCondition, stringBasedCondition,
    dateBasedCondition in DataQualityDefinitionLanguage.g4."""
    shown = " ".join(cond)
    if kind in NO_CONDITION:
        if cond:
            alternative = NO_CONDITION[kind]
            fix = f"remove {shown!r}"
            if alternative:
                fix += f", or use {' '.join([alternative, *quoted, shown])}"
            raise invalid(f"{kind} takes no condition", fix)
        return
    head = cond[0].lower() if cond else ""
    if kind in NUMERIC:
        counts = kind in ("RowCount", "ColumnCount", "DistinctValuesCount")
        forms = "'> 0' or 'between 1 and 10'" if counts else "'>= 0.9' or 'between 0.5 and 1'"
        example = f"a {kind} condition reads e.g. {forms}"
        if not cond:
            raise invalid(f"{kind} needs a condition", example)
        if head in _OPS or head == "between":
            operands = cond[1:2] if head in _OPS else cond[1:4:2]
            if len(cond) == 1:
                raise invalid(f"missing a number after {cond[0]!r}", example)
            if head == "between" and (len(cond) < 4 or cond[2].lower() != "and"):
                raise invalid("between needs 'between <number> and <number>'", example)
            if len(cond) == (2 if head in _OPS else 4) and all(
                _NUMBER.fullmatch(o) for o in operands
            ):
                return
            if any(o.startswith(('"', "[")) for o in operands):
                raise invalid(f"cannot compare {kind} with {shown!r}", example)
            raise UnsupportedFeatureError(f"DQDL dynamic expression {' '.join(cond[1:])!r}")
        if head in ("not", "in", "!"):
            raise UnsupportedFeatureError(f"{kind} condition {shown!r}")
        raise invalid(f"cannot read the condition {shown!r}", example)
    # ColumnValues
    example = 'a ColumnValues condition reads e.g. in ["a", "b"], > 0 or matches "^[a-z]+$"'
    if not cond:
        raise invalid("ColumnValues needs a condition", example)
    if head in _OPS:
        if len(cond) == 1:
            raise invalid(f"missing a value after {cond[0]!r}", example)
        value = cond[1]
        if len(cond) == 2 and (
            value.startswith('"')
            or _NUMBER.fullmatch(value)
            or (value.upper() == "NULL" and head in ("=", "!="))
        ):
            return
        raise UnsupportedFeatureError(f"ColumnValues condition {shown!r}")
    if head == "in" or (head == "not" and _lowered_at(cond, 1) == "in"):
        listed = cond[1:] if head == "in" else cond[2:]
        if len(listed) == 1 and listed[0].startswith("["):
            return
        raise invalid(f"missing a list after 'in' in {shown!r}", example)
    if head == "matches":
        if len(cond) == 2 and cond[1].startswith('"'):
            return
        raise invalid("missing a quoted pattern after 'matches'", 'write e.g. matches "^[a-z]+$"')
    if head == "between":
        if len(cond) < 4 or cond[2].lower() != "and":
            raise invalid("between needs 'between <value> and <value>'", example)
        if len(cond) == 4 and all(_NUMBER.fullmatch(o) or o.startswith('"') for o in cond[1:4:2]):
            return
        raise UnsupportedFeatureError(f"ColumnValues condition {shown!r}")
    if head == "not" and _lowered_at(cond, 1) in ("matches", "between"):
        raise UnsupportedFeatureError(f"ColumnValues condition {shown!r}")
    raise invalid(f"cannot read the condition {shown!r}", example)


def _lowered_at(tokens: list[str], index: int) -> str:
    return tokens[index].lower() if index < len(tokens) else ""


def _split_top(body: str) -> list[str]:
    """``body`` cut at its commas outside quoted text and brackets, each part stripped."""
    cuts, depth = [], 0
    for pos, char in _unquoted(body, 0, len(body)):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "," and depth == 0:
            cuts.append(pos)
    return [body[a + 1 : b].strip() for a, b in zip([-1, *cuts], [*cuts, len(body)], strict=True)]


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
