"""Spark ETL (Glue 5.0, glueetl): raw tabular CSV → SageMaker XGBoost CSV channels.

Reads every CSV file under ``--input_uri`` (or the run property ``input_uri``), checks
it against the data contract ``--dataset_config_uri`` (docs/data-contract.md), cleans
and encodes it with Spark, splits it deterministically by a hash of the raw row into
train / validation / test, and writes:

    <out>/train/ <out>/validation/ <out>/test/   CSV, label first, no header
    <out>/feature_manifest.json                  feature names, order, encodings
    <out>/baseline.json                          per-feature mean/std/min/max/null rate,
                                                 numeric histograms (quantile bins)
    <out>/data_quality.json                      the contract's checks and the decision

``<out>`` is ``--output_uri`` or ``s3://<--artifacts_bucket>/glue-wf/<workflow>/runs/
<run id>/<node>/``. In a workflow run the URIs, row counts and the data-quality
summary go to run properties (on failure too). Optional arguments:
``--train_fraction`` (0.7), ``--validation_fraction`` (0.15), ``--test_fraction``
(0.15), ``--split_seed`` (42), ``--train_files`` (objects the train split is written as:
one or more per training instance).

The contract modules (jobs/etl/*.py) ship with ``--extra-py-files``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

try:
    import etl_contract  # noqa: F401  (shipped with --extra-py-files)
except ImportError:  # run from the source tree: tests, glue-wf job jobs/preprocess.py
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "etl"))

from awsglue.utils import getResolvedOptions
from etl_contract import (
    Columns,
    Contract,
    PreprocessError,
    dq_rules,
    load_contract,
    ruleset,
)
from etl_output import clear_output, dump, read_text, remove_outputs, tidy_channel, write_text
from etl_quality import (
    DATE,
    action,
    classify,
    describe,
    evaluate,
    examples,
    for_cache,
    hints,
    label_summary,
    policy_failures,
    read_text_frame,
    stage,
)
from etl_scan import EMPTY, Inspection, changed_inputs, client, inspect, locate

# Spark (pyspark, awsglue.context, etl_features) is imported where it is used: a run the
# step cache serves never imports pyspark nor leases the warm Spark's JVM.
from glue_workflow.jobkit import JobFailed, run_job  # shipped with jobkit=True
from glue_workflow.jobkit.contract import Contract as PropertyContract
from glue_workflow.jobkit.failure import lost_spark_hint, node_of_job

__all__ = ["PreprocessError", "main"]

NODE = "preprocess"  # the node name outside a workflow run (e.g. glue-wf job preprocess)
DEFAULT_SPLIT = {
    "train_fraction": "0.7",
    "validation_fraction": "0.15",
    "test_fraction": "0.15",
    "split_seed": "42",
}
SPLITS = ("train", "validation", "test")
CODEGEN_MAX_FIELDS = 4000
# Past this many feature columns whole-stage code generation stays at Spark's default
# limit (100 fields: off for the wide steps). Over 300 numeric columns the first pass's
# generated method did not compile in a 1 GB heap (out of memory in Janino); per-step
# code generation still applies. 162 columns compile, and run 20 % faster than without
# (the statistics 3.5x: bench/README.md, "Spark ETL"); the churn data has 20 features.
WIDE_COLUMNS = 200
SPARK_MAX_FIELDS = 100
# Up to this many rows (the scan's estimate) the job runs as small inputs run best: Spark
# evaluates expressions without generating code (compiling the generated classes costs a
# new JVM, every Glue job run and a first local run, 2-3 s of a 5,000-row run; at 20,000
# rows the compiled code is faster again once warm) and plans each query once (adaptive
# execution re-plans after each stage: 0.7 s of a first run, nothing to adapt to).
# bench/README.md, "Pipeline".
SMALL_ROWS = 10_000
SMALL_INPUT_SETTINGS = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.sql.adaptive.enabled": "false",
}
OUTPUTS = (*SPLITS, "feature_manifest.json", "baseline.json", "data_quality.json")
# What a failed run removes once it began writing (data_quality.json says why it failed)
WRITTEN = [*(f"{s}/" for s in SPLITS), "feature_manifest.json", "baseline.json"]


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


def load_config(uri: str | None) -> Contract:
    if not uri:
        raise PreprocessError(
            "no dataset contract: pass --dataset_config_uri (a JSON dataset config, "
            "see docs/data-contract.md; the workflow node ships it with files=)"
        )
    return load_contract(read_text(uri), uri)


# -- run properties -----------------------------------------------------------------
def put_run_properties(workflow: str, run_id: str, props: dict[str, str]) -> None:
    glue = client("glue")
    for attempt in range(5):
        try:
            glue.put_workflow_run_properties(Name=workflow, RunId=run_id, RunProperties=props)
            return
        except glue.exceptions.ConcurrentModificationException:
            time.sleep(0.5 * (attempt + 1))
    glue.put_workflow_run_properties(Name=workflow, RunId=run_id, RunProperties=props)


def get_run_properties(workflow: str, run_id: str) -> dict[str, str]:
    response = client("glue").get_workflow_run_properties(Name=workflow, RunId=run_id)
    return dict(response.get("RunProperties") or {})


def file_count(value: str | None) -> int | None:
    """``--train_files``: how many objects the train split is written as (default:
    as Spark partitions it). Set it to the training node's instance_count or more."""
    if value is None or not value.strip():
        return None
    try:
        count = int(value)
    except ValueError:
        count = 0
    if not 1 <= count <= 10_000:
        raise PreprocessError(
            f"--train_files={value!r} must be a whole number from 1 to 10000 (one file or more "
            "per training instance)"
        )
    return count


