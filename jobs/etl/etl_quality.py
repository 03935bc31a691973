"""Spark side of the data contract: read every file by its header, evaluate the
contract's Glue Data Quality rules row by row, and decide why each row is dropped.

Every column is read as text with an explicit schema (no type inference), so the same
CSV gives the same values, the same row key and the same split on Glue and locally.

Shipped to Glue with ``--extra-py-files``; runs on Python 3.9.
"""

from __future__ import annotations

from typing import Any

from etl_contract import (
    ALWAYS_FAIL,
    THOUSANDS_PATTERN,
    Columns,
    Contract,
    DqRule,
    FileGroup,
    PreprocessError,
    label_values,
    normalise,
    ruleset,
)

CORRUPT = "_corrupt_record"
EXAMPLES = 3


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
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    check_charset(spark, contract)
    frames = []
    for group in groups:
        positional = [f"_c{i}" for i in range(len(group.names))]
        schema = StructType(
            [StructField(c, StringType()) for c in positional]
            + [StructField(CORRUPT, StringType())]
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
            .option("columnNameOfCorruptRecord", CORRUPT)
            .csv([spark_path(u) for u in group.uris])
        )
        renamed = [F.col(p).alias(n) for p, n in zip(positional, group.names)]
        frames.append(df.select(*renamed, F.col(CORRUPT)))
    result = frames[0]
    for frame in frames[1:]:
        result = result.unionByName(frame)
    return result


# What Java's regex \s matches: a value is trimmed of these at both ends.
WHITESPACE = " \t\n\u000b\f\r"


def _text(name: str) -> Any:
    """The trimmed value, null when empty (trim with a character set: no regex per
    value, which dominated the cost of a pass)."""
    from pyspark.sql import functions as F

    column = "`" + name.replace("`", "``") + "`"
    value = F.expr(f"trim(BOTH '{WHITESPACE}' FROM {column})")
    return F.when(value == "", None).otherwise(value)


def stage(raw: Any, contract: Contract, columns: Columns, seed: int) -> Any:
    """Trimmed text per feature (empty = null), the label after label_match, the row
    key hash, and the corrupt-record marker."""
    from pyspark.sql import functions as F

    label = F.col(f"`{contract.target}`")
    if contract.label_match != "exact":
        label = _text(contract.target)
    if contract.label_match == "trim_ignore_case":
        label = F.lower(label)
    key = [
        F.coalesce(_text(name), F.lit("\u0000")) for name in sorted(columns.names)
    ]  # the raw row's values by column name: independent of file column order
    return raw.select(
        label.alias(contract.target),
        *[_text(n).alias(n) for n in (*columns.numeric, *columns.categorical)],
        F.xxhash64(F.lit(seed), *key).alias("_row_hash"),
        F.col(CORRUPT).isNotNull().alias("_malformed"),
    )


def evaluate(glue_context: Any, staged: Any, rules: list[DqRule]) -> Any:
    """Glue Data Quality's row-level outcomes of the contract's rules."""
    from awsglue.dynamicframe import DynamicFrame
    from awsgluedq.transforms import EvaluateDataQuality

    frame = DynamicFrame.fromDF(staged, glue_context, "contract_input")
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
    return results["rowLevelOutcomes"].toDF()


