"""Rows of the training input, encoded as the endpoint's model reads them.

An endpoint scores the preprocess job's encoded layout (``feature_manifest.json``:
numeric columns, one-hot indicators, binary and index codes, in order), not the CSV a
caller has. ``glue-wf invoke --raw`` takes rows in the input's own format (a header,
its delimiter, quote and decimal separator: the manifest's ``input_format``) and
encodes them the way the job encoded the training rows (``jobs/etl/etl_features.
feature_columns`` and ``csv_line``): values trimmed of the same whitespace, a category
compared exactly (or lower-cased, ``category_case``), an unseen category all zeros,
an unknown binary or index value and an empty cell missing (an empty field, which
XGBoost reads as missing).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from glue_workflow.errors import ConfigError, GlueWfError
from glue_workflow.jobkit import feature_layout
from glue_workflow.jobkit.errors import JobFailed
from glue_workflow.jobkit.numbers import parse_number
from glue_workflow.jobkit.sagemaker_ops import read_s3_bytes
from glue_workflow.services.endpoints import HINT
from glue_workflow.services.sagemaker_calls import call

# What the ETL trims from a value (Java's regex \s, etl_quality.WHITESPACE)
WHITESPACE = " \t\n\u000b\f\r"


def served_manifest(sm: Any, s3: Any, endpoint: str) -> dict[str, Any]:
    """The feature manifest of the model package ``endpoint`` serves."""
    described = call(sm.describe_endpoint, hint=HINT, EndpointName=endpoint)
    config = str(described.get("EndpointConfigName") or "")
    package, why = feature_layout.serving_package(sm, config)
    uri = feature_layout.package_manifest_uri(package or {})
    if not uri:
        because = why or (
            f"its model package {(package or {}).get('ModelPackageArn')} records no "
            f"{feature_layout.MANIFEST_METADATA_KEY}"
        )
        raise GlueWfError(
            f"invoke --raw: the feature layout endpoint {endpoint} scores is unknown ({because}); "
            "send encoded rows without --raw"
        )
    try:
        manifest = json.loads(read_s3_bytes(s3, uri))
    except (JobFailed, ValueError) as exc:
        raise GlueWfError(f"invoke --raw: feature manifest {uri}: {exc}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("features"), list):
        raise GlueWfError(f"invoke --raw: {uri} is not a feature_manifest.json")
    return manifest


def decode(manifest: Mapping[str, Any], body: bytes) -> str:
    """The rows' text, read in the training input's encoding (the manifest's
    ``input_format``), as the ETL read the training input."""
    encoding = str((manifest.get("input_format") or {}).get("encoding") or "utf-8")
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise ConfigError(
            f"invoke --raw: the training input's encoding {encoding!r} is unknown here"
        ) from None
    if not codec.startswith("utf") and not body.isascii():
        # As the ETL refuses such a file (etl_scan): UTF-8 text read as a single-byte
        # charset turns "Indépendant" into "IndÃ©pendant", a category the model never
        # saw, scored as none without a word.
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        else:
            line = next(ln for ln in text.splitlines() if not ln.isascii())[:80]
            raise ConfigError(
                f"invoke --raw: the rows are UTF-8 text, but the model was trained on "
                f"{encoding} input (its feature manifest's input_format): {line!r} would be "
                f"read as {line.encode('utf-8').decode(encoding, 'replace')!r}; save the rows "
                f"as {encoding}, as the training input was"
            )
    try:
        return body.decode("utf-8-sig" if codec == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"invoke --raw: the rows are not {encoding} text, the training input's encoding: {exc}"
        ) from None


@dataclass(frozen=True)
class Encoded:
    """The model's rows, and the values it never saw in training, by column."""

    body: str
    unseen: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)  # rows with the column empty

    def warnings(self, shown: int = 5) -> list[str]:
        """One line per column whose values the model never saw in training: unseen
        categories, and missing values (the ETL drops or refuses every row with one, so
        the model never learnt what a missing value means)."""
        lines = [
            f"warning: {column}: missing in {count} row(s); the model never saw a missing "
            "value in training (the ETL drops rows with one): XGBoost takes each tree's "
            "default branch, so the score may be far off"
            for column, count in self.missing.items()
        ]
        for column, values in self.unseen.items():
            more = f" and {len(values) - shown} more" if len(values) > shown else ""
            listed = ", ".join(repr(v) for v in values[:shown])
            lines.append(
                f"warning: {column}: {listed}{more} not seen in training: scored as none of "
                "its categories (one-hot columns all 0; a binary or index code missing)"
            )
        return lines


