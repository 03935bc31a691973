"""Small CSV inputs for the ETL's data contract: a clean binary-classification dataset
and one file (or prefix) per kind of damage users produce.

``python tests/jobs/malformed_csv.py OUT_DIR`` writes every case under OUT_DIR (one
directory per case holding ``input/`` and ``contract.json``); the tests call
:func:`write_case` for the case they need.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HEADER = ["id", "age", "income", "colour", "bought"]
CONTRACT: dict[str, Any] = {
    "name": "shop",
    "target": "bought",
    "positive_label": "yes",
    "negative_label": "no",
    "categorical": ["colour"],
    "numeric": ["age", "income"],
    "identifiers": ["id"],
    "min_rows": 5,
}
ROWS = 200
SQL_TEXT = ["it's", "back\\slash", "${x}", "50%_off", 'say "hi"']


def clean_rows(n: int = ROWS) -> list[list[str]]:
    colours = ["red", "green", "blue"]
    return [
        [
            str(i),
            str(18 + i % 50),
            f"{1000 + (i * 37) % 900}.5",
            colours[i % 3],
            "yes" if i % 2 else "no",
        ]
        for i in range(n)
    ]


def to_csv(header: list[str], rows: list[list[str]], delimiter: str = ",", eol: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=eol)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _with(rows: list[list[str]], column: str, values: dict[int, str]) -> list[list[str]]:
    index = HEADER.index(column)
    changed = [list(r) for r in rows]
    for row, value in values.items():
        changed[row][index] = value
    return changed


def _reorder(
    header: list[str], rows: list[list[str]], order: list[str]
) -> tuple[list[str], list[list[str]]]:
    idx = [header.index(c) for c in order]
    return order, [[r[i] for i in idx] for r in rows]


# Each case: files to write (relative name -> bytes) and contract overrides.
Case = tuple[dict[str, bytes], dict[str, Any]]


def _one(text: str, **contract: Any) -> Case:
    return {"data.csv": text.encode("utf-8")}, contract


def _zipped(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


def _cases() -> dict[str, Callable[[], Case]]:
    rows = clean_rows()
    cased = to_csv(
        HEADER, _with(rows, "colour", {i: ("RED", "Red")[i % 2] for i in range(0, 60, 3)})
    )
    income = HEADER.index("income")
    comma = [[*r[:income], r[income].replace(".", ","), *r[income + 1 :]] for r in rows]
    good = to_csv(HEADER, rows)
    middle = good.index("\n", len(good) // 2) + 1
    halves = (good[:middle], good[middle:])
    reordered = to_csv(*_reorder(HEADER, rows[100:], ["bought", "colour", "id", "income", "age"]))
    quoted = _with(rows, "colour", {3: "red, dark\nish", 4: 'blue "navy"'})
    latin = to_csv(HEADER, _with(rows, "colour", {7: "rosé"})).encode("latin-1")
    wide = to_csv(HEADER, rows).splitlines(keepends=True)
    wide.insert(12, ",".join(["1"] * 40) + "\n")  # line 13 of the file
    # blank lines (LF and CRLF) between records and at the end; then a short row after them
    blank = good.splitlines(keepends=True)
    for at, line in ((150, "\r\n"), (90, "\n"), (40, "\n"), (40, "\n")):
        blank.insert(at, line)
    blank += ["\n", "\n"]
    short = [*blank[:170], "171,oops\n", *blank[170:]]  # line 171 of the file
    # one field too many and one too few on lines 21 and 22: as many delimiters as two rows
    paired = good.splitlines(keepends=True)
    paired[20:22] = ["20,30,1000,red,yes,x\n", "21,30,red,no\n"]
    accented = dict.fromkeys(range(0, len(rows), 3), "rosé 中")
    unicode = to_csv(HEADER, _with(rows, "colour", accented))
    # missing values as exports spell them, in a categorical, the target and a numeric
    marked = _with(_with(rows, "colour", {3: "N/A", 5: "null", 8: "?"}), "bought", {10: "NA"})
    marked = to_csv(HEADER, _with(_with(marked, "age", {12: "N/A"}), "income", {14: "NaN"}))
    huge = to_csv(HEADER, _with(rows, "income", {1: "1e39", 2: "-3.5e38", 3: "3.4e38"}))
    # a latin-1 byte in the last rows, past a small scan_max_bytes: only Spark decodes it
    late = _with(rows, "colour", {len(rows) - 2: "rosé", len(rows) - 1: "rosé"})
    return {
        "good": lambda: _one(good),
        "cr_only": lambda: _one(good.replace("\n", "\r")),
        "gzip": lambda: ({"data.csv.gz": gzip.compress(good.encode(), mtime=0)}, {}),
        "bzip2": lambda: ({"data.csv.bz2": bz2.compress(good.encode())}, {}),
        # two members (cat a.gz b.gz, pigz)
        "gzip_members": lambda: (
            {"data.csv.gz": b"".join(gzip.compress(h.encode(), mtime=0) for h in halves)},
            {},
        ),
        # zero padding after the data (tape and some uploaders): gzip ignores it, Spark fails
        "gzip_padded": lambda: (
            {"data.csv.gz": gzip.compress(good.encode(), mtime=0) + b"\0" * 16},
            {},
        ),
        # a 1,000-byte scan of a gzip file: the rest decompressed only by Spark
        "gzip_past_scan": lambda: (
            {"data.csv.gz": gzip.compress(good.encode(), mtime=0)},
            {"scan_max_bytes": 1000},
        ),
        "gzip_misnamed": lambda: ({"data.csv": gzip.compress(good.encode(), mtime=0)}, {}),
        "gzip_not": lambda: ({"data.csv.gz": good.encode()}, {}),
        "gzip_truncated": lambda: (
            {"data.csv.gz": gzip.compress(good.encode(), mtime=0)[:-40]},
            {},
        ),
        "zip": lambda: ({"data.zip": _zipped("data.csv", good)}, {}),
        # Excel writes a separator hint above the header when asked to
        "excel_sep_line": lambda: _one(
            "sep=;\n" + to_csv(HEADER, rows, delimiter=";"), delimiter=";"
        ),
        "utf16_no_bom": lambda: ({"data.csv": good.encode("utf-16-le")}, {}),
        "trailing_delimiter": lambda: _one(good.replace("\n", ",\n")),
        "trailing_delimiter_dropped": lambda: _one(good.replace("\n", ",\n"), drop=[""]),
        # pandas' to_csv writes its index as a first column with no name; read and
        # written again, that column is called "Unnamed: 0"
        "pandas_index": lambda: _one(to_csv(["", *HEADER], [[i, *r] for i, r in enumerate(rows)])),
        "pandas_unnamed": lambda: _one(
            to_csv(["Unnamed: 0", *HEADER], [[i, *r] for i, r in enumerate(rows)])
        ),
        "notes_dropped": lambda: _one(
            to_csv([*HEADER, "notes"], [[*r, f"note {i}"] for i, r in enumerate(rows)]),
            drop=["notes"],
        ),
        "many_categories": lambda: _one(
            to_csv(HEADER, _with(rows, "colour", {i: f"c{i}" for i in range(len(rows))})),
            max_categories=50,
        ),
        "long_category": lambda: _one(to_csv(HEADER, _with(rows, "colour", {5: "x" * 1500}))),
        "date_category": lambda: _one(
            to_csv(
                HEADER,
                _with(rows, "colour", {i: f"2024-01-{1 + i % 28:02d}" for i in range(len(rows))}),
            )
        ),
        "missing_markers": lambda: _one(marked),
        "missing_markers_kept": lambda: _one(marked, missing_values=[]),
        "huge_numbers": lambda: _one(huge),
        "latin1_past_scan": lambda: (
            {"data.csv": to_csv(HEADER, late).encode("latin-1")},
            {"scan_max_bytes": 1000},
        ),
        "bom": lambda: ({"data.csv": b"\xef\xbb\xbf" + good.encode()}, {}),
        "crlf": lambda: _one(to_csv(HEADER, rows, eol="\r\n")),
        "quoted_newlines": lambda: _one(to_csv(HEADER, quoted)),
        # a quoted line break only in the last record: past a small scan_max_bytes
        "late_quoted_newline": lambda: _one(
            to_csv(HEADER, _with(rows, "colour", {len(rows) - 1: "red, dark\nish"}))
        ),
        "latin1": lambda: ({"data.csv": latin}, {}),
        "latin1_declared": lambda: ({"data.csv": latin}, {"encoding": "iso-8859-1"}),
        # UTF-8 declared as a single-byte charset: read as declared it would be mojibake
        "utf8_declared_cp1252": lambda: (
            {"data.csv": unicode.encode("utf-8")},
            {"encoding": "windows-1252"},
        ),
        "bom_declared_cp1252": lambda: (
            {"data.csv": b"\xef\xbb\xbf" + good.encode()},
            {"encoding": "windows-1252"},
        ),
        "utf16": lambda: ({"data.csv": good.encode("utf-16")}, {}),
        "semicolon": lambda: _one(to_csv(HEADER, rows, delimiter=";")),
        "semicolon_declared": lambda: _one(to_csv(HEADER, rows, delimiter=";"), delimiter=";"),
        # a European export: semicolons between fields, decimal commas
        "decimal_comma": lambda: _one(to_csv(HEADER, comma, delimiter=";"), delimiter=";"),
        "decimal_comma_declared": lambda: _one(
            to_csv(HEADER, comma, delimiter=";"), delimiter=";", decimal=","
        ),
        "thousands": lambda: _one(
            to_csv(HEADER, _with(rows, "income", {5: "1,234.5", 9: "2,000"}))
        ),
        # a French spreadsheet's export: no-break spaces group digits (cp1252 byte A0)
        "thousands_nbsp": lambda: (
            {
                "data.csv": to_csv(
                    HEADER,
                    _with(comma, "income", {5: "62\u00a0734,6", 9: "2\u202f000"}),
                    delimiter=";",
                ).encode("utf-8")
            },
            {"delimiter": ";", "decimal": ","},
        ),
        "wide_row": lambda: _one("".join(wide)),
        "blank_lines": lambda: _one("".join(blank)),
        "short_row_after_blank_lines": lambda: _one("".join(short)),
        "extra_and_short_rows": lambda: _one("".join(paired)),
        "unicode_values": lambda: _one(unicode),
        # one colour spelled in three cases, as hand-typed exports have it
        "category_cases": lambda: _one(cased),
        "category_cases_ignored": lambda: _one(cased, category_case="ignore"),
        "missing_column": lambda: _one(to_csv(*_drop_column(HEADER, rows, "income"))),
        "header_case": lambda: _one(to_csv(["id", "Age ", "income", "colour", "bought"], rows)),
        "header_case_allowed": lambda: _one(
            to_csv(["id", "Age ", "income", "colour", "bought"], rows),
            header_match="trim_ignore_case",
        ),
        "extra_column": lambda: _one(to_csv([*HEADER, "notes"], [[*r, "x"] for r in rows])),
        "extra_column_ignored": lambda: _one(
            to_csv([*HEADER, "notes"], [[*r, "x"] for r in rows]), extra_columns="ignore"
        ),
        "duplicate_header": lambda: _one(to_csv(["id", "age", "income", "colour", "age"], rows)),
        # an export's title above the header: every other field of its line is empty
        "title_line": lambda: _one("Shop export 2024-05-01,,,,\n" + good),
        # UCI Adult's test file starts with such a line
        "title_with_a_pipe": lambda: _one("|1x3 Cross validator\n" + good),
        # a spreadsheet's formatted but empty rows, exported as delimiters only
        "empty_rows": lambda: _one(good + ",,,,\n" * 30),
        "two_files_reordered": lambda: (
            {"part-1.csv": to_csv(HEADER, rows[:100]).encode(), "part-2.csv": reordered.encode()},
            {},
        ),
        "two_files_reordered_refused": lambda: (
            {"part-1.csv": to_csv(HEADER, rows[:100]).encode(), "part-2.csv": reordered.encode()},
            {"column_order": "refuse"},
        ),
        "notes_beside_the_data": lambda: (
            {"README.txt": b"some notes\n", "part-1.csv": to_csv(HEADER, rows).encode()},
            {},
        ),
        "two_files_other_columns": lambda: (
            {
                "part-1.csv": to_csv(HEADER, rows[:100]).encode(),
                "part-2.csv": to_csv(*_drop_column(HEADER, rows[100:], "id")).encode(),
            },
            {},
        ),
        # a dropped column in one file only, an undeclared one ignored in the other
        "two_files_dropped_column": lambda: (
            {
                "part-1.csv": to_csv(
                    [*HEADER, "notes"], [[*r, f"note {i}"] for i, r in enumerate(rows[:100])]
                ).encode(),
                "part-2.csv": to_csv(HEADER, rows[100:]).encode(),
            },
            {"drop": ["notes"]},
        ),
        "two_files_ignored_column": lambda: (
            {
                "part-1.csv": to_csv(HEADER, rows[:100]).encode(),
                "part-2.csv": to_csv(
                    [*HEADER, "channel"], [[*r, "web"] for r in rows[100:]]
                ).encode(),
            },
            {"extra_columns": "ignore"},
        ),
        "markers": lambda: (
            {
                "part-1.csv": to_csv(HEADER, rows).encode(),
                "_SUCCESS": b"",
                "empty.csv": b"",
                ".part-1.csv.crc": b"\x00\x01",
            },
            {},
        ),
        "text_in_numeric": lambda: _one(
            to_csv(HEADER, _with(rows, "age", {1: "abc", 2: "n/a", 3: "abc"}))
        ),
        # missing values (one row misses three, one also holds text in income)
        "missing_values": lambda: _one(
            to_csv(
                HEADER,
                _with(
                    _with(_with(rows, "age", {1: "", 2: " ", 8: ""}), "colour", {2: "", 4: ""}),
                    "income",
                    {2: "abc", 6: ""},
                ),
            )
        ),
        # SQL-sensitive text in a column name and its values: quotes, a backslash, "${...}"
        "sql_text": lambda: _one(
            to_csv(
                [*HEADER[:3], "colour's ${x} `c`", HEADER[4]],
                [[*r[:3], SQL_TEXT[i % len(SQL_TEXT)], r[4]] for i, r in enumerate(rows)],
            ),
            categorical=["colour's ${x} `c`"],
        ),
        # names and labels DQDL cannot quote as they are (a quote, a backslash), a dotted
        # name Spark would read as a nested field, a label holding a backslash
        "quoted_names": lambda: _one(
            to_csv(
                ["row id", 'a"ge', "in.come", "col\\our", "bought"],
                [[*r[:4], "ye\\s" if r[4] == "yes" else r[4]] for r in rows],
            ),
            positive_label="ye\\s",
            numeric=['a"ge', "in.come"],
            categorical=["col\\our"],
            identifiers=["row id"],
        ),
        # column names: one the ETL gives its own columns, Spark's corrupt-record column
        # (ignored, yet read), a feature named "label", and two differing only in case
        "reserved_name": lambda: _one(
            to_csv(["id", "age", "_label", "colour", "bought"], rows), numeric=["age", "_label"]
        ),
        "corrupt_record_column": lambda: _one(
            to_csv([*HEADER, "_corrupt_record"], [[*r, ""] for r in rows]),
            extra_columns="ignore",
        ),
        "label_and_case_twins": lambda: _one(
            to_csv(
                ["id", "age", "label", "colour", "bought", "Age"],
                [[*r, str(int(r[1]) * 2)] for r in rows],
            ),
            numeric=["age", "label", "Age"],
        ),
        "text_in_numeric_many": lambda: _one(
            to_csv(HEADER, _with(rows, "age", dict.fromkeys(range(0, 60, 2), "unknown")))
        ),
        "text_in_numeric_refused": lambda: _one(
            to_csv(HEADER, _with(rows, "age", {1: "abc"})), on_invalid={"non_numeric": "fail"}
        ),
        "non_finite": lambda: _one(
            to_csv(HEADER, _with(rows, "income", {1: "inf", 2: "NaN", 3: "1e400", 4: "-Infinity"}))
        ),
        "non_finite_refused": lambda: _one(
            to_csv(HEADER, _with(rows, "income", {1: "inf"})), on_invalid={"non_finite": "fail"}
        ),
        "labels": lambda: _one(
            to_csv(HEADER, _with(rows, "bought", {1: " yes ", 3: "Yes", 5: "maybe"}))
        ),
        "labels_ignore_case": lambda: _one(
            to_csv(HEADER, _with(rows, "bought", {1: " yes ", 3: "Yes", 5: "maybe"})),
            label_match="trim_ignore_case",
        ),
        "labels_refused": lambda: _one(
            to_csv(HEADER, _with(rows, "bought", {5: "maybe"})),
            on_invalid={"unknown_label": "fail"},
        ),
        "tiny": lambda: _one(to_csv(HEADER, rows[:12])),
    }


def _drop_column(
    header: list[str], rows: list[list[str]], column: str
) -> tuple[list[str], list[list[str]]]:
    i = header.index(column)
    return [h for h in header if h != column], [r[:i] + r[i + 1 :] for r in rows]


CASES = tuple(_cases())


def write_case(name: str, root: Path, **contract: Any) -> tuple[Path, Path]:
    """Write case ``name`` under ``root``: (the input prefix, the contract JSON)."""
    files, overrides = _cases()[name]()
    prefix = root / name / "input"
    for rel, data in files.items():
        path = prefix / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    config = root / name / "contract.json"
    config.write_text(json.dumps({**CONTRACT, **overrides, **contract}, indent=2))
    return prefix, config


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "malformed-csv")
    for case in CASES:
        write_case(case, target)
    print(f"wrote {len(CASES)} cases under {target}")