def classify(outcomes: Any, contract: Contract, columns: Columns, rules: list[DqRule]) -> Any:
    """Adds ``_label`` (0/1), the parsed numeric columns, and ``_reason``/``_column``:
    the first reason a row is dropped, in precedence order (null when kept)."""
    from pyspark.sql import functions as F

    failed = F.col("DataQualityRulesFail")
    positive, _ = label_values(contract)
    reason = F.when(F.col("_malformed"), F.lit("malformed_row"))
    column = F.when(F.col("_malformed"), F.lit(None).cast("string"))
    for rule in rules:
        hit = F.array_contains(failed, rule.text)
        kind = F.lit(rule.reason)
        if rule.reason == "non_numeric":
            bad = F.col(f"`{rule.column}`").rlike(THOUSANDS_PATTERN)
            kind = F.when(bad, F.lit("thousands_separator")).otherwise(F.lit("non_numeric"))
        reason = reason.when(hit, kind)
        column = column.when(hit, F.lit(rule.column))
    parsed = {
        name: F.expr(f"try_cast(`{name}` AS double)").alias(f"_num_{i}")
        for i, name in enumerate(columns.numeric)
    }
    for i, name in enumerate(columns.numeric):
        value = F.col(f"_num_{i}")
        non_finite = F.isnan(value) | value.isin(float("inf"), float("-inf"))
        reason = reason.when(non_finite, F.lit("non_finite"))
        column = column.when(non_finite, F.lit(name))
    label = F.col(f"`{contract.target}`")
    staged = outcomes.select(
        "*",
        F.when(label.isin(*positive), F.lit(1)).otherwise(F.lit(0)).alias("_label"),
        *parsed.values(),
    )
    return staged.withColumn("_reason", reason).withColumn("_column", column)


def for_cache(classified: Any, contract: Contract, columns: Columns, rules: list[DqRule]) -> Any:
    """The columns the later passes read, and no more: the parsed numbers, the
    categories' text, a dropped row's offending value (``_value``: its examples), and
    the rules each row failed and the source columns that are null as bit masks (the
    rule arrays hold the text of every rule: 1M rows of them would not fit a 1 GB
    heap's cache), counted by ``etl_features.profile``."""
    from etl_features import bitmasks
    from pyspark.sql import functions as F

    failed = F.col("DataQualityRulesFail")
    column = F.col("_column")
    sources = [*columns.numeric, *columns.categorical]
    value = F.when(column.isNull(), F.lit(None).cast("string"))
    for name in dict.fromkeys([contract.target, *sources]):
        value = value.when(column == F.lit(name), _col(name))
    return classified.select(
        "_reason",
        "_column",
        "_label",
        "_row_hash",
        *[f"_num_{i}" for i in range(len(columns.numeric))],
        *[_col(name) for name in columns.categorical],
        value.alias("_value"),
        *bitmasks([F.array_contains(failed, r.text) for r in rules], "_fails"),
        *bitmasks([_col(name).isNull() for name in sources], "_nulls"),
    )


def _col(name: str) -> Any:
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def examples(classified: Any, reason: str, column: str | None) -> list[str]:
    """Up to three distinct offending values of one (reason, column); none for a
    missing value."""
    from pyspark.sql import functions as F

    if column is None:
        return []
    where = (F.col("_reason") == reason) & (F.col("_column") == column)
    where = where & F.col("_value").isNotNull()
    rows = classified.where(where).select("_value").distinct().limit(EXAMPLES)
    return [str(r[0]) for r in rows.collect()]


def label_summary(contract: Contract) -> dict[str, Any]:
    positive, negative = label_values(contract)
    return {"positive": positive, "negative": negative, "match": contract.label_match}


def describe(reason: str, column: str | None, count: int, values: list[str]) -> str:
    where = f" in {column!r}" if column else ""
    shown = f" (e.g. {', '.join(repr(v) for v in values)})" if values else ""
    return f"{reason}{where}: {count}{shown}"


def action(contract: Contract, reason: str) -> str:
    """What the contract does with rows failing for ``reason``: drop or fail."""
    return "fail" if reason in ALWAYS_FAIL else contract.on_invalid.get(reason, "drop")


def policy_failures(
    contract: Contract, drops: list[tuple[str, str | None, int, list[str]]]
) -> list[str]:
    """The drop reasons the contract refuses outright, described."""
    return [
        describe(reason, column, count, values)
        for reason, column, count, values in drops
        if count and action(contract, reason) == "fail"
    ]


def normalised_labels(contract: Contract) -> str:
    return ", ".join(
        repr(normalise(v, contract.label_match)) for v in (*contract.positive, *contract.negative)
    )
