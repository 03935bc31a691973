"""``EvaluateDataQuality`` for the DQDL subset in ``awsgluedq._dqdl``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awsgluedq._dqdl import Rule, check_number, parse_ruleset, row_condition

__all__ = ["EvaluateDataQuality"]

_NO_OPTIONS: Mapping[str, Any] = {}
# (Rule, Outcome, FailureReason, EvaluatedMetrics): one row of ruleOutcomes.
Outcome = tuple[str, str, str | None, dict[str, float]]


class EvaluateDataQuality:
    """Evaluate a DQDL ruleset on a DynamicFrame (rule outcomes, row-level outcomes)."""

    # The key of process_rows' rule outcomes: Glue Studio's generated scripts read
    # results[EvaluateDataQuality.DATA_QUALITY_RULE_OUTCOMES_KEY] where they also select
    # key="ruleOutcomes" (public Glue Studio job scripts). No public script names a
    # constant for "rowLevelOutcomes" or "originalData": they pass the literal key.
    DATA_QUALITY_RULE_OUTCOMES_KEY = "ruleOutcomes"

    @classmethod
    def apply(
        cls,
        frame: Any,
        ruleset: str,
        publishing_options: Mapping[str, Any] = _NO_OPTIONS,
        transformation_ctx: str = "",
    ) -> Any:
        """The rule outcomes as a DynamicFrame (Rule, Outcome, FailureReason, EvaluatedMetrics)."""
        results = cls().process_rows(frame, ruleset, publishing_options)
        return results[cls.DATA_QUALITY_RULE_OUTCOMES_KEY]

    def process_rows(
        self,
        frame: Any,
        ruleset: str,
        publishing_options: Mapping[str, Any] = _NO_OPTIONS,
        additional_options: Mapping[str, Any] = _NO_OPTIONS,
    ) -> Any:
        from awsglue.dynamicframe import DynamicFrame, DynamicFrameCollection
        from pyspark.sql import functions as F
        from pyspark.sql.types import (
            DoubleType,
            MapType,
            StringType,
            StructField,
            StructType,
        )

        rules = parse_ruleset(ruleset)
        df = frame.toDF()
        glue_ctx = frame.glue_ctx

        def rule_outcomes() -> DynamicFrame:
            # built when read: one aggregation pass that a job using only the row-level
            # outcomes never pays for
            outcomes = _evaluate_all(rules, df)
            schema = StructType(
                [
                    StructField("Rule", StringType()),
                    StructField("Outcome", StringType()),
                    StructField("FailureReason", StringType()),
                    StructField("EvaluatedMetrics", MapType(StringType(), DoubleType())),
                ]
            )
            failed = [o[0] for o in outcomes if o[1] == "Failed"]
            if failed:
                glue_ctx.get_logger().warn(f"data quality rules failed: {'; '.join(failed)}")
            rule_df = df.sparkSession.createDataFrame(outcomes, schema)
            return DynamicFrame(rule_df, glue_ctx, "ruleOutcomes")

        # A rule naming a missing column has no row-level result: it is in neither list
        # (Deequ's DQDL row-level results, awslabs/deequ dqdl/execution/RowLevelResultHelper;
        # Glue lists such rules in a DataQualityRulesSkip column, not emulated here).
        row_rules = [
            r
            for r in rules
            if r.kind in ("IsComplete", "ColumnValues") and not _missing(r, df.columns)
        ]
        passed, failed = _row_outcomes(row_rules)
        rows = df.select(
            "*", passed.alias("DataQualityRulesPass"), failed.alias("DataQualityRulesFail")
        ).withColumn(
            "DataQualityEvaluationResult",
            F.when(F.size("DataQualityRulesFail") > 0, "Failed").otherwise("Passed"),
        )
        return DynamicFrameCollection(
            {
                "ruleOutcomes": rule_outcomes,
                "rowLevelOutcomes": DynamicFrame(rows, glue_ctx, "rowLevelOutcomes"),
                # the input as given: Glue Studio's "originalData" output node selects it
                "originalData": frame,
            },
            glue_ctx,
        )


def _row_outcomes(rules: list[Rule]) -> tuple[Any, Any]:
    """The arrays of rules each row passes and fails, in ruleset order. A row passing
    every rule (most rows) gets constant arrays: the per-element filter, which Spark
    evaluates without code generation, runs only for rows failing some rule."""
    from pyspark.sql import functions as F

    ok = [row_condition(r) for r in rules]  # never null
    pairs = list(zip(ok, rules, strict=True))
    if not rules:
        none = F.array().cast("array<string>")
        return none, none
    passes = F.filter(F.array(*[F.when(c, F.lit(r.text)) for c, r in pairs]), F.isnotnull)
    fails = F.filter(F.array(*[F.when(~c, F.lit(r.text)) for c, r in pairs]), F.isnotnull)
    every = _all(ok)
    constant = F.array(*[F.lit(r.text) for r in rules])
    return (
        F.when(every, constant).otherwise(passes),
        F.when(every, F.array().cast("array<string>")).otherwise(fails),
    )


def _all(conditions: list[Any]) -> Any:
    """The conditions ANDed as a balanced tree: a chain of hundreds (a wide dataset's
    rules) is as deep, and Spark's optimizer recurses through it (stack overflow)."""
    while len(conditions) > 1:
        pairs = zip(conditions[::2], conditions[1::2], strict=False)
        conditions = [a & b for a, b in pairs] + conditions[len(conditions) - len(conditions) % 2 :]
    return conditions[0]


