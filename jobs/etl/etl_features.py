"""Features of the ETL: categorical encodings, the profile pass, output columns and the
train split's statistics (the baseline).

Shipped to Glue with ``--extra-py-files``; runs on Python 3.9.
"""

from __future__ import annotations

from typing import Any

from etl_contract import Columns
from pyspark.sql import functions as F

TRUE_WORDS = ("true", "t", "yes", "y", "1", "1.0")
FALSE_WORDS = ("false", "f", "no", "n", "0", "0.0")
SPLITS = ("train", "validation", "test")


def encodings(values_of: dict[str, list[str]], mode: str) -> dict[str, dict[str, Any]]:
    """Per categorical column (its distinct kept values given): binary yes/no → 0/1,
    else one-hot or index over the sorted values."""
    result: dict[str, dict[str, Any]] = {}
    for name, distinct in values_of.items():
        values = sorted(distinct)
        lowered = {v.lower() for v in values}
        if lowered <= set(TRUE_WORDS) | set(FALSE_WORDS) and len(lowered) <= 2:
            mapping = {v: (1 if v.lower() in TRUE_WORDS else 0) for v in values}
            result[name] = {"type": "binary", "mapping": mapping}
        elif mode == "index":
            result[name] = {"type": "index", "mapping": {v: i for i, v in enumerate(values)}}
        else:
            result[name] = {"type": "one_hot", "categories": values}
    return result


def profile(classified: Any, columns: Columns, rule_count: int = 0) -> dict[str, Any]:
    """One pass: rows per drop reason/column and label, null counts, kept categories,
    and rows failing each of the ``rule_count`` data-quality rules (``_rule<i>`` flags)."""
    sources = [*columns.numeric, *columns.categorical]
    aggs = [F.count(F.lit(1)).alias("_n")]
    aggs += [F.sum(F.col(f"_rule{i}").cast("long")).alias(f"_fail{i}") for i in range(rule_count)]
    aggs += [
        F.sum(F.col(f"`{c}`").isNull().cast("long")).alias(f"_null{i}")
        for i, c in enumerate(sources)
    ]
    aggs += [
        F.collect_set(F.col(f"`{c}`")).alias(f"_set{i}") for i, c in enumerate(columns.categorical)
    ]
    groups = classified.groupBy("_reason", "_column", "_label").agg(*aggs).collect()
    drops: dict[tuple[str, str | None], int] = {}
    classes: dict[int, int] = {}
    nulls = dict.fromkeys(sources, 0)
    values_of: dict[str, set[str]] = {c: set() for c in columns.categorical}
    failing = [0] * rule_count
    total = 0
    for row in groups:
        n = int(row["_n"])
        total += n
        for i in range(rule_count):
            failing[i] += int(row[f"_fail{i}"] or 0)
        for i, c in enumerate(sources):
            nulls[c] += int(row[f"_null{i}"] or 0)
        if row["_reason"] is not None:
            key = (row["_reason"], row["_column"])
            drops[key] = drops.get(key, 0) + n
            continue
        classes[int(row["_label"])] = classes.get(int(row["_label"]), 0) + n
        for i, c in enumerate(columns.categorical):
            values_of[c].update(row[f"_set{i}"])
    return {
        "rows": total,
        "drops": drops,
        "classes": classes,
        "null_rate": {c: (nulls[c] / total if total else 0.0) for c in sources},
        "values": {c: sorted(v) for c, v in values_of.items()},
        "rule_failures": failing,  # by rule index
    }


def feature_columns(
    columns: Columns, codes: dict[str, dict[str, Any]]
) -> list[tuple[dict[str, Any], Any]]:
    """(manifest entry, Column) for every output feature, in output order."""
    out: list[tuple[dict[str, Any], Any]] = []
    for name in columns.numeric:
        out.append(({"name": name, "source": name, "kind": "numeric"}, F.col(f"`{name}`")))
    for name in columns.categorical:
        code = codes[name]
        col = F.col(f"`{name}`")
        if code["type"] == "one_hot":
            for value in code["categories"]:
                entry = {"name": f"{name}={value}", "source": name, "kind": "one_hot"}
                entry["value"] = value
                out.append((entry, F.when(col == F.lit(value), 1).otherwise(0)))
        else:
            expr = F.lit(None)
            for value, number in code["mapping"].items():
                expr = F.when(col == F.lit(value), F.lit(number)).otherwise(expr)
            out.append(({"name": name, "source": name, "kind": code["type"]}, expr))
    return out