# -- the job ------------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    """What one run processes: input, output prefix, data contract, split."""

    input_uri: str
    output: str
    contract: Contract
    fractions: dict[str, float]
    seed: int
    train_files: int | None = None  # objects under train/ (one per training instance)


@dataclass
class Report:
    """The data-quality report, filled in as the run learns things."""

    body: dict[str, Any] = field(default_factory=dict)
    props: dict[str, str] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)  # the profile pass, for the writer

    def summary(self) -> str:
        rows = self.body.get("rows") or {}
        if self.body.get("decision") == "failed":
            text = f"failed: {self.body.get('reason', '')}"
        else:
            # each reason with its column and examples: a passing run's drops are read
            # here more often than in the report
            drops = self.body.get("drops") or []
            detail = "; ".join(
                describe(d["reason"], d["column"], d["rows"], d["examples"]) for d in drops
            )
            text = f"passed: {rows.get('read', 0)} rows read, {rows.get('dropped', 0)} dropped" + (
                f" ({detail})" if detail else ""
            )
            # an empty export among the inputs is skipped, as Spark would: said, not hidden
            empty = [s["uri"] for s in self.body.get("skipped_files") or [] if s["why"] == EMPTY]
            if empty:
                more = f" and {len(empty) - 1} more" if len(empty) > 1 else ""
                text += f"; skipped empty file {empty[0]}{more}"
        return text if len(text) <= 480 else text[:477] + "..."


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
            "train_files",
            "glue_wf_contract",
            "property_names",
            *DEFAULT_SPLIT,
        ],
    )
    workflow, run_id = opts.get("WORKFLOW_NAME"), opts.get("WORKFLOW_RUN_ID")
    # The node's declared reads/writes, enforced as the job library does for shell jobs.
    node = PropertyContract.from_args(
        opts, node_of_job(workflow, args["JOB_NAME"]) if workflow else NODE
    )
    input_uri = opts.get("input_uri")
    if not input_uri and workflow and run_id:
        node.check_read(node.name("input_uri"))
        input_uri = get_run_properties(workflow, run_id).get(node.name("input_uri"))
    if not input_uri:
        raise PreprocessError(
            "no input: pass --input_uri s3://bucket/key.csv or set the run property input_uri"
        )
    fractions, seed = split_settings({k: opts.get(k, v) for k, v in DEFAULT_SPLIT.items()})
    train_files = file_count(opts.get("train_files"))
    output = opts.get("output_uri")
    if not output:
        bucket = opts.get("artifacts_bucket")
        if not bucket:
            raise PreprocessError("no output location: pass --output_uri or --artifacts_bucket")
        owner = workflow or args["JOB_NAME"]
        run_name = run_id or args.get("JOB_RUN_ID") or "manual"
        output = f"s3://{bucket}/glue-wf/{owner}/runs/{run_name}/{node.node}/"
    output = output.rstrip("/") + "/"
    report, report_uri = Report(), f"{output}data_quality.json"
    report.body.update(input=input_uri, split_seed=seed)
    cleared = False  # the prefix holds only what this run writes from then on
    try:
        glue_context, job = _start(args)
        contract = load_config(opts.get("dataset_config_uri"))
        report.body.update(dataset=contract.name, contract=contract.as_dict())
        request = Request(
            input_uri=input_uri,
            output=output,
            contract=contract,
            fractions=fractions,
            seed=seed,
            train_files=train_files,
        )
        clear_output(glue_context, output, list(OUTPUTS))
        cleared = True
        result = process(glue_context, request, report)
        report.body["decision"] = "passed"
        result.update(_finish(report, report_uri, node, workflow, run_id))
        if workflow and run_id:
            publish(node, workflow, run_id, result)
    except PreprocessError as exc:
        if cleared:
            remove_outputs(output, WRITTEN)
        report.body.update(decision="failed", reason=str(exc))
        _finish(report, report_uri, node, workflow, run_id)
        raise
    except Exception as exc:  # a Spark/JVM error: reported too, as its first line
        if cleared:
            remove_outputs(output, WRITTEN)
        report.body.update(decision="failed", reason=one_line(exc))
        _finish(report, report_uri, node, workflow, run_id)
        raise
    except BaseException:  # interrupted (SIGINT, a stop's SIGTERM): keep nothing half-done
        if cleared:
            remove_outputs(output, WRITTEN)
        raise
    glue_context.get_logger().info(f"preprocess wrote {json.dumps(result, sort_keys=True)}")
    job.commit()
    return result


