"""Data drift: a new batch (CSV with a header) against the training baseline.

Per feature: the population stability index (PSI) over the baseline's bins or
categories, and the change in its missing rate. The batch has drifted when any
feature's PSI exceeds ``max_psi`` or its missing rate rose by more than
``max_missing_increase``. Outcomes, recorded as ``drift_<name>_decision``:
``passed`` (job SUCCEEDED), ``drifted`` (job FAILED: the data moved) and ``error``
(job FAILED: the baseline or the batch cannot be read or lacks a feature).
Used by the packaged job ``glue_workflow/scripts/drift_check.py``; Python 3.9,
standard library only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

from glue_workflow.jobkit.drift_baseline import FeatureBaseline
from glue_workflow.jobkit.drift_scan import FeatureScan, read_csv, scan
from glue_workflow.jobkit.errors import JobInputError

PASSED, DRIFTED, ERROR = "passed", "drifted", "error"
DRIFT_PREFIX = "drift_"
EPSILON = 1e-4  # share floor: PSI is infinite for an empty bin otherwise
__all__ = [
    "DRIFTED",
    "DRIFT_PREFIX",
    "ERROR",
    "PASSED",
    "drift_property",
    "evaluate",
    "properties",
    "psi",
    "read_csv",
]


def drift_property(name: str, what: str) -> str:
    """Run property a drift check records: ``drift_<name>_<what>``."""
    return f"{DRIFT_PREFIX}{name}_{what}"


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index: sum((a - e) * ln(a / e)), shares floored at EPSILON."""
    total = 0.0
    for e_raw, a_raw in zip(expected, actual):
        e, a = max(e_raw, EPSILON), max(a_raw, EPSILON)
        total += (a - e) * math.log(a / e)
    return total


def feature_entry(item: FeatureScan, rows: int) -> dict[str, Any]:
    """One feature's report entry: PSI, missing rates, per-bin or per-category shares."""
    base = item.base
    entry: dict[str, Any] = {"feature": base.name, "kind": base.kind, "rows": rows}
    entry["method"] = base.method
    if item.n:
        expected, actual = item.shares()
        entry["psi"] = psi(expected, actual)
        entry.update(item.detail(expected, actual))
    else:
        entry["psi"] = None
    if item.unparseable:
        entry["unparseable"] = item.unparseable
    missing = (item.missing + item.unparseable) / rows
    entry["missing_rate"] = round(missing, 6)
    entry["baseline_missing_rate"] = base.missing_rate
    entry["missing_increase"] = round(missing - (base.missing_rate or 0.0), 6)
    return entry


def evaluate(
    baselines: dict[str, FeatureBaseline],
    header: list[str],
    rows: Iterable[list[str]],
    *,
    features: Sequence[str] = (),
    max_psi: float = 0.2,
    max_missing_increase: float = 0.1,
    decimal: str = ".",
    baseline: str = "the baseline",
) -> dict[str, Any]:
    """The drift report: per-feature results, the drifted features, the decision.
    ``baseline`` names the baseline in messages (its URI and dataset)."""
    wanted = list(features) or sorted(baselines)
    unknown = [f for f in wanted if f not in baselines]
    if unknown:
        raise JobInputError(
            "feature(s) {} not in the baseline (it has: {}): fix features= of the drift "
            "check".format(", ".join(repr(f) for f in unknown), ", ".join(sorted(baselines)))
        )
    absent = [f for f in wanted if f not in header]
    if absent and not set(header) & set(baselines):
        raise JobInputError(
            "the batch shares no column with {} (its features: {}; the batch's header: {}): "
            "one of them is of another dataset; point baseline= at the baseline.json the "
            "preprocess node wrote for this data".format(
                baseline, ", ".join(sorted(baselines)[:8]), ", ".join(header[:8])
            )
        )
    if absent:
        raise JobInputError(
            "the batch has no column(s) {} (its header: {}): the batch must have the "
            "training data's columns".format(", ".join(repr(f) for f in absent), ", ".join(header))
        )
    count, scans = scan(baselines, wanted, header, iter(rows), decimal)
    results = [feature_entry(item, count) for item in scans]
    drifted: list[str] = []
    reasons: list[str] = []
    for entry in results:
        why = []
        value = entry.get("psi")
        if value is None:
            why.append("no usable values")
        elif value > max_psi:
            why.append(f"psi {value:.4f} > {max_psi:g}")
        if entry["missing_increase"] > max_missing_increase:
            why.append(
                "missing rate {:.4f} -> {:.4f} (+{:.4f} > {:g})".format(
                    entry["baseline_missing_rate"] or 0.0,
                    entry["missing_rate"],
                    entry["missing_increase"],
                    max_missing_increase,
                )
            )
        entry["drifted"] = bool(why)
        if why:
            drifted.append(entry["feature"])
            reasons.append("{} {}".format(entry["feature"], ", ".join(why)))
    scored = [e for e in results if e.get("psi") is not None]
    worst = max(scored, key=lambda e: e["psi"]) if scored else None
    decision = DRIFTED if drifted else PASSED
    if drifted:
        reason = "drifted: " + "; ".join(reasons)
    else:
        reason = "passed: {} features within psi {:g} (max {} {:.4f})".format(
            len(results),
            max_psi,
            worst["feature"] if worst else "-",
            worst["psi"] if worst else 0.0,
        )
    return {
        "decision": decision,
        "reason": reason,
        "rows": count,
        "max_psi": max_psi,
        "max_missing_increase": max_missing_increase,
        "max_psi_feature": worst["feature"] if worst else None,
        "max_psi_value": worst["psi"] if worst else None,
        "drifted": drifted,
        "features": results,
    }


def properties(name: str, report: dict[str, Any], report_uri: str) -> dict[str, str]:
    """The run properties a drift check records (``drift_<name>_...``)."""
    value = report.get("max_psi_value")
    return {
        drift_property(name, "decision"): report["decision"],
        drift_property(name, "reason"): report["reason"][:2000],
        drift_property(name, "max_psi"): "" if value is None else f"{value:.4f}",
        drift_property(name, "max_psi_feature"): report.get("max_psi_feature") or "",
        drift_property(name, "drifted"): ",".join(report.get("drifted") or []),
        # per feature: {"feature": psi}, compact (null: no usable values)
        drift_property(name, "psi"): json.dumps(
            {
                e["feature"]: (None if e.get("psi") is None else round(e["psi"], 4))
                for e in report.get("features") or []
            },
            sort_keys=True,
            separators=(",", ":"),
        ),
        drift_property(name, "report_uri"): report_uri,
    }
