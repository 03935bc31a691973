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
        'IsPrimaryKey "id"': (
            "Passed",
            {"Column.id.Uniqueness": 1.0, "Column.id.Completeness": 1.0},
        ),
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


def rule_outcomes(spark: Any, glue_context: Any, rows: list[Any], schema: str, ruleset: str) -> Any:
    """{rule text: (Outcome, EvaluatedMetrics)} of EvaluateDataQuality.apply."""
    from awsglue.dynamicframe import DynamicFrame
    from awsgluedq.transforms import EvaluateDataQuality

    frame = DynamicFrame.fromDF(spark.createDataFrame(rows, schema), glue_context, "f")
    return {
        r["Rule"]: (r["Outcome"], dict(r["EvaluatedMetrics"]))
        for r in EvaluateDataQuality.apply(frame=frame, ruleset=ruleset).toDF().collect()
    }


@pytest.mark.spark
def test_uniqueness_is_the_share_of_values_occurring_exactly_once(spark, glue_context):
    """Uniqueness: "Unique values occur exactly once" (dqdl-rule-types-Uniqueness); as
    Deequ's Uniqueness, rows whose columns are all null are left out of both counts."""
    rows = [(1, "a", "x"), (2, "a", "y"), (3, "b", "x"), (4, "c", "x"), (5, None, None)]
    ruleset = (
        'Rules = [ Uniqueness "c" = 0.5, Uniqueness "c" "d" = 1, Uniqueness "id" = 1.0, '
        'UniqueValueRatio "c" > 0.6, DistinctValuesCount "c" = 4 ]'
    )
    outcomes = rule_outcomes(spark, glue_context, rows, "id long, c string, d string", ruleset)
    assert outcomes == {
        # a, a, b, c (the null row left out): b and c occur once -> 2 / 4
        'Uniqueness "c" = 0.5': ("Passed", {"Column.c.Uniqueness": 0.5}),
        # (a,x) (a,y) (b,x) (c,x): every combination occurs once
        'Uniqueness "c" "d" = 1': ("Passed", {"Multicolumn.c,d.Uniqueness": 1.0}),
        'Uniqueness "id" = 1.0': ("Passed", {"Column.id.Uniqueness": 1.0}),
        # unique values / distinct values: 2 of a, b, c
        'UniqueValueRatio "c" > 0.6': ("Passed", {"Column.c.UniqueValueRatio": 2 / 3}),
        # Deequ's Histogram counts null as a value: a, b, c, null
        'DistinctValuesCount "c" = 4': ("Passed", {"Column.c.DistinctValuesCount": 4.0}),
    }


@pytest.mark.spark
def test_is_unique_ignores_nulls_and_is_primary_key_needs_completeness(spark, glue_context):
    """IsUnique is Uniqueness = 1 (nulls left out); IsPrimaryKey adds Completeness = 1
    (awslabs/deequ dqdl/translation/rules IsUniqueRule, IsPrimaryKeyRule)."""
    rows = [(1, "a", "x"), (2, "b", "x"), (3, None, "y")]
    ruleset = (
        'Rules = [ IsUnique "c", IsPrimaryKey "c", IsUnique "d", IsPrimaryKey "id" "d", '
        'IsUnique "c" "d" ]'
    )
    outcomes = rule_outcomes(spark, glue_context, rows, "id long, c string, d string", ruleset)
    assert outcomes == {
        'IsUnique "c"': ("Passed", {"Column.c.Uniqueness": 1.0}),
        'IsPrimaryKey "c"': (
            "Failed",
            {"Column.c.Uniqueness": 1.0, "Column.c.Completeness": 2 / 3},
        ),
        'IsUnique "d"': ("Failed", {"Column.d.Uniqueness": 1 / 3}),
        'IsPrimaryKey "id" "d"': (
            "Passed",
            {
                "Multicolumn.id,d.Uniqueness": 1.0,
                "Column.id.Completeness": 1.0,
                "Column.d.Completeness": 1.0,
            },
        ),
        'IsUnique "c" "d"': ("Passed", {"Multicolumn.c,d.Uniqueness": 1.0}),
    }


