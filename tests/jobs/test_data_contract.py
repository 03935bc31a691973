"""The ETL's data contract before Spark: config validation, the raw-byte scan (encoding,
BOM, delimiter, field counts), header matching and multi-file consistency. Each case
is a small file from tests/jobs/malformed_csv.py; each test pins the message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from malformed_csv import CASES, CONTRACT, write_case

PROJECT = Path(__file__).resolve().parents[2]

import etl_contract  # noqa: E402
import etl_scan  # noqa: E402


def inspect(tmp_path: Path, case: str, **contract: Any) -> etl_scan.Inspection:
    prefix, config = write_case(case, tmp_path, **contract)
    parsed = etl_contract.load_contract(config.read_text(), str(config))
    return etl_scan.inspect(parsed, str(prefix))


def refused(tmp_path: Path, case: str, **contract: Any) -> str:
    with pytest.raises(etl_contract.PreprocessError) as info:
        inspect(tmp_path, case, **contract)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_generator_writes_every_case(tmp_path):
    for case in CASES:
        prefix, config = write_case(case, tmp_path)
        assert any(p.is_file() for p in prefix.rglob("*"))
        assert json.loads(config.read_text())["target"] == "bought"


@pytest.mark.parametrize(
    "case", ["good", "bom", "crlf", "quoted_newlines", "latin1_declared", "semicolon_declared"]
)
def test_accepted_formats(tmp_path, case):
    found = inspect(tmp_path, case)
    (scanned,) = found.files
    assert scanned.header == ("id", "age", "income", "colour", "bought")
    assert scanned.records == 200
    assert scanned.complete
    assert scanned.bom == (case == "bom")
    assert scanned.crlf == (case == "crlf")
    assert found.columns.numeric == ("age", "income")
    # Spark splits a file by line (parallel) unless a record spans lines or a BOM leads
    assert (scanned.multiline_records > 0) == (case == "quoted_newlines")
    (group,) = found.groups
    assert group.multiline == (case in ("quoted_newlines", "bom"))


def test_non_utf8_byte_names_file_and_offset(tmp_path):
    message = refused(tmp_path, "latin1")
    prefix = tmp_path / "latin1" / "input" / "data.csv"
    offset = (prefix.read_bytes()).index(b"\xe9")
    assert message == (
        f"file {prefix} is not valid utf-8: byte(s) e9 at byte offset {offset} "
        "(line 9); re-save it as UTF-8, or declare its encoding in the dataset config, e.g. "
        '"encoding": "windows-1252"'
    )


def test_utf16_file_is_named_as_such(tmp_path):
    assert "starts with a UTF-16 LE byte-order mark" in refused(tmp_path, "utf16")


def test_wrong_delimiter_is_detected_with_a_suggestion(tmp_path):
    message = refused(tmp_path, "semicolon")
    assert message.endswith(
        "the header has one column with delimiter ',' but 5 with ';': the file looks "
        'semicolon-separated; set "delimiter": ";" in the dataset config'
    )


@pytest.mark.parametrize("chunk", [5, etl_scan.CHUNK])
def test_a_one_column_file_counts_blank_lines_as_blank(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(etl_scan, "CHUNK", chunk)
    path = tmp_path / "one.csv"
    path.write_text("bought\nyes\n\nno\r\n\r\nyes\n")
    contract = etl_contract.load_contract(json.dumps(CONTRACT), "contract")
    scanned = etl_scan.scan_file(etl_scan.InputFile(str(path), path.stat().st_size), contract)
    assert (scanned.header, scanned.records, scanned.blank_lines) == (("bought",), 3, 2)


def test_blank_lines_are_skipped_and_lines_still_counted(tmp_path):
    (scanned,) = inspect(tmp_path, "blank_lines").files
    assert (scanned.records, scanned.blank_lines) == (200, 6)
    message = refused(tmp_path, "short_row_after_blank_lines")
    assert "1 row(s) have a field count other than the header's 5 (line 171: 2 fields)" in message


def test_absurd_field_count_names_the_line(tmp_path):
    message = refused(tmp_path, "wide_row")
    assert "1 row(s) have a field count other than the header's 5 (line 13: 40 fields)" in message


def test_unquoted_thousands_separator_breaks_field_count(tmp_path):
    prefix, config = write_case("good", tmp_path)
    data = prefix / "data.csv"
    data.write_text(data.read_text().replace("1037.5", "1,037.5", 1))
    parsed = etl_contract.load_contract(config.read_text(), str(config))
    with pytest.raises(etl_contract.PreprocessError, match=r"line 3: 6 fields"):
        etl_scan.inspect(parsed, str(prefix))


def test_missing_column_lists_near_matches(tmp_path):
    assert refused(tmp_path, "missing_column").startswith(
        "input is missing required column(s) income (input columns: id, age, colour, bought)"
    )
    message = refused(tmp_path, "header_case")
    assert message.startswith(
        "input is missing required column(s) age; near matches: 'Age ' for 'age' "
        '(matches with "header_match": "trim_ignore_case")'
    )
    # surrounding spaces alone (UCI Adult's ", " separators): "trim" is enough
    prefix, config = write_case("good", tmp_path / "spaces")
    data = prefix / "data.csv"
    data.write_text(data.read_text().replace("id,age,", "id, age,", 1))
    parsed = etl_contract.load_contract(config.read_text(), str(config))
    with pytest.raises(etl_contract.PreprocessError) as info:
        etl_scan.inspect(parsed, str(prefix))
    assert "near matches: ' age' for 'age' (matches with \"header_match\": \"trim\")" in str(
        info.value
    )


def test_a_missing_column_beside_an_empty_header_cell_names_it(tmp_path):
    prefix, config = write_case("good", tmp_path)
    data = prefix / "data.csv"
    data.write_text(data.read_text().replace("id,age,income,", "id,age,,", 1))
    parsed = etl_contract.load_contract(config.read_text(), str(config))
    with pytest.raises(etl_contract.PreprocessError) as info:
        etl_scan.inspect(parsed, str(prefix))
    assert str(info.value).startswith(
        "input is missing required column(s) income (input columns: id, age, '', colour, "
        "bought; column(s) 3 of the header have no name); fix the input or the dataset config"
    )


def test_header_normalised_only_when_configured(tmp_path):
    found = inspect(tmp_path, "header_case_allowed")
    assert found.groups[0].names == ("id", "age", "income", "colour", "bought")


def test_extra_columns_refused_or_ignored(tmp_path):
    assert refused(tmp_path, "extra_column") == (
        "input has column(s) the dataset config does not declare: notes; list them under "
        '"drop" (or "identifiers"), or set "extra_columns": "ignore"'
    )
    assert inspect(tmp_path, "extra_column_ignored").columns.ignored == ("notes",)


def test_columns_named_as_the_etls_own_are_refused(tmp_path):
    own = "_corrupt_record, _malformed, _undecodable, _row_hash, _label, _reason, _column"
    assert refused(tmp_path, "reserved_name") == (
        f"input column(s) '_label' use a name the ETL gives its own columns ({own}, _value, "
        "_split, _sample, "
        "DataQualityRulesPass, DataQualityRulesFail, DataQualityEvaluationResult, _num_<n>, "
        "_fails<n>, _nulls<n>); rename them in the input"
    )
    assert refused(tmp_path, "corrupt_record_column").startswith(
        "input column(s) '_corrupt_record' use a name the ETL gives its own columns ("
    )
    columns = inspect(tmp_path, "label_and_case_twins").columns
    assert columns.numeric == ("age", "label", "Age")


def test_duplicate_header_refused(tmp_path):
    assert "duplicate column name(s): 'age' (columns 2 and 5)" in refused(
        tmp_path, "duplicate_header"
    )
    # two spellings that header_match makes one name: both are named
    loose = etl_contract.validate_config({**CONTRACT, "header_match": "trim_ignore_case"}, "c.json")
    with pytest.raises(etl_contract.PreprocessError) as info:
        etl_contract.resolve_header(loose, ["id", "age", "Age ", "bought"], "data.csv line 1")
    assert str(info.value) == (
        "data.csv line 1: duplicate column name(s) after header_match 'trim_ignore_case': "
        "'age' and 'Age ' (columns 2 and 3); rename or remove the duplicates"
    )


def test_a_title_line_above_the_header_is_named(tmp_path):
    assert refused(tmp_path, "title_line").endswith(
        "the first line does not look like the header (4 of its 5 names are empty, and the "
        "target 'bought' is not among them: 'Shop export 2024-05-01'); if it is a title above "
        "the header, delete it"
    )


def test_a_title_with_another_delimiter_is_named_as_a_title(tmp_path):
    assert refused(tmp_path, "title_with_a_pipe").endswith(
        "input/data.csv line 1 ('|1x3 Cross validator') does not look like the header: it "
        "has one column, while the next line has 5 separated by ','; if it is a title above "
        "the header, delete it"
    )
    # a whole file separated otherwise is still named so
    assert "looks semicolon-separated" in refused(tmp_path, "semicolon")


def test_files_with_other_column_order_are_read_by_name_or_refused(tmp_path):
    found = inspect(tmp_path, "two_files_reordered")
    assert [g.names for g in found.groups] == [
        ("id", "age", "income", "colour", "bought"),
        ("bought", "colour", "id", "income", "age"),
    ]
    assert "has its columns in another order than" in refused(
        tmp_path, "two_files_reordered_refused"
    )
    message = refused(tmp_path, "two_files_other_columns")
    assert message.endswith(
        "part-2.csv has other columns than "
        f"{tmp_path}/two_files_other_columns/input/part-1.csv: lacks id; every file under "
        "the input prefix must have the columns the dataset config reads (a column listed "
        'under "drop" may be in some files only, and so may any undeclared column with '
        '"extra_columns": "ignore")'
    )


@pytest.mark.parametrize("case", ["two_files_dropped_column", "two_files_ignored_column"])
def test_a_dropped_or_ignored_column_may_be_in_some_files_only(tmp_path, case):
    found = inspect(tmp_path, case)
    assert len(found.groups) == 2
    assert found.columns.numeric == ("age", "income")
    # the undeclared column is refused where extra columns are
    if case == "two_files_ignored_column":
        message = refused(tmp_path, case, extra_columns="refuse")
        assert message.endswith(
            "; has channel; every file under the input prefix must have "
            "the columns the dataset config reads (a column listed under "
            '"drop" may be in some files only, and so may any undeclared '
            'column with "extra_columns": "ignore")'
        )


def test_markers_hidden_and_empty_files_are_skipped(tmp_path):
    found = inspect(tmp_path, "markers")
    assert [Path(f.uri).name for f in found.files] == ["part-1.csv"]
    assert sorted((Path(u).name, why) for u, why in found.skipped) == [
        (".part-1.csv.crc", "hidden or marker file (name starts with _ or .)"),
        ("_SUCCESS", "hidden or marker file (name starts with _ or .)"),
        ("empty.csv", "empty file"),
    ]


def test_a_scan_too_short_for_the_header_says_so(tmp_path):
    message = refused(tmp_path, "markers", scan_max_bytes=5)
    assert message.endswith(
        'no complete header row in its first 5 bytes (the dataset config\'s "scan_max_bytes"): '
        'raise "scan_max_bytes" above the header\'s length'
    ), message


def test_scan_is_bounded_and_ignores_the_cut_record(tmp_path):
    found = inspect(tmp_path, "quoted_newlines", scan_max_bytes=1000)
    (scanned,) = found.files
    assert not scanned.complete
    assert scanned.as_dict()["scanned"] == "first 1000 bytes"
    assert scanned.as_dict()["bytes"] > 1000
    assert 0 < scanned.records < 200
    assert found.groups[0].multiline  # the scanned part holds quoted line breaks


def _outcome(tmp_path: Path, case: str, **contract: Any) -> Any:
    try:
        return inspect(tmp_path, case, **contract)
    except etl_contract.PreprocessError as exc:
        return str(exc).replace(str(tmp_path), "<tmp>")


@pytest.mark.parametrize("limit", [None, 1000])
@pytest.mark.parametrize("chunk", [7, 64, 1000])
@pytest.mark.parametrize("case", CASES)
def test_blocks_without_quotes_are_checked_as_the_csv_reader_would(
    tmp_path, monkeypatch, case, chunk, limit
):
    """Read in small chunks, most blocks take the path that counts delimiters; the csv
    reader, which parses a file read in one chunk, must agree on everything (also when
    the scan stops at scan_max_bytes)."""
    bounded = {} if limit is None else {"scan_max_bytes": limit}
    expected = _outcome(tmp_path / "whole", case, **bounded)
    plain: list[bool] = []
    real = etl_scan.plain
    monkeypatch.setattr(etl_scan, "CHUNK", chunk)
    monkeypatch.setattr(etl_scan, "plain", lambda *a: plain.append(real(*a)) or plain[-1])
    got = _outcome(tmp_path / "chunked", case, **bounded)
    if isinstance(expected, str):
        assert got == expected.replace("/whole/", "/chunked/")
    else:
        # (how much of a compressed file is read for the scan's text depends on the chunk)
        same = {"uri": "", "read_bytes": 0}
        assert [f.__dict__ | same for f in got.files] == [f.__dict__ | same for f in expected.files]
        assert got.columns == expected.columns
        assert [g.multiline for g in got.groups] == [g.multiline for g in expected.groups]
    if case == "good" and chunk < 1000:  # past the header's block: every block plain
        assert any(plain)
        assert all(plain)


@pytest.mark.parametrize("case", ["gzip", "bzip2", "gzip_members"])
def test_gzip_and_bzip2_files_are_scanned_decompressed(tmp_path, case):
    """As Spark reads them (Hadoop picks the codec by the name's extension)."""
    plain = inspect(tmp_path / "plain", "good")
    found = inspect(tmp_path / "packed", case)
    (scanned,) = found.files
    assert scanned.compression == {"bzip2": "bzip2"}.get(case, "gzip")
    assert scanned.complete
    assert (scanned.header, scanned.records) == (plain.files[0].header, 200)
    assert scanned.scanned_bytes == plain.files[0].size  # the text's bytes, not the file's
    assert scanned.read_bytes == scanned.size
    assert scanned.as_dict()["compression"] == scanned.compression
    assert found.columns == plain.columns


def test_a_gzip_file_past_the_scan_estimates_its_rows_from_what_it_read(tmp_path):
    (scanned,) = inspect(tmp_path, "gzip_past_scan").files
    assert not scanned.complete
    assert scanned.scanned_bytes == 1000
    assert 0 < scanned.records < 200
    assert scanned.read_bytes <= scanned.size
    estimate = scanned.estimated_records()
    assert scanned.records < estimate == scanned.records * scanned.size / scanned.read_bytes


def test_a_decompression_bomb_is_read_only_as_far_as_the_scan_goes(tmp_path, monkeypatch):
    monkeypatch.setattr(etl_scan, "CHUNK", 4096)
    path = tmp_path / "bomb.csv.gz"
    import gzip

    path.write_bytes(gzip.compress(b"a,b\n" + b"1,2\n" * 50_000_000, mtime=0))  # 200 MB
    stream = etl_scan.DataStream(etl_scan.InputFile(str(path), path.stat().st_size), 10_000)
    pieces = list(stream)
    assert max(map(len, pieces)) <= 4096
    assert sum(map(len, pieces)) == 10_000
    assert stream.truncated
    assert stream.file_bytes < path.stat().st_size


def test_compressed_files_spark_would_misread_are_named(tmp_path):
    assert refused(tmp_path, "gzip_misnamed").endswith(
        "data.csv is gzip-compressed (it starts with the bytes 1f 8b 08) but its name does "
        "not end in .gz: Spark picks the decompressor by the file name and would read the "
        "compressed bytes as text; rename it to end in .gz"
    )
    assert refused(tmp_path, "gzip_not").endswith(
        "data.csv.gz is named like a gzip file but is not gzip-compressed: Spark picks the "
        "decompressor by the file name; rename it, or compress it as its name says"
    )
    assert refused(tmp_path, "gzip_truncated").endswith(
        "data.csv.gz is a truncated gzip file: it ends inside the compressed data, after "
        "4269 bytes of text; upload it again"
    )
    assert refused(tmp_path, "gzip_padded").endswith(
        "data.csv.gz has bytes after its gzip data (zero padding or another file appended, "
        "after 4418 bytes of text), which Spark cannot read: compress the CSV again and "
        "upload it"
    )
    assert refused(tmp_path, "zip").endswith(
        "data.zip is a zip archive (it starts with the bytes 50 4b 03 04), which Spark does "
        "not read: extract or decompress it and upload the CSV (or compress it with gzip, as "
        "a .gz file)"
    )


def test_bom_less_utf16_files_are_named(tmp_path):
    assert refused(tmp_path, "utf16_no_bom").endswith(
        "data.csv looks like UTF-16 LE without a byte-order mark (every other byte is 0), "
        'not utf-8; re-save it as UTF-8 or declare "encoding": "utf-16-le"'
    )


def test_cr_only_line_endings_are_named(tmp_path):
    assert refused(tmp_path, "cr_only").endswith(
        "data.csv line 1: a carriage return ends a line without a line feed: the file has "
        "classic Mac (CR-only) line endings, or a value holds a stray CR; re-save it with LF "
        "or CRLF line endings"
    )


def test_a_column_with_an_empty_name_is_named_and_can_be_dropped(tmp_path):
    assert refused(tmp_path, "trailing_delimiter") == (
        "input has column(s) the dataset config does not declare: '' (a column with an "
        "empty name: a delimiter at the end of every line, or an unnamed index column); list "
        'them under "drop" (or "identifiers"), or set "extra_columns": "ignore"'
    )
    found = inspect(tmp_path, "trailing_delimiter_dropped")
    assert found.columns.categorical == ("colour",)


def test_an_unnamed_index_never_becomes_a_feature_when_numeric_is_inferred(tmp_path):
    """With "numeric" unset every undeclared column is a numeric feature: an index that
    pandas wrote (sorted exports leak the label through it) or the empty column of a
    trailing delimiter is refused, named, with the fix."""
    assert refused(tmp_path, "pandas_index", numeric=None) == (
        "input column 1 '' has no name of its own (an unnamed index column, as pandas' "
        'to_csv writes, or a delimiter at the end of every line): with "numeric" unset it '
        "would be a numeric feature, and a row index leaks the row order into the model; "
        'list "" under "drop" (or list the numeric columns under "numeric")'
    )
    assert refused(tmp_path, "pandas_unnamed", numeric=None).startswith(
        "input column 1 'Unnamed: 0' has no name of its own"
    )
    assert 'list "Unnamed: 0" under "drop"' in refused(tmp_path, "pandas_unnamed", numeric=None)
    assert refused(tmp_path, "trailing_delimiter", numeric=None).startswith(
        "input column 6 '' has no name of its own"
    )
    found = inspect(tmp_path, "pandas_index", numeric=None, drop=[""])
    assert found.columns.numeric == ("age", "income")
    found = inspect(tmp_path, "trailing_delimiter_dropped", numeric=None)
    assert found.columns.numeric == ("age", "income")


def test_rows_with_a_field_too_many_and_too_few_are_both_named(tmp_path):
    assert refused(tmp_path, "extra_and_short_rows").endswith(
        "2 row(s) have a field count other than the header's 5 (line 21: 6 fields; "
        "line 22: 4 fields); check the quoting, the delimiter ',' and unquoted "
        "separators inside values"
    )


@pytest.mark.parametrize(
    ("block", "lines"),
    [
        ("a,b,c\nd,e,f\n", 2),
        ("a,b,c\nd,e,f", 2),  # the file's last line, without a line break
        ("a,b,c\r\nd,é,中\r\n", 2),  # CRLF; multi-byte characters
        ("a,b,c,d\nd,e\n", None),  # a field too many, one too few: 4 delimiters in all
        ("a,b,c\n\nd,e,f\n", None),  # a blank line: the caller counts it as one
        ("a,b;c\n", None),
    ],
)
def test_uniform_counts_lines_only_when_each_has_the_header_s_delimiters(block, lines):
    assert etl_scan.uniform(block, ",", 2) == lines
    assert etl_scan.uniform(block, ",", 0) is None  # one column: every line is looked at


def test_a_file_in_an_encoding_without_a_byte_newline_is_read_whole(tmp_path):
    (prefix := tmp_path / "in").mkdir()
    (prefix / "a.csv").write_bytes("id,age,income,colour,bought\n1,2,3,red,yes\n".encode("utf-16"))
    parsed = etl_contract.load_contract(json.dumps({**CONTRACT, "encoding": "utf-16"}), "t")
    found = etl_scan.inspect(parsed, str(prefix))
    assert found.files[0].multiline_records == 0
    assert found.groups[0].multiline


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"negative_label": None}, "'negative_label' is required"),
        ({"missing_values": "NA"}, "'missing_values' must be a list of non-blank strings"),
        ({"max_categories": 0}, "'max_categories' must be a positive integer"),
        ({"missing_values": ["NA", " "]}, "'missing_values' must be a list of non-blank"),
        ({"on_invalid": {"typo": "drop"}}, "on_invalid: unknown reason(s) typo"),
        ({"on_invalid": {"non_finite": "keep"}}, "on_invalid.non_finite must be 'drop' or 'fail'"),
        ({"encoding": "klingon"}, "unknown 'encoding' 'klingon'"),
        ({"encoding": "rot13"}, "not a text encoding: 'encoding' 'rot13'"),
        ({"encoding": "base64"}, "not a text encoding: 'encoding' 'base64'"),
        ({"max_dropped_fraction": 2}, "'max_dropped_fraction' must be a number from 0 to 1"),
        ({"header_match": "fuzzy"}, "'header_match' must be one of 'exact', 'trim'"),
        ({"negative_label": "YES", "label_match": "trim_ignore_case"}, "both positive and neg"),
        ({"colour": 1}, "unknown key(s) colour"),
        ({"decimal": ";"}, "'decimal' must be \".\" or \",\", got ';'"),
        ({"decimal": ","}, "'decimal' ',' is also the 'delimiter': files with decimal commas"),
        (
            {"numeric": ["age", "colour"]},
            "column 'colour' is listed under 'categorical' and under 'numeric': a column has "
            "one role (the target, categorical, numeric, identifiers or drop); keep it in one",
        ),
        ({"drop": ["notes", "age"]}, "column 'age' is listed under 'numeric' and under 'drop'"),
        ({"identifiers": ["id", "bought"]}, "column 'bought' is the target and listed under"),
        ({"categorical": ["colour", "colour"]}, "'colour' is listed twice under 'categorical'"),
        ({"categorical": "colour"}, "'categorical' must be a list of column names"),
        (
            {"drop": [" Age"], "header_match": "trim_ignore_case"},
            "column ' Age' is listed under 'numeric' and under 'drop' (after header_match "
            "'trim_ignore_case')",
        ),
    ],
)
def test_contract_errors_name_the_key(change, message):
    config = {**CONTRACT, **change}
    with pytest.raises(etl_contract.PreprocessError) as info:
        etl_contract.validate_config(config, "c.json")
    assert str(info.value).startswith("dataset config c.json: ")
    assert message in str(info.value)