# Rules on the frequencies of values (Deequ's frequency-based analyzers, which Glue Data
# Quality runs: awslabs/deequ analyzers/GroupingAnalyzers.scala, Uniqueness.scala).
_FREQUENCY = ("IsUnique", "Uniqueness", "IsPrimaryKey", "UniqueValueRatio")


def _evaluate_all(rules: list[Rule], df: Any) -> list[Outcome]:
    """Every rule's outcome: one aggregation pass over the frame, plus one grouping pass
    per column set that a frequency-based rule (Uniqueness, ...) names."""
    from pyspark.sql import functions as F

    columns = df.columns
    aggs = [F.count(F.lit(1)).alias("n")]
    for i, rule in enumerate(rules):
        if rule.kind == "ColumnExists" or _missing(rule, columns):
            continue
        cols = [_col(name) for name in rule.columns]
        if rule.kind in ("IsComplete", "Completeness", "IsPrimaryKey"):
            aggs += [F.count(c).alias(f"c{i}_{j}") for j, c in enumerate(cols)]
        elif rule.kind == "DistinctValuesCount":
            # Deequ's Histogram (DistinctValuesCount's metric) counts null as one more value
            has_null = F.coalesce(F.max(F.when(cols[0].isNull(), 1).otherwise(0)), F.lit(0))
            aggs.append((F.countDistinct(cols[0]) + has_null).alias(f"v{i}"))
        elif rule.kind == "ColumnValues":
            aggs.append(F.sum(F.when(row_condition(rule), 1).otherwise(0)).alias(f"p{i}"))
    row = df.agg(*aggs).first().asDict()
    grouped = {r.columns for r in rules if r.kind in _FREQUENCY and not _missing(r, columns)}
    frequencies = {names: _frequencies(df, names) for names in grouped}
    return [_outcome_of(i, rule, columns, row, frequencies) for i, rule in enumerate(rules)]


def _frequencies(df: Any, names: tuple[str, ...]) -> tuple[int, int, int]:
    """(values occurring once, distinct values, rows counted) of a column set. As Deequ's
    computeFrequencies, a row whose columns are all null is not counted; a partly null
    combination is a value."""
    from pyspark.sql import functions as F

    cols = [_col(name) for name in names]
    present = cols[0].isNotNull()
    for col in cols[1:]:
        present = present | col.isNotNull()
    counts = df.where(present).groupBy(*cols).agg(F.count(F.lit(1)).alias("__dq_n"))
    row = counts.agg(
        F.sum(F.when(F.col("__dq_n") == 1, 1).otherwise(0)).alias("unique"),
        F.count(F.lit(1)).alias("distinct"),
        F.sum("__dq_n").alias("rows"),
    ).first()
    return int(row["unique"] or 0), int(row["distinct"]), int(row["rows"] or 0)