@pytest.mark.spark
def test_a_rule_on_a_missing_column_fails_alone(spark, glue_context):
    """Glue reports the rule Failed with Deequ's "Input data does not include column X!"
    and evaluates the others; per row the rule is in neither list (Deequ's row-level
    results hold no column for it: awslabs/deequ dqdl/execution/RowLevelResultHelper)."""
    from awsglue.dynamicframe import DynamicFrame
    from awsgluedq.transforms import EvaluateDataQuality

    frame = DynamicFrame.fromDF(
        spark.createDataFrame([(1, "a"), (2, "b")], "id long, c string"), glue_context, "f"
    )
    ruleset = (
        'Rules = [ IsComplete "NoSuchCol", RowCount = 2, ColumnValues "Nope" > 1, '
        'ColumnValues "c" in ["a"], IsPrimaryKey "id" "gone" ]'
    )
    outcomes = {
        r["Rule"]: (r["Outcome"], r["FailureReason"])
        for r in EvaluateDataQuality.apply(frame=frame, ruleset=ruleset).toDF().collect()
    }
    assert outcomes == {
        'IsComplete "NoSuchCol"': ("Failed", "Input data does not include column NoSuchCol!"),
        "RowCount = 2": ("Passed", None),
        'ColumnValues "Nope" > 1': ("Failed", "Input data does not include column Nope!"),
        'ColumnValues "c" in ["a"]': (
            "Failed",
            'Column.c.ColumnValues = 0.5 does not satisfy ColumnValues "c" in ["a"]',
        ),
        'IsPrimaryKey "id" "gone"': ("Failed", "Input data does not include column gone!"),
    }
    rows = EvaluateDataQuality().process_rows(frame=frame, ruleset=ruleset)["rowLevelOutcomes"]
    assert {
        r["id"]: (r["DataQualityRulesPass"], r["DataQualityRulesFail"])
        for r in rows.toDF().collect()
    } == {1: (['ColumnValues "c" in ["a"]'], []), 2: ([], ['ColumnValues "c" in ["a"]'])}
    only_missing = 'Rules = [ IsComplete "NoSuchCol" ]'
    rows = EvaluateDataQuality().process_rows(frame=frame, ruleset=only_missing)
    assert [
        r["DataQualityEvaluationResult"] for r in rows["rowLevelOutcomes"].toDF().collect()
    ] == [
        "Passed",
        "Passed",
    ]


@pytest.mark.spark
def test_glue_studio_reads_the_outcomes_by_key(spark, glue_context):
    """Glue Studio's generated scripts read process_rows' collection by
    EvaluateDataQuality.DATA_QUALITY_RULE_OUTCOMES_KEY and by SelectFromCollection with
    the keys "ruleOutcomes", "rowLevelOutcomes" and "originalData" (the input frame)."""
    from awsglue.dynamicframe import DynamicFrame
    from awsglue.transforms import SelectFromCollection
    from awsgluedq.transforms import EvaluateDataQuality

    df = spark.createDataFrame([(1, "a"), (2, None)], "id long, c string")
    frame = DynamicFrame.fromDF(df, glue_context, "f")
    results = EvaluateDataQuality().process_rows(
        frame=frame, ruleset='Rules = [ IsComplete "c", RowCount = 2 ]'
    )
    assert EvaluateDataQuality.DATA_QUALITY_RULE_OUTCOMES_KEY == "ruleOutcomes"
    failed = results[EvaluateDataQuality.DATA_QUALITY_RULE_OUTCOMES_KEY].filter(
        lambda x: x["Outcome"] == "Failed"
    )
    assert [r["Rule"] for r in failed.toDF().collect()] == ['IsComplete "c"']
    outcomes = SelectFromCollection.apply(dfc=results, key="ruleOutcomes")
    assert outcomes.toDF().columns == ["Rule", "Outcome", "FailureReason", "EvaluatedMetrics"]
    rows = SelectFromCollection.apply(dfc=results, key="rowLevelOutcomes")
    assert rows.count() == 2
    original = SelectFromCollection.apply(dfc=results, key="originalData")
    assert original.toDF().collect() == df.collect()
    assert sorted(results.keys()) == ["originalData", "rowLevelOutcomes", "ruleOutcomes"]