def test_every_problem_of_a_config_is_named_at_once():
    # before: one per run of validate, four runs to find four mistakes
    config = {
        **CONTRACT,
        "catagorical": ["colour"],
        "min_rows": "50",
        "delimiter": ";;",
        "on_invalid": {"non_numerc": "fail"},
        "drop": ["age"],
    }
    with pytest.raises(etl_contract.PreprocessError) as info:
        etl_contract.validate_config(config, "c.json")
    assert str(info.value) == (
        "dataset config c.json: 5 problems: (1) unknown key(s) catagorical (did you mean "
        f"'categorical'?); known: {', '.join(sorted(etl_contract.KNOWN))}; (2) column 'age' "
        "is listed under 'numeric' and under 'drop': a column has one role (the target, "
        "categorical, numeric, identifiers or drop); keep it in one list; (3) on_invalid: "
        "unknown reason(s) non_numerc (did you mean 'non_numeric'?); known: "
        f"{', '.join(etl_contract.POLICY_REASONS)}; (4) 'min_rows' must be a positive "
        "integer, got '50' (a string: drop the quotes); (5) 'delimiter' must be one "
        "character, got ';;'"
    )


def test_dqdl_ruleset_of_the_contract():
    contract = etl_contract.validate_config(CONTRACT, "c.json")
    columns = etl_contract.plan_columns(
        contract,
        ("id", "age", "income", "colour", "bought"),
        ["id", "age", "income", "colour", "bought"],
    )
    rules = etl_contract.dq_rules(contract, columns)
    assert [r.text for r in rules[:4]] == [
        'IsComplete "bought"',
        'ColumnValues "bought" in ["yes","no"]',
        'IsComplete "age"',
        'IsComplete "income"',
    ]
    assert rules[-1].text.startswith('ColumnValues "income" matches "^[+-]?')
    assert etl_contract.ruleset(rules).startswith("Rules = [\n    IsComplete")


