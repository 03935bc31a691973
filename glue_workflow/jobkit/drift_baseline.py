"""What a drift check compares against: per-feature distributions from ``baseline.json``.

``baseline.json`` is written at training time by the preprocess job (next to
``feature_manifest.json``). Read here, tolerant of keys it does not know:

- ``features``: encoded feature -> ``{"mean", "std", "min", "max"}`` on the train split
  (one-hot features are named ``<column>=<value>``; their mean is the category's share)
- ``null_rate``: source column -> share of missing values
- optional ``histograms``: column -> ``{"edges": [e0, ..., ek], "counts": [c1, ..., ck]}``
  (or ``"fractions"``): the numeric distribution binned at training time
- optional ``categories``: column -> ``{value: count or share}``

A numeric column without a histogram is compared through the normal distributions
fitted to both sides (mean and std); the report names that method.
Runs on Glue Python shell 3.9 (standard library only).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from glue_workflow.jobkit.errors import JobInputError

OTHER = "(other)"  # categories the baseline never saw
TRUE_WORDS = ("true", "t", "yes", "y", "1", "1.0")  # as preprocess encodes binary columns
FALSE_WORDS = ("false", "f", "no", "n", "0", "0.0")
EXTRA_KEYS = ("null_rate", "histograms", "categories")
HISTOGRAM, NORMAL_FIT = "histogram", "normal fit"
CATEGORIES, ONE_HOT, BINARY = "categories", "one-hot shares", "binary share"


@dataclass(frozen=True)
class FeatureBaseline:
    """One source column's training-time distribution."""

    name: str
    kind: str  # "numeric" | "categorical"
    method: str
    missing_rate: float | None = None
    edges: tuple[float, ...] = ()  # numeric, histogram: inner cut points
    expected: tuple[float, ...] = ()  # shares per bin / per category (OTHER last)
    categories: tuple[str, ...] = ()
    mean: float | None = None  # numeric: for the normal fit and the report
    std: float | None = None
    low: float | None = None
    high: float | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # binary: raw value -> "1"/"0"

    def category_of(self, value: str) -> str:
        if self.method == BINARY:
            code = self.mapping.get(value) or self.mapping.get(value.lower())
            if code is None:
                low = value.lower()
                code = "1" if low in TRUE_WORDS else "0" if low in FALSE_WORDS else OTHER
            return code
        return value if value in self.categories else OTHER


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _shares(weights: dict[str, Any], where: str) -> dict[str, float]:
    values = {str(k): _number(v) for k, v in weights.items()}
    bad = sorted(k for k, v in values.items() if v is None or v < 0)
    if bad:
        raise JobInputError(f"{where}: {', '.join(bad)} must be non-negative numbers")
    total = sum(v for v in values.values() if v is not None)
    if total <= 0:
        raise JobInputError(f"{where}: the weights sum to zero")
    return {k: (v or 0.0) / total for k, v in values.items()}


def _categorical(
    name: str, shares: dict[str, float], method: str, missing: float | None
) -> FeatureBaseline:
    ordered = sorted(shares)
    other = max(0.0, 1.0 - sum(shares.values()))
    return FeatureBaseline(
        name=name,
        kind="categorical",
        method=method,
        missing_rate=missing,
        categories=(*ordered, OTHER),
        expected=(*[shares[c] for c in ordered], other),
    )


def _histogram(name: str, spec: Any, missing: float | None) -> FeatureBaseline:
    where = f"baseline histograms[{name!r}]"
    if not isinstance(spec, dict):
        raise JobInputError(f"{where} must be an object with 'edges' and 'counts'")
    weights = spec.get("counts", spec.get("fractions"))
    numbers = [_number(e) for e in spec.get("edges") or []]
    edges = [e for e in numbers if e is not None]
    if not isinstance(weights, list) or not weights or len(edges) != len(numbers):
        raise JobInputError(f"{where} needs numeric 'edges' and a 'counts' list")
    inner = edges[1:-1] if len(edges) == len(weights) + 1 else edges
    if len(inner) != len(weights) - 1 or inner != sorted(inner):
        raise JobInputError(
            f"{where}: {len(edges)} ascending edges do not bound {len(weights)} bins"
        )
    shares = _shares({str(i): w for i, w in enumerate(weights)}, where)
    return FeatureBaseline(
        name=name,
        kind="numeric",
        method=HISTOGRAM,
        missing_rate=missing,
        edges=tuple(inner),
        expected=tuple(shares[str(i)] for i in range(len(weights))),
    )


