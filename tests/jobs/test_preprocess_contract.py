"""jobs/preprocess.py against its data contract, in Spark: each damaged input from
tests/jobs/malformed_csv.py either passes with the damage counted in the data-quality
report, or fails the job with one line that names the column, the count and examples."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from malformed_csv import write_case
from test_preprocess import read_csv_dir, run_job

SPLITS = ("train", "validation", "test")


def run_case(spark: Any, tmp_path: Path, case: str, **contract: Any) -> tuple[Any, Path]:
    prefix, config = write_case(case, tmp_path, **contract)
    out = tmp_path / case / "out"
    outcome = run_job(
        spark,
        {
            "--input_uri": str(prefix),
            "--output_uri": str(out),
            "--dataset_config_uri": str(config),
        },
    )
    return outcome, out


def failure(spark: Any, tmp_path: Path, case: str, **contract: Any) -> str:
    outcome, out = run_case(spark, tmp_path, case, **contract)
    assert outcome.exit_code == 1
    assert outcome.error.startswith("glue-wf job failed: preprocess: ")
    assert "\n" not in outcome.error
    report = json.loads((out / "data_quality.json").read_text())
    assert report["decision"] == "failed"
    assert outcome.error.endswith(report["reason"])
    assert not (out / "train").exists()
    return str(report["reason"])


def splits(out: Path) -> dict[str, list[tuple[str, ...]]]:
    return {s: sorted(map(tuple, read_csv_dir(out / s))) for s in SPLITS}


def strict_json(path: Path) -> Any:
    def refuse(name: str) -> Any:
        raise AssertionError(f"{path.name} holds {name}: not valid JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


@pytest.mark.spark
def test_formats_and_file_layouts_split_identically(spark, tmp_path):
    reference = None
    dropped = (
        "notes_dropped",
        "trailing_delimiter_dropped",
        "two_files_dropped_column",
        "two_files_ignored_column",
    )
    packed = ("gzip", "bzip2", "gzip_members", "gzip_past_scan")
    for case in ("good", "bom", "crlf", "two_files_reordered", *dropped, *packed, "markers"):
        outcome, out = run_case(spark, tmp_path, case)
        assert outcome.succeeded, (case, outcome.error)
        got = splits(out)
        assert sum(map(len, got.values())) == 200
        reference = reference or got
        # hash of the raw row's text by column name, of the columns the contract reads:
        # a dropped column (a notes column, a trailing delimiter's) moves no row
        assert got == reference, case
        for split in SPLITS:
            names = sorted(p.name for p in (out / split).iterdir())
            assert names
            assert all(n.startswith("part-") and (out / split / n).stat().st_size for n in names)
            assert all(row[0] in ("0", "1") for row in read_csv_dir(out / split))  # no header
    report = strict_json(out / "data_quality.json")
    assert [Path(s["uri"]).name for s in report["skipped_files"]] == [
        ".part-1.csv.crc",
        "_SUCCESS",
        "empty.csv",
    ]


@pytest.mark.spark
def test_quoted_newlines_and_declared_encoding(spark, tmp_path):
    outcome, out = run_case(spark, tmp_path, "quoted_newlines")
    assert outcome.succeeded, outcome.error
    manifest = json.loads((out / "feature_manifest.json").read_text())
    assert manifest["rows"]["input"] == 200
    assert "red, dark\nish" in manifest["encodings"]["colour"]["categories"]
    outcome, out = run_case(spark, tmp_path, "latin1_declared")
    assert outcome.succeeded, outcome.error
    manifest = json.loads((out / "feature_manifest.json").read_text())
    assert "rosé" in manifest["encodings"]["colour"]["categories"]


@pytest.mark.spark
def test_text_in_numeric_column_counted_with_examples(spark, tmp_path):
    outcome, out = run_case(spark, tmp_path, "text_in_numeric")
    assert outcome.succeeded, outcome.error
    report = strict_json(out / "data_quality.json")
    # "n/a" is one of missing_values: a missing value, not text
    text, missing = report["drops"]
    assert (text["reason"], text["column"], text["rows"], text["action"]) == (
        "non_numeric",
        "age",
        2,
        "drop",
    )
    assert text["examples"] == ["abc"]
    assert (missing["reason"], missing["column"], missing["rows"]) == ("missing_value", "age", 1)
    rule = next(r for r in report["rules"] if r["rule"].startswith('ColumnValues "age" matches'))
    assert rule["failed_rows"] == 3
    assert report["rows"] == {
        "read": 200,
        "kept": 197,
        "dropped": 3,
        "dropped_by_reason": {"non_numeric": 2, "missing_value": 1},
    }


@pytest.mark.spark
def test_rows_failing_several_rules_count_for_each_and_nulls_for_each_column(spark, tmp_path):
    outcome, out = run_case(spark, tmp_path, "missing_values")
    assert outcome.succeeded, outcome.error
    report = strict_json(out / "data_quality.json")
    failed = {(r["reason"], r["column"]): r["failed_rows"] for r in report["rules"]}
    # row 2 misses age and colour and has text in income: it fails all three rules, and
    # ColumnValues rules fail on a null as Glue Data Quality's do
    assert failed == {
        ("missing_label", "bought"): 0,
        ("unknown_label", "bought"): 0,
        ("missing_value", "age"): 3,
        ("missing_value", "income"): 1,
        ("missing_value", "colour"): 2,
        ("non_numeric", "age"): 3,
        ("non_numeric", "income"): 2,
    }
    # each dropped row counts once, for its first reason; a missing value has no example
    assert [(d["reason"], d["column"], d["rows"], d["examples"]) for d in report["drops"]] == [
        ("missing_value", "age", 3, []),
        ("missing_value", "colour", 1, []),
        ("missing_value", "income", 1, []),
    ]
    assert report["rows"]["kept"] == 195
    baseline = strict_json(out / "baseline.json")
    assert baseline["null_rate"] == {"age": 3 / 200, "income": 1 / 200, "colour": 2 / 200}


@pytest.mark.spark
def test_sql_text_in_names_and_values_is_data(spark, tmp_path):
    from malformed_csv import SQL_TEXT

    # whatever the session says about string literals, the job reads them its way
    spark.conf.set("spark.sql.parser.escapedStringLiterals", "true")
    try:
        outcome, out = run_case(spark, tmp_path, "sql_text")
    finally:
        spark.conf.unset("spark.sql.parser.escapedStringLiterals")
    assert outcome.succeeded, outcome.error
    manifest = strict_json(out / "feature_manifest.json")
    column = "colour's ${x} `c`"
    assert manifest["encodings"][column] == {"type": "one_hot", "categories": sorted(SQL_TEXT)}
    one_hot = [f for f in manifest["features"] if f["kind"] == "one_hot"]
    assert [f["value"] for f in one_hot] == sorted(SQL_TEXT)
    baseline = strict_json(out / "baseline.json")
    shares = [baseline["features"][f["name"]]["mean"] for f in one_hot]
    assert all(0.1 < share < 0.3 for share in shares)  # 1 in 5 rows each
    assert sum(shares) == pytest.approx(1.0)


@pytest.mark.spark
def test_names_and_labels_with_quotes_backslashes_and_dots(spark, tmp_path):
    """The rules run on aliases of such columns (DQDL cannot name them); the report and
    the outputs keep the columns' own names, and every labelled row is kept."""
    from etl_contract import dq_column

    outcome, out = run_case(spark, tmp_path, "quoted_names")
    assert outcome.succeeded, outcome.error
    manifest = strict_json(out / "feature_manifest.json")
    assert [f["name"] for f in manifest["features"]] == [
        'a"ge',
        "in.come",
        "col\\our=blue",
        "col\\our=green",
        "col\\our=red",
    ]
    assert manifest["rows"]["dropped"] == {}
    report = strict_json(out / "data_quality.json")
    assert report["rules"][1]["rule"] == 'ColumnValues "bought" in ["ye\\\\s","no"]'
    assert 'IsComplete "a\\"ge"' in report["ruleset"]
    assert all(r["failed_rows"] == 0 for r in report["rules"])
    labels = sorted(row[0] for s in SPLITS for row in read_csv_dir(out / s))
    assert labels.count("1") == labels.count("0") == 100  # every other row is a yes
    assert dq_column("in.come").startswith("_dq_")
    assert dq_column("age_2") == "age_2"