def test_shipped_churn_contract_is_valid():
    text = (PROJECT / "jobs" / "datasets" / "churn.json").read_text()
    contract = etl_contract.load_contract(text, "churn.json")
    assert contract.numeric is not None
    assert len(contract.numeric) == 17
    assert contract.extra_columns == "refuse"


def test_channels_keep_only_data_files_local(tmp_path):
    import etl_output

    channel = tmp_path / "train"
    channel.mkdir()
    (channel / "part-00000.csv").write_text("1,2.0\n")
    (channel / "part-00001.csv").write_text("")
    (channel / "_SUCCESS").write_text("")
    (channel / ".part-00000.csv.crc").write_bytes(b"\x00")
    assert etl_output.tidy_channel(str(channel) + "/") == 1
    assert [p.name for p in channel.iterdir()] == ["part-00000.csv"]
    (channel / "part-00000.csv").write_text("")
    with pytest.raises(etl_output.PreprocessError, match="holds no data file after writing"):
        etl_output.tidy_channel(str(channel) + "/")


def test_channels_keep_only_data_files_s3_and_listing_skips_markers():
    import boto3
    import etl_output
    from moto import mock_aws

    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="bkt")
        for key, body in {
            "out/train/part-0.csv": b"1,2\n",
            "out/train/part-1.csv": b"",
            "out/train/_SUCCESS": b"",
            "data/in.csv": b"a,b\n1,2\n",
            "data/in.csv.bak": b"a,b\n",
            "data/_SUCCESS": b"",
        }.items():
            s3.put_object(Bucket="bkt", Key=key, Body=body)
        assert etl_output.tidy_channel("s3://bkt/out/train/") == 1
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="bkt", Prefix="out/")["Contents"]]
        assert keys == ["out/train/part-0.csv"]
        files, skipped = etl_scan.list_inputs("s3://bkt/data/in.csv")
        assert [f.uri for f in files] == ["s3://bkt/data/in.csv"]
        files, skipped = etl_scan.list_inputs("s3://bkt/data/")
        assert [f.uri for f in files] == ["s3://bkt/data/in.csv", "s3://bkt/data/in.csv.bak"]
        assert skipped == [
            ("s3://bkt/data/_SUCCESS", "hidden or marker file (name starts with _ or .)")
        ]
        contract = etl_contract.validate_config(CONTRACT, "c.json")
        scanned = etl_scan.scan_file(files[0], contract)
        assert scanned.header == ("a", "b")
        assert scanned.records == 1