def encode(manifest: Mapping[str, Any], text: str) -> Encoded:
    """CSV rows with a header, in the training input's format, as the model's rows
    (one line each, no label)."""
    fmt = manifest.get("input_format") or {}
    delimiter, quote = str(fmt.get("delimiter") or ","), str(fmt.get("quote") or '"')
    decimal = str(fmt.get("decimal") or ".")
    fold = fmt.get("category_case") == "ignore"  # categories were encoded lower-cased
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quote)
    header = [cell.strip(WHITESPACE) for cell in next(reader, [])]
    features: list[dict[str, Any]] = list(manifest["features"])
    needed = list(dict.fromkeys(str(f["source"]) for f in features))
    if header and not set(needed) & set(header):
        # no training column named at all: the first row is data, not a header
        raise ConfigError(
            f"invoke --raw: the first row names none of the training input's columns (it "
            f"reads {', '.join(header[:5])}{', ...' if len(header) > 5 else ''}): the rows "
            f"need a header row first, the columns' names separated by {delimiter!r} "
            f"({', '.join(needed[:5])}{', ...' if len(needed) > 5 else ''})"
        )
    doubled = sorted({name for name in header if header.count(name) > 1})
    if doubled:
        raise ConfigError(
            f"invoke --raw: the header names {', '.join(map(repr, doubled))} more than once; "
            "rename or remove the duplicates"
        )
    missing = {str(v).strip(WHITESPACE) for v in fmt.get("missing_values") or ()}
    codes: Mapping[str, Any] = manifest.get("encodings") or {}
    absent = [name for name in needed if name not in header]
    if absent:
        raise ConfigError(
            f"invoke --raw: the rows lack column(s) {', '.join(absent)} (their header: "
            f"{', '.join(header) or 'none'}); give a header row with the training input's "
            f"column names, separated by {delimiter!r}"
        )
    at = {name: header.index(name) for name in needed}
    known = _categories(features, codes)
    unseen: dict[str, list[str]] = {}
    empty: dict[str, int] = {}
    lines = []
    for row in reader:
        if not any(cell.strip(WHITESPACE) for cell in row):
            continue
        where = f"line {reader.line_num}"
        if len(row) != len(header):
            raise ConfigError(
                f"invoke --raw: {where} has {len(row)} fields, the header {len(header)}"
            )
        values = {name: row[i].strip(WHITESPACE) for name, i in at.items()}
        # a missing value's spellings ("NA", "?"...) are missing, as the job read them
        values = {name: "" if value in missing else value for name, value in values.items()}
        if fold:
            for name in {str(f["source"]) for f in features if f.get("kind") != "numeric"}:
                values[name] = values[name].lower()
        for name, value in values.items():
            if not value:
                empty[name] = empty.get(name, 0) + 1
        for name, categories in known.items():
            value = values[name]
            if value and value not in categories and value not in unseen.setdefault(name, []):
                unseen[name].append(value)
        lines.append(",".join(_field(f, values, codes, decimal, where) for f in features))
    if not lines:
        raise ConfigError("invoke --raw: no rows under the header")
    unseen = {k: v for k, v in unseen.items() if v}
    return Encoded("\n".join(lines) + "\n", unseen, dict(sorted(empty.items())))


def _categories(features: list[dict[str, Any]], codes: Mapping[str, Any]) -> dict[str, set[str]]:
    """Each categorical source column's values seen in training (one-hot, binary, index)."""
    known: dict[str, set[str]] = {}
    for entry in features:
        source, kind = str(entry["source"]), entry.get("kind")
        if kind == "one_hot":
            known.setdefault(source, set()).add(str(entry.get("value")))
        elif kind in ("binary", "index"):
            mapping = (codes.get(source) or {}).get("mapping") or {}
            known.setdefault(source, set()).update(str(k) for k in mapping)
    return known


def _field(
    entry: Mapping[str, Any],
    values: Mapping[str, str],
    codes: Mapping[str, Any],
    decimal: str,
    where: str,
) -> str:
    value = values[str(entry["source"])]
    kind = entry.get("kind")
    if kind == "one_hot":
        return "1" if value == entry.get("value") else "0"
    if kind in ("binary", "index"):
        code = (codes.get(str(entry["source"])) or {}).get("mapping") or {}
        return str(code[value]) if value in code else ""
    if not value:
        return ""
    number = parse_number(value, decimal)
    if number is None:
        raise ConfigError(
            f"invoke --raw: {where}: {entry['source']}={value!r} is not a number the training "
            f"data could hold (decimal separator {decimal!r}, no digit groups, finite, within "
            "the 32-bit float range); leave the cell empty for a missing value"
        )
    return repr(number)