@pytest.mark.spark
def test_a_feature_named_label_and_columns_differing_in_case(spark, tmp_path):
    outcome, out = run_case(spark, tmp_path, "label_and_case_twins")
    assert outcome.succeeded, outcome.error
    manifest = strict_json(out / "feature_manifest.json")
    assert [f["name"] for f in manifest["features"]][:3] == ["age", "label", "Age"]
    baseline = strict_json(out / "baseline.json")["features"]
    assert baseline["Age"]["mean"] == pytest.approx(2 * baseline["age"]["mean"])
    for row in read_csv_dir(out / "train"):
        assert float(row[3]) == 2 * float(row[1])  # label first, then age, label, Age


@pytest.mark.spark
def test_sql_string_literals_round_trip(spark):
    import etl_features

    values = ["plain", "it's", "back\\slash", "\\u0041", "nul\x00x", " \t\n\x0b\f\r", "é漢😀"]
    values += ["\\'", "${x}", "$1", "--", "/*x*/", ";", 'say "hi"', "\x7f"]
    before = spark.conf.get("spark.sql.variable.substitute")
    spark.conf.set("spark.sql.variable.substitute", "true")  # escaped even where it is on
    try:
        row = spark.range(1).selectExpr(*[etl_features.text(v) for v in values]).collect()[0]
    finally:
        spark.conf.set("spark.sql.variable.substitute", before)
    assert list(row) == values


