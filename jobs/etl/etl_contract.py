"""The data contract of the ETL: a dataset config, validated, and what it implies.

A dataset config (JSON, see docs/data-contract.md) declares the target and its labels,
the feature columns, and how strictly the input is checked: header matching, extra
columns, encoding and delimiter, what happens to invalid values, and the volume gates.
This module is pure Python (no Spark): it validates the config, resolves a file's
header against it, and writes the Glue Data Quality (DQDL) ruleset the job evaluates.

Shipped to Glue with ``--extra-py-files``; runs on Python 3.9.
"""

from __future__ import annotations

import codecs
import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

T = TypeVar("T")


class PreprocessError(Exception):
    """The input or the configuration cannot be processed; the message says why."""


MATCH_MODES = ("exact", "trim", "trim_ignore_case")
# Why a row is dropped (or the job fails): the row-level reasons, in precedence order.
POLICY_REASONS = ("missing_label", "unknown_label", "missing_value", "non_numeric", "non_finite")
ALWAYS_FAIL = ("malformed_row", "undecodable", "thousands_separator")
# Spellings of a missing value as exports write them (pandas' defaults, and "-", "?"):
# in a categorical column or the target they are missing, not a category or a label.
MISSING_MARKERS = (
    "NA", "N/A", "n/a", "#N/A", "#NA", "<NA>", "NULL", "null", "None", "NaN", "nan", "-", "?",
)  # fmt: skip
DEFAULTS: dict[str, Any] = {
    "name": None,
    "negative_label": None,
    "label_match": "trim",
    "categorical": [],
    "categorical_encoding": "one_hot",
    "identifiers": [],
    "drop": [],
    "numeric": None,
    "extra_columns": "refuse",
    "header_match": "exact",
    "column_order": "by_name",
    "encoding": "utf-8",
    "delimiter": ",",
    "quote": '"',
    "decimal": ".",
    "on_invalid": {},
    "max_dropped_fraction": 0.05,
    "min_rows": 10,
    "scan_max_bytes": 256 * 1024 * 1024,
    "missing_values": list(MISSING_MARKERS),
    "max_categories": 1000,
    "category_case": "exact",
}
REQUIRED = ("target", "positive_label")
BINARY = (
    " (the ETL prepares a binary classification: name the target's value(s) meaning "
    'positive, e.g. "yes", and the negative one(s); a regression or multiclass target is '
    "not supported)"
)
KNOWN = set(DEFAULTS) | set(REQUIRED)
# A decimal literal, or a spelling Spark reads as NaN/Infinity (counted as non_finite).
# Anchored, so DQDL's "matches" gives the same answer whether it searches or matches.
# One way to match each number: "[0-9]+[.]?[0-9]*" matched a run of digits in as many
# splits as it has digits, and a long run followed by text backtracked quadratically (a
# 100,000-digit cell held a Spark task for minutes, past a job's stop: regexes do not
# check for interruption).
NUMBER_PATTERN = r"^[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:nan|inf|infinity))$"
# The same with a decimal comma ("decimal": ","): read after the comma becomes a point.
COMMA_NUMBER_PATTERN = NUMBER_PATTERN.replace("[.]", "[,]")
# The columns the ETL adds beside the input's (etl_quality, etl_features, preprocess):
# an input column it uses may not share a name with one of them.
CORRUPT_COLUMN = "_corrupt_record"  # Spark's column for a row it cannot parse
RESERVED = (
    CORRUPT_COLUMN,
    "_malformed",
    "_undecodable",
    "_row_hash",
    "_label",
    "_reason",
    "_column",
    "_value",
    "_split",
    "_sample",
    "DataQualityRulesPass",
    "DataQualityRulesFail",
    "DataQualityEvaluationResult",
)
RESERVED_PATTERN = re.compile(r"_(num_|fails|nulls)[0-9]+")