def _missing(rule: Rule, columns: list[str]) -> list[str]:
    return [name for name in rule.columns if name not in columns]


def _col(name: str) -> Any:
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def _outcome_of(
    i: int,
    rule: Rule,
    columns: list[str],
    row: dict[str, Any],
    frequencies: dict[tuple[str, ...], tuple[int, int, int]],
) -> Outcome:
    kind, names, n = rule.kind, rule.columns, int(row["n"])
    if kind == "ColumnExists":
        ok = names[0] in columns
        return rule.text, _outcome(ok), None if ok else f"column {names[0]!r} is missing", {}
    missing = _missing(rule, columns)
    if missing:
        # Glue's failure reason (Deequ's hasColumn precondition; seen in Glue's
        # GetDataQualityResult): the rule fails, the others are evaluated
        return rule.text, "Failed", f"Input data does not include column {missing[0]}!", {}
    # Metric names as Glue reports them (Deequ's DQDL mapping, awslabs/deequ
    # dqdl/translation/rules/*Rule.scala): IsComplete reports Completeness, IsUnique
    # Uniqueness, several columns "Multicolumn.a,b".
    subject = f"Column.{names[0]}" if len(names) == 1 else f"Multicolumn.{','.join(names)}"
    metrics: dict[str, float] = {}
    if kind in ("RowCount", "ColumnCount"):
        value = float(n if kind == "RowCount" else len(columns))
        metrics[f"Dataset.*.{kind}"] = value
        ok = check_number(value, rule.condition, rule.text)
    elif kind in ("IsComplete", "Completeness"):
        value = float(row[f"c{i}_0"]) / n if n else 1.0
        metrics[f"{subject}.Completeness"] = value
        ok = (
            value == 1.0 if kind == "IsComplete" else check_number(value, rule.condition, rule.text)
        )
    elif kind == "DistinctValuesCount":
        value = float(row[f"v{i}"] or 0)
        metrics[f"{subject}.DistinctValuesCount"] = value
        ok = check_number(value, rule.condition, rule.text)
    elif kind in _FREQUENCY:
        unique, distinct, counted = frequencies[names]
        if not counted:
            # Deequ fails the metric of a frequency over no value (EmptyStateException)
            empty = f"Empty state for analyzer {kind}: all input values of {subject} are NULL"
            return rule.text, "Failed", empty, {}
        if kind == "UniqueValueRatio":
            # unique values / distinct values (dqdl-rule-types-UniqueValueRatio)
            metrics[f"{subject}.UniqueValueRatio"] = unique / distinct
            ok = check_number(unique / distinct, rule.condition, rule.text)
        else:
            # values occurring exactly once / rows (dqdl-rule-types-Uniqueness)
            metrics[f"{subject}.Uniqueness"] = unique / counted
            if kind == "Uniqueness":
                ok = check_number(unique / counted, rule.condition, rule.text)
            else:
                ok = unique == counted
            if kind == "IsPrimaryKey":  # also complete (IsPrimaryKeyRule.scala)
                for j, name in enumerate(names):
                    metrics[f"Column.{name}.Completeness"] = float(row[f"c{i}_{j}"]) / n
                ok = ok and all(row[f"c{i}_{j}"] == n for j in range(len(names)))
    else:  # ColumnValues
        value = float(row[f"p{i}"] or 0) / n if n else 1.0
        metrics[f"{subject}.ColumnValues"] = value
        ok = value == 1.0
    shown = ", ".join(f"{k} = {v:.4g}" for k, v in metrics.items())
    reason = None if ok else f"{shown} does not satisfy {rule.text}"
    return rule.text, _outcome(ok), reason, metrics


def _outcome(ok: bool) -> str:
    return "Passed" if ok else "Failed"