@pytest.mark.spark
def test_empty_rows_are_named_as_such(spark, tmp_path):
    # not "values spelled 'NA', ... count as missing": they are rows to delete
    reason = failure(spark, tmp_path, "empty_rows")
    assert reason.startswith(
        "30 of 230 rows (13.0%) would be dropped, more than max_dropped_fraction 0.05: "
        "missing_label in 'bought': 30"
    )
    assert reason.endswith(
        "; 30 of the rows missing their label have no value in any column the job reads (a "
        "spreadsheet's empty rows): delete them; values spelled 'NA', 'N/A', 'n/a', '#N/A', "
        "'#NA', '<NA>', 'NULL', 'null', 'None', 'NaN', 'nan', '-', '?' count as missing (set "
        '"missing_values" to the spellings your data uses; [] for none)'
    )


@pytest.mark.spark
def test_too_many_dropped_rows_fail_with_the_reasons(spark, tmp_path):
    data = tmp_path / "text_in_numeric_many" / "input" / "data.csv"
    assert failure(spark, tmp_path, "text_in_numeric_many") == (
        "30 of 200 rows (15.0%) would be dropped, more than max_dropped_fraction 0.05: "
        "non_numeric in 'age': 30 (e.g. 'unknown'), the first of these examples at "
        f"file {data} line 2; numbers but for a spelling with no digit ('age' 'unknown'): "
        'if it means a missing value, add it to "missing_values" (now '
        "['NA', 'N/A', 'n/a', '#N/A', '#NA', '<NA>', 'NULL', 'null', 'None', 'NaN', 'nan', "
        "'-', '?'])"
    )


@pytest.mark.spark
@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "text_in_numeric_refused",
            "the data contract refuses non_numeric in 'age': 1 (e.g. 'abc')",
        ),
        ("non_finite_refused", "the data contract refuses non_finite in 'income': 1 (e.g. 'inf')"),
        (
            "labels_refused",
            "the data contract refuses unknown_label in 'bought': 1 (e.g. 'maybe'), the first "
            "of these examples at file {input}/data.csv line 7 (200 rows read); fix the input "
            "(malformed rows, undecodable bytes and thousands separators are always refused; "
            "other reasons follow the config's on_invalid); the declared labels are 'yes', "
            "'no' (after label_match 'trim'); if 'maybe' is a spelling of a class, "
            '"positive_label" and "negative_label" take lists (e.g. ["yes", "1"])',
        ),
        ("thousands", "the data contract refuses thousands_separator in 'income': 2 (e.g. '"),
        ("tiny", "split(s) too small or single-class: "),
        (
            "many_categories",
            "categorical column 'colour' has 200 distinct values, more than max_categories 50: "
            'encoding it would make a feature per value; list it under "identifiers" or '
            '"drop" if it is an id or text, or raise "max_categories" in the dataset config',
        ),
        (
            "date_category",
            "categorical column 'colour' holds dates ('2024-01-01', '2024-01-02', "
            "'2024-01-03', ...): list it under \"drop\" (as a category a date makes a "
            "feature per day, none of which new data has); to use one, derive a number from "
            "it (days since, month) before the job",
        ),
        (
            "long_category",
            "categorical column 'colour' has a value of 1500 characters ('"
            + "x" * 40
            + "'..., at file {input}/data.csv line 7), free text: a category is at most 1000 "
            'characters (it names a feature); list the column under "identifiers" or "drop" '
            "if it is text, or fix that value",
        ),
    ],
)
def test_refusals_name_column_count_and_examples(spark, tmp_path, case, message):
    message = message.replace("{input}", str(tmp_path / case / "input"))
    assert failure(spark, tmp_path, case).startswith(message)