# Digit groups: comma, apostrophe (and U+2019: Swiss), space, and the no-break spaces
# European spreadsheets write (U+00A0; U+202F in newer French locales).
GROUP_MARKS = "' \u00a0\u202f\u2019"
THOUSANDS_PATTERN = rf"^[+-]?[0-9]{{1,3}}([,{GROUP_MARKS}][0-9]{{3}})+([.][0-9]*)?$"
# With a decimal comma, "1.234,5" (and "1.234": a thousand, or one point two?) groups.
COMMA_THOUSANDS_PATTERN = rf"^[+-]?[0-9]{{1,3}}([.{GROUP_MARKS}][0-9]{{3}})+([,][0-9]*)?$"
DELIMITERS = (",", ";", "\t", "|")
# What Java's regex \s matches: a value is trimmed of these at both ends (the scan and
# Spark alike).
WHITESPACE = " \t\n\u000b\f\r"


@dataclass(frozen=True)
class Contract:
    """A validated dataset config."""

    name: str
    target: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    label_match: str
    categorical: tuple[str, ...]
    encoding_mode: str
    identifiers: tuple[str, ...]
    drop: tuple[str, ...]
    numeric: tuple[str, ...] | None
    extra_columns: str
    header_match: str
    column_order: str
    encoding: str
    delimiter: str
    quote: str
    on_invalid: dict[str, str]
    max_dropped_fraction: float
    min_rows: int
    scan_max_bytes: int
    missing_values: tuple[str, ...] = MISSING_MARKERS
    max_categories: int = 1000
    decimal: str = "."
    category_case: str = "exact"  # "ignore": 'VA' and 'va' are one category, 'va'

    @property
    def number_pattern(self) -> str:
        """The regular expression a numeric value must match (before it is parsed)."""
        return COMMA_NUMBER_PATTERN if self.decimal == "," else NUMBER_PATTERN

    @property
    def thousands_pattern(self) -> str:
        return COMMA_THOUSANDS_PATTERN if self.decimal == "," else THOUSANDS_PATTERN

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.target,
            "positive_label": list(self.positive),
            "negative_label": list(self.negative),
            "label_match": self.label_match,
            "categorical": list(self.categorical),
            "categorical_encoding": self.encoding_mode,
            "identifiers": list(self.identifiers),
            "drop": list(self.drop),
            "numeric": None if self.numeric is None else list(self.numeric),
            "extra_columns": self.extra_columns,
            "header_match": self.header_match,
            "column_order": self.column_order,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "quote": self.quote,
            "decimal": self.decimal,
            "category_case": self.category_case,
            "on_invalid": dict(self.on_invalid),
            "max_dropped_fraction": self.max_dropped_fraction,
            "min_rows": self.min_rows,
            "scan_max_bytes": self.scan_max_bytes,
            "missing_values": list(self.missing_values),
            "max_categories": self.max_categories,
        }


def load_contract(text: str, where: str) -> Contract:
    text = text.removeprefix("\ufeff")  # a UTF-8 byte-order mark (Windows editors) is no JSON
    try:
        config = json.loads(text, object_pairs_hook=lambda pairs: _once(pairs, where))
    except json.JSONDecodeError as exc:
        comment = re.search(r"^\s*(//|/\*|#)", text, re.MULTILINE)
        hint = "; JSON has no comments: remove them" if comment else ""
        raise PreprocessError(f"dataset config {where} is not valid JSON: {exc}{hint}") from None
    return validate_config(config, where)


