"""Generated data for the drift tests: a training sample, the baseline.json and
feature_manifest.json preprocess writes for it, and new batches (stable or shifted)."""

from __future__ import annotations

import csv
import io
import json
import random
import statistics
from typing import Any

HEADER = ["customerID", "Account_Length", "Day_Mins", "State", "VMail_Plan", "Churn"]
STATES = {"CA": 0.5, "NY": 0.3, "TX": 0.2}
SHIFTED_STATES = {"CA": 0.1, "NY": 0.3, "TX": 0.6}


def rows(
    n: int,
    seed: int,
    *,
    length_mean: float = 100.0,
    states: dict[str, float] | None = None,
    missing_minutes: float = 0.0,
) -> list[list[str]]:
    rng = random.Random(seed)
    states = states or STATES
    out = []
    for i in range(n):
        state = rng.choices(list(states), weights=list(states.values()))[0]
        minutes = "" if rng.random() < missing_minutes else f"{rng.expovariate(1 / 180):.1f}"
        out.append(
            [
                f"c{seed}-{i}",
                f"{rng.gauss(length_mean, 20):.0f}",
                minutes,
                state,
                "yes" if rng.random() < 0.3 else "no",
                "True" if rng.random() < 0.15 else "False",
            ]
        )
    return out


def to_csv(data: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(data)
    return buffer.getvalue().encode()


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values),
        "min": min(values),
        "max": max(values),
    }


def baseline(training: list[list[str]], *, histograms: bool = False) -> dict[str, Any]:
    """baseline.json as preprocess writes it (+ optional histograms, + an unknown key)."""
    length = [float(r[1]) for r in training]
    minutes = [float(r[2]) for r in training if r[2]]
    features: dict[str, Any] = {"Account_Length": _stats(length), "Day_Mins": _stats(minutes)}
    for state in sorted(STATES):
        share = sum(1 for r in training if r[3] == state) / len(training)
        features[f"State={state}"] = {"mean": share, "std": None, "min": 0.0, "max": 1.0}
    features["VMail_Plan"] = _stats([1.0 if r[4] == "yes" else 0.0 for r in training])
    result: dict[str, Any] = {
        "dataset": "churn",
        "features": features,
        "null_rate": {
            "Account_Length": 0.0,
            "Day_Mins": 1 - len(minutes) / len(training),
            "State": 0.0,
            "VMail_Plan": 0.0,
        },
        "rows": {"train": len(training)},
        "label_counts": {"0": 1, "1": 1},
        "quality": {"decision": "passed"},  # a key this reader does not know
    }
    if histograms:
        edges = [0.0, 60, 80, 90, 100, 110, 120, 140, 400]
        counts = [0] * (len(edges) - 1)
        for value in length:
            index = sum(1 for e in edges[1:-1] if value >= e)
            counts[index] += 1
        result["histograms"] = {"Account_Length": {"edges": edges, "counts": counts}}
    return result


MANIFEST = {
    "features": [
        {"name": "Account_Length", "source": "Account_Length", "kind": "numeric"},
        {"name": "Day_Mins", "source": "Day_Mins", "kind": "numeric"},
        *[
            {"name": f"State={s}", "source": "State", "kind": "one_hot", "value": s}
            for s in sorted(STATES)
        ],
        {"name": "VMail_Plan", "source": "VMail_Plan", "kind": "binary"},
    ],
    "encodings": {
        "State": {"type": "one_hot", "categories": sorted(STATES)},
        "VMail_Plan": {"type": "binary", "mapping": {"no": 0, "yes": 1}},
    },
}


def dumps(value: Any) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True).encode()