@pytest.mark.spark
def test_a_refusal_names_the_file_and_line_among_several(spark, tmp_path):
    from malformed_csv import CONTRACT, HEADER, _with, clean_rows, to_csv

    prefix = tmp_path / "input"
    prefix.mkdir()
    (prefix / "2024-01.csv").write_text(to_csv(HEADER, clean_rows()))
    damaged = _with(clean_rows(), "income", {5: "1,234.5", 9: "2,000"})
    (prefix / "2024-02.csv").write_text(to_csv(HEADER, damaged))
    config = tmp_path / "contract.json"
    config.write_text(json.dumps(CONTRACT))
    outcome = run_job(
        spark,
        {
            "--input_uri": str(prefix),
            "--output_uri": str(tmp_path / "out"),
            "--dataset_config_uri": str(config),
        },
    )
    # row 5 of the second file (in key order) is its line 7
    assert outcome.error.startswith(
        "glue-wf job failed: preprocess: the data contract refuses thousands_separator in "
        "'income': 2 (e.g. "
    )
    assert (
        f", the first of these examples at file {prefix / '2024-02.csv'} line 7 (400 rows read)"
        in outcome.error
    )


@pytest.mark.spark
def test_missing_value_spellings_are_missing_not_categories_or_labels(spark, tmp_path):
    outcome, out = run_case(spark, tmp_path, "missing_markers")
    assert outcome.succeeded, outcome.error
    report = strict_json(out / "data_quality.json")
    drops = {(d["reason"], d["column"]): d["rows"] for d in report["drops"]}
    assert drops == {
        ("missing_value", "colour"): 3,
        ("missing_label", "bought"): 1,
        ("missing_value", "age"): 1,  # "N/A" in a numeric column: missing, not text
        ("non_finite", "income"): 1,  # "NaN" parses: a number that is not finite
    }
    manifest = strict_json(out / "feature_manifest.json")
    assert manifest["encodings"]["colour"]["categories"] == ["blue", "green", "red"]
    # with the spellings turned off they are categories, labels and text, as written
    outcome, out = run_case(spark, tmp_path, "missing_markers_kept")
    assert outcome.succeeded, outcome.error
    report = strict_json(out / "data_quality.json")
    drops = {(d["reason"], d["column"]): d["rows"] for d in report["drops"]}
    assert drops == {
        ("unknown_label", "bought"): 1,
        ("non_numeric", "age"): 1,
        ("non_finite", "income"): 1,
    }
    manifest = strict_json(out / "feature_manifest.json")
    assert manifest["encodings"]["colour"]["categories"] == [
        "?",
        "N/A",
        "blue",
        "green",
        "null",
        "red",
    ]


@pytest.mark.spark
def test_a_refusal_names_the_missing_value_spellings(spark, tmp_path):
    reason = failure(spark, tmp_path, "missing_markers", max_dropped_fraction=0.01)
    assert reason.startswith("6 of 200 rows (3.0%) would be dropped, more than ")
    assert reason.endswith(
        "; values spelled 'NA', 'N/A', 'n/a', '#N/A', '#NA', '<NA>', 'NULL', 'null', 'None', "
        "'NaN', 'nan', '-', '?' count as missing (set \"missing_values\" to the spellings "
        "your data uses; [] for none)"
    )


@pytest.mark.spark
def test_numbers_past_the_32_bit_float_range_are_non_finite(spark, tmp_path):
    outcome, out = run_case(spark, tmp_path, "huge_numbers")
    assert outcome.succeeded, outcome.error
    report = strict_json(out / "data_quality.json")
    (drop,) = report["drops"]
    assert (drop["reason"], drop["column"], drop["rows"]) == ("non_finite", "income", 2)
    assert sorted(drop["examples"]) == ["-3.5e38", "1e39"]
    income = strict_json(out / "baseline.json")["features"]["income"]
    assert income["max"] == 3.4e38  # the largest 32-bit float is 3.4028235e38: kept
    assert math.isfinite(income["mean"])
    assert math.isfinite(income["std"])


