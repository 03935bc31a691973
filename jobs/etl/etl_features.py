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


HASH_BUCKETS = 1_000_000
BINS = 10
# percentile_approx's accuracy: relative rank error 1/1000, as approxQuantile(..., 0.001)
QUANTILE_ACCURACY = 1000


def split_code(fractions: dict[str, float]) -> Any:
    """Each row's split as its index in ``SPLITS``, from a hash of its raw text: the
    same row lands in the same split on every run with the same seed."""
    u = F.pmod(F.col("_row_hash"), F.lit(HASH_BUCKETS)) / F.lit(float(HASH_BUCKETS))
    cut1, cut2 = fractions["train"], fractions["train"] + fractions["validation"]
    return F.when(u < cut1, 0).when(u < cut2, 1).otherwise(2).cast("byte")


# The train split's deciles come from at most about this many input rows: a sketch's
# cost grows with the values it takes, and a fixed hash sample of 200,000 rows adds a
# rank error of ~0.3% to the sketch's 0.1% (1M rows: the profile pass 4.4 s -> 2.7 s).
QUANTILE_ROWS = 200_000


def quantile_sample(rows: int) -> float:
    """The fraction of rows whose values the deciles are computed from, given about how
    many rows the input has (1.0: all of them)."""
    return min(1.0, QUANTILE_ROWS / rows) if rows > 0 else 1.0


def sample_flag(fraction: float) -> Any:
    """Whether a row is in the deciles' sample: drawn from the row hash's high bits, so
    independent of its split (drawn from the low ones) and the same on every run."""
    high = F.pmod(F.shiftrightunsigned(F.col("_row_hash"), 32), F.lit(HASH_BUCKETS))
    return high < F.lit(int(fraction * HASH_BUCKETS))


# Boolean flags per row (failed rules, null columns) are packed this many to a long:
# the profile groups by a few longs instead of summing one aggregate per flag.
MASK_BITS = 62