def test_utf8_declared_as_a_single_byte_charset_is_refused_not_misread(tmp_path):
    message = refused(tmp_path, "utf8_declared_cp1252")
    path = tmp_path / "utf8_declared_cp1252" / "input" / "data.csv"
    first = next(i for i, line in enumerate(path.read_bytes().split(b"\n")) if not line.isascii())
    line = path.read_bytes().split(b"\n")[first]
    assert message == (
        f"file {path} is UTF-8, not windows-1252 as the dataset config declares: its "
        f"non-ASCII bytes are UTF-8 (line {first + 1}: {line.decode()!r}, which windows-1252 "
        f'would read as {line.decode("windows-1252")!r}); remove "encoding" from the dataset '
        "config (UTF-8 is the default), or re-save the file as windows-1252"
    )
    assert refused(tmp_path, "bom_declared_cp1252").endswith(
        "starts with a UTF-8 byte-order mark: it is UTF-8, not windows-1252 as the dataset "
        'config declares; remove "encoding" from the dataset config (UTF-8 is the default), '
        "or re-save the file as windows-1252"
    )
    # a real windows-1252 file declared so is read (its bytes are not UTF-8)
    assert inspect(tmp_path, "latin1_declared").files


def test_a_file_that_is_not_data_is_named_when_it_sets_the_columns(tmp_path):
    prefix = tmp_path / "notes_beside_the_data" / "input"
    assert refused(tmp_path, "notes_beside_the_data") == (
        f"file {prefix / 'README.txt'}, the first of 2 files under {prefix}: input is missing "
        "required column(s) bought, colour, age, income (input columns: some notes); fix the "
        "input or the dataset config; a file under the input prefix that is not this dataset "
        "(notes, a README, another table) must move elsewhere"
    )