@pytest.mark.spark
def test_bytes_past_the_scan_that_do_not_decode_are_refused(spark, tmp_path):
    reason = failure(spark, tmp_path, "latin1_past_scan")
    assert reason == (
        "the data contract refuses undecodable: 2 (200 rows read); fix the input "
        "(malformed rows, undecodable bytes and thousands separators are always refused; "
        "other reasons follow the config's on_invalid); rows past the raw-byte scan "
        "(scan_max_bytes 1000) hold bytes that are not valid utf-8: declare the files' "
        "encoding, or raise scan_max_bytes above the file size so the scan names the byte"
    )


@pytest.mark.spark
def test_non_finite_values_never_reach_training_data_or_baseline(spark, tmp_path):
    outcome, out = run_case(spark, tmp_path, "non_finite")
    assert outcome.succeeded, outcome.error
    report = strict_json(out / "data_quality.json")
    assert report["rows"]["dropped_by_reason"] == {"non_finite": 4}
    (drop,) = report["drops"]
    assert drop["column"] == "income"
    baseline = strict_json(out / "baseline.json")
    assert math.isfinite(baseline["features"]["income"]["max"])
    for split in SPLITS:
        for row in read_csv_dir(out / split):
            assert all(math.isfinite(float(v)) for v in row[:3])


@pytest.mark.spark
def test_labels_match_after_declared_normalisation_only(spark, tmp_path):
    outcome, out = run_case(spark, tmp_path, "labels")
    assert outcome.succeeded, outcome.error
    drop = strict_json(out / "data_quality.json")["drops"][0]
    assert (drop["reason"], drop["rows"], sorted(drop["examples"])) == (
        "unknown_label",
        2,
        ["Yes", "maybe"],
    )
    outcome, out = run_case(spark, tmp_path, "labels_ignore_case")
    assert outcome.succeeded, outcome.error
    assert strict_json(out / "data_quality.json")["rows"]["dropped"] == 1


@pytest.mark.spark
def test_scan_refusal_is_one_line_and_reported(spark, tmp_path):
    message = failure(spark, tmp_path, "semicolon")
    assert message.endswith('set "delimiter": ";" in the dataset config')


@pytest.mark.spark
def test_a_charset_only_python_knows_is_refused_before_spark_reads(spark, tmp_path):
    message = failure(spark, tmp_path, "good", encoding="utf-8-sig")
    assert message.startswith("dataset config: encoding 'utf-8-sig' is not a Java charset")


@pytest.mark.spark
def test_spark_errors_reach_the_user_as_one_line(spark, tmp_path, monkeypatch):
    import etl_quality

    def jvm_failure(*_: Any) -> Any:
        raise RuntimeError(
            "An error occurred while calling o97.csv.\n: org.apache.spark.SparkException: "
            "boom\n\tat org.apache.spark.sql.execution.datasources.DataSource.resolve(x.scala:1)"
        )

    monkeypatch.setattr(etl_quality, "read_text_frame", jvm_failure)
    outcome, _ = run_case(spark, tmp_path, "good")
    assert outcome.exit_code == 1
    # the Java exception's line, not py4j's "An error occurred while calling o97.csv."
    assert outcome.error == (
        "glue-wf job failed: preprocess: RuntimeError: org.apache.spark.SparkException: boom"
    )


@pytest.mark.spark
def test_bad_field_count_past_the_scan_window_is_still_refused(spark, tmp_path):
    message = failure(spark, tmp_path, "wide_row", scan_max_bytes=100)
    assert message.startswith("the data contract refuses malformed_row: 1 ")


@pytest.mark.spark
def test_values_are_trimmed_of_what_a_regex_whitespace_matches(spark):
    """Trimming uses a character set (no regex per value): the same six characters as
    Java's \\s, at both ends only; a value of only those is null."""
    import etl_quality

    values = [" a\t", "\n\r b c \x0b\f", "\t \n", "", "x", None, "\u00a0y"]
    df = spark.createDataFrame([(v,) for v in values], "v string")
    got = [r[0] for r in df.selectExpr(etl_quality._trimmed("v")).collect()]
    assert got == ["a", "b c", None, None, "x", None, "\u00a0y"]


