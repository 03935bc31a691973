"""Spark side of the data contract: read every file by its header, evaluate the
contract's Glue Data Quality rules row by row, and decide why each row is dropped.

Every column is read as text with an explicit schema (no type inference), so the same
CSV gives the same values, the same row key and the same split on Glue and locally.

Shipped to Glue with ``--extra-py-files``; runs on Python 3.9.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from etl_contract import (
    ALWAYS_FAIL,
    CORRUPT_COLUMN,
    WHITESPACE,
    Columns,
    Contract,
    DqRule,
    FileGroup,
    PreprocessError,
    dq_column,
    label_markers,
    label_values,
    normalise,
    ruleset,
)

EXAMPLES = 3
# a word that may spell a missing number: short, no digit, no space
MISSING_WORD = re.compile(r"[^\d\s]{1,12}")
FLOAT32_MAX = 3.4028234663852886e38  # the largest finite 32-bit float


def spark_path(uri: str) -> str:
    """The path Spark reads: s3:// as is on Glue (EMRFS); the glue-wf local runtime
    stands the S3 bucket directories in for S3, and maps the URI to its file."""
    try:
        from awsglue._paths import local_path  # only the local runtime has it
    except ImportError:
        return uri
    return str(local_path(uri))


def check_charset(spark: Any, contract: Contract) -> None:
    """Spark decodes with Java's charsets: a name only Python knows would fail the read
    with a JVM error."""
    charset = spark.sparkContext._jvm.java.nio.charset.Charset
    try:
        supported = bool(charset.isSupported(contract.encoding))
    except Exception:  # IllegalCharsetNameException
        supported = False
    if not supported:
        raise PreprocessError(
            f"dataset config: encoding {contract.encoding!r} is not a Java charset, which "
            "Spark needs to read the files; use a name such as 'utf-8', 'iso-8859-1', "
            "'windows-1252' or 'utf-16'"
        )


def read_text_frame(spark: Any, groups: list[FileGroup], contract: Contract) -> Any:
    """All files as one frame of text columns, matched by name (never by position)."""
    from etl_features import quoted
    from pyspark.sql.types import StringType, StructField, StructType

    check_charset(spark, contract)
    frames = []
    for group in groups:
        fields = schema_names(group.names)
        schema = StructType(
            [StructField(c, StringType()) for c in fields]
            + [StructField(CORRUPT_COLUMN, StringType())]
        )
        df = (
            spark.read.schema(schema)
            .option("header", True)
            # a quoted field may hold a line break: then each file is parsed whole
            .option("multiLine", group.multiline)
            .option("sep", contract.delimiter)
            .option("quote", contract.quote)
            .option("escape", contract.quote)  # RFC 4180: a doubled quote is a quote
            .option("encoding", contract.encoding)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT_COLUMN)
            .csv([spark_path(u) for u in group.uris])
        )
        renamed = [f"{quoted(f)} AS {quoted(n)}" for f, n in zip(fields, group.names)]
        frames.append(df.selectExpr(*renamed, CORRUPT_COLUMN))
    result = frames[0]
    for frame in frames[1:]:
        # a dropped or ignored column some files lack reads as null there (etl_contract.
        # check_groups: every column the contract reads is in every file)
        result = result.unionByName(frame, allowMissingColumns=True)
    return result


def schema_names(names: tuple[str, ...]) -> list[str]:
    """The schema's names for a file of these header names: the names themselves, so
    that Spark's own header check (by position) finds what the file says and keeps
    quiet (else it logs "CSV header does not conform to the schema" for every file);
    positions (``_c0``...) if one of them cannot name a field (empty, or Spark's
    column for rows it cannot parse)."""
    if all(n and n != CORRUPT_COLUMN for n in names):
        return list(names)
    return [f"_c{i}" for i in range(len(names))]


def _trim(sql: str) -> str:
    """SQL: ``sql`` without the whitespace ``WHITESPACE`` at both ends."""
    from etl_features import text

    return f"trim(BOTH {text(WHITESPACE)} FROM {sql})"


def _trimmed(name: str, missing: list[str] | tuple[str, ...] = ()) -> str:
    """SQL: the trimmed value, null when empty or one of the ``missing`` spellings (trim
    with a character set: no regex per value, which dominated the cost of a pass). Each
    reference to the column repeats this text: the value is trimmed in one test only."""
    from etl_features import quoted, text

    value = _trim(quoted(name))
    if missing:
        spelled = f"{value} IN ('', {', '.join(map(text, missing))})"
        return f"CASE WHEN {spelled} THEN NULL ELSE {value} END"
    return f"CASE WHEN {value} = '' THEN NULL ELSE {value} END"


def category(name: str, contract: Contract) -> str:
    """SQL: a categorical value as it is encoded (trimmed, missing spellings null, and
    lower-cased with ``"category_case": "ignore"``)."""
    value = _trimmed(name, contract.missing_values)
    return f"lower({value})" if contract.category_case == "ignore" else value


def stage(
    raw: Any, contract: Contract, columns: Columns, seed: int, *, check_decoding: bool = False
) -> Any:
    """Trimmed text per feature (empty = null; a categorical value spelled as missing,
    ``missing_values``, too), the label after label_match (null when spelled as missing),
    the row key hash, and the malformed-row marker. ``check_decoding``: some bytes were
    read by Spark only (past the scan), so a row holding U+FFFD is undecodable."""
    from etl_features import quoted, text

    markers = label_markers(contract)  # a label spelled as missing is a missing label
    label = quoted(contract.target)
    if contract.label_match != "exact":
        label = _trimmed(contract.target, markers)
    elif markers:
        spelled = f"{_trim(label)} IN ({', '.join(map(text, markers))})"
        label = f"CASE WHEN {spelled} THEN NULL ELSE {label} END"
    if contract.label_match == "trim_ignore_case":
        label = f"lower({label})"
    # the raw row's values by column name: independent of file column order; only the
    # columns the contract reads (target, features, identifiers), so a dropped or ignored
    # column, present in one file and not the next, moves no row to another split
    unread = {*contract.drop, *columns.ignored}
    keyed = sorted(name for name in columns.names if name not in unread)
    key = [f"coalesce({_trimmed(name)}, {text(chr(0))})" for name in keyed]
    undecodable = "false"
    if check_decoding:  # U+FFFD: what Spark's decoder puts for bytes invalid in the charset
        every = ", ".join(quoted(n) for n in columns.names)
        undecodable = f"instr(concat_ws('', {every}), {text(chr(0xFFFD))}) > 0"
    return raw.selectExpr(
        f"{label} AS {quoted(contract.target)}",
        *[f"{_trimmed(n)} AS {quoted(n)}" for n in columns.numeric],
        *[f"{category(n, contract)} AS {quoted(n)}" for n in columns.categorical],
        f"xxhash64({int(seed)}, {', '.join(key)}) AS _row_hash",
        f"{CORRUPT_COLUMN} IS NOT NULL AS _malformed",
        f"{undecodable} AS _undecodable",
    )


def evaluate(glue_context: Any, staged: Any, rules: list[DqRule]) -> Any:
    """Glue Data Quality's row-level outcomes of the contract's rules (run on the frame
    with its columns renamed as ``etl_contract.dq_column`` says, named back after)."""
    from awsglue.dynamicframe import DynamicFrame
    from awsgluedq.transforms import EvaluateDataQuality

    names = staged.columns
    plain = [dq_column(name) for name in names]
    frame = DynamicFrame.fromDF(
        staged.toDF(*plain) if plain != names else staged, glue_context, "contract_input"
    )
    results = EvaluateDataQuality().process_rows(
        frame=frame,
        ruleset=ruleset(rules),
        publishing_options={
            "dataQualityEvaluationContext": "preprocess_contract",
            "enableDataQualityCloudWatchMetrics": False,
            "enableDataQualityResultsPublishing": False,
        },
        additional_options={"performanceTuning.caching": "CACHE_NOTHING"},
    )
    outcomes = results["rowLevelOutcomes"].toDF()
    if plain == names:
        return outcomes
    own = dict(zip(plain, names))
    return outcomes.toDF(*[own.get(name, name) for name in outcomes.columns])


def number(sql: str, contract: Contract) -> str:
    """SQL: numeric text as Spark casts it (a decimal comma made a point)."""
    return f"translate({sql}, ',', '.')" if contract.decimal == "," else sql


def classify(outcomes: Any, contract: Contract, columns: Columns, rules: list[DqRule]) -> Any:
    """Adds ``_label`` (0/1), the parsed numeric columns, and ``_reason``/``_column``:
    the first reason a row is dropped, in precedence order (null when kept)."""
    from etl_features import double, quoted, text

    positive, _ = label_values(contract)
    label = quoted(contract.target)
    staged = outcomes.selectExpr(
        "*",
        f"IF({label} IN ({', '.join(map(text, positive))}), 1, 0) AS _label"
        if positive
        else "0 AS _label",
        *[
            f"try_cast({number(quoted(n), contract)} AS DOUBLE) AS _num_{i}"
            for i, n in enumerate(columns.numeric)
        ],
    )
    reasons = ["WHEN _malformed THEN 'malformed_row'", "WHEN _undecodable THEN 'undecodable'"]
    names = ["WHEN _malformed THEN NULL", "WHEN _undecodable THEN NULL"]
    markers = ", ".join(map(text, contract.missing_values))
    for rule in rules:
        hit = f"array_contains(DataQualityRulesFail, {text(rule.text)})"
        kind = text(rule.reason)
        if rule.reason == "non_numeric":
            value = quoted(str(rule.column))
            thousands = f"{value} RLIKE {text(contract.thousands_pattern)}"
            kind = f"IF({thousands}, 'thousands_separator', 'non_numeric')"
            if markers:  # "N/A" in a numeric column is a missing value, not text
                kind = f"IF({value} IN ({markers}), 'missing_value', {kind})"
        reasons.append(f"WHEN {hit} THEN {kind}")
        names.append(f"WHEN {hit} THEN {'NULL' if rule.column is None else text(rule.column)}")
    for i, name in enumerate(columns.numeric):
        # NaN, infinities, and magnitudes past the 32-bit float XGBoost trains in: there
        # they would be infinite (and sums of them overflow the baseline's statistics)
        non_finite = f"isnan(_num_{i}) OR abs(_num_{i}) > {double(FLOAT32_MAX)}"
        reasons.append(f"WHEN {non_finite} THEN 'non_finite'")
        names.append(f"WHEN {non_finite} THEN {text(name)}")
    return staged.selectExpr(
        "*",
        f"CASE {' '.join(reasons)} END AS _reason",
        f"CAST(CASE {' '.join(names)} END AS STRING) AS _column",
    )


def for_cache(classified: Any, contract: Contract, columns: Columns, rules: list[DqRule]) -> Any:
    """The columns the later passes read, and no more: the parsed numbers, the
    categories' text, a dropped row's offending value (``_value``: its examples), and
    the rules each row failed and the source columns that are null as bit masks (the
    rule arrays hold the text of every rule: 1M rows of them would not fit a 1 GB
    heap's cache), counted by ``etl_features.profile``."""
    from etl_features import bitmasks, quoted, text

    sources = [*columns.numeric, *columns.categorical]
    offending = " ".join(
        f"WHEN {text(name)} THEN {quoted(name)}"
        for name in dict.fromkeys([contract.target, *sources])
    )
    return classified.selectExpr(
        "_reason",
        "_column",
        "_label",
        "_row_hash",
        *[f"_num_{i}" for i in range(len(columns.numeric))],
        *[quoted(name) for name in columns.categorical],
        f"CAST(CASE _column {offending} END AS STRING) AS _value",
        *bitmasks(
            [f"array_contains(DataQualityRulesFail, {text(r.text)})" for r in rules], "_fails"
        ),
        *bitmasks([f"{quoted(name)} IS NULL" for name in sources], "_nulls"),
    )


def examples(classified: Any) -> dict[tuple[str, str], list[str]]:
    """Up to ``EXAMPLES`` distinct offending values (the smallest) of every dropped
    (reason, column), in one query (a query per column took minutes on wide inputs:
    each plans the whole first pass again); none for a value that is missing."""
    chosen = (
        classified.where("_reason IS NOT NULL AND _column IS NOT NULL AND _value IS NOT NULL")
        .selectExpr("_reason", "_column", "_value")
        .distinct()
        .selectExpr(
            "_reason",
            "_column",
            "_value",
            "row_number() OVER (PARTITION BY _reason, _column ORDER BY _value) AS _n",
        )
        .where(f"_n <= {EXAMPLES}")
    )
    found: dict[tuple[str, str], list[str]] = {}
    for row in sorted(chosen.collect(), key=lambda r: (r["_reason"], r["_column"], r["_n"])):
        found.setdefault((str(row["_reason"]), str(row["_column"])), []).append(str(row["_value"]))
    return found


def label_summary(contract: Contract) -> dict[str, Any]:
    positive, negative = label_values(contract)
    return {"positive": positive, "negative": negative, "match": contract.label_match}


def describe(
    reason: str, column: str | None, count: int, values: list[str], at: str | None = None
) -> str:
    """One drop reason as a message names it; ``at``: where its first example stands
    (``etl_scan.locate``)."""
    where = f" in {column!r}" if column else ""
    shown = f" (e.g. {', '.join(repr(v) for v in values)})" if values else ""
    return f"{reason}{where}: {count}{shown}" + (
        f", the first of these examples at {at}" if at else ""
    )


def action(contract: Contract, reason: str) -> str:
    """What the contract does with rows failing for ``reason``: drop or fail."""
    return "fail" if reason in ALWAYS_FAIL else contract.on_invalid.get(reason, "drop")


def policy_failures(
    contract: Contract,
    drops: list[tuple[str, str | None, int, list[str]]],
    where: Callable[[str | None, list[str]], str | None],
) -> list[str]:
    """The drop reasons the contract refuses outright, described (the first five with
    ``where`` their first example stands)."""
    refused = [d for d in drops if d[2] and action(contract, d[0]) == "fail"]
    return [
        describe(reason, column, count, values, where(column, values) if i < 5 else None)
        for i, (reason, column, count, values) in enumerate(refused)
    ]


DECIMAL_COMMA = re.compile(r"[+-]?[0-9]*,[0-9]+")
DECIMAL_POINT = re.compile(r"[+-]?[0-9]*[.][0-9]+")
COMMA_GROUPS = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+")  # a decimal comma, or groups?
POINT_GROUPS = re.compile(r"[+-]?[0-9]{1,3}([.][0-9]{3})+")  # with "decimal": ",": a point?
# A date or timestamp as exports write them: 2024-01-31, 31/01/2024, 1.31.24, 2024-01-31T08:00
DATE = re.compile(
    r"([0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}|[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{2,4})"
    r"([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)


# A column name that says it identifies rows: customerID, customer_id, order-key, uuid.
# (case matters for camelCase only: "customerId", not "paid" or "valid")
ID_NAME = re.compile(r"(?:^|[^A-Za-z])(?i:id|ids|key|uuid|guid)$|[a-z0-9](?:ID|Id|IDs|Ids)$")


def hints(
    contract: Contract,
    drops: list[tuple[str, str | None, int, list[str]]],
    empty: int = 0,
    total: int = 0,
) -> list[str]:
    """How to fix the input (or the config) for each reason of ``drops`` (reason, column,
    rows, examples) that has a usual cause; ``empty``: rows with no value in any column
    the job reads (``etl_features.profile``); ``total``: the rows read."""
    reasons = [reason for reason, *_ in drops]
    commas = contract.decimal == "." and any(
        DECIMAL_COMMA.fullmatch(value)
        for reason, _, _, values in drops
        if reason == "non_numeric"
        for value in values
    )
    grouped = [
        v for reason, _, _, values in drops if reason == "thousands_separator" for v in values
    ]
    scan = f"scan_max_bytes {contract.scan_max_bytes}"
    known = {
        "undecodable": f"rows past the raw-byte scan ({scan}) hold bytes that are not valid "
        f"{contract.encoding}: declare the files' encoding, or raise scan_max_bytes above "
        "the file size so the scan names the byte",
        "malformed_row": f"Spark could not parse rows past the raw-byte scan ({scan}): raise "
        "scan_max_bytes above the file size so the scan names their lines",
        "thousands_separator": (
            # "1,234" may be a decimal comma; "31,549.27" or "1 234" groups digits
            'if \',\' is the file\'s decimal separator, declare "decimal": "," (with '
            '"delimiter": ";"), or write the numbers with \'.\''
            if contract.decimal == "." and all(COMMA_GROUPS.fullmatch(v) for v in grouped)
            # and the other way round: "10.030" under "decimal": "," may be a decimal point
            else 'if \'.\' is the file\'s decimal separator, remove "decimal": "," from the '
            "dataset config ('.' is the default), or write the numbers with ','"
            if contract.decimal == "," and all(POINT_GROUPS.fullmatch(v) for v in grouped)
            else "numbers with digit groups are refused: write them without the separators"
        ),
        "non_numeric": '\',\' looks like the file\'s decimal separator: declare "decimal": ","'
        ' (with "delimiter": ";")',
        "unknown_label": f"the declared labels are {normalised_labels(contract)} (after "
        f"label_match {contract.label_match!r})" + label_fixes(contract, drops),
    }
    if contract.missing_values:
        spelled = (
            f"values spelled {', '.join(map(repr, contract.missing_values))} count as missing "
            '(set "missing_values" to the spellings your data uses; [] for none)'
        )
        known["missing_value"] = known["missing_label"] = spelled
    blank = sorted(
        {
            str(column)
            for reason, column, count, _ in drops
            if reason == "missing_value" and total and count >= total
        }
    )
    if blank:  # no spelling to declare: the column holds nothing at all
        listed = ", ".join(map(repr, blank))
        known["missing_value"] = (
            f"{listed} {'has' if len(blank) == 1 else 'have'} no value in any row: list "
            f'{"it" if len(blank) == 1 else "them"} under "drop"'
            + (f"; {known['missing_value']}" if "missing_value" in known else "")
        )
    if empty:  # ",,,,,": what a spreadsheet exports for rows it once formatted
        known["missing_label"] = (
            f"{empty} of the rows missing their label have no value in any column the job "
            "reads (a spreadsheet's empty rows): delete them"
            + (f"; {known['missing_label']}" if "missing_label" in known else "")
        )
    points = contract.decimal == "," and any(
        DECIMAL_POINT.fullmatch(value)
        for reason, _, _, values in drops
        if reason == "non_numeric"
        for value in values
    )
    if points:
        known["non_numeric"] = (
            "values like '3.14' use a decimal point, but the config declares \"decimal\": "
            '","; write them with commas, or remove "decimal" if the file uses points'
        )
        return list(dict.fromkeys(known[r] for r in reasons if r in known))
    # numbers but for one or two short words without a digit ("n.a.", "--", "unknown"),
    # recurring, in at most half the rows (the examples show every such spelling when fewer than
    # EXAMPLES): how the column writes a missing value, not text to encode
    spellings = {
        str(column): values
        for reason, column, count, values in drops
        if reason == "non_numeric"
        and 0 < len(values) < EXAMPLES
        and count >= 2 * len(values)  # a spelling recurs; once is more likely a typo
        and all(MISSING_WORD.fullmatch(value) for value in values)
        and (not total or 2 * count <= total)
    }
    texts = sorted(
        {
            str(column)
            for reason, column, *_ in drops
            if reason == "non_numeric" and str(column) not in spellings
        }
    )
    dates = sorted(
        {
            str(column)
            for reason, column, _, values in drops
            if reason == "non_numeric" and values and all(DATE.fullmatch(v) for v in values)
        }
    )
    fixes = []
    if spellings:
        listed = "; ".join(f"{c!r} {', '.join(map(repr, v))}" for c, v in spellings.items())
        fixes.append(
            f"numbers but for a spelling with no digit ({listed}): if it means a missing "
            f'value, add it to "missing_values" (now {list(contract.missing_values)})'
        )
    if dates:  # as a category, a date is a feature per day the model cannot use on new data
        fixes.append(
            f"{', '.join(map(repr, dates))} hold{'s' if len(dates) == 1 else ''} dates: list "
            f'{"it" if len(dates) == 1 else "them"} under "drop" (as a category a date makes '
            "a feature per day, none of which new data has); to use one, derive a number from "
            "it (days since, month) before the job"
        )
    others = [column for column in texts if column not in dates]
    if contract.numeric is None and others:
        # every column not named elsewhere was taken as numeric: text there is a role
        # the config did not give, more often than bad data
        ids = [column for column in others if ID_NAME.search(column)]
        texts = [column for column in others if column not in ids]
        roles = []
        if ids:  # as a category an id is a feature per row: never a feature at all
            roles.append(f'{", ".join(map(repr, ids))} under "identifiers" (an id is no feature)')
        if texts:
            roles.append(
                f'{", ".join(map(repr, texts))} under "categorical" (or "drop") if it holds text'
            )
        fixes.append(
            '"numeric" is null, so every column not named elsewhere is numeric: list '
            + "; ".join(roles)
        )
    if not commas and fixes:
        known["non_numeric"] = "; ".join(fixes)
    elif not commas:
        del known["non_numeric"]
    return list(dict.fromkeys(known[r] for r in reasons if r in known))


def label_fixes(contract: Contract, drops: list[tuple[str, str | None, int, list[str]]]) -> str:
    """The fixes that fit the unknown labels seen: matching in any case, when that is
    all they differ by; declaring more spellings of a class, when it is not."""
    seen = [v for reason, _, _, values in drops if reason == "unknown_label" for v in values]
    declared = {normalise(v, "trim_ignore_case") for v in (*contract.positive, *contract.negative)}
    by_case = [v for v in seen if normalise(v, "trim_ignore_case") in declared]
    fixes = ""
    if by_case and contract.label_match != "trim_ignore_case":
        fixes += '; "label_match": "trim_ignore_case" also matches them in other cases'
    others = [v for v in seen if v not in by_case]
    if others or not seen:
        shown = ", ".join(map(repr, others[:3]))
        fixes += (
            f"; if {shown} {'is a spelling' if len(others) == 1 else 'are spellings'} of a "
            if others
            else "; if the data spells a class several ways, "
        ) + 'class, "positive_label" and "negative_label" take lists (e.g. ["yes", "1"])'
    return fixes


def normalised_labels(contract: Contract) -> str:
    return ", ".join(
        repr(normalise(v, contract.label_match)) for v in (*contract.positive, *contract.negative)
    )
