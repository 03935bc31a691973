"""The local Glue Data Quality runtime on DQDL's documented NULL semantics and list
keywords (docs.aws.amazon.com/glue/latest/dg/dqdl-rule-types-ColumnValues.html)."""

from __future__ import annotations

from typing import Any

import pytest


def row_outcomes(spark: Any, glue_context: Any, ruleset: str) -> dict[int, list[str]]:
    from awsglue.dynamicframe import DynamicFrame
    from awsgluedq.transforms import EvaluateDataQuality

    df = spark.createDataFrame(
        [(1, "a"), (2, None), (3, ""), (4, "  "), (5, "b")], "id long, c string"
    )
    frame = DynamicFrame.fromDF(df, glue_context, "f")
    rows = EvaluateDataQuality().process_rows(frame=frame, ruleset=ruleset)["rowLevelOutcomes"]
    return {r["id"]: sorted(r["DataQualityRulesFail"]) for r in rows.toDF().collect()}


@pytest.mark.spark
def test_null_fails_every_column_values_rule_but_the_negated_ones(spark, glue_context):
    ruleset = (
        'Rules = [ ColumnValues "c" in ["a"], ColumnValues "c" not in ["a"], '
        'ColumnValues "c" != "a", ColumnValues "c" matches "^[a-z]$" ]'
    )
    failed = row_outcomes(spark, glue_context, ruleset)
    assert failed[2] == ['ColumnValues "c" in ["a"]', 'ColumnValues "c" matches "^[a-z]$"']
    assert failed[1] == ['ColumnValues "c" != "a"', 'ColumnValues "c" not in ["a"]']
    assert 'ColumnValues "c" in ["a"]' in failed[5]


@pytest.mark.spark
def test_list_keywords_and_null_comparisons(spark, glue_context):
    ruleset = (
        'Rules = [ ColumnValues "c" in ["a", NULL, EMPTY, WHITESPACES_ONLY], '
        'ColumnValues "c" != NULL ]'
    )
    failed = row_outcomes(spark, glue_context, ruleset)
    assert failed == {
        1: [],
        2: ['ColumnValues "c" != NULL'],
        3: [],
        4: [],
        5: ['ColumnValues "c" in ["a", NULL, EMPTY, WHITESPACES_ONLY]'],
    }


@pytest.mark.spark
def test_rule_outcomes_come_from_one_pass(spark, glue_context):
    from awsglue.dynamicframe import DynamicFrame
    from awsgluedq.transforms import EvaluateDataQuality

    frame = DynamicFrame.fromDF(
        spark.createDataFrame([(1, "a"), (2, None)], "id long, c string"), glue_context, "f"
    )
    ruleset = (
        'Rules = [ RowCount = 2, Completeness "c" > 0.4, IsPrimaryKey "id", ColumnExists "zz" ]'
    )
    outcomes = {
        r["Rule"]: (r["Outcome"], dict(r["EvaluatedMetrics"]))
        for r in EvaluateDataQuality.apply(frame=frame, ruleset=ruleset).toDF().collect()
    }
    assert outcomes == {
        "RowCount = 2": ("Passed", {"Dataset.*.RowCount": 2.0}),
        'Completeness "c" > 0.4': ("Passed", {"Column.c.Completeness": 0.5}),
        'IsPrimaryKey "id"': ("Passed", {"Column.id.IsPrimaryKey": 1.0}),
        'ColumnExists "zz"': ("Failed", {}),
    }


@pytest.mark.spark
def test_rule_outcomes_cost_no_spark_job_until_read(spark, glue_context):
    """A job that uses only the row-level outcomes (as preprocess does) does not pay for
    the rule outcomes' aggregation pass; reading them runs it."""
    from awsglue.dynamicframe import DynamicFrame
    from awsgluedq.transforms import EvaluateDataQuality

    df = spark.createDataFrame([(1, "a"), (2, None)], "id long, c string")
    frame = DynamicFrame.fromDF(df, glue_context, "f")
    tracker = spark.sparkContext.statusTracker()
    spark.sparkContext.setJobGroup("dq-lazy", "rule outcomes laziness")
    try:
        results = EvaluateDataQuality().process_rows(
            frame=frame, ruleset='Rules = [ IsComplete "c", RowCount > 1 ]'
        )
        results["rowLevelOutcomes"]
        assert tracker.getJobIdsForGroup("dq-lazy") == []
        outcomes = {r["Rule"]: r["Outcome"] for r in results["ruleOutcomes"].toDF().collect()}
    finally:
        spark.sparkContext.setJobGroup("", "")
    assert tracker.getJobIdsForGroup("dq-lazy") != []
    assert outcomes == {'IsComplete "c"': "Failed", "RowCount > 1": "Passed"}


def test_quoted_strings_read_dqdl_escapes():
    """DQDL's lexer escapes only \\" and \\\\ in a quoted string (QUOTED_STRING, ESC); a
    list item may hold "]" or ","; a pattern's other backslashes stay."""
    from awsgluedq._dqdl import _literal, _split_top, parse_ruleset

    rules = parse_ruleset(
        'Rules = [ IsComplete "a\\\\b", ColumnValues "q\\"t" in ["Y\\\\N", "x,]y", "F"], '
        'ColumnValues "n" matches "^\\d+$" ]'
    )
    assert [r.column for r in rules] == ["a\\b", 'q"t', "n"]
    listed = rules[1].condition[1]
    assert [_literal(v.strip()) for v in _split_top(listed[1:-1])] == ["Y\\N", "x,]y", "F"]
    assert _literal(rules[2].condition[1]) == "^\\d+$"