@pytest.mark.spark
def test_a_quoted_line_break_past_the_scan_is_refused_not_misread(spark, tmp_path):
    """The scan saw no record spanning lines, so Spark splits the file by line; the
    record past scan_max_bytes breaks into two malformed rows, always refused."""
    reason = failure(spark, tmp_path, "late_quoted_newline", scan_max_bytes=1000)
    assert reason.startswith("the data contract refuses malformed_row: 2")
    outcome, _ = run_case(spark, tmp_path / "whole", "late_quoted_newline")
    assert outcome.succeeded, outcome.error  # scanned whole: read whole, the record kept


@pytest.mark.spark
def test_a_row_written_as_one_line_matches_the_csv_writer_byte_for_byte(spark, tmp_path):
    import etl_features
    import etl_output
    from etl_contract import Columns

    columns = Columns(
        names=("x", "y", "c", "plan", "empty"),
        numeric=("x", "y"),
        categorical=("c", "plan", "empty"),
        ignored=(),
    )
    codes = {
        "c": {"type": "one_hot", "categories": ["a,b", "it's", "z", "é"]},
        "plan": {"type": "binary", "mapping": {"no": 0, "yes": 1}},
        "empty": {"type": "one_hot", "categories": []},  # all null: no feature
    }
    features = etl_features.feature_columns(columns, codes)
    cells = [
        (1, 0.5, -0.0, "a,b", "yes", None),
        (0, 1e-05, 123456789012.0, "é", "no", None),
        (1, None, 2.0, "z", None, None),
        (0, 1e300, -7.25, None, "maybe", None),
        (1, 3.0, 0.1, "it's", "yes", None),
        (0, 4.0, 5.0, "unknown", "no", None),
    ]
    frame = spark.createDataFrame(
        cells, "_label int, x double, y double, c string, plan string, empty string"
    )
    lines = frame.selectExpr(f"{etl_features.csv_line(features, codes)} AS value")
    etl_output.write_lines(lines.coalesce(1), str(tmp_path / "lines"))
    encoded = frame.selectExpr(
        "_label", *[f"{sql} AS {etl_features.quoted(e['name'])}" for e, sql in features]
    )
    encoded.coalesce(1).write.option("header", False).csv(str(tmp_path / "csv"))

    def text_of(folder: str) -> list[str]:
        parts = sorted((tmp_path / folder).glob("part-*.csv"))
        return sorted("".join(p.read_text(encoding="utf-8") for p in parts).splitlines())

    assert len(text_of("lines")) == len(cells)
    assert text_of("lines") == text_of("csv")
    assert "0,4.0,5.0,0,0,0,0,0" in text_of("lines")  # an unseen category: no indicator
    assert "1,,2.0,0,0,1,0," in text_of("lines")  # null number and null binary: empty fields


@pytest.mark.spark
def test_a_dropped_column_with_an_empty_name_is_read_past(spark, tmp_path):
    outcome, out = run_case(spark, tmp_path, "trailing_delimiter_dropped")
    assert outcome.succeeded, outcome.error
    assert strict_json(out / "data_quality.json")["rows"]["dropped"] == 0
    manifest = strict_json(out / "feature_manifest.json")
    assert manifest["dropped_columns"] == [""]


@pytest.mark.spark
def test_decimal_commas_are_read_when_declared_and_refused_with_a_hint_when_not(spark, tmp_path):
    outcome, out = run_case(spark, tmp_path, "decimal_comma_declared")
    assert outcome.succeeded, outcome.error
    reference, ref_out = run_case(spark, tmp_path, "good")
    assert reference.succeeded, reference.error

    def rows(where: Path) -> list[tuple[str, ...]]:
        return sorted(row for split in splits(where).values() for row in split)

    # the same numbers as the file written with decimal points ("1034,5" is 1034.5)
    assert rows(out) == rows(ref_out)
    manifest = json.loads((out / "feature_manifest.json").read_text())
    assert manifest["input_format"]["decimal"] == ","
    message = failure(spark, tmp_path, "decimal_comma")
    assert message.startswith(
        "200 of 200 rows (100.0%) would be dropped, more than max_dropped_fraction 0.05: "
        "non_numeric in 'income': 200 (e.g. '1000,5', "
    )
    assert message.endswith(
        '; \',\' looks like the file\'s decimal separator: declare "decimal": "," (with '
        '"delimiter": ";")'
    )