def _manifest_kinds(manifest: dict[str, Any] | None) -> tuple[dict[str, str], dict[str, Any]]:
    """Source column -> kind, and categorical encodings, from feature_manifest.json."""
    if not isinstance(manifest, dict):
        return {}, {}
    kinds: dict[str, str] = {}
    for entry in manifest.get("features") or []:
        if isinstance(entry, dict) and isinstance(entry.get("source"), str):
            kinds[entry["source"]] = "numeric" if entry.get("kind") == "numeric" else "categorical"
    encodings = manifest.get("encodings")
    return kinds, encodings if isinstance(encodings, dict) else {}


def _object(baseline: dict[str, Any], key: str) -> dict[str, Any]:
    value = baseline.get(key)
    return value if isinstance(value, dict) else {}


def load_baseline(
    baseline: dict[str, Any], manifest: dict[str, Any] | None = None
) -> tuple[dict[str, FeatureBaseline], list[str]]:
    """Per source column, its baseline; and notes on columns that cannot be checked."""
    stats = baseline.get("features")
    if not isinstance(stats, dict) or not stats:
        raise JobInputError(
            "the baseline has no 'features' object: point the drift check at the "
            "baseline.json the preprocess job writes"
        )
    nulls, histograms, categories = (_object(baseline, k) for k in EXTRA_KEYS)
    kinds, encodings = _manifest_kinds(manifest)
    one_hot: dict[str, dict[str, float]] = {}
    plain: dict[str, dict[str, Any]] = {}
    for feature, values in stats.items():
        if not isinstance(values, dict):
            continue
        source, eq, value = feature.partition("=")
        if eq and kinds.get(source, "categorical") == "categorical" and source not in stats:
            one_hot.setdefault(source, {})[value] = _number(values.get("mean")) or 0.0
        else:
            plain[feature] = values
    result: dict[str, FeatureBaseline] = {}
    notes: list[str] = []
    for column in sorted({*plain, *one_hot, *categories, *histograms}):
        missing = _number(nulls.get(column))
        if column in categories and isinstance(categories[column], dict):
            shares = _shares(categories[column], f"baseline categories[{column!r}]")
            result[column] = _categorical(column, shares, CATEGORIES, missing)
        elif column in histograms:
            values = plain.get(column) or {}
            result[column] = replace(  # mean and std for the report, as the normal fit's
                _histogram(column, histograms[column], missing),
                mean=_number(values.get("mean")),
                std=_number(values.get("std")),
                low=_number(values.get("min")),
                high=_number(values.get("max")),
            )
        elif column in one_hot:
            result[column] = _categorical(column, one_hot[column], ONE_HOT, missing)
        elif (encodings.get(column) or {}).get("type") == "binary":
            share = _number(plain[column].get("mean"))
            mapping = encodings[column].get("mapping") or {}
            if share is None:
                notes.append(f"{column}: not checked (the baseline has no mean for it)")
                continue
            base = _categorical(column, {"1": share, "0": 1.0 - share}, BINARY, missing)
            codes = {str(k): str(v) for k, v in mapping.items()}
            codes.update({str(k).lower(): str(v) for k, v in mapping.items()})
            result[column] = replace(base, mapping=codes)
        elif kinds.get(column, "numeric") == "numeric":
            values = plain[column]
            mean, std = _number(values.get("mean")), _number(values.get("std"))
            if mean is None:
                notes.append(f"{column}: not checked (the baseline has no mean for it)")
                continue
            result[column] = FeatureBaseline(
                name=column,
                kind="numeric",
                method=NORMAL_FIT,
                missing_rate=missing,
                mean=mean,
                std=std,
                low=_number(values.get("min")),
                high=_number(values.get("max")),
            )
        else:
            notes.append(
                f"{column}: not checked (index-encoded categorical; the baseline has no "
                "'categories' shares for it)"
            )
    return result, notes