def mask_names(prefix: str, flags: int) -> list[str]:
    """The names of the longs ``bitmasks`` packs ``flags`` flags into."""
    return [f"{prefix}{k}" for k in range(-(-flags // MASK_BITS))]


def bitmasks(flags: list[str], prefix: str) -> list[str]:
    """Boolean SQL expressions as longs of ``MASK_BITS`` bits (flag ``i`` is bit
    ``i % MASK_BITS`` of long ``i // MASK_BITS``; a null flag is unset): SQL text,
    aliased as ``mask_names`` says."""
    masks = []
    for name, start in zip(mask_names(prefix, len(flags)), range(0, len(flags), MASK_BITS)):
        bits = [
            f"IF({flag}, {1 << j}L, 0L)" for j, flag in enumerate(flags[start : start + MASK_BITS])
        ]
        masks.append(f"({' | '.join(bits)}) AS {name}")
    return masks


def set_bits(masks: list[Any]) -> list[int]:
    """The flags set in a row's masks (``bitmasks``), by index."""
    found = []
    for k, mask in enumerate(masks):
        value = int(mask or 0)
        while value:
            low = value & -value
            found.append(k * MASK_BITS + low.bit_length() - 1)
            value ^= low
    return found


def profile(classified: Any, columns: Columns, rule_count: int = 0) -> dict[str, Any]:
    """Rows per drop reason/column, kept rows per split and label, null counts, kept
    categories, rows failing each of the ``rule_count`` data-quality rules, and the
    train split's deciles of each numeric column (the baseline histograms' cut points).

    ``classified`` has ``_split`` codes, the failed rules and null source columns as
    ``bitmasks`` (``_fails*``, ``_nulls*``), and ``_sample`` if the deciles come from
    a sample (``sample_flag``). The counts are one code-generated hash aggregate
    grouped by reason, split and masks (it also builds the cache). The categories and
    the deciles are typed aggregates, which Spark evaluates row by row: on a sampled
    (large) input each is a query that reads only the rows it needs (1M rows: the
    profile 3.1 s as one query -> ~1.7 s), else one query computes both."""
    from etl_output import concurrently

    sources = [*columns.numeric, *columns.categorical]
    fails, nulls = mask_names("_fails", rule_count), mask_names("_nulls", len(sources))
    groups = (
        classified.groupBy("_reason", "_column", "_split", *fails, *nulls)
        .agg(F.count(F.lit(1)).alias("_n"), F.sum("_label").alias("_pos"))
        .collect()
    )
    kept = classified.where("_reason IS NULL")
    sampled = "_sample" in classified.columns
    train = f"_split = {SPLITS.index('train')}"
    probabilities = ", ".join(double(i / BINS) for i in range(1, BINS))
    sets = [f"collect_set({quoted(c)}) AS _set{i}" for i, c in enumerate(columns.categorical)]
    deciles = [
        f"percentile_approx({f'_num_{i}' if sampled else f'IF({train}, _num_{i}, NULL)'}, "
        f"array({probabilities}), {QUANTILE_ACCURACY}) AS _q{i}"
        for i in range(len(columns.numeric))
    ]

    def aggregate(frame: Any, aggs: list[str]) -> dict[str, Any]:
        return frame.selectExpr(*aggs).collect()[0].asDict() if aggs else {}

    if sampled:  # a large input: each query reads only the rows it needs
        found = concurrently(
            [
                lambda: aggregate(kept, sets),
                lambda: aggregate(kept.where(f"{train} AND _sample"), deciles),
            ]
        )
        found = {**found[0], **found[1]}
    else:  # one query less, and few rows to test for the train split
        found = aggregate(kept, sets + deciles)
    drops: dict[tuple[str, str | None], int] = {}
    sizes = dict.fromkeys(SPLITS, 0)
    labels = {split: {1: 0, 0: 0} for split in SPLITS}
    null_counts = dict.fromkeys(sources, 0)
    failing = [0] * rule_count
    total = empty = 0
    for row in groups:
        n = int(row["_n"])
        total += n
        for i in set_bits([row[m] for m in fails]):
            failing[i] += n
        null_bits = set_bits([row[m] for m in nulls])
        for i in null_bits:
            null_counts[sources[i]] += n
        if row["_reason"] == "missing_label" and len(null_bits) == len(sources):
            empty += n  # no label and no value in any column read: an empty row
        if row["_reason"] is not None:
            key = (row["_reason"], row["_column"])
            drops[key] = drops.get(key, 0) + n
            continue
        split, positive = SPLITS[int(row["_split"])], int(row["_pos"] or 0)
        sizes[split] += n
        labels[split][1] += positive
        labels[split][0] += n - positive
    classes = {label: sum(labels[s][label] for s in SPLITS) for label in (1, 0)}
    return {
        "rows": total,
        "drops": drops,
        "classes": {label: n for label, n in classes.items() if n},
        "sizes": sizes,
        "labels": labels,
        # the train split's deciles, by numeric column
        "cuts": {c: sorted(set(found[f"_q{i}"] or [])) for i, c in enumerate(columns.numeric)},
        "null_rate": {c: (null_counts[c] / total if total else 0.0) for c in sources},
        "values": {c: sorted(found[f"_set{i}"]) for i, c in enumerate(columns.categorical)},
        "rule_failures": failing,  # by rule index
        "empty_rows": empty,
    }


# The ETL builds its projections and aggregates as SQL text: one call to the JVM per
# query step instead of several per Column operation (thousands a run, ~0.5 s on any
# input). The job turns off SQL variable substitution, which would rewrite a "${...}"
# in a column name (preprocess._start).


def quoted(name: str) -> str:
    """A column name as Spark SQL text."""
    return "`" + name.replace("`", "``") + "`"


def text(value: str) -> str:
    """A string as a Spark SQL literal, exactly: quotes and backslashes escaped,
    control characters and "$" written as \\u escapes."""
    escaped = []
    for char in value:
        if char in "'\\":
            escaped.append("\\" + char)
        elif char < " " or char in "$\x7f":
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return "'" + "".join(escaped) + "'"


def double(value: float) -> str:
    """A double as Spark SQL text, exactly (repr round-trips; inf and nan included)."""
    return f"CAST('{float(value)!r}' AS DOUBLE)"


def feature_columns(
    columns: Columns, codes: dict[str, dict[str, Any]]
) -> list[tuple[dict[str, Any], str]]:
    """(manifest entry, SQL expression) for every output feature, in output order."""
    out: list[tuple[dict[str, Any], str]] = []
    for name in columns.numeric:
        out.append(({"name": name, "source": name, "kind": "numeric"}, quoted(name)))
    for name in columns.categorical:
        code, col = codes[name], quoted(name)
        if code["type"] == "one_hot":
            for value in code["categories"]:
                entry = {"name": f"{name}={value}", "source": name, "kind": "one_hot"}
                entry["value"] = value
                out.append((entry, f"IF({col} = {text(value)}, 1, 0)"))
        else:
            mapped = " ".join(f"WHEN {text(v)} THEN {int(n)}" for v, n in code["mapping"].items())
            expr = f"CASE {col} {mapped} END" if mapped else "CAST(NULL AS INT)"
            out.append(({"name": name, "source": name, "kind": code["type"]}, expr))
    return out


def csv_line(features: list[tuple[dict[str, Any], str]], codes: dict[str, dict[str, Any]]) -> str:
    """SQL: a kept row as one line of the training CSV (label first, no header), the bytes
    Spark's CSV writer writes for the columns of ``feature_columns``: numbers as Java
    prints them, null as an empty field. A one-hot column's indicators are written as one
    block ("0,1,0") placed by the category's position: per field, the CSV writer cost
    more than encoding the row (1M rows: the train split's write 2.3 s -> 1.5 s)."""
    fields, done = ["CAST(_label AS STRING)"], set()
    for entry, sql in features:
        if entry["kind"] != "one_hot":
            fields.append(f"coalesce(CAST({sql} AS STRING), '')")
            continue
        source = entry["source"]
        if source in done:
            continue
        done.add(source)
        values = codes[source]["categories"]
        zeros = text(",".join(["0"] * len(values)))
        # 1-based position in the categories; 0 for none, null for a null value
        at = f"array_position(array({', '.join(map(text, values))}), {quoted(source)})"
        block = f"overlay({zeros} PLACING '1' FROM 2 * {at} - 1)"  # the at-th "0" -> "1"
        fields.append(f"IF(coalesce({at}, 0) = 0, {zeros}, {block})")
    return f"concat_ws(',', {', '.join(fields)})"


# Aggregates per query with whole-stage code generation: a wider aggregate's generated
# code is one method Janino fails to compile (150 numeric columns: 2,200 aggregates,
# 29,000 lines, 20 s to fail, then run interpreted; 300 columns: out of memory in a 1 GB
# heap). The churn data's 222 stay one query (each query scans the cached train rows).
MAX_AGGREGATES = 256
# Without it (a wide input, preprocess.WIDE_COLUMNS), per-expression code splits into
# methods: fewer, wider queries plan faster (300 columns: 19.5 s -> 12.5 s at 1,024).
MAX_AGGREGATES_UNFUSED = 1024


def train_stats(
    train: Any,
    features: list[dict[str, Any]],
    rows: int,
    cuts: dict[str, list[float]],
    per_query: int = MAX_AGGREGATES,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One pass over the train split's ``rows`` encoded rows: mean/std/min/max of every
    feature (one-hot indicators need only their mean: the rest follows), and the
    distribution of each numeric column in quantile bins given its cut points
    (``profile``): ``{column: {"edges": [min, cut1, ..., max], "counts": [...]}}``, the
    baseline a drift check computes PSI against. A value ``v`` is in bin ``j`` when
    ``cut_j <= v < cut_{j+1}`` (ties collapse bins)."""
    # SQL text, parsed in the JVM in one call (selectExpr): built from Column objects,
    # each of the hundreds of bin counts cost a dozen calls to the JVM. Few and small
    # aggregates: on small data, generating their code is most of the pass.
    aggs = ["count(1) AS _n"]
    for i, entry in enumerate(features):
        col = f"CAST({quoted(entry['name'])} AS DOUBLE)"
        if entry["kind"] == "one_hot":  # a 0/1 indicator, never null: its mean is sum / rows
            aggs.append(f"sum({quoted(entry['name'])}) AS sum{i}")
        else:
            aggs += [
                f"avg({col}) AS mean{i}",
                f"stddev_samp({col}) AS std{i}",
                f"min({col}) AS min{i}",
                f"max({col}) AS max{i}",
            ]
    binned = list(cuts)  # numeric columns: each is a feature of its own name
    for i, name in enumerate(binned):
        # values at or above each cut: a bin's count is the difference of two of them
        value = f"CAST({quoted(name)} AS DOUBLE)"
        aggs.append(f"count({value}) AS ge{i}_0")
        aggs += [
            f"count_if({value} >= {double(e)}) AS ge{i}_{j + 1}" for j, e in enumerate(cuts[name])
        ]
    stats: dict[str, Any] = {}
    for start in range(0, len(aggs) if rows else 0, per_query):
        stats.update(train.selectExpr(*aggs[start : start + per_query]).collect()[0].asDict())
    n = int(stats.get("_n") or 0)
    result: dict[str, Any] = {}
    for i, entry in enumerate(features):
        if entry["kind"] == "one_hot" and n:
            mean = int(stats[f"sum{i}"] or 0) / n
            std = (mean * (1 - mean) * rows / (rows - 1)) ** 0.5 if rows > 1 else None
            values = {
                "mean": mean,
                "std": std,
                "min": 0.0 if mean < 1 else 1.0,
                "max": 1.0 if mean > 0 else 0.0,
            }
        else:
            values = {stat: stats.get(f"{stat}{i}") for stat in ("mean", "std", "min", "max")}
        result[entry["name"]] = {k: (None if v is None else float(v)) for k, v in values.items()}
    histograms: dict[str, Any] = {}
    for i, name in enumerate(binned):
        low, high = result[name]["min"], result[name]["max"]
        if low is None or high is None:  # no values in the train split
            continue
        edges = cuts[name]
        histograms[name] = {
            "edges": [low, *[float(e) for e in edges], high],
            "counts": [
                int(stats[f"ge{i}_{j}"] or 0) - int(stats.get(f"ge{i}_{j + 1}") or 0)
                for j in range(len(edges) + 1)
            ],
        }
    return result, histograms