BINS = 10
# percentile_approx's accuracy: relative rank error 1/1000, as approxQuantile(..., 0.001)
QUANTILE_ACCURACY = 1000


def split_stats(
    encoded: Any, features: list[dict[str, Any]], binned: list[str] | None = None
) -> tuple[dict[str, int], dict[str, dict[int, int]], dict[str, Any], dict[str, list[float]]]:
    """One pass: rows and labels per split, mean/std/min/max of every feature on the
    train split (one-hot indicators need only their mean: the rest follows), and the
    train split's deciles of each ``binned`` column (the histograms' cut points)."""
    train = F.col("_split") == "train"
    aggs = [
        F.count(F.lit(1)).alias("_n"),
        F.sum(F.col("label").cast("long")).alias("_pos"),
    ]
    probabilities = [i / BINS for i in range(1, BINS)]
    for i, name in enumerate(binned or []):
        value = F.when(train, F.col(f"`{name}`").cast("double"))
        aggs.append(F.percentile_approx(value, probabilities, QUANTILE_ACCURACY).alias(f"q{i}"))
    for i, entry in enumerate(features):
        col = F.when(train, F.col(f"`{entry['name']}`").cast("double"))
        aggs.append(F.mean(col).alias(f"mean{i}"))
        if entry["kind"] != "one_hot":
            aggs += [
                F.stddev_samp(col).alias(f"std{i}"),
                F.min(col).alias(f"min{i}"),
                F.max(col).alias(f"max{i}"),
            ]
    rows = {r["_split"]: r.asDict() for r in encoded.groupBy("_split").agg(*aggs).collect()}
    sizes = {split: int(rows[split]["_n"]) if split in rows else 0 for split in SPLITS}
    labels = {
        split: {1: int(rows[split]["_pos"] or 0), 0: sizes[split] - int(rows[split]["_pos"] or 0)}
        if split in rows
        else {0: 0, 1: 0}
        for split in SPLITS
    }
    stats = rows.get("train", {})
    cuts = {name: sorted(set(stats.get(f"q{i}") or [])) for i, name in enumerate(binned or [])}
    n = sizes["train"]
    result: dict[str, Any] = {}
    for i, entry in enumerate(features):
        mean = stats.get(f"mean{i}")
        if entry["kind"] == "one_hot" and mean is not None:
            std = (mean * (1 - mean) * n / (n - 1)) ** 0.5 if n > 1 else None
            values = {
                "mean": mean,
                "std": std,
                "min": 0.0 if mean < 1 else 1.0,
                "max": 1.0 if mean > 0 else 0.0,
            }
        else:
            values = {stat: stats.get(f"{stat}{i}") for stat in ("mean", "std", "min", "max")}
        result[entry["name"]] = {k: (None if v is None else float(v)) for k, v in values.items()}
    return sizes, labels, result, cuts


def histograms(encoded: Any, cuts: dict[str, list[float]]) -> dict[str, Any]:
    """The train split's distribution of each numeric column in quantile bins, given
    its cut points (``split_stats``): ``{column: {"edges": [min, cut1, ..., max],
    "counts": [...]}}``, the baseline a drift check computes PSI against. A value ``v``
    is in bin ``j`` when ``cut_j <= v < cut_{j+1}`` (ties collapse bins). One pass over
    the train split."""
    if not cuts:
        return {}
    names = list(cuts)
    train = encoded.where(F.col("_split") == "train")
    aggs = []
    for i, name in enumerate(names):
        value = F.col(f"`{name}`").cast("double")
        aggs += [F.min(value).alias(f"lo{i}"), F.max(value).alias(f"hi{i}")]
        edges = cuts[name]
        for j in range(len(edges) + 1):
            inside = value.isNotNull()
            if j > 0:
                inside = inside & (value >= F.lit(edges[j - 1]))
            if j < len(edges):
                inside = inside & (value < F.lit(edges[j]))
            aggs.append(F.sum(F.when(inside, 1).otherwise(0)).alias(f"c{i}_{j}"))
    row = train.agg(*aggs).collect()[0].asDict()
    result: dict[str, Any] = {}
    for i, name in enumerate(names):
        low, high = row[f"lo{i}"], row[f"hi{i}"]
        if low is None or high is None:  # no values in the train split
            continue
        edges = cuts[name]
        result[name] = {
            "edges": [float(low), *[float(e) for e in edges], float(high)],
            "counts": [int(row[f"c{i}_{j}"] or 0) for j in range(len(edges) + 1)],
        }
    return result