def test_a_config_with_a_byte_order_mark_is_read_and_comments_are_named():
    text = json.dumps(CONTRACT)
    assert etl_contract.load_contract("\ufeff" + text, "c.json").target == "bought"
    with pytest.raises(etl_contract.PreprocessError) as info:
        etl_contract.load_contract("// shop data\n" + text, "c.json")
    assert str(info.value) == (
        "dataset config c.json is not valid JSON: Expecting value: line 1 column 1 (char 0); "
        "JSON has no comments: remove them"
    )


def test_a_key_given_twice_is_refused_not_overwritten():
    # json keeps the last: the first "drop" list was silently made features
    text = json.dumps(CONTRACT)[:-1] + ', "drop": ["a"], "drop": ["b"]}'
    with pytest.raises(etl_contract.PreprocessError) as info:
        etl_contract.load_contract(text, "c.json")
    assert str(info.value) == (
        "dataset config c.json: key 'drop' appears twice in one object (JSON keeps only the "
        "last): merge the two into one"
    )


def test_hints_name_the_likely_cause_of_non_numeric_values():
    import etl_quality

    inferred = etl_contract.validate_config({**CONTRACT, "numeric": None}, "c.json")
    drops = [("non_numeric", "notes", 40, ["great customer", "n/a please"])]
    assert etl_quality.hints(inferred, drops) == [
        "\"numeric\" is null, so every column not named elsewhere is numeric: list 'notes' "
        'under "categorical" (or "drop") if it holds text'
    ]
    # an id's name: its role is "identifiers", not a category (a feature per row)
    ids = [*drops, ("non_numeric", "customerID", 40, ["7590-VHVEG", "5575-GNVDE"])]
    assert etl_quality.hints(inferred, ids) == [
        '"numeric" is null, so every column not named elsewhere is numeric: list '
        "'customerID' under \"identifiers\" (an id is no feature); 'notes' under "
        '"categorical" (or "drop") if it holds text'
    ]
    declared = etl_contract.validate_config(CONTRACT, "c.json")
    assert etl_quality.hints(declared, drops) == []
    commas = [("non_numeric", "income", 200, ["1000,5", "12,25"])]
    assert etl_quality.hints(declared, commas) == [
        '\',\' looks like the file\'s decimal separator: declare "decimal": "," (with '
        '"delimiter": ";")'
    ]


