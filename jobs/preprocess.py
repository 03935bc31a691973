"""Spark ETL (Glue 5.0, glueetl): raw tabular CSV → SageMaker XGBoost CSV channels.

Reads the CSV at ``--input_uri`` (or the run property ``input_uri``), cleans and
encodes it with Spark as a dataset config describes (``--dataset_config_uri``, a JSON
file; default: the churn schema below, kept identical to jobs/datasets/churn.json),
splits it deterministically by row hash into train / validation / test, and writes:

    <out>/train/ <out>/validation/ <out>/test/   CSV, label first, no header
    <out>/feature_manifest.json                  feature names, order, encodings
    <out>/baseline.json                          per-feature mean/std/min/max/null rate

``<out>`` is ``--output_uri`` or ``s3://<--artifacts_bucket>/glue-wf/<workflow>/runs/
<run id>/preprocess/``. In a workflow run the URIs and row counts go to run properties.
Optional arguments: ``--train_fraction`` (0.7), ``--validation_fraction`` (0.15),
``--test_fraction`` (0.15), ``--split_seed`` (42).

Rows with a missing or unknown target, or a missing or unparseable feature value, are
dropped and counted; missing required columns, an empty input or a single-class
target fail the job with a message naming the problem.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import ResolveChoice
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

DEFAULT_CONFIG: dict[str, Any] = {
    "name": "churn",
    "target": "Churn",
    "positive_label": "True",
    "negative_label": "False",
    "categorical": ["State", "Int_l_Plan", "VMail_Plan"],
    "categorical_encoding": "one_hot",
    "identifiers": ["customerID"],
    "drop": ["Day_Charge", "Eve_Charge", "Night_Charge", "Intl_Charge"],
    "numeric": None,
}
CONFIG_KEYS = set(DEFAULT_CONFIG)
DEFAULT_SPLIT = {
    "train_fraction": "0.7",
    "validation_fraction": "0.15",
    "test_fraction": "0.15",
    "split_seed": "42",
}
TRUE_WORDS = ("true", "t", "yes", "y", "1", "1.0")
FALSE_WORDS = ("false", "f", "no", "n", "0", "0.0")
SPLITS = ("train", "validation", "test")
HASH_BUCKETS = 1_000_000


class PreprocessError(Exception):
    """The input or the configuration cannot be processed; the message says why."""


# -- arguments ----------------------------------------------------------------------
def optional_args(argv: list[str], names: list[str]) -> dict[str, str]:
    """Glue's getResolvedOptions for the names present in ``argv`` (it has no optional form)."""
    present = [n for n in names if any(a == f"--{n}" or a.startswith(f"--{n}=") for a in argv)]
    if not present:
        return {}
    resolved = getResolvedOptions(argv, present)
    return {n: str(resolved[n]) for n in present}


def split_settings(values: dict[str, str]) -> tuple[dict[str, float], int]:
    fractions: dict[str, float] = {}
    for split in SPLITS:
        name = f"{split}_fraction"
        try:
            fractions[split] = float(values[name])
        except ValueError:
            raise PreprocessError(f"--{name} must be a number, got {values[name]!r}") from None
        if not 0.0 < fractions[split] < 1.0:
            raise PreprocessError(
                f"--{name} must be between 0 and 1 (exclusive), got {values[name]}"
            )
    total = sum(fractions.values())
    if abs(total - 1.0) > 1e-6:
        raise PreprocessError(
            "--train_fraction + --validation_fraction + --test_fraction must add up to 1, "
            f"got {total:g}"
        )
    try:
        seed = int(values["split_seed"])
    except ValueError:
        raise PreprocessError(
            f"--split_seed must be an integer, got {values['split_seed']!r}"
        ) from None
    return fractions, seed


# -- dataset config -----------------------------------------------------------------
def read_text(uri: str) -> str:
    if uri.startswith(("s3://", "s3a://", "s3n://")):
        import boto3

        bucket, _, key = uri.split("://", 1)[1].partition("/")
        body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"]
        return str(body.read().decode("utf-8"))
    path = uri[len("file://") :] if uri.startswith("file://") else uri
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def load_config(uri: str | None) -> dict[str, Any]:
    if not uri:
        return dict(DEFAULT_CONFIG)
    try:
        config = json.loads(read_text(uri))
    except json.JSONDecodeError as exc:
        raise PreprocessError(f"dataset config {uri} is not valid JSON: {exc}") from None
    return validate_config(config, uri)