def _start(args: dict[str, Any]) -> tuple[Any, Any]:
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from pyspark.context import SparkContext

    sc = SparkContext.getOrCreate()
    # No _SUCCESS marker in a SageMaker channel prefix (the channels are tidied too).
    sc._jsc.hadoopConfiguration().set("mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
    glue_context = GlueContext(sc)
    # The statistics and the classified rows are wider than Spark's default 100 fields
    # for whole-stage code generation: past it each row goes through interpreted
    # projections, several times slower (bench/README.md, "Spark ETL").
    spark = glue_context.spark_session
    spark.conf.set("spark.sql.codegen.maxFields", str(CODEGEN_MAX_FIELDS))
    # The cached rows barely compress (1M churn rows: 181 MB plain, 162 MB compressed)
    # and compressing them doubled the cost of building the cache.
    spark.conf.set("spark.sql.inMemoryColumnarStorage.compressed", "false")
    # The ETL's queries are SQL text (etl_features.quoted, .text): a "${...}" in a
    # column name or a category is data, not a variable to substitute, and a backslash
    # in a string literal escapes, as etl_features.text writes them.
    spark.conf.set("spark.sql.variable.substitute", "false")
    spark.conf.set("spark.sql.parser.escapedStringLiterals", "false")
    # Column names are matched exactly, as the data contract matches them: "Age" and
    # "age" are two columns (Spark's default would find either ambiguous).
    spark.conf.set("spark.sql.caseSensitive", "true")
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    return glue_context, job


def _finish(
    report: Report, uri: str, node: PropertyContract, workflow: str | None, run_id: str | None
) -> dict[str, str]:
    """Write the report; on failure also publish its summary (success adds it to the
    run's other properties)."""
    write_text(uri, dump(report.body))
    props = {**report.props, "data_quality": report.summary(), "data_quality_uri": uri}
    if report.body.get("decision") == "failed" and workflow and run_id:
        publish(node, workflow, run_id, props)
    return props


# What training needs from this job: the node must declare them. Every other output
# (row counts, the baseline, the data-quality summary) is written where declared.
REQUIRED_WRITES = ("train_uri", "validation_uri", "test_uri")


def publish(node: PropertyContract, workflow: str, run_id: str, props: dict[str, str]) -> None:
    """Write run properties under the workflow's names, as the node's writes= allow."""
    named = {}
    for key, value in props.items():
        name = node.name(key)
        if key in REQUIRED_WRITES:
            node.check_write(name)
        if node.declares_write(name):
            named[name] = value
    if named:
        put_run_properties(workflow, run_id, named)


def process(glue_context: Any, request: Request, report: Report) -> dict[str, str]:
    """Check, read, clean, encode, split and write."""
    from etl_features import quantile_sample, sample_flag, split_code
    from pyspark import StorageLevel

    contract, input_uri = request.contract, request.input_uri
    found = inspect(contract, input_uri)
    report.body["skipped_files"] = [{"uri": u, "why": why} for u, why in found.skipped]
    report.body["files"] = [s.as_dict() for s in found.files]
    columns = found.columns
    report.body["columns"] = {
        "numeric": list(columns.numeric),
        "categorical": list(columns.categorical),
        "ignored": list(columns.ignored),
    }
    rules = dq_rules(contract, columns)
    report.body["ruleset"] = ruleset(rules, shown=True)
    report.body["labels"] = label_summary(contract)
    spark = glue_context.spark_session
    if wide(columns):
        spark.conf.set("spark.sql.codegen.maxFields", str(SPARK_MAX_FIELDS))
    small = estimated_rows(found.files) <= SMALL_ROWS
    if small:
        for key, value in SMALL_INPUT_SETTINGS.items():
            spark.conf.set(key, value)
    # Bytes past the scan were decoded by Spark alone, which replaces invalid ones.
    past_scan = any(not scanned.complete for scanned in found.files)
    staged = stage(
        read_text_frame(spark, found.groups, contract),
        contract,
        columns,
        request.seed,
        check_decoding=past_scan,
    )
    outcomes = evaluate(glue_context, staged, rules)
    classified = for_cache(classify(outcomes, contract, columns, rules), contract, columns, rules)
    # the split code replaces the row hash it is drawn from: one byte a row cached
    classified = classified.withColumn("_split", split_code(request.fractions))
    fraction = quantile_sample(estimated_rows(found.files))
    if fraction < 1.0:
        classified = classified.withColumn("_sample", sample_flag(fraction))
    classified = classified.drop("_row_hash")
    classified = classified.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        _judge(classified, request, found, rules, report)
        result = _split_and_write(classified, request, columns, report, fused=not small)
    finally:
        classified.unpersist()
    changed = changed_inputs(input_uri, list(found.listed))
    if changed:  # an upload while Spark read: the splits hold a mix or a cut-off copy
        clear_output(glue_context, request.output, list(OUTPUTS))
        raise PreprocessError(
            f"input {input_uri} changed while the job read it: {'; '.join(changed[:5])}; the "
            "splits could mix old and new rows or hold a cut-off copy, so none was kept: "
            "run again once the upload has finished"
        )
    return result


def wide(columns: Columns) -> bool:
    """Whether the input has too many feature columns for whole-stage code generation."""
    return len(columns.numeric) + len(columns.categorical) > WIDE_COLUMNS


def estimated_rows(files: list[Any]) -> int:
    """About how many data rows the input has, from the scan (which reads at most
    ``scan_max_bytes`` of each file)."""
    return int(sum(scanned.estimated_records() for scanned in files))


def _judge(
    classified: Any, request: Request, found: Inspection, rules: list[Any], report: Report
) -> None:
    """Counts per rule and reason, examples, and the contract's volume gates."""
    from etl_features import profile

    contract, columns = request.contract, found.columns

    def where(column: str | None, values: list[str]) -> str | None:
        """The file and line of a refused value (a failing run only: it reads the input)."""
        return locate(contract, found, column, values) if column else None

    stats = profile(classified, columns, len(rules))
    report.stats.update(stats)
    total, classes = stats["rows"], stats["classes"]
    failing = {r.text: stats["rule_failures"][i] for i, r in enumerate(rules)}
    shown = examples(classified) if stats["drops"] else {}
    drops = [
        (reason, column, count, shown.get((reason, column), []) if column else [])
        for (reason, column), count in sorted(stats["drops"].items(), key=lambda kv: -kv[1])
    ]
    dropped = sum(count for _, _, count, _ in drops)
    by_reason: dict[str, int] = {}
    for reason, _, count, _ in drops:
        by_reason[reason] = by_reason.get(reason, 0) + count
    report.body["rules"] = [
        {"rule": r.shown, "reason": r.reason, "column": r.column, "failed_rows": failing[r.text]}
        for r in rules
    ]
    report.body["drops"] = [
        {
            "reason": reason,
            "column": column,
            "rows": count,
            "examples": values,
            "action": action(contract, reason),
        }
        for reason, column, count, values in drops
    ]
    report.body["rows"] = {
        "read": total,
        "kept": total - dropped,
        "dropped": dropped,
        "dropped_by_reason": by_reason,
    }
    report.props.update(rows_input=str(total), rows_dropped=str(dropped))
    if total == 0:
        raise PreprocessError(f"input {request.input_uri} is empty (a header but no data rows)")
    refused = policy_failures(contract, drops, where)
    if refused:
        others = [describe(*d) for d in drops if action(contract, d[0]) != "fail"]
        also = f"; also dropped: {'; '.join(others[:3])}" if others else ""
        counted = [d for d in drops if d[2]]
        fixes = "".join(f"; {h}" for h in hints(contract, counted, stats["empty_rows"], total))
        raise PreprocessError(
            f"the data contract refuses {'; '.join(refused[:5])} ({total} rows read{also}); "
            "fix the input (malformed rows, undecodable bytes and thousands separators are "
            f"always refused; other reasons follow the config's on_invalid){fixes}"
        )
    detail = "; ".join(describe(*d) for d in drops[:8])
    if dropped / total > contract.max_dropped_fraction:
        first = [describe(*d, where(d[1], d[3])) for d in drops[:3]]
        detail = "; ".join(first + [describe(*d) for d in drops[3:8]])
        fixes = "".join(f"; {h}" for h in hints(contract, drops[:8], stats["empty_rows"], total))
        raise PreprocessError(
            f"{dropped} of {total} rows ({dropped / total:.1%}) would be dropped, more than "
            f"max_dropped_fraction {contract.max_dropped_fraction:g}: {detail}{fixes}"
        )
    if len(classes) < 2:
        only = "no rows" if not classes else f"only label {next(iter(classes))}"
        raise PreprocessError(
            f"target column {contract.target!r} has a single class after cleaning ({only}; "
            f"{total} rows read, {dropped} dropped"
            + (f": {detail}" if detail else "")
            + "): training needs both positive and negative examples"
        )
    check_categories(stats["values"], contract, where)
    sizes, labels = stats["sizes"], stats["labels"]
    report.body["splits"] = {
        s: {"rows": sizes[s], "labels": {str(k): v for k, v in labels[s].items()}} for s in SPLITS
    }
    small = [
        f"{s} {sizes[s]} rows" + ("" if min(labels[s].values()) else " (single class)")
        for s in SPLITS
        if sizes[s] < contract.min_rows or not min(labels[s].values())
    ]
    if small:
        raise PreprocessError(
            f"split(s) too small or single-class: {', '.join(small)} (min_rows "
            f"{contract.min_rows} per split, both labels in each; {sum(sizes.values())} usable "
            f"rows, fractions {request.fractions}): provide more rows or change the fractions"
        )


# A category longer than this is free text: as a one-hot feature's name it would be too.
MAX_CATEGORY_CHARS = 1000


def check_categories(
    values_of: dict[str, list[str]],
    contract: Contract,
    where: Callable[[str | None, list[str]], str | None],
) -> None:
    """Refuse a categorical column whose kept values are too many to encode (an id or
    free text declared categorical: a feature, or a branch of SQL, per value); ``where``
    names the file and line of a value too long to be a category."""
    for name, values in values_of.items():
        longest, limit = max(values, key=len, default=""), contract.max_categories
        if len(values) > 1 and all(DATE.fullmatch(value) for value in values):
            # the numeric case says so in hints(); as a category it would train silently
            raise PreprocessError(
                f"categorical column {name!r} holds dates ({', '.join(map(repr, values[:3]))}"
                f'{", ..." if len(values) > 3 else ""}): list it under "drop" (as a '
                "category a date makes a feature per day, none of which new data has); to "
                "use one, derive a number from it (days since, month) before the job"
            )
        if len(values) > limit:
            raise PreprocessError(
                f"categorical column {name!r} has {len(values)} distinct values, more than "
                f"max_categories {limit}: encoding it would make a feature per value; list "
                'it under "identifiers" or "drop" if it is an id or text, or raise '
                '"max_categories" in the dataset config'
            )
        if len(longest) > MAX_CATEGORY_CHARS:
            at = where(name, [longest])
            raise PreprocessError(
                f"categorical column {name!r} has a value of {len(longest)} characters "
                f"({longest[:40]!r}...{f', at {at}' if at else ''}), free text: a category "
                f"is at most {MAX_CATEGORY_CHARS} characters (it names a feature); list the "
                'column under "identifiers" or "drop" if it is text, or fix that value'
            )


def _split_and_write(
    classified: Any,
    request: Request,
    columns: Columns,
    report: Report,
    *,
    fused: bool = True,
) -> dict[str, str]:
    """Encode the kept rows, then write the three splits and compute the train split's
    statistics together: four independent Spark actions over the cached rows."""
    from etl_features import (
        MAX_AGGREGATES,
        MAX_AGGREGATES_UNFUSED,
        csv_line,
        encodings,
        feature_columns,
        quoted,
        train_stats,
    )
    from etl_output import concurrently, write_lines
    from etl_quality import spark_path
    from pyspark.sql import functions as F

    output, contract = request.output, request.contract
    fractions, seed = request.fractions, request.seed
    stats = report.stats
    sizes = stats["sizes"]
    codes = encodings(stats["values"], contract.encoding_mode)
    features = feature_columns(columns, codes)
    kept = classified.where("_reason IS NULL").selectExpr(
        "_label",
        "_split",
        *[f"_num_{i} AS {quoted(n)}" for i, n in enumerate(columns.numeric)],
        *[quoted(n) for n in columns.categorical],
    )
    lines = kept.selectExpr("_split", f"{csv_line(features, codes)} AS value")
    entries = [entry for entry, _ in features]
    # whole-stage generated code limits an aggregate query's width; without it, fewer
    # and wider queries plan faster
    per_query = MAX_AGGREGATES if fused and not wide(columns) else MAX_AGGREGATES_UNFUSED

    def write(code: int, name: str) -> None:
        part = lines.where(F.col("_split") == code).drop("_split")
        if name == "train" and request.train_files:
            # ShardedByS3Key deals objects to training instances: one or more per instance.
            part = part.repartition(request.train_files)
        # The rows are CSV text already (csv_line); appended: clear_output emptied the prefix.
        write_lines(part, spark_path(f"{output}{name}/"))

    train = kept.where(F.col("_split") == SPLITS.index("train")).selectExpr(
        *[f"{sql} AS {quoted(entry['name'])}" for entry, sql in features]
    )
    (feature_stats, histograms), *_ = concurrently(
        [
            lambda: train_stats(train, entries, sizes["train"], stats["cuts"], per_query),
            *[(lambda c=code, n=name: write(c, n)) for code, name in enumerate(SPLITS)],
        ]
    )
    uris: dict[str, str] = {}
    for name in SPLITS:
        tidy_channel(f"{output}{name}/")
        uris[f"{name}_uri"] = f"{output}{name}/"

    classes = stats["classes"]
    dropped = report.body["rows"]["dropped_by_reason"]
    baseline: dict[str, Any] = {
        "features": feature_stats,
        "null_rate": stats["null_rate"],
        # numeric columns in quantile bins: what a DriftCheck computes PSI against
        "histograms": histograms,
    }
    baseline.update(
        dataset=contract.name, rows=sizes, label_counts={str(k): v for k, v in classes.items()}
    )
    manifest = {
        "dataset": contract.name,
        "target": contract.target,
        "positive_label": list(contract.positive),
        "label_column": 0,
        "format": "text/csv; label first, no header",
        "features": [entry for entry, _ in features],
        "encodings": codes,
        # how the input is read: a drift check reads new batches of it the same way
        "input_format": {
            "delimiter": contract.delimiter,
            "quote": contract.quote,
            "encoding": contract.encoding,
            "decimal": contract.decimal,
            "category_case": contract.category_case,
            "missing_values": list(contract.missing_values),
        },
        "identifiers": list(contract.identifiers),
        "dropped_columns": list(contract.drop),
        "ignored_columns": list(columns.ignored),
        "split": {**fractions, "seed": seed, "method": "xxhash64 of the raw row's text by column"},
        "rows": {"input": stats["rows"], "dropped": dropped, **sizes},
    }
    manifest_uri, baseline_uri = f"{output}feature_manifest.json", f"{output}baseline.json"
    write_text(manifest_uri, dump(manifest))
    write_text(baseline_uri, dump(baseline))
    return {
        **uris,
        "feature_manifest_uri": manifest_uri,
        "baseline_uri": baseline_uri,
        "rows_input": str(stats["rows"]),
        "rows_dropped": str(sum(dropped.values())),
        **{f"rows_{s}": str(sizes[s]) for s in SPLITS},
    }


def one_line(exc: BaseException) -> str:
    """The first line of an error (Spark's carry a JVM stack trace after it). Of a JVM
    error through py4j ("An error occurred while calling o123.collectToPython.", then
    ": java.lang.OutOfMemoryError: ..."), the Java exception's line: the call's says
    nothing."""
    lines = str(exc).strip().splitlines() or [""]
    text = lines[0]
    if text.startswith("An error occurred while calling"):
        text = next((ln[1:].strip() for ln in lines[1:] if ln.startswith(":")), text)
    warm = _warm_spark()
    if "OutOfMemoryError" in text:
        local = warm.raise_heap() if warm is not None and warm.heap_cap() else None
        text += (
            f" (the Spark driver's heap is full: {local}; on Glue use more or larger workers)"
            if local
            else " (the Spark driver's heap is full: on the local target raise [target.local] "
            "warm_spark_memory in glue-wf.toml; on Glue use more or larger workers)"
        )
    reason = f"{type(exc).__name__}: {text}"[:380]
    hint = lost_spark_hint(exc)
    if hint and warm is not None:
        # the JVM went away: its log says whether it ran out of memory during this run
        # (Spark exits the JVM on an OutOfMemoryError in a task)
        oom = warm.out_of_memory_reason(reason)
        if oom is not None:
            return oom
    return reason + hint


def _warm_spark() -> Any:
    """The local runtime's warm Spark module (``awsglue._warm``); None on Glue."""
    try:
        from awsglue import _warm
    except ImportError:
        return None
    return _warm


def _stop_on_sigterm() -> None:
    """A stopped or timed-out run gets SIGTERM (then SIGKILL after a grace): raised as
    SystemExit in the main thread, so the run cancels its Spark work and removes what it
    wrote before it ends (main), instead of dying with half-written channels."""

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGTERM, stop)


def _run() -> None:
    _stop_on_sigterm()
    try:
        main(sys.argv)
    except PreprocessError as exc:
        # A data or argument problem: one clear line, no traceback.
        raise JobFailed(f"preprocess: {exc}") from None
    except JobFailed:
        raise
    except Exception as exc:  # Spark/JVM errors: the trace goes to the log only
        traceback.print_exc()
        raise JobFailed(f"preprocess: {one_line(exc)}") from None


if __name__ == "__main__":
    # run_job records the reason in the run property glue_wf_error_preprocess (Glue's own
    # job run message does not carry it), prints it and exits 1.
    run_job(_run)