def test_hints_take_a_word_in_a_numeric_column_for_a_missing_value_spelling():
    # "list it under categorical" made a category per distinct income
    import etl_quality

    inferred = etl_contract.validate_config({**CONTRACT, "numeric": None}, "c.json")
    spelled = ("non_numeric", "income", 1200, ["n.a."])
    assert etl_quality.hints(inferred, [spelled], total=12000) == [
        "numbers but for a spelling with no digit ('income' 'n.a.'): if it means a missing "
        "value, add it to \"missing_values\" (now ['NA', 'N/A', 'n/a', '#N/A', '#NA', '<NA>', "
        "'NULL', 'null', 'None', 'NaN', 'nan', '-', '?'])"
    ]
    # most rows words: a text column after all
    assert "categorical" in etl_quality.hints(inferred, [spelled], total=2000)[0]
    declared = etl_contract.validate_config(CONTRACT, "c.json")
    two = ("non_numeric", "age", 30, ["--", "unknown"])
    assert etl_quality.hints(declared, [two], total=200)[0].startswith(
        "numbers but for a spelling with no digit ('age' '--', 'unknown')"
    )


def test_hints_say_a_date_column_is_dropped_not_made_categorical():
    # "list it under categorical" would make a one-hot feature per day
    import etl_quality

    inferred = etl_contract.validate_config({**CONTRACT, "numeric": None}, "c.json")
    dates = ("non_numeric", "application_date", 4000, ["2023-01-01", "2023-03-17"])
    text = ("non_numeric", "notes", 40, ["great customer"])
    assert etl_quality.hints(inferred, [dates, text]) == [
        "'application_date' holds dates: list it under \"drop\" (as a category a date makes a "
        "feature per day, none of which new data has); to use one, derive a number from it "
        '(days since, month) before the job; "numeric" is null, so every column not named '
        'elsewhere is numeric: list \'notes\' under "categorical" (or "drop") if it holds '
        "text"
    ]
    declared = etl_contract.validate_config(CONTRACT, "c.json")
    stamps = ("non_numeric", "seen", 9, ["31/01/2024 08:15", "2024-02-01T10:00:00Z"])
    assert etl_quality.hints(declared, [stamps])[0].startswith("'seen' holds dates: list it")


@pytest.mark.parametrize("chunk", [3, etl_scan.CHUNK])
def test_a_windows_1252_file_ending_in_an_accent_is_not_taken_for_utf8(
    tmp_path, monkeypatch, chunk
):
    monkeypatch.setattr(etl_scan, "CHUNK", chunk)
    text = "id,age,income,colour,bought\n" + "".join(
        f"{i},30,1000.5,red,{'yes' if i % 2 else 'no'}\n" for i in range(20)
    )
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode() + b"20,30,1000.5,caf\xe9,no")  # \xe9: 'é', the last byte
    contract = etl_contract.validate_config({**CONTRACT, "encoding": "windows-1252"}, "c")
    (scanned,) = etl_scan.inspect(contract, str(path)).files
    assert scanned.records == 21


def test_windows_1252_text_declared_latin_1_is_refused_naming_the_byte(tmp_path):
    # Latin-1 decodes 0x96 as a control character: 'Nord \x96 Küste' became a category
    text = "id,age,income,colour,bought\n" + "".join(
        f"{i},30,1000.5,{'red' if i % 2 else 'grün'},{'yes' if i % 2 else 'no'}\n"
        for i in range(20)
    )
    path = tmp_path / "data.csv"
    dash = "20,30,1000.5,Nord \u2013 Küste,no\n".encode("cp1252")
    path.write_bytes(text.encode("latin-1") + dash)
    contract = etl_contract.validate_config({**CONTRACT, "encoding": "iso-8859-1"}, "c")
    with pytest.raises(etl_contract.PreprocessError) as info:
        etl_scan.inspect(contract, str(path))
    offset = len(text.encode("latin-1")) + len("20,30,1000.5,Nord ")
    assert str(info.value) == (
        f"file {path}: byte 96 at byte offset {offset} (line 22) is a control character in "
        "iso-8859-1, which no text holds: the file is most likely windows-1252 (where it is "
        '\'\u2013\'); declare "encoding": "windows-1252"'
    )
    latin1 = etl_contract.validate_config({**CONTRACT, "encoding": "latin-1"}, "c")
    path.write_bytes(text.encode("latin-1"))  # 'ü' is 0xfc in both: read as declared
    (scanned,) = etl_scan.inspect(latin1, str(path)).files
    assert scanned.records == 20


def test_a_decimal_point_under_declared_decimal_commas_is_named():
    import etl_quality

    declared = etl_contract.validate_config(
        {**CONTRACT, "delimiter": ";", "decimal": ","}, "c.json"
    )
    drops = [("non_numeric", "income", 12, ["39008.10", "7.5"])]
    assert etl_quality.hints(declared, drops) == [
        'values like \'3.14\' use a decimal point, but the config declares "decimal": ","; '
        'write them with commas, or remove "decimal" if the file uses points'
    ]