def validate_config(config: Any, where: str) -> dict[str, Any]:
    if not isinstance(config, dict):
        raise PreprocessError(f"dataset config {where} must be a JSON object")
    unknown = sorted(set(config) - CONFIG_KEYS)
    if unknown:
        raise PreprocessError(
            f"dataset config {where}: unknown key(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(CONFIG_KEYS))}"
        )
    merged = {
        **DEFAULT_CONFIG,
        "numeric": None,
        "drop": [],
        "identifiers": [],
        "categorical": [],
        "negative_label": None,
        **config,
    }
    for key in ("target", "positive_label"):
        if key not in config or not isinstance(config[key], str) or not config[key]:
            raise PreprocessError(f"dataset config {where}: {key!r} (a string) is required")
    for key in ("categorical", "identifiers", "drop"):
        value = merged[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PreprocessError(f"dataset config {where}: {key!r} must be a list of names")
    numeric = merged["numeric"]
    if numeric is not None and (
        not isinstance(numeric, list) or not all(isinstance(v, str) for v in numeric)
    ):
        raise PreprocessError(
            f"dataset config {where}: 'numeric' must be a list of names "
            "or null (all remaining columns)"
        )
    if merged["categorical_encoding"] not in ("one_hot", "index"):
        raise PreprocessError(
            f"dataset config {where}: categorical_encoding must be "
            f"'one_hot' or 'index', got {merged['categorical_encoding']!r}"
        )
    return merged


# -- cleaning -----------------------------------------------------------------------
def plan_columns(config: dict[str, Any], columns: list[str]) -> dict[str, list[str]]:
    """Which input columns are features of which kind; fails on missing required ones."""
    target = config["target"]
    categorical = list(config["categorical"])
    excluded = {target, *config["identifiers"], *config["drop"], *categorical}
    numeric = (
        list(config["numeric"])
        if config["numeric"] is not None
        else [c for c in columns if c not in excluded]
    )
    required = [target, *categorical, *numeric]
    missing = [c for c in required if c not in columns]
    if missing:
        raise PreprocessError(
            f"input is missing required column(s) {', '.join(missing)} "
            f"(input columns: {', '.join(columns)}); fix the input or the dataset config"
        )
    if not numeric and not categorical:
        raise PreprocessError("no feature columns left after dropping identifiers and drops")
    return {"numeric": numeric, "categorical": categorical}


def _label_words(label: str) -> tuple[str, ...]:
    low = label.strip().lower()
    if low in TRUE_WORDS:
        return TRUE_WORDS
    if low in FALSE_WORDS:
        return FALSE_WORDS
    return (low,)


def clean(df: Any, config: dict[str, Any], plan: dict[str, list[str]]) -> Any:
    """String-typed input → label (0/1), numeric doubles, trimmed categoricals, and
    ``_reason``: why a row is dropped (null when kept)."""
    target = config["target"]

    def text(name: str) -> Any:
        value = F.trim(F.col(f"`{name}`").cast("string"))
        return F.when(value == "", None).otherwise(value)

    label_raw = F.lower(text(target))
    positive = _label_words(config["positive_label"])
    negative = _label_words(config["negative_label"]) if config["negative_label"] else None
    label = F.when(label_raw.isin(*positive), F.lit(1))
    label = (
        label.when(label_raw.isin(*negative), F.lit(0))
        if negative
        else label.when(label_raw.isNotNull(), F.lit(0))
    )
    columns = [label.alias("_label"), label_raw.alias("_label_raw")]
    reason = F.when(F.col("_label_raw").isNull(), F.lit("missing_target")).when(
        F.col("_label").isNull(), F.lit("unknown_target")
    )
    for name in plan["numeric"]:
        raw = text(name)
        columns.append(raw.alias(f"_raw_{name}"))
        columns.append(F.expr(f"try_cast(trim(cast(`{name}` AS string)) AS double)").alias(name))
    for name in plan["categorical"]:
        columns.append(text(name).alias(name))
    columns.append(
        F.xxhash64(*[F.col(f"`{c}`").cast("string") for c in df.columns]).alias("_row_hash")
    )
    staged = df.select(*columns)
    for name in plan["numeric"]:
        raw, value = F.col(f"`_raw_{name}`"), F.col(f"`{name}`")
        reason = reason.when(raw.isNull(), F.lit("missing_value")).when(
            value.isNull() | F.isnan(value), F.lit("unparseable_value")
        )
    for name in plan["categorical"]:
        reason = reason.when(F.col(f"`{name}`").isNull(), F.lit("missing_value"))
    # Keep only what later passes need: the raw texts would double the cached frame.
    helpers = ["_label_raw", *[f"_raw_{name}" for name in plan["numeric"]]]
    return staged.withColumn("_reason", reason).drop(*helpers)


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


def profile(staged: Any, plan: dict[str, list[str]]) -> dict[str, Any]:
    """One pass: rows per drop reason and label, null counts, distinct categories kept."""
    sources = [*plan["numeric"], *plan["categorical"]]
    aggs = [F.count(F.lit(1)).alias("_n")]
    aggs += [
        F.sum(F.col(f"`{c}`").isNull().cast("long")).alias(f"_null{i}")
        for i, c in enumerate(sources)
    ]
    aggs += [
        F.collect_set(F.col(f"`{c}`")).alias(f"_set{i}") for i, c in enumerate(plan["categorical"])
    ]
    groups = staged.groupBy("_reason", "_label").agg(*aggs).collect()
    reasons: dict[str | None, int] = {}
    classes: dict[int, int] = {}
    nulls = dict.fromkeys(sources, 0)
    values_of: dict[str, set[str]] = {c: set() for c in plan["categorical"]}
    for row in groups:
        n = int(row["_n"])
        reasons[row["_reason"]] = reasons.get(row["_reason"], 0) + n
        for i, c in enumerate(sources):
            nulls[c] += int(row[f"_null{i}"] or 0)
        if row["_reason"] is None:
            classes[int(row["_label"])] = classes.get(int(row["_label"]), 0) + n
            for i, c in enumerate(plan["categorical"]):
                values_of[c].update(row[f"_set{i}"])
    total = sum(reasons.values())
    return {
        "rows": total,
        "reasons": reasons,
        "classes": classes,
        "null_rate": {c: (nulls[c] / total if total else 0.0) for c in sources},
        "values": {c: sorted(v) for c, v in values_of.items()},
    }


def split_stats(
    encoded: Any, features: list[dict[str, Any]]
) -> tuple[dict[str, int], dict[str, Any]]:
    """One pass: rows per split, and mean/std/min/max of every feature on the train
    split (one-hot indicators need only their mean: the rest follows from it)."""
    train = F.col("_split") == "train"
    aggs = [F.count(F.lit(1)).alias("_n")]
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
    sizes = {split: int(row["_n"]) for split, row in rows.items()}
    stats = rows.get("train", {})
    n = sizes.get("train", 0)
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
    return sizes, result


def feature_columns(
    plan: dict[str, list[str]], codes: dict[str, dict[str, Any]]
) -> list[tuple[dict[str, Any], Any]]:
    """(manifest entry, Column) for every output feature, in output order."""
    out: list[tuple[dict[str, Any], Any]] = []
    for name in plan["numeric"]:
        out.append(({"name": name, "source": name, "kind": "numeric"}, F.col(f"`{name}`")))
    for name in plan["categorical"]:
        code = codes[name]
        col = F.col(f"`{name}`")
        if code["type"] == "one_hot":
            for value in code["categories"]:
                entry = {
                    "name": f"{name}={value}",
                    "source": name,
                    "kind": "one_hot",
                    "value": value,
                }
                out.append((entry, F.when(col == F.lit(value), 1).otherwise(0)))
        else:
            expr = F.lit(None)
            for value, number in code["mapping"].items():
                expr = F.when(col == F.lit(value), F.lit(number)).otherwise(expr)
            out.append(({"name": name, "source": name, "kind": code["type"]}, expr))
    return out


# -- outputs ------------------------------------------------------------------------
def write_text(uri: str, text: str) -> None:
    if uri.startswith(("s3://", "s3a://", "s3n://")):
        import boto3

        bucket, _, key = uri.split("://", 1)[1].partition("/")
        boto3.client("s3").put_object(
            Bucket=bucket, Key=key, Body=text.encode("utf-8"), ContentType="application/json"
        )
        return
    path = uri[len("file://") :] if uri.startswith("file://") else uri
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def clear_output(glue_context: Any, output: str) -> None:
    """Empty the output prefix first: Glue's S3 sink only appends."""
    if output.startswith(("s3://", "s3a://", "s3n://")):
        glue_context.purge_s3_path(output, {"retentionPeriod": 0})
        return
    import shutil

    base = output[len("file://") :] if output.startswith("file://") else output
    for name in (*SPLITS, "feature_manifest.json", "baseline.json"):
        path = os.path.join(base, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)


def put_run_properties(workflow: str, run_id: str, props: dict[str, str]) -> None:
    import boto3

    glue = boto3.client("glue")
    for attempt in range(5):
        try:
            glue.put_workflow_run_properties(Name=workflow, RunId=run_id, RunProperties=props)
            return
        except glue.exceptions.ConcurrentModificationException:
            time.sleep(0.5 * (attempt + 1))
    glue.put_workflow_run_properties(Name=workflow, RunId=run_id, RunProperties=props)


def get_run_properties(workflow: str, run_id: str) -> dict[str, str]:
    import boto3

    response = boto3.client("glue").get_workflow_run_properties(Name=workflow, RunId=run_id)
    return dict(response.get("RunProperties") or {})


# -- the job ------------------------------------------------------------------------
def main(argv: list[str]) -> dict[str, str]:
    args = getResolvedOptions(argv, ["JOB_NAME"])
    opts = optional_args(
        argv,
        [
            "WORKFLOW_NAME",
            "WORKFLOW_RUN_ID",
            "input_uri",
            "output_uri",
            "artifacts_bucket",
            "dataset_config_uri",
            *DEFAULT_SPLIT,
        ],
    )
    workflow, run_id = opts.get("WORKFLOW_NAME"), opts.get("WORKFLOW_RUN_ID")
    run_props = get_run_properties(workflow, run_id) if workflow and run_id else {}
    input_uri = opts.get("input_uri") or run_props.get("input_uri")
    if not input_uri:
        raise PreprocessError(
            "no input: pass --input_uri s3://bucket/key.csv or set the run property input_uri"
        )
    fractions, seed = split_settings({k: opts.get(k, v) for k, v in DEFAULT_SPLIT.items()})
    output = opts.get("output_uri")
    if not output:
        bucket = opts.get("artifacts_bucket")
        if not bucket:
            raise PreprocessError("no output location: pass --output_uri or --artifacts_bucket")
        owner = workflow or args["JOB_NAME"]
        run_name = run_id or args.get("JOB_RUN_ID") or "manual"
        output = f"s3://{bucket}/glue-wf/{owner}/runs/{run_name}/preprocess/"
    output = output.rstrip("/") + "/"
    config = load_config(opts.get("dataset_config_uri"))

    sc = SparkContext.getOrCreate()
    glue_context = GlueContext(sc)
    logger = glue_context.get_logger()
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    counts: dict[str, str] = {}
    try:
        request = Request(
            input_uri=input_uri, output=output, config=config, fractions=fractions, seed=seed
        )
        result = process(glue_context, request, counts)
    except PreprocessError:
        if workflow and run_id and counts:
            put_run_properties(workflow, run_id, counts)
        raise
    if workflow and run_id:
        put_run_properties(workflow, run_id, result)
    logger.info(f"preprocess wrote {json.dumps(result, sort_keys=True)}")
    job.commit()
    return result


@dataclass(frozen=True, kw_only=True)
class Request:
    """What one run processes: input, output prefix, dataset config, split."""

    input_uri: str
    output: str
    config: dict[str, Any]
    fractions: dict[str, float]
    seed: int


def process(glue_context: Any, request: Request, counts: dict[str, str]) -> dict[str, str]:
    """Read, clean, encode, split and write; ``counts`` gets row counts as they are known."""
    from pyspark import StorageLevel

    input_uri, config = request.input_uri, request.config

    frame = glue_context.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [input_uri]},
        format="csv",
        format_options={"withHeader": True},
        transformation_ctx="raw",
    )
    # Glue reads mixed columns as choice types: make every column a string, then parse.
    frame = ResolveChoice.apply(frame=frame, choice="cast:string", transformation_ctx="strings")
    df = frame.toDF()
    if not df.columns:
        raise PreprocessError(f"input {input_uri} is empty (no CSV files or no header)")
    plan = plan_columns(config, df.columns)
    staged = clean(df, config, plan).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        return _split_and_write(glue_context, staged, request, plan, counts)
    finally:
        staged.unpersist()


