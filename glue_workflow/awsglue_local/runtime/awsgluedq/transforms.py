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

    @classmethod
    def apply(
        cls,
        frame: Any,
        ruleset: str,
        publishing_options: Mapping[str, Any] = _NO_OPTIONS,
        transformation_ctx: str = "",
    ) -> Any:
        """The rule outcomes as a DynamicFrame (Rule, Outcome, FailureReason, EvaluatedMetrics)."""
        return cls().process_rows(frame, ruleset, publishing_options)["ruleOutcomes"]

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

        row_rules = [r for r in rules if r.kind in ("IsComplete", "ColumnValues")]
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
    passes = F.filter(F.array(*[F.when(c, F.lit(r.text)) for c, r in pairs]), F.isnotnull)
    fails = F.filter(F.array(*[F.when(~c, F.lit(r.text)) for c, r in pairs]), F.isnotnull)
    if not rules:
        return passes, fails
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


def _evaluate_all(rules: list[Rule], df: Any) -> list[Outcome]:
    """Every rule's outcome from one aggregation pass over the frame."""
    from pyspark.sql import functions as F

    aggs = [F.count(F.lit(1)).alias("n")]
    for i, rule in enumerate(rules):
        name = rule.column
        if name is None or rule.kind == "ColumnExists" or name not in df.columns:
            continue
        col = F.col("`" + name.replace("`", "``") + "`")
        if rule.kind in ("IsComplete", "Completeness"):
            aggs.append(F.count(col).alias(f"c{i}"))
        elif rule.kind in ("IsUnique", "Uniqueness", "IsPrimaryKey"):
            aggs += [F.countDistinct(col).alias(f"d{i}"), F.count(col).alias(f"c{i}")]
        else:  # ColumnValues
            aggs.append(F.sum(F.when(row_condition(rule), 1).otherwise(0)).alias(f"p{i}"))
    row = df.agg(*aggs).first().asDict()
    return [_outcome_of(i, rule, df.columns, row) for i, rule in enumerate(rules)]


def _outcome_of(i: int, rule: Rule, columns: list[str], row: dict[str, Any]) -> Outcome:
    name, n = rule.column, int(row["n"])
    metric_name = f"Column.{name}.{rule.kind}" if name else f"Dataset.*.{rule.kind}"
    if rule.kind == "ColumnExists":
        ok = name in columns
        return rule.text, _outcome(ok), None if ok else f"column {name!r} is missing", {}
    if name is not None and name not in columns:
        return rule.text, "Failed", f"column {name!r} is missing", {}
    if rule.kind == "RowCount":
        value = float(n)
        ok = check_number(value, rule.condition, rule.text)
    elif rule.kind == "ColumnCount":
        value = float(len(columns))
        ok = check_number(value, rule.condition, rule.text)
    elif rule.kind in ("IsComplete", "Completeness"):
        value = float(row[f"c{i}"]) / n if n else 1.0
        ok = (
            value == 1.0
            if rule.kind == "IsComplete"
            else check_number(value, rule.condition, rule.text)
        )
    elif rule.kind in ("IsUnique", "Uniqueness", "IsPrimaryKey"):
        value = float(row[f"d{i}"]) / n if n else 1.0
        if rule.kind == "Uniqueness":
            ok = check_number(value, rule.condition, rule.text)
        else:
            ok = value == 1.0 and (rule.kind == "IsUnique" or row[f"c{i}"] == n)
    else:  # ColumnValues
        value = float(row[f"p{i}"] or 0) / n if n else 1.0
        ok = value == 1.0
    reason = None if ok else f"value {value:g} does not satisfy {rule.text}"
    return rule.text, _outcome(ok), reason, {metric_name: value}


def _outcome(ok: bool) -> str:
    return "Passed" if ok else "Failed"