def test_a_misspelt_identifier_next_to_its_column_is_refused(tmp_path):
    """ "numeric": null makes every undeclared column a feature: an identifier written
    'ID' for the input's 'id' would train the model on the ids."""
    message = refused(tmp_path, "good", identifiers=["ID"], numeric=None)
    assert message == (
        "identifiers lists 'ID', not in the input, but 'id' is: with \"numeric\" unset it "
        "would be a numeric feature; correct the name in the dataset config, or list the "
        'numeric columns under "numeric" if it is meant to be one'
    )
    found = inspect(tmp_path / "other", "good", identifiers=["ID"], extra_columns="ignore")
    assert found.columns.numeric == ("age", "income")
    absent = inspect(tmp_path / "absent", "good", identifiers=["id", "batch_no"], numeric=None)
    assert absent.columns.numeric == ("age", "income")  # absent, no namesake: allowed


def test_the_thousands_hint_offers_a_decimal_comma_only_when_it_could_be_one():
    import etl_quality

    contract = etl_contract.load_contract(json.dumps(CONTRACT), "c.json")
    ambiguous = etl_quality.hints(contract, [("thousands_separator", "income", 2, ["1,234"])])
    assert ambiguous == [
        'if \',\' is the file\'s decimal separator, declare "decimal": "," (with "delimiter": '
        "\";\"), or write the numbers with '.'"
    ]
    # "decimal": "," declared for a file that writes points: "10.030" may be one
    commas = etl_contract.load_contract(
        json.dumps({**CONTRACT, "decimal": ",", "delimiter": ";"}), "c.json"
    )
    points = etl_quality.hints(commas, [("thousands_separator", "fee", 2, ["10.030", "1.250"])])
    assert points == [
        'if \'.\' is the file\'s decimal separator, remove "decimal": "," from the dataset '
        "config ('.' is the default), or write the numbers with ','"
    ]
    # an empty column has no spelling to declare: it is dropped
    empty = etl_quality.hints(contract, [("missing_value", "device", 200, [])], total=200)
    assert empty[0].startswith("'device' has no value in any row: list it under \"drop\"; ")
    for grouped in ("31,549.27", "1 234", "12\u00a0345"):
        assert etl_quality.hints(
            contract, [("thousands_separator", "x", 1, ["1,234", grouped])]
        ) == ["numbers with digit groups are refused: write them without the separators"]


@pytest.mark.parametrize("delimiter", [";", ","])
def test_an_excel_separator_line_above_the_header_is_named(tmp_path, delimiter):
    message = refused(tmp_path, "excel_sep_line", delimiter=delimiter)
    assert message.endswith(
        "data.csv line 1 is 'sep=;', Excel's separator hint, not a header: delete that line "
        '(the dataset config\'s "delimiter" names the separator)'
    )


def test_a_config_without_labels_says_the_target_must_be_binary():
    """A regression config (a numeric target, no labels) learns what the ETL prepares."""
    for config, what in (({"target": "price"}, "is required"), ({"target": "price",
                          "positive_label": []}, "is empty")):  # fmt: skip
        with pytest.raises(etl_contract.PreprocessError) as info:
            etl_contract.load_contract(json.dumps({"name": "houses", **config}), "c.json")
        assert str(info.value).startswith("dataset config c.json: ")
        assert (
            f"'positive_label' {what} (the ETL prepares a binary "
            'classification: name the target\'s value(s) meaning positive, e.g. "yes", and '
            "the negative one(s); a regression or multiclass target is not supported)"
        ) in str(info.value)


def test_a_gzip_object_in_s3_is_scanned_decompressed_and_read_no_further_than_needed():
    import gzip

    import boto3
    from moto import mock_aws

    text = "a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(5000))
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="bkt")
        s3.put_object(Bucket="bkt", Key="data/in.csv.gz", Body=gzip.compress(text.encode()))
        (item,) = etl_scan.list_inputs("s3://bkt/data/")[0]
        whole = etl_scan.scan_file(item, etl_contract.validate_config(CONTRACT, "c.json"))
        assert (whole.compression, whole.complete, whole.records) == ("gzip", True, 5000)
        bounded = etl_contract.validate_config({**CONTRACT, "scan_max_bytes": 1000}, "c.json")
        head = etl_scan.scan_file(item, bounded)
        assert (head.complete, head.scanned_bytes) == (False, 1000)
        assert head.read_bytes < item.size
        assert 3000 < head.estimated_records() < 7000  # from the compression ratio so far
        line = etl_scan.read_line(item, len("a,b\n0,0\n"))
        assert line == b"1,2"


def _inspect_files(tmp_path: Path, files: dict[str, str], **contract: Any) -> Any:
    """Write ``files`` (name -> text) under one prefix and inspect it."""
    prefix = tmp_path / "input"
    prefix.mkdir()
    for name, text in files.items():
        (prefix / name).write_bytes(text.encode())
    config = {**CONTRACT, **contract}
    parsed = etl_contract.load_contract(json.dumps(config), "contract.json")
    return parsed, etl_scan.inspect(parsed, str(prefix))


HEAD = "id,age,income,colour,bought\n"


def test_locate_names_the_file_and_line_of_a_refused_value(tmp_path):
    first = HEAD + "1,30,100,red,yes\n2,31,200,blue,no\n"
    # the second file, in another column order, with CRLF line ends
    second = 'bought,id,age,colour,income\r\nno,3,40,red,1\r\nyes,4,41,red,"1,234"\r\n'
    contract, found = _inspect_files(tmp_path, {"a.csv": first, "b.csv": second})
    at = etl_scan.locate(contract, found, "income", ["1,234"])
    assert at == f"file {tmp_path / 'input' / 'b.csv'} line 3"
    assert etl_scan.locate(contract, found, "income", ["100"]) == (
        f"file {tmp_path / 'input' / 'a.csv'} line 2"
    )
    # only the column's own field counts: 40 is an age, not an income
    assert etl_scan.locate(contract, found, "income", ["40"]) is None
    assert etl_scan.locate(contract, found, "income", []) is None