def _once(pairs: list[tuple[str, Any]], where: str) -> dict[str, Any]:
    """A JSON object whose keys are distinct: json keeps the last of a repeated key, so
    a second "drop" list silently replaced the first."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise PreprocessError(
                f"dataset config {where}: key {key!r} appears twice in one object (JSON keeps "
                "only the last): merge the two into one"
            )
        seen[key] = value
    return seen


def _names(config: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = config[key]
    named = key != "drop"  # "" drops a column with an empty header name
    if not isinstance(value, list) or not all(
        isinstance(v, str) and (v or not named) for v in value
    ):
        raise PreprocessError(f"dataset config {where}: {key!r} must be a list of column names")
    return tuple(value)


ROLES = ("categorical", "numeric", "identifiers", "drop")


def _check_roles(target: str, config: dict[str, Any], where: str) -> None:
    """Each column has one role: the target, or in one of the ROLES lists, once (a
    column in two lists was silently one of them, or made the job's plan ambiguous)."""
    mode = config.get("header_match") if config.get("header_match") in MATCH_MODES else "exact"
    roles: dict[str, str] = {normalise(target, mode): "the target"}
    for key in ROLES:
        if not isinstance(config.get(key), list):
            continue  # None, or not a list: _names says what is wrong with it
        for name in config[key]:
            if not isinstance(name, str):
                continue  # _names says what is wrong with the list
            seen = roles.get(normalise(name, mode))
            if seen is None:
                roles[normalise(name, mode)] = key
                continue
            if seen == key:
                clash = f"is listed twice under {key!r}"
            elif seen == "the target":
                clash = f"is the target and listed under {key!r}"
            else:
                clash = f"is listed under {seen!r} and under {key!r}"
            raise PreprocessError(
                f"dataset config {where}: column {name!r} {clash}"
                + ("" if mode == "exact" else f" (after header_match {mode!r})")
                + ": a column has one role (the target, categorical, numeric, identifiers "
                "or drop); keep it in one list"
            )


def _labels(config: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = config[key]
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise PreprocessError(
            f"dataset config {where}: {key!r} must be a label (a string) or a list of labels"
        )
    return tuple(values)


def _choice(config: dict[str, Any], key: str, options: tuple[str, ...], where: str) -> str:
    value = config[key]
    if value not in options:
        raise PreprocessError(
            f"dataset config {where}: {key!r} must be one of {', '.join(map(repr, options))}, "
            f"got {value!r}"
        )
    return str(value)


def validate_config(config: Any, where: str) -> Contract:
    """The contract ``config`` declares; every problem found at once, in one error."""
    if not isinstance(config, dict):
        raise PreprocessError(f"dataset config {where} must be a JSON object")
    prefix = f"dataset config {where}: "
    problems: list[str] = []

    def check(step: Callable[[], T]) -> T | None:
        try:
            return step()
        except PreprocessError as exc:
            problems.append(str(exc).removeprefix(prefix))
            return None

    check(lambda: _check_keys(config, where))
    merged = {**DEFAULTS, **config}
    target = config.get("target")
    labels = check(lambda: _check_labels(merged, where))
    numeric = check(lambda: None if merged["numeric"] is None else _names(merged, "numeric", where))
    if isinstance(target, str) and target:
        check(lambda: _check_roles(target, merged, where))
    on_invalid = check(lambda: _check_on_invalid(merged, where))
    check(lambda: _check_numbers(merged, where))
    check(lambda: _check_format(merged, where))
    names = {
        key: check(lambda key=key: _names(merged, key, where))
        for key in ("categorical", "identifiers", "drop")
    }
    choices = {
        key: check(lambda key=key, options=options: _choice(merged, key, options, where))
        for key, options in (
            ("categorical_encoding", ("one_hot", "index")),
            ("extra_columns", ("refuse", "ignore")),
            ("header_match", MATCH_MODES),
            ("column_order", ("by_name", "refuse")),
            ("category_case", ("exact", "ignore")),
        )
    }
    problems = list(dict.fromkeys(problems))  # a missing key, found by two steps
    if problems:
        if len(problems) == 1:
            raise PreprocessError(prefix + problems[0])
        listed = "; ".join(f"({i}) {p}" for i, p in enumerate(problems, 1))
        raise PreprocessError(f"{prefix}{len(problems)} problems: {listed}")
    assert labels is not None  # no problems: each step gave its value
    assert on_invalid is not None
    positive, negative, label_match = labels
    return Contract(
        name=str(merged["name"] or config["target"]),
        target=config["target"],
        positive=positive,
        negative=negative,
        label_match=label_match,
        categorical=names["categorical"] or (),
        encoding_mode=str(choices["categorical_encoding"]),
        identifiers=names["identifiers"] or (),
        drop=names["drop"] or (),
        numeric=numeric,
        extra_columns=str(choices["extra_columns"]),
        header_match=str(choices["header_match"]),
        column_order=str(choices["column_order"]),
        encoding=str(merged["encoding"]),
        delimiter=merged["delimiter"],
        quote=merged["quote"],
        on_invalid={r: str(on_invalid.get(r, "drop")) for r in POLICY_REASONS},
        max_dropped_fraction=float(merged["max_dropped_fraction"]),
        min_rows=int(merged["min_rows"]),
        scan_max_bytes=int(merged["scan_max_bytes"]),
        missing_values=tuple(v.strip() for v in merged["missing_values"]),
        max_categories=int(merged["max_categories"]),
        decimal=str(merged["decimal"]),
        category_case=str(choices["category_case"]),
    )


def _check_keys(config: dict[str, Any], where: str) -> None:
    unknown = sorted(set(config) - KNOWN)
    if unknown:
        close = [difflib.get_close_matches(k, sorted(KNOWN), n=1) for k in unknown]
        hint = ", ".join(f"{m[0]!r}" for m in close if m)
        raise PreprocessError(
            f"dataset config {where}: unknown key(s) {', '.join(unknown)}"
            + (f" (did you mean {hint}?)" if hint else "")
            + f"; known: {', '.join(sorted(KNOWN))}"
        )
    for key in REQUIRED:
        if key not in config or not config[key]:
            what = "is required" if key not in config else "is empty"
            hint = BINARY if key == "positive_label" else ""
            raise PreprocessError(f"dataset config {where}: {key!r} {what}{hint}")
    if not isinstance(config["target"], str):
        raise PreprocessError(f"dataset config {where}: 'target' must be a column name")


def _check_labels(
    merged: dict[str, Any], where: str
) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    if merged["negative_label"] is None:
        raise PreprocessError(
            f"dataset config {where}: 'negative_label' is required (a label or a list): "
            "values that are neither positive nor negative labels are counted as unknown_label"
        )
    if not merged.get("positive_label"):
        raise PreprocessError(f"dataset config {where}: 'positive_label' is required{BINARY}")
    positive, negative = (
        _labels(merged, "positive_label", where),
        _labels(merged, "negative_label", where),
    )
    label_match = _choice(merged, "label_match", MATCH_MODES, where)
    both = {normalise(v, label_match) for v in positive} & {
        normalise(v, label_match) for v in negative
    }
    if both:
        raise PreprocessError(
            f"dataset config {where}: label(s) {', '.join(sorted(both))} are both positive "
            f"and negative (after label_match {label_match!r})"
        )
    return positive, negative, label_match


def _check_on_invalid(merged: dict[str, Any], where: str) -> dict[str, str]:
    on_invalid = merged["on_invalid"]
    if not isinstance(on_invalid, dict):
        raise PreprocessError(f"dataset config {where}: 'on_invalid' must be an object")
    bad = sorted(set(on_invalid) - set(POLICY_REASONS))
    if bad:
        close = [difflib.get_close_matches(k, POLICY_REASONS, n=1) for k in bad]
        hint = ", ".join(f"{m[0]!r}" for m in close if m)
        raise PreprocessError(
            f"dataset config {where}: on_invalid: unknown reason(s) {', '.join(bad)}"
            + (f" (did you mean {hint}?)" if hint else "")
            + f"; known: {', '.join(POLICY_REASONS)}"
        )
    for reason, action in on_invalid.items():
        if action not in ("drop", "fail"):
            raise PreprocessError(
                f"dataset config {where}: on_invalid.{reason} must be 'drop' or 'fail', "
                f"got {action!r}"
            )
    return on_invalid


def _check_numbers(merged: dict[str, Any], where: str) -> None:
    fraction = merged["max_dropped_fraction"]
    if (
        isinstance(fraction, bool)
        or not isinstance(fraction, (int, float))
        or not (0 <= fraction <= 1)
    ):
        raise PreprocessError(
            f"dataset config {where}: 'max_dropped_fraction' must be a number from 0 to 1, "
            f"got {fraction!r}"
        )
    for key in ("min_rows", "scan_max_bytes", "max_categories"):
        value = merged[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise PreprocessError(
                f"dataset config {where}: {key!r} must be a positive integer, got {value!r}"
                + (" (a string: drop the quotes)" if isinstance(value, str) else "")
            )


def _check_format(merged: dict[str, Any], where: str) -> None:
    encoding = merged["encoding"]
    try:
        codec = codecs.lookup(str(encoding))
    except LookupError:
        codec = None
    # rot13, base64, zlib...: codecs Python names, but of bytes to bytes or text to text
    if codec is None or not getattr(codec, "_is_text_encoding", True):
        what = "unknown" if codec is None else "not a text encoding:"
        raise PreprocessError(
            f"dataset config {where}: {what} 'encoding' {encoding!r} "
            "(use a Java/Python charset name such as 'utf-8', 'iso-8859-1', 'windows-1252')"
        )
    for key in ("delimiter", "quote"):
        if not isinstance(merged[key], str) or len(merged[key]) != 1:
            raise PreprocessError(
                f"dataset config {where}: {key!r} must be one character, got {merged[key]!r}"
            )
    if merged["decimal"] not in (".", ","):
        raise PreprocessError(
            f'dataset config {where}: \'decimal\' must be "." or ",", got {merged["decimal"]!r}'
        )
    if merged["decimal"] == merged["delimiter"]:
        raise PreprocessError(
            f"dataset config {where}: 'decimal' {merged['decimal']!r} is also the 'delimiter': "
            'files with decimal commas separate fields with ";" or a tab; declare that '
            '"delimiter"'
        )
    markers = merged["missing_values"]
    if not isinstance(markers, list) or not all(isinstance(v, str) and v.strip() for v in markers):
        raise PreprocessError(
            f"dataset config {where}: 'missing_values' must be a list of non-blank strings "
            '(the spellings of a missing value, e.g. ["NA", "?"]; [] for none)'
        )
    if merged["name"] is not None and not isinstance(merged["name"], str):
        raise PreprocessError(f"dataset config {where}: 'name' must be a string")


def normalise(value: str, mode: str) -> str:
    if mode == "exact":
        return value
    if mode == "trim":
        return value.strip()
    return value.strip().casefold()


# -- columns --------------------------------------------------------------------------
@dataclass(frozen=True)
class Columns:
    """What the input's columns are to the contract."""

    names: tuple[str, ...]  # every input column, by its contract name, in file order
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    ignored: tuple[str, ...]  # extra columns ignored per ``extra_columns: ignore``


def resolve_header(contract: Contract, header: list[str], where: str) -> tuple[str, ...]:
    """A file's header as contract names (after the declared header_match only);
    refuses duplicate names."""
    mode = contract.header_match
    declared = [
        contract.target,
        *contract.categorical,
        *(contract.numeric or ()),
        *contract.identifiers,
        *contract.drop,
    ]
    by_key = {normalise(name, mode): name for name in declared}
    names = [by_key.get(normalise(h, mode), normalise(h, mode)) for h in header]
    blank = sum(1 for h in header if not h.strip())
    if blank >= 2 and 2 * blank >= len(header) and contract.target not in names:
        # an export's title ("Churn export 2024-05-01,,,,"), not a header
        raise PreprocessError(
            f"{where}: the first line does not look like the header ({blank} of its "
            f"{len(header)} names are empty, and the target {contract.target!r} is not among "
            f"them: {', '.join(repr(h) for h in header if h.strip())[:200]}); if it is a "
            "title above the header, delete it"
        )
    seen: dict[str, int] = {}
    dupes: list[str] = []
    for i, name in enumerate(names):
        if name in seen:
            first = header[seen[name]]
            spelled = f"{first!r} and {header[i]!r}" if first != header[i] else repr(header[i])
            dupes.append(f"{spelled} (columns {seen[name] + 1} and {i + 1})")
        seen.setdefault(name, i)
    if dupes:
        hint = "" if mode == "exact" else f" after header_match {mode!r}"
        raise PreprocessError(
            f"{where}: duplicate column name(s){hint}: {', '.join(dupes)}; "
            "rename or remove the duplicates"
        )
    return tuple(names)


def plan_columns(contract: Contract, names: tuple[str, ...], raw: list[str]) -> Columns:
    """Feature columns by kind; fails on missing required or (per config) extra ones."""
    excluded = {contract.target, *contract.identifiers, *contract.drop, *contract.categorical}
    numeric = (
        contract.numeric
        if contract.numeric is not None
        else tuple(c for c in names if c not in excluded)
    )
    required = [contract.target, *contract.categorical, *numeric]
    missing = [c for c in required if c not in names]
    if missing:
        # an empty header cell, perhaps where the missing column's name should be
        blank = [str(i + 1) for i, name in enumerate(raw) if not name.strip()]
        blanks = f"; column(s) {', '.join(blank)} of the header have no name" if blank else ""
        raise PreprocessError(
            f"input is missing required column(s) {', '.join(missing)}"
            f"{_near_matches(missing, raw, contract.header_match)} "
            f"(input columns: {', '.join(n if n.strip() else repr(n) for n in raw)}{blanks}); "
            "fix the input or the dataset config"
        )
    known = set(required) | set(contract.identifiers) | set(contract.drop)
    extra = tuple(c for c in names if c not in known)
    if extra and contract.extra_columns == "refuse":
        unnamed = (
            " (a column with an empty name: a delimiter at the end of every line, or an "
            "unnamed index column)"
            if "" in extra
            else ""
        )
        raise PreprocessError(
            "input has column(s) the dataset config does not declare: "
            f"{', '.join(c if c else repr(c) for c in extra)}{unnamed}; "
            'list them under "drop" (or "identifiers"), or set "extra_columns": "ignore"'
        )
    if not numeric and not contract.categorical:
        raise PreprocessError("no feature columns left after dropping identifiers and drops")
    if contract.numeric is None:
        _refuse_index_columns(names, numeric)
        _refuse_misspelt_exclusions(contract, names, numeric)
    clashes = [c for c in required if c in RESERVED or RESERVED_PATTERN.fullmatch(c)]
    if CORRUPT_COLUMN in names and CORRUPT_COLUMN not in clashes:
        clashes.append(CORRUPT_COLUMN)
    if clashes:
        raise PreprocessError(
            f"input column(s) {', '.join(map(repr, clashes))} use a name the ETL gives its "
            f"own columns ({', '.join(RESERVED)}, _num_<n>, _fails<n>, _nulls<n>); rename "
            "them in the input"
        )
    return Columns(
        names=names, numeric=tuple(numeric), categorical=contract.categorical, ignored=extra
    )


# The name pandas gives a CSV's unnamed first column when it reads it (an index written
# by to_csv, then read and written again): "Unnamed: 0", "Unnamed: 0_level_0".
PANDAS_UNNAMED = re.compile(r"Unnamed: [0-9]+(_level_[0-9]+)?")


def _refuse_index_columns(names: tuple[str, ...], numeric: tuple[str, ...]) -> None:
    """A column with no name, or with the name pandas gives one, that "numeric": null
    would make a feature: an index written by ``to_csv`` (the row order, which leaks
    the label when the export is sorted) or a delimiter at the end of every line."""
    unnamed = [c for c in numeric if not c.strip() or PANDAS_UNNAMED.fullmatch(c.strip())]
    if unnamed:
        found = [f"column {names.index(c) + 1} {c!r}" for c in unnamed]
        listed = ", ".join(json.dumps(c) for c in unnamed)
        raise PreprocessError(
            f"input {', '.join(found)} {'has' if len(found) == 1 else 'have'} no name of "
            "its own (an unnamed index column, as pandas' to_csv writes, or a delimiter at "
            'the end of every line): with "numeric" unset it would be a numeric feature, '
            f'and a row index leaks the row order into the model; list {listed} under "drop" '
            '(or list the numeric columns under "numeric")'
        )


def _refuse_misspelt_exclusions(
    contract: Contract, names: tuple[str, ...], numeric: tuple[str, ...]
) -> None:
    """An identifier or dropped column absent from the input (allowed: it may be in
    other batches) next to a near namesake that "numeric": null makes a feature: most
    likely a typo, which would train the model on an id (leakage) or a dropped column."""
    found: list[str] = []
    for role in ("identifiers", "drop"):
        for name in getattr(contract, role):
            if name in names:
                continue
            same = [
                c
                for c in numeric
                if normalise(c, "trim_ignore_case") == normalise(name, "trim_ignore_case")
            ]
            close = same or difflib.get_close_matches(name, numeric, n=1, cutoff=0.8)
            if close:
                found.append(f"{role} lists {name!r}, not in the input, but {close[0]!r} is")
    if found:
        raise PreprocessError(
            f'{"; ".join(found)}: with "numeric" unset '
            f"{'it would be a numeric feature' if len(found) == 1 else 'each would be one'}; "
            "correct the name in the dataset config, or list the numeric columns under "
            '"numeric" if it is meant to be one'
        )


def _near_matches(missing: list[str], raw: list[str], mode: str) -> str:
    hints: list[str] = []
    loose = {normalise(r, "trim_ignore_case"): r for r in raw}
    for name in missing:
        same = loose.get(normalise(name, "trim_ignore_case"))
        if same is not None:
            # the least loose setting that matches: surrounding spaces alone need "trim"
            trimmed = normalise(same, "trim") == normalise(name, "trim")
            least = "trim" if trimmed else "trim_ignore_case"
            hints.append(f'{same!r} for {name!r} (matches with "header_match": "{least}")')
            continue
        close = difflib.get_close_matches(name, raw, n=2, cutoff=0.6)
        if close:
            hints.append(f"{' or '.join(map(repr, close))} for {name!r}")
    if not hints:
        return ""
    del mode
    return f"; near matches: {'; '.join(hints)}"


@dataclass(frozen=True)
class FileGroup:
    """Files that share one header (the same names in the same order)."""

    uris: tuple[str, ...]
    names: tuple[str, ...]  # contract names, in the files' column order
    # Spark must parse the files whole (a record may span lines: one task per file);
    # else it splits them by line and parses the pieces in parallel
    multiline: bool = True


def check_groups(
    contract: Contract, columns: Columns, headers: list[tuple[str, tuple[str, ...]]]
) -> list[FileGroup]:
    """Group files by header. The columns the contract reads (target, features,
    identifiers, and any other column unless "extra_columns" ignores it) must be the
    same in every file; a column under "drop", or one "extra_columns": "ignore" leaves
    aside, may be in some files only. Other orders are read by name (or refused with
    column_order 'refuse')."""
    known = {contract.target, *columns.numeric, *columns.categorical, *contract.identifiers}

    def read(names: tuple[str, ...]) -> list[str]:
        return [
            n
            for n in names
            if n in known or (n not in contract.drop and contract.extra_columns == "refuse")
        ]

    first_uri, first = headers[0]
    expected = read(first)
    groups: dict[tuple[str, ...], list[str]] = {}
    for uri, names in headers:
        got = read(names)
        if set(got) != set(expected):
            missing = sorted(set(expected) - set(got))
            extra = sorted(set(got) - set(expected))
            raise PreprocessError(
                f"file {uri} has other columns than {first_uri}"
                + (f": lacks {', '.join(missing)}" if missing else "")
                + (f"; has {', '.join(extra)}" if extra else "")
                + "; every file under the input prefix must have the columns the dataset "
                'config reads (a column listed under "drop" may be in some files only, and '
                'so may any undeclared column with "extra_columns": "ignore")'
            )
        if got != expected and contract.column_order == "refuse":
            raise PreprocessError(
                f"file {uri} has its columns in another order than {first_uri} "
                '("column_order": "refuse"); reorder the file, or set "column_order": '
                '"by_name" to read each file by its header names'
            )
        groups.setdefault(names, []).append(uri)
    return [FileGroup(uris=tuple(uris), names=names) for names, uris in groups.items()]


# -- labels -------------------------------------------------------------------------
def label_values(contract: Contract) -> tuple[list[str], list[str]]:
    """Declared labels after label_match normalisation (positive, negative)."""
    return (
        sorted({normalise(v, contract.label_match) for v in contract.positive}),
        sorted({normalise(v, contract.label_match) for v in contract.negative}),
    )


def label_markers(contract: Contract) -> list[str]:
    """The missing-value spellings that mean a missing label: all but a declared label."""
    labels = {normalise(v, contract.label_match) for v in (*contract.positive, *contract.negative)}
    return [m for m in contract.missing_values if normalise(m, contract.label_match) not in labels]


# -- Glue Data Quality ----------------------------------------------------------------
def dq_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_DQ_PLAIN = re.compile(r"[A-Za-z0-9_]+")


def dq_column(name: str) -> str:
    """The name a column goes by where the rules run: its own when plain, else an alias
    the frame is renamed to for the evaluation (``etl_quality.evaluate``). DQDL's parser
    (awslabs/dqdl) drops a rule parameter's quotes without reading its escapes, so no
    rule can name a column holding a quote or a backslash, and Deequ, which evaluates
    the rules, reads a dot as a nested field's path."""
    if _DQ_PLAIN.fullmatch(name):
        return name
    return "_dq_" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class DqRule:
    text: str  # as evaluated: columns by ``dq_column``
    reason: str
    column: str
    shown: str = ""  # as reported: columns by their own names

    def __post_init__(self) -> None:
        if not self.shown:
            object.__setattr__(self, "shown", self.text)


def dq_rules(contract: Contract, columns: Columns) -> list[DqRule]:
    """The row-level DQDL rules of the contract, in the precedence of drop reasons.

    They run on a frame of trimmed text (empty text is null) whose target column holds
    the label after label_match: IsComplete and ColumnValues are row-level rule types,
    so Glue Data Quality reports, per row, which of them failed.
    """
    positive, negative = label_values(contract)
    labels = ",".join(dq_quote(v) for v in [*positive, *negative])
    pattern = dq_quote(contract.number_pattern)

    def rule(kind: str, column: str, condition: str, reason: str) -> DqRule:
        text = f"{kind} {dq_quote(dq_column(column))}{condition}"
        return DqRule(text, reason, column, f"{kind} {dq_quote(column)}{condition}")

    rules = [
        rule("IsComplete", contract.target, "", "missing_label"),
        rule("ColumnValues", contract.target, f" in [{labels}]", "unknown_label"),
    ]
    for name in [*columns.numeric, *columns.categorical]:
        rules.append(rule("IsComplete", name, "", "missing_value"))
    for name in columns.numeric:
        rules.append(rule("ColumnValues", name, f" matches {pattern}", "non_numeric"))
    return rules


def ruleset(rules: list[DqRule], *, shown: bool = False) -> str:
    """The ruleset as evaluated, or (``shown``) as reported."""
    texts = [r.shown if shown else r.text for r in rules]
    return "Rules = [\n    " + ",\n    ".join(texts) + "\n]"