@pytest.mark.spark
@pytest.mark.parametrize("case", ["good", "decimal_comma_declared"])
def test_raw_rows_are_encoded_as_the_job_encoded_them(spark, tmp_path, case):
    from glue_workflow.services.raw_rows import encode

    outcome, out = run_case(spark, tmp_path, case)
    assert outcome.succeeded, outcome.error
    manifest = json.loads((out / "feature_manifest.json").read_text())
    raw = (tmp_path / case / "input" / "data.csv").read_text()

    def parsed(line: list[str] | tuple[str, ...]) -> tuple[float | None, ...]:
        return tuple(float(v) if v else None for v in line)

    written = sorted(parsed(row[1:]) for split in splits(out).values() for row in split)
    encoded = sorted(parsed(line.split(",")) for line in encode(manifest, raw).body.splitlines())
    assert encoded == written  # every row kept, so the same multiset of feature rows


@pytest.mark.spark
def test_categories_differing_in_case_are_one_when_declared(spark, tmp_path):
    from glue_workflow.services.raw_rows import encode

    exact, out_exact = run_case(spark, tmp_path, "category_cases")
    folded, out_folded = run_case(spark, tmp_path, "category_cases_ignored")
    assert exact.succeeded, exact.error
    assert folded.succeeded, folded.error
    exact_codes = json.loads((out_exact / "feature_manifest.json").read_text())["encodings"]
    manifest = json.loads((out_folded / "feature_manifest.json").read_text())
    assert exact_codes["colour"]["categories"] == ["RED", "Red", "blue", "green", "red"]
    assert manifest["encodings"]["colour"]["categories"] == ["blue", "green", "red"]
    assert manifest["input_format"]["category_case"] == "ignore"
    # invoke --raw folds the case as the job did
    raw = (tmp_path / "category_cases_ignored" / "input" / "data.csv").read_text()
    written = sorted(
        tuple(float(v) for v in row[1:]) for split in splits(out_folded).values() for row in split
    )
    lines = encode(manifest, raw).body.split()
    encoded = sorted(tuple(map(float, line.split(","))) for line in lines)
    assert encoded == written


@pytest.mark.spark
def test_a_300_column_input_is_processed_in_the_default_heap(spark, tmp_path):
    """A wide table (298 numeric features): its first pass and statistics used to be
    generated as methods Janino could not compile in a 1 GB heap (out of memory)."""
    import random

    draw = random.Random(3)
    names = ["customer_no", "failure", *[f"x{i}" for i in range(298)]]
    rows = []
    for i in range(120):
        values = [round(draw.gauss(0, 1), 4) for _ in range(298)]
        rows.append([str(100_000 + i), "1" if values[0] > 0 else "0", *map(str, values)])
    data = tmp_path / "wide.csv"
    data.write_text("\n".join(",".join(r) for r in [names, *rows]) + "\n")
    config = tmp_path / "wide.json"
    config.write_text(json.dumps({"name": "wide", "target": "failure", "positive_label": "1",
                                  "negative_label": "0", "identifiers": ["customer_no"],
                                  "min_rows": 5}))  # fmt: skip
    out = tmp_path / "out"
    outcome = run_job(
        spark,
        {"--input_uri": str(data), "--output_uri": str(out), "--dataset_config_uri": str(config)},
    )
    assert outcome.succeeded, outcome.error
    manifest = strict_json(out / "feature_manifest.json")
    assert [f["name"] for f in manifest["features"]] == names[2:]
    written = [row for split in SPLITS for row in read_csv_dir(out / split)]
    assert len(written) == 120
    assert all(len(row) == 299 for row in written)
    by_label = {(r[2], r[1]) for r in rows}  # x0 decides the label
    assert {(float(row[1]), row[0]) for row in written} == {
        (float(x0), label) for x0, label in by_label
    }
    baseline = strict_json(out / "baseline.json")
    assert baseline["features"]["x297"]["min"] <= baseline["features"]["x297"]["max"]
    assert len(baseline["histograms"]) == 298


@pytest.mark.spark
def test_no_break_spaces_grouping_digits_are_thousands_separators(spark, tmp_path):
    """A French spreadsheet's export groups digits with U+00A0 / U+202F: refused as
    thousands separators (they were dropped as non_numeric and the run passed)."""
    message = failure(spark, tmp_path, "thousands_nbsp")
    assert message.startswith("the data contract refuses thousands_separator in 'income': 2 ")
    assert "'62\\xa0734,6'" in message
    assert "'2\\u202f000'" in message
    assert message.endswith(
        "numbers with digit groups are refused: write them without the separators"
    )