def test_locate_follows_quoted_line_breaks_and_the_declared_case(tmp_path):
    text = HEAD + '1,30,100,"dark\nred",yes\n2,31,200,  BLUE ,no\n3,32,300,x,maybe\n'
    contract, found = _inspect_files(tmp_path, {"a.csv": text}, category_case="ignore")
    where = f"file {tmp_path / 'input' / 'a.csv'}"
    # a record spanning lines 2-3: the next starts at line 4; values are trimmed, and
    # compared lower-cased as a category whose case is ignored
    assert etl_scan.locate(contract, found, "colour", ["blue"]) == f"{where} line 4"
    assert etl_scan.locate(contract, found, "bought", ["maybe"]) == f"{where} line 5"
    assert etl_scan.locate(contract, found, "bought", ["MAYBE"]) is None  # labels: as given


@pytest.mark.parametrize(
    ("second", "order"),
    [
        ("id,age,income,colour,bought", "in the same column order"),
        ("id,income,age,colour,bought", "in another column order"),  # values would swap
        ('"id","income","age","colour","bought"', "in another column order"),  # parsed
        ("\ufeffid, income ,age,colour,bought\r", "in another column order"),  # a BOM, CRLF
    ],
)
def test_a_header_repeated_inside_a_file_is_refused(tmp_path, second, order):
    rows = "".join(f"{i},30,{i}00,red,yes\n" for i in range(1, 6))
    text = HEAD + rows + second + "\n" + rows
    with pytest.raises(etl_contract.PreprocessError) as info:
        _inspect_files(tmp_path, {"m.csv": text})
    assert str(info.value) == (
        f"file {tmp_path / 'input' / 'm.csv'} line 7 repeats the header row, {order} "
        "(exports joined into one file?): read as data, the rows after it would take the "
        "first header's columns; split the file at that line, or delete the line if the "
        "order is the same"
    )


def test_a_value_that_is_a_column_name_is_not_a_header(tmp_path):
    text = HEAD + "1,30,100,colour,yes\n2,31,200,red,no\n"
    _, found = _inspect_files(tmp_path, {"m.csv": text})
    assert found.files[0].records == 2


def test_one_file_with_another_delimiter_among_several_is_named_as_the_odd_one(tmp_path):
    good = HEAD + "1,30,100,red,yes\n"
    odd = HEAD.replace(",", ";") + "2;31;200;blue;no\n"
    with pytest.raises(etl_contract.PreprocessError) as info:
        _inspect_files(tmp_path, {"2024-01.csv": good, "2024-02.csv": odd, "2024-03.csv": good})
    assert str(info.value) == (
        f"file {tmp_path / 'input' / '2024-02.csv'} look(s) semicolon-separated, while 2 "
        f"other file(s) under the input (e.g. {tmp_path / 'input' / '2024-01.csv'}) are "
        "comma-separated as the dataset config declares: re-export it comma-separated, or "
        "move it out of the input prefix"
    )


def test_every_file_with_another_delimiter_gets_the_config_fix(tmp_path):
    odd = HEAD.replace(",", ";") + "2;31;200;blue;no\n"
    with pytest.raises(etl_contract.PreprocessError) as info:
        _inspect_files(tmp_path, {"a.csv": odd, "b.csv": odd})
    assert str(info.value).endswith(
        'the file looks semicolon-separated; set "delimiter": ";" in the dataset config'
    )


@pytest.mark.parametrize(
    ("seen", "fixes"),
    [
        (["Yes", " NO"], '; "label_match": "trim_ignore_case" also matches them in other cases'),
        (
            ["1"],
            '; if \'1\' is a spelling of a class, "positive_label" and "negative_label" take '
            'lists (e.g. ["yes", "1"])',
        ),
        (
            ["Yes", "1", "0"],
            '; "label_match": "trim_ignore_case" also matches them in other cases; if \'1\', '
            '\'0\' are spellings of a class, "positive_label" and "negative_label" take lists '
            '(e.g. ["yes", "1"])',
        ),
    ],
)
def test_label_fixes_fit_the_labels_seen(seen, fixes):
    import etl_quality

    contract = etl_contract.load_contract(json.dumps(CONTRACT), "contract.json")
    assert etl_quality.label_fixes(contract, [("unknown_label", "bought", 3, seen)]) == fixes


def test_the_read_schema_names_fields_as_the_header_does():
    # Spark compares the header with the schema by position and warns per file on a
    # difference; positions where a name cannot be a field's
    import etl_quality

    assert etl_quality.schema_names(("State", "a.b", "Churn?")) == ["State", "a.b", "Churn?"]
    assert etl_quality.schema_names(("", "x", "y")) == ["_c0", "_c1", "_c2"]
    assert etl_quality.schema_names(("x", "_corrupt_record")) == ["_c0", "_c1"]


def test_s3_refusals_of_the_input_listing_are_one_line_naming_the_fix():
    # S3's answers to ListObjectsV2 (S3 API reference, "Error responses"); a traceback before
    from botocore.exceptions import ClientError

    def refused(code: str, text: str):  # type: ignore[no-untyped-def]
        raise ClientError({"Error": {"Code": code, "Message": text}}, "ListObjectsV2")
        yield  # a generator, as a paginator is

    with pytest.raises(etl_contract.PreprocessError) as info:
        list(
            etl_scan._listed(
                refused("NoSuchBucket", "The specified bucket does not exist"),
                "s3://typo/data.csv",
                "typo",
            )
        )
    assert str(info.value) == (
        "input s3://typo/data.csv: bucket 'typo' does not exist (S3 NoSuchBucket): fix the "
        "bucket in input_uri, or upload the data there first (glue-wf upload-data)"
    )
    with pytest.raises(etl_contract.PreprocessError) as info:
        list(etl_scan._listed(refused("AccessDenied", "Access Denied"), "s3://b/x/", "b"))
    assert str(info.value).startswith(
        "input s3://b/x/: S3 refused to list it (AccessDenied: Access Denied): the job's role"
    )