def _split_and_write(
    glue_context: Any,
    staged: Any,
    request: Request,
    plan: dict[str, list[str]],
    counts: dict[str, str],
) -> dict[str, str]:
    from awsglue.dynamicframe import DynamicFrame

    input_uri, output, config = request.input_uri, request.output, request.config
    fractions, seed = request.fractions, request.seed

    stats = profile(staged, plan)
    rows_input, reasons, classes = stats["rows"], stats["reasons"], stats["classes"]
    if rows_input == 0:
        raise PreprocessError(f"input {input_uri} is empty (a header but no data rows)")
    dropped = {k: v for k, v in reasons.items() if k is not None}
    counts.update(rows_input=str(rows_input), rows_dropped=str(sum(dropped.values())))
    kept = staged.where(F.col("_reason").isNull())
    if len(classes) < 2:
        only = "no rows" if not classes else f"only label {next(iter(classes))}"
        raise PreprocessError(
            f"target column {config['target']!r} has a single class after cleaning ({only}; "
            f"{rows_input} rows read, dropped: {json.dumps(dropped, sort_keys=True)}): "
            "training needs both positive and negative examples"
        )
    codes = encodings(stats["values"], config["categorical_encoding"])
    features = feature_columns(plan, codes)
    names = [entry["name"] for entry, _ in features]
    bucket = F.pmod(F.xxhash64(F.col("_row_hash"), F.lit(seed)), F.lit(HASH_BUCKETS))
    u = bucket / F.lit(float(HASH_BUCKETS))
    cut1, cut2 = fractions["train"], fractions["train"] + fractions["validation"]
    split = F.when(u < cut1, "train").when(u < cut2, "validation").otherwise("test")
    encoded = kept.select(
        split.alias("_split"),
        F.col("_label").alias("label"),
        *[column.alias(name) for name, (_, column) in zip(names, features)],
    )
    sizes, feature_stats = split_stats(encoded, [entry for entry, _ in features])
    empty = [s for s in SPLITS if not sizes.get(s)]
    if empty:
        raise PreprocessError(
            f"split(s) {', '.join(empty)} would be empty ({sum(sizes.values())} usable rows, "
            f"fractions {fractions}): provide more rows or change the fractions"
        )
    clear_output(glue_context, output)
    uris: dict[str, str] = {}
    for name in SPLITS:
        uri = f"{output}{name}/"
        part = encoded.where(F.col("_split") == name).drop("_split")
        glue_context.write_dynamic_frame.from_options(
            frame=DynamicFrame.fromDF(part, glue_context, name),
            connection_type="s3",
            connection_options={"path": uri},
            format="csv",
            format_options={"writeHeader": False},
            transformation_ctx=f"write_{name}",
        )
        uris[f"{name}_uri"] = uri

    baseline: dict[str, Any] = {"features": feature_stats, "null_rate": stats["null_rate"]}
    baseline.update(
        dataset=config["name"], rows=sizes, label_counts={str(k): v for k, v in classes.items()}
    )
    manifest = {
        "dataset": config["name"],
        "target": config["target"],
        "positive_label": config["positive_label"],
        "label_column": 0,
        "format": "text/csv; label first, no header",
        "features": [entry for entry, _ in features],
        "encodings": codes,
        "identifiers": config["identifiers"],
        "dropped_columns": config["drop"],
        "split": {**fractions, "seed": seed, "method": "xxhash64 of the raw row"},
        "rows": {"input": rows_input, "dropped": dropped, **sizes},
    }
    manifest_uri, baseline_uri = f"{output}feature_manifest.json", f"{output}baseline.json"
    write_text(manifest_uri, json.dumps(manifest, indent=2, sort_keys=True))
    write_text(baseline_uri, json.dumps(baseline, indent=2, sort_keys=True))
    return {
        **uris,
        "feature_manifest_uri": manifest_uri,
        "baseline_uri": baseline_uri,
        "rows_input": str(rows_input),
        "rows_dropped": str(sum(dropped.values())),
        **{f"rows_{s}": str(sizes[s]) for s in SPLITS},
    }


if __name__ == "__main__":
    try:
        main(sys.argv)
    except PreprocessError as exc:
        # A data or argument problem: one clear line (it becomes the job run's error), no traceback.
        raise SystemExit(f"glue-wf job failed: preprocess: {exc}") from None