@pytest.mark.parametrize(
    ("ruleset", "message"),
    [
        (
            'Rules = [ IsCompleted "State" ]',
            "Parsing Error: Rule Type: IsCompleted is not valid (line 1:10, rule "
            "'IsCompleted \"State\"'): IsCompleted is not a DQDL rule type; did you mean "
            "IsComplete?",
        ),
        (
            "Rules = [\n    RowCount > 0,\n    RowCount >\n]",
            "Parsing Error: missing a number after '>' (line 3:4, rule 'RowCount >'): "
            "a RowCount condition reads e.g. '> 0' or 'between 1 and 10'",
        ),
        (
            "Rules = [ ]",
            "Parsing Error: No rules or analyzers provided. (line 1:8): put at least one "
            "rule in Rules = [ ... ]",
        ),
        (
            'Rules = [ RowCount > 0, IsComplete "c", ]',
            "Parsing Error: extraneous ',' (line 1:38): rules are separated by single "
            "commas, with none after the last",
        ),
        (
            "Rules = [ RowCount > 0 ] Analyzers = [ RowCount, ]",
            "Parsing Error: extraneous ',' (line 1:47): analyzers are separated by single "
            "commas, with none after the last",
        ),
        (
            'Rules = [ IsComplete "c" > 0.5 ]',
            "Parsing Error: IsComplete takes no condition (line 1:10, rule "
            "'IsComplete \"c\" > 0.5'): remove '> 0.5', or use Completeness \"c\" > 0.5",
        ),
        (
            'Rules = [ IsComplete "a" "b" ]',
            "Parsing Error: Rule Type: IsComplete is not valid with 2 columns (line 1:10, "
            'rule \'IsComplete "a" "b"\'): IsComplete takes exactly one quoted column name',
        ),
        (
            'Rules = [ ColumnValues "c" matches ]',
            "Parsing Error: missing a quoted pattern after 'matches' (line 1:10, rule "
            '\'ColumnValues "c" matches\'): write e.g. matches "^[a-z]+$"',
        ),
        (
            "Rules = [ RowCount > 0",
            "Parsing Error: '[' is never closed (line 1:8): end the section with ']'",
        ),
        (
            "RowCount > 0",
            "Parsing Error: unexpected 'RowCount > 0' (line 1:0): a ruleset reads "
            "Rules = [ <rule>, <rule>, ... ]",
        ),
        (
            "Rule = [ RowCount > 0 ]",
            "Parsing Error: unknown section Rule (line 1:0): did you mean Rules?",
        ),
        (
            'Rules = [ AllStatistics "c" ]',
            "Parsing Error: Analyzer Type: AllStatistics is not supported in rules section "
            "(line 1:10, rule 'AllStatistics \"c\"'): move it to Analyzers = [ ... ]",
        ),
    ],
)
def test_dqdl_mistakes_are_parse_errors(ruleset, message):
    """What awslabs/dqdl's parser refuses (DataQualityDefinitionLanguage.g4,
    DQDLParserListener, InvalidDQRulesetTest) is a "Parsing Error" raised when the
    ruleset is parsed, never "not supported by the local awsglue runtime"."""
    from awsgluedq._dqdl import DQDLSyntaxError
    from awsgluedq.transforms import EvaluateDataQuality

    with pytest.raises(DQDLSyntaxError) as raised:
        EvaluateDataQuality().process_rows(frame=None, ruleset=ruleset)  # parsed first
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("ruleset", "feature"),
    [
        ('Rules = [ Mean "x" > 1 ]', "data quality rule type 'Mean'"),
        ("Rules = [ RowCount > 0 ] Analyzers = [ RowCount ]", "the DQDL Analyzers section"),
        ("Rules = [ RowCount > avg(last(10)) ]", "DQDL dynamic expression 'avg(last(10))'"),
        ('Rules = [ ColumnValues "c" not matches "x" ]', "ColumnValues condition 'not matches"),
        ('Rules = [ (IsComplete "a") and (IsComplete "b") ]', "composite DQDL rules"),
    ],
)
def test_valid_dqdl_the_runtime_lacks_is_unsupported(ruleset, feature):
    from awsglue._errors import UnsupportedFeatureError
    from awsgluedq._dqdl import parse_ruleset

    with pytest.raises(UnsupportedFeatureError) as raised:
        parse_ruleset(ruleset)
    assert str(raised.value).startswith(feature)
    assert "not supported by the local awsglue runtime" in str(raised.value)


def test_metadata_and_valid_rules_parse():
    from awsgluedq._dqdl import parse_ruleset

    rules = parse_ruleset(
        'Metadata = { "Version": "1.0" }\nRules = [ RowCount between 1 and 9, '
        'Uniqueness "a" "b" > 0.5, ColumnValues "c" != NULL, IsPrimaryKey "k" ]'
    )
    assert [(r.kind, r.columns) for r in rules] == [
        ("RowCount", ()),
        ("Uniqueness", ("a", "b")),
        ("ColumnValues", ("c",)),
        ("IsPrimaryKey", ("k",)),
    ]


@pytest.mark.spark
def test_uniqueness_of_only_nulls_fails(spark, glue_context):
    """Deequ fails a frequency metric computed over no value (its EmptyStateException)."""
    from awsglue.dynamicframe import DynamicFrame
    from awsgluedq.transforms import EvaluateDataQuality

    df = spark.createDataFrame([(1, None), (2, None)], "id long, c string")
    frame = DynamicFrame.fromDF(df, glue_context, "f")
    [row] = (
        EvaluateDataQuality.apply(frame=frame, ruleset='Rules = [ Uniqueness "c" >= 0 ]')
        .toDF()
        .collect()
    )
    assert (row["Outcome"], row["FailureReason"], row["EvaluatedMetrics"]) == (
        "Failed",
        "Empty state for analyzer Uniqueness: all input values of Column.c are NULL",
        {},
    )
