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

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

from glue_workflow.errors import ConfigError, GlueWfError
from glue_workflow.jobkit import feature_layout
from glue_workflow.jobkit.errors import JobFailed
from glue_workflow.jobkit.numbers import parse_number
from glue_workflow.jobkit.sagemaker_ops import read_s3_bytes

# What the ETL trims from a value (Java's regex \s, etl_quality.WHITESPACE)
WHITESPACE = " \t\n\u000b\f\r"


def served_manifest(sm: Any, s3: Any, endpoint: str) -> dict[str, Any]:
    """The feature manifest of the model package ``endpoint`` serves."""
    config = str(sm.describe_endpoint(EndpointName=endpoint).get("EndpointConfigName") or "")
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


def encode(manifest: Mapping[str, Any], text: str) -> str:
    """CSV rows with a header, in the training input's format, as the model's rows
    (one line each, no label)."""
    fmt = manifest.get("input_format") or {}
    delimiter, quote = str(fmt.get("delimiter") or ","), str(fmt.get("quote") or '"')
    decimal = str(fmt.get("decimal") or ".")
    fold = fmt.get("category_case") == "ignore"  # categories were encoded lower-cased
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quote)
    header = [cell.strip(WHITESPACE) for cell in next(reader, [])]
    doubled = sorted({name for name in header if header.count(name) > 1})
    if doubled:
        raise ConfigError(
            f"invoke --raw: the header names {', '.join(map(repr, doubled))} more than once; "
            "rename or remove the duplicates"
        )
    missing = {str(v).strip(WHITESPACE) for v in fmt.get("missing_values") or ()}
    features: list[dict[str, Any]] = list(manifest["features"])
    codes: Mapping[str, Any] = manifest.get("encodings") or {}
    needed = list(dict.fromkeys(str(f["source"]) for f in features))
    absent = [name for name in needed if name not in header]
    if absent:
        raise ConfigError(
            f"invoke --raw: the rows lack column(s) {', '.join(absent)} (their header: "
            f"{', '.join(header) or 'none'}); give a header row with the training input's "
            f"column names, separated by {delimiter!r}"
        )
    at = {name: header.index(name) for name in needed}
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
        lines.append(",".join(_field(f, values, codes, decimal, where) for f in features))
    if not lines:
        raise ConfigError("invoke --raw: no rows under the header")
    return "\n".join(lines) + "\n"


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
