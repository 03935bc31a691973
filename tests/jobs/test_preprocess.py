"""jobs/preprocess.py: the Spark ETL on the shared churn data and on malformed inputs.

Spark runs share one session (in-process, as the runner's tests mode does); one run
goes through a subprocess with the local target's environment, as the engine runs it.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT / "jobs" / "preprocess.py"
REAL_AWSGLUE = os.environ.get("GLUE_WF_REAL_AWSGLUE") == "1"
local_only = pytest.mark.skipif(REAL_AWSGLUE, reason="uses the glue-wf local target")
SPLIT_NAMES = ("train", "validation", "test")
CHURN_CONTRACT = str(PROJECT / "jobs" / "datasets" / "churn.json")


@pytest.fixture(scope="module")
def preprocess() -> Any:
    spec = importlib.util.spec_from_file_location("preprocess_job", SCRIPT)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through it
    spec.loader.exec_module(module)
    return module


def run_job(spark: Any, args: dict[str, str]) -> Any:
    from glue_workflow.awsglue_local.runner import job_argv, run_in_process

    assert spark is not None
    args = {"--dataset_config_uri": CHURN_CONTRACT, **args}
    return run_in_process(job_argv(SCRIPT, args, job_name="churn-pipeline-preprocess"))


def read_csv_dir(path: Path) -> list[list[str]]:
    rows: list[list[str]] = []
    for part in sorted(path.glob("part-*")):
        with part.open() as handle:
            rows.extend(csv.reader(handle))
    return rows


def churn_rows(churn_csv: Path, n: int) -> tuple[list[str], list[list[str]]]:
    with churn_csv.open() as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, [row for _, row in zip(range(n), reader, strict=False)]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# -- no Spark ------------------------------------------------------------------------
def test_the_summary_says_an_empty_input_file_was_skipped(preprocess):
    report = preprocess.Report()
    report.body.update(
        decision="passed",
        rows={"read": 10, "dropped": 0},
        skipped_files=[
            {"uri": "s3://b/in/_SUCCESS", "why": "hidden or marker file (name starts with _ or .)"},
            {"uri": "s3://b/in/2024-03.csv", "why": "empty file"},
        ],
    )
    assert (
        report.summary()
        == "passed: 10 rows read, 0 dropped; skipped empty file s3://b/in/2024-03.csv"
    )
    report.body["skipped_files"].append({"uri": "s3://b/in/2024-04.csv", "why": "empty file"})
    assert report.summary().endswith("; skipped empty file s3://b/in/2024-03.csv and 1 more")


def test_split_fractions_are_validated(preprocess):
    ok = {
        "train_fraction": "0.8",
        "validation_fraction": "0.1",
        "test_fraction": "0.1",
        "split_seed": "7",
    }
    assert preprocess.split_settings(ok) == ({"train": 0.8, "validation": 0.1, "test": 0.1}, 7)
    with pytest.raises(preprocess.PreprocessError, match=r"must add up to 1, got 1\.1"):
        preprocess.split_settings({**ok, "train_fraction": "0.9"})
    with pytest.raises(preprocess.PreprocessError, match="--test_fraction must be between 0"):
        preprocess.split_settings({**ok, "test_fraction": "0", "train_fraction": "0.9"})
    with pytest.raises(preprocess.PreprocessError, match="--split_seed must be an integer"):
        preprocess.split_settings({**ok, "split_seed": "x"})


def test_a_contract_is_required(preprocess):
    with pytest.raises(
        preprocess.PreprocessError, match="no dataset contract: pass --dataset_config_uri"
    ):
        preprocess.load_config(None)


# -- Spark ---------------------------------------------------------------------------
@pytest.mark.spark
def test_churn_dataset_in_process(spark, churn_csv, tmp_path):
    out = tmp_path / "out"
    outcome = run_job(
        spark, {"--input_uri": f"file://{churn_csv}", "--output_uri": f"file://{out}/"}
    )
    assert outcome.succeeded, outcome.error
    manifest = json.loads((out / "feature_manifest.json").read_text())
    names = [f["name"] for f in manifest["features"]]
    assert "customerID" not in names
    assert "Day_Charge" not in names
    assert {"Int_l_Plan", "VMail_Plan", "State=PA", "Account_Length"} <= set(names)
    assert manifest["encodings"]["Int_l_Plan"] == {"type": "binary", "mapping": {"no": 0, "yes": 1}}
    # how a drift check reads new batches of the input
    assert manifest["input_format"] == {
        "delimiter": ",",
        "quote": '"',
        "encoding": "utf-8",
        "decimal": ".",
        "category_case": "exact",
        "missing_values": manifest["input_format"]["missing_values"],
    }
    assert "N/A" in manifest["input_format"]["missing_values"]
    sizes = {}
    for split in ("train", "validation", "test"):
        rows = read_csv_dir(out / split)
        sizes[split] = len(rows)
        assert all(len(r) == len(names) + 1 and r[0] in ("0", "1") for r in rows)
        assert not (out / split / "_SUCCESS").exists()
    assert sum(sizes.values()) == 5000
    assert 0.65 < sizes["train"] / 5000 < 0.75
    assert manifest["rows"] == {"input": 5000, "dropped": {}, **sizes}
    baseline = json.loads((out / "baseline.json").read_text())
    assert set(baseline["features"]) == set(names)
    assert baseline["features"]["Account_Length"]["min"] >= 1.0
    assert baseline["null_rate"]["State"] == 0.0
    # quantile-binned numeric histograms of the train split: a drift check's PSI baseline
    histogram = baseline["histograms"]["Account_Length"]
    assert histogram["edges"] == sorted(histogram["edges"])
    assert histogram["edges"][0] == baseline["features"]["Account_Length"]["min"]
    assert histogram["edges"][-1] == baseline["features"]["Account_Length"]["max"]
    assert len(histogram["counts"]) == len(histogram["edges"]) - 1 == 10
    assert sum(histogram["counts"]) == sizes["train"]
    assert max(histogram["counts"]) < 0.2 * sizes["train"]  # quantile bins: about a tenth each
    assert "State" not in baseline["histograms"]  # categorical: compared by its shares

    from glue_workflow.jobkit.drift_baseline import HISTOGRAM, load_baseline

    loaded, _notes = load_baseline(baseline, manifest)
    assert loaded["Account_Length"].method == HISTOGRAM


def test_large_inputs_take_the_deciles_from_a_sample_of_about_200k_rows(preprocess):
    import etl_features

    assert etl_features.quantile_sample(5_000) == 1.0
    assert etl_features.quantile_sample(200_000) == 1.0
    assert etl_features.quantile_sample(1_000_000) == 0.2
    assert etl_features.quantile_sample(0) == 1.0
    from etl_scan import ScannedFile

    def scanned(records: int, size: int, read: int) -> ScannedFile:
        return ScannedFile(
            uri="f", size=size, header=("a",), bom=False, crlf=False, records=records,
            multiline_records=0, blank_lines=0, complete=read == size, read_bytes=read,
        )  # fmt: skip

    whole, head = scanned(300, 1_000, 1_000), scanned(100, 4_000, 1_000)
    assert preprocess.estimated_rows([whole, head]) == 700


@pytest.mark.spark
def test_flags_packed_in_bit_masks_come_back_by_index(spark, preprocess):
    import etl_features

    width = 2 * etl_features.MASK_BITS + 5  # three longs, the last one partly used
    rows = [[(r * 7 + i) % (r + 2) == 0 for i in range(width)] for r in range(6)]
    rows[1][3] = None  # a null flag is unset
    frame = spark.createDataFrame(rows, [f"f{i}" for i in range(width)])
    masks = etl_features.bitmasks([f"f{i}" for i in range(width)], "_m")
    names = etl_features.mask_names("_m", width)
    assert names == ["_m0", "_m1", "_m2"]
    for row, got in zip(rows, frame.selectExpr(*masks).collect(), strict=True):
        assert all(0 <= got[n] < 2**etl_features.MASK_BITS for n in names)
        assert etl_features.set_bits([got[n] for n in names]) == [
            i for i, flag in enumerate(row) if flag
        ]
    assert etl_features.mask_names("_m", 0) == []
    assert etl_features.set_bits([None, 0]) == []


@pytest.mark.spark
def test_sampled_deciles_still_give_exact_histogram_counts(
    spark, churn_csv, tmp_path, monkeypatch, preprocess
):
    import etl_features

    def edges(out: Path) -> dict[str, list[float]]:
        baseline = json.loads((out / "baseline.json").read_text())
        manifest = json.loads((out / "feature_manifest.json").read_text())
        for histogram in baseline["histograms"].values():  # counts stay exact
            assert sum(histogram["counts"]) == manifest["rows"]["train"]
        return {c: h["edges"] for c, h in baseline["histograms"].items()}

    args = {"--input_uri": f"file://{churn_csv}"}
    assert run_job(spark, {**args, "--output_uri": f"file://{tmp_path}/all/"}).succeeded
    monkeypatch.setattr(etl_features, "QUANTILE_ROWS", 1_000)  # 5,000 rows: a 20% sample
    assert run_job(spark, {**args, "--output_uri": f"file://{tmp_path}/sampled/"}).succeeded
    full, sampled = edges(tmp_path / "all"), edges(tmp_path / "sampled")
    assert full.keys() == sampled.keys()
    assert full != sampled  # the cut points came from the sample
    for column, cuts in full.items():
        assert (cuts[0], cuts[-1]) == (sampled[column][0], sampled[column][-1])  # min, max
    for column in ("Account_Length", "Day_Mins", "Eve_Mins", "Night_Mins", "Intl_Mins"):
        # deciles of ~700 of 3,509 train rows, where values hardly tie: close
        cuts, span = full[column], full[column][-1] - full[column][0]
        assert len(cuts) == len(sampled[column]) == 11
        assert all(abs(a - b) <= 0.05 * span for a, b in zip(cuts, sampled[column], strict=True))


@pytest.mark.spark
def test_malformed_rows_are_dropped_counted_and_reported(spark, churn_csv, tmp_path, monkeypatch):
    header, rows = churn_rows(churn_csv, 100)
    col = {name: i for i, name in enumerate(header)}
    rows[0][col["Account_Length"]] = "abc"
    rows[1][col["Churn"]] = ""
    rows[2][col["Churn"]] = "maybe"
    rows[3][col["Day_Mins"]] = ""
    data = write_csv(tmp_path / "in" / "bad.csv", header, rows)
    calls: list[tuple[str, dict[str, Any]]] = []

    class FakeGlue:
        exceptions = SimpleNamespace(ConcurrentModificationException=RuntimeError)

        def get_workflow_run_properties(self, **kw):
            calls.append(("get", kw))
            return {"RunProperties": {"input_uri": f"file://{data}"}}

        def put_workflow_run_properties(self, **kw):
            calls.append(("put", kw))
            return {}

    import boto3

    real_client = boto3.client
    monkeypatch.setattr(
        boto3,
        "client",
        lambda service, *a, **k: FakeGlue() if service == "glue" else real_client(service, *a, **k),
    )
    out = tmp_path / "out"
    outcome = run_job(
        spark,
        {
            "--output_uri": f"file://{out}",
            "--WORKFLOW_NAME": "wf",
            "--WORKFLOW_RUN_ID": "wr_1",
            "--split_seed": "3",
        },
    )
    assert outcome.succeeded, outcome.error
    assert calls[0] == ("get", {"Name": "wf", "RunId": "wr_1"})
    put = calls[1][1]
    props = put["RunProperties"]
    assert (put["Name"], put["RunId"]) == ("wf", "wr_1")
    assert props["rows_input"] == "100"
    assert props["rows_dropped"] == "4"
    counts = [int(props[f"rows_{s}"]) for s in ("train", "validation", "test")]
    assert sum(counts) == 96
    assert all(counts)
    assert props["train_uri"] == f"file://{out}/train/"
    assert props["feature_manifest_uri"] == f"file://{out}/feature_manifest.json"
    manifest = json.loads((out / "feature_manifest.json").read_text())
    assert manifest["rows"]["dropped"] == {
        "missing_label": 1,
        "missing_value": 1,
        "unknown_label": 1,
        "non_numeric": 1,
    }
    assert props["data_quality"] == (
        "passed: 100 rows read, 4 dropped (non_numeric in 'Account_Length': 1 (e.g. 'abc'); "
        "missing_label in 'Churn': 1; unknown_label in 'Churn': 1 (e.g. 'maybe'); "
        "missing_value in 'Day_Mins': 1)"
    )
    assert props["data_quality_uri"] == f"file://{out}/data_quality.json"
    report = json.loads((out / "data_quality.json").read_text())
    assert report["decision"] == "passed"
    drops = {(d["reason"], d["column"]): (d["rows"], d["examples"]) for d in report["drops"]}
    assert drops[("non_numeric", "Account_Length")] == (1, ["abc"])
    assert drops[("unknown_label", "Churn")] == (1, ["maybe"])
    assert all(isinstance(v, str) for v in props.values())


@pytest.mark.spark
def test_custom_dataset_config_and_deterministic_split(spark, tmp_path):
    rows = [
        [str(i), f"{i * 0.5}", ["red", "green", "blue"][i % 3], "yes" if i % 2 else "no"]
        for i in range(120)
    ]
    data = write_csv(tmp_path / "d.csv", ["id", "x", "colour", "bought"], rows)
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "name": "toy",
                "target": "bought",
                "positive_label": "yes",
                "negative_label": "no",
                "categorical": ["colour"],
                "identifiers": ["id"],
                "categorical_encoding": "index",
            }
        )
    )
    outputs = []
    out = tmp_path / "out"
    for _ in range(2):  # the same output twice: replaced, not appended, and identical
        outcome = run_job(
            spark,
            {
                "--input_uri": str(data),
                "--output_uri": str(out),
                "--dataset_config_uri": f"file://{config}",
            },
        )
        assert outcome.succeeded, outcome.error
        outputs.append({s: sorted(map(tuple, read_csv_dir(out / s))) for s in SPLIT_NAMES})
    assert sum(len(rows) for rows in outputs[1].values()) == 120
    assert outputs[0] == outputs[1]
    manifest = json.loads((out / "feature_manifest.json").read_text())
    assert [f["name"] for f in manifest["features"]] == ["x", "colour"]
    assert manifest["encodings"]["colour"] == {
        "type": "index",
        "mapping": {"blue": 0, "green": 1, "red": 2},
    }


@pytest.mark.spark
@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing_columns", "input is missing required column(s) Churn, State"),
        ("header_only", "is empty (a header but no data rows)"),
        ("no_file", "in.csv: no such object or prefix; upload the CSV there (glue-wf upload-data"),
        ("empty_file", "in.csv is empty (no CSV files or no header) (skipped: "),
        ("single_class", "target column 'Churn' has a single class after cleaning (only label 1"),
    ],
)
def test_bad_inputs_fail_with_a_clear_message(spark, churn_csv, tmp_path, case, message):
    header, rows = churn_rows(churn_csv, 20)
    target = tmp_path / "in.csv"
    if case == "missing_columns":
        keep = [i for i, name in enumerate(header) if name not in ("Churn", "State")]
        write_csv(target, [header[i] for i in keep], [[r[i] for i in keep] for r in rows])
    elif case == "header_only":
        write_csv(target, header, [])
    elif case == "empty_file":
        target.write_bytes(b"")
    elif case == "single_class":
        churn = header.index("Churn")
        write_csv(target, header, [[*r[:churn], "True", *r[churn + 1 :]] for r in rows])
    outcome = run_job(
        spark, {"--input_uri": f"file://{target}", "--output_uri": f"file://{tmp_path}/out"}
    )
    assert outcome.exit_code == 1
    assert outcome.error.startswith("glue-wf job failed: preprocess: ")  # one line, no traceback
    assert message in outcome.error


def test_train_files_is_checked(preprocess):
    assert preprocess.file_count(None) is None
    assert preprocess.file_count("4") == 4
    with pytest.raises(preprocess.PreprocessError, match=r"--train_files='0' must be a whole"):
        preprocess.file_count("0")


@pytest.mark.spark
def test_train_split_is_written_as_train_files_objects(spark, churn_csv, tmp_path):
    out = tmp_path / "out"
    outcome = run_job(
        spark,
        {
            "--input_uri": f"file://{churn_csv}",
            "--output_uri": f"file://{out}/",
            "--train_files": "3",
        },
    )
    assert outcome.succeeded, outcome.error
    parts = sorted((out / "train").glob("part-*"))
    assert len(parts) == 3
    assert all(p.stat().st_size > 0 for p in parts)


@pytest.mark.spark
@local_only
def test_subprocess_run_like_the_engine_with_local_s3(churn_csv, tmp_path):
    from glue_workflow.awsglue_local.runner import job_argv, run_subprocess
    from glue_workflow.local.environment import job_environment

    home = tmp_path / "home"
    header, rows = churn_rows(churn_csv, 300)
    write_csv(home / "s3" / "data-bkt" / "raw" / "churn.csv", header, rows)
    (home / "s3" / "art-bkt").mkdir()  # the artifacts bucket a local deploy creates
    argv = job_argv(
        SCRIPT,
        {
            "--input_uri": "s3://data-bkt/raw/churn.csv",
            "--artifacts_bucket": "art-bkt",
            "--dataset_config_uri": CHURN_CONTRACT,
        },
        job_name="churn-pipeline-preprocess",
        job_run_id="jr_" + "a" * 64,
    )
    log = tmp_path / "job.log"
    outcome = run_subprocess(argv, env=job_environment(home), cwd=tmp_path, log_path=log)
    assert outcome.succeeded, log.read_text()[-3000:]
    # the schema carries the header's names: Spark's own header check has nothing to say
    assert "CSV header does not conform" not in log.read_text()
    out = (
        home
        / "s3"
        / "art-bkt"
        / "glue-wf"
        / "churn-pipeline-preprocess"
        / "runs"
        / ("jr_" + "a" * 64)
        / "preprocess"
    )
    assert sum(len(read_csv_dir(out / s)) for s in ("train", "validation", "test")) == 300
    assert json.loads((out / "feature_manifest.json").read_text())["rows"]["input"] == 300


@pytest.mark.spark
def test_reading_an_undeclared_run_property_fails_naming_it_and_the_node(spark):
    # The node's reads= (compiled into --glue_wf_contract) do not include input_uri.
    contract = {"node": "prep", "reads": [], "writes": ["train_uri"]}
    outcome = run_job(
        spark,
        {
            "--WORKFLOW_NAME": "churn-pipeline",
            "--WORKFLOW_RUN_ID": "wr_1",
            "--artifacts_bucket": "b",
            "--glue_wf_contract": json.dumps(contract),
        },
    )
    assert not outcome.succeeded
    assert outcome.error == (
        "glue-wf job failed: node 'prep' reads run property 'input_uri', which it does not "
        "declare: add 'input_uri' to reads= of node 'prep' in the workflow definition "
        "(declared reads: none)"
    )


@pytest.mark.spark
def test_concurrent_spark_actions_keep_the_job_group_and_raise_after_all_end(spark, preprocess):
    import etl_output

    sc = spark.sparkContext
    sc.setJobGroup("jr_concurrent", "a job run's group")
    ended: list[str] = []

    def count() -> tuple[str, int]:
        group = sc.getLocalProperty("spark.jobGroup.id")
        total = spark.range(20_000).count()
        ended.append("count")
        return group, total

    def fail() -> None:
        raise preprocess.PreprocessError("the second action failed")

    try:
        assert etl_output.concurrently([count, count]) == [("jr_concurrent", 20_000)] * 2
        ended.clear()
        with pytest.raises(preprocess.PreprocessError, match="the second action failed"):
            etl_output.concurrently([count, fail])
        assert ended == ["count"]  # the other action ran to its end before the error
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)
        sc.setLocalProperty("spark.job.description", None)
        sc.setLocalProperty("spark.job.interruptOnCancel", None)


def test_a_jvm_out_of_memory_error_says_what_to_raise(preprocess):
    error = RuntimeError(
        "An error occurred while calling o6767.collectToPython.\n: java.lang.OutOfMemoryError: "
        "Java heap space\n\tat java.base/java.util.HashMap.newNode(HashMap.java:1901)"
    )
    assert preprocess.one_line(error) == (
        "RuntimeError: java.lang.OutOfMemoryError: Java heap space (the Spark driver's heap is "
        "full: on the local target raise [target.local] warm_spark_memory in glue-wf.toml; "
        "on Glue use more or larger workers)"
    )
    assert preprocess.one_line(ValueError("plain")) == "ValueError: plain"


@pytest.mark.spark
def test_an_input_replaced_while_the_job_reads_it_fails_the_job(
    spark, churn_csv, tmp_path, monkeypatch
):
    """An upload during the run (Spark then reads a mix, or a cut-off copy of the new
    file): the job fails, naming the file, and keeps no split."""
    import etl_output

    header, rows = churn_rows(churn_csv, 400)
    data = write_csv(tmp_path / "in" / "churn.csv", header, rows[:300])
    tidy, sizes = etl_output.tidy_channel, [data.stat().st_size]

    def upload_meanwhile(uri: str) -> int:
        if len(sizes) == 1:  # a bigger file under the same name
            sizes.append(write_csv(data, header, rows).stat().st_size)
        return tidy(uri)

    monkeypatch.setattr(etl_output, "tidy_channel", upload_meanwhile)
    out = tmp_path / "out"
    outcome = run_job(spark, {"--input_uri": str(data), "--output_uri": str(out)})
    assert outcome.exit_code == 1
    assert outcome.error.endswith(
        f"input {data} changed while the job read it: {data} was replaced ({sizes[0]} -> "
        f"{sizes[1]} bytes); the splits could mix old and new rows or hold a "
        "cut-off copy, so none was kept: run again once the upload has finished"
    )
    assert sorted(p.name for p in out.iterdir()) == ["data_quality.json"]


def sensor_table(tmp_path: Path, numeric: int, count: int) -> tuple[dict[str, str], list[Any]]:
    """A table of ``numeric`` sensor columns, a categorical one and an id; every 50th
    row has one value "NA" (dropped as missing). The job's arguments and the rows."""
    names = [f"s{i:03d}" for i in range(numeric)]
    header = ["unit", "site", *names, "failure"]
    rows = []
    for r in range(count):
        values = [f"{r + i / 1000:g}" for i in range(numeric)]  # one row's, its own
        if r % 50 == 1:
            values[r % numeric] = "NA"
        rows.append([f"u{r}", "ab"[r % 2], *values, str(int(values[0] != "NA" and r % 3 == 0))])
    data = write_csv(tmp_path / "in" / "sensors.csv", header, rows)
    config = tmp_path / "sensors.json"
    config.write_text(
        json.dumps(
            {
                "target": "failure",
                "positive_label": "1",
                "negative_label": "0",
                "identifiers": ["unit"],
                "categorical": ["site"],
                "min_rows": 5,
            }
        )
    )
    args = {"--input_uri": str(data), "--output_uri": str(tmp_path / "out")}
    return {**args, "--dataset_config_uri": str(config)}, rows


def compiled_classes(spark: Any) -> int:
    """How many classes Spark has generated and compiled in this JVM."""
    metrics = spark.sparkContext._jvm.org.apache.spark.metrics.source.CodegenMetrics
    return int(metrics.METRIC_COMPILATION_TIME().getCount())


@pytest.mark.spark
@pytest.mark.parametrize("numeric", [150, 220])
def test_wide_inputs_are_read_encoded_and_described(spark, preprocess, tmp_path, numeric):
    """Inputs past Spark's 100 fields for generated code: up to 200 features the job
    raises the limit (preprocess.WIDE_COLUMNS), past it each step is generated alone.
    Past preprocess.SMALL_ROWS rows, so that the job generates code."""
    args, rows = sensor_table(tmp_path, numeric, preprocess.SMALL_ROWS + 1)
    names = [f"s{i:03d}" for i in range(numeric)]
    compiled = compiled_classes(spark)
    outcome = run_job(spark, args)
    assert outcome.succeeded, outcome.error
    assert compiled_classes(spark) > compiled
    out = tmp_path / "out"
    manifest = json.loads((out / "feature_manifest.json").read_text())
    assert [f["name"] for f in manifest["features"]] == [*names, "site=a", "site=b"]
    report = json.loads((out / "data_quality.json").read_text())
    missing = sum(1 for row in rows if "NA" in row)
    assert report["rows"]["dropped"] == missing == (len(rows) + 48) // 50
    assert {d["examples"][0] for d in report["drops"]} == {"NA"}
    written = [r for s in ("train", "validation", "test") for r in read_csv_dir(out / s)]
    assert len(written) == len(rows) - missing
    by_values = {tuple(r[2:-1]): r for r in rows}
    for line in written:  # label, the numeric values as read, then site one-hot
        source = by_values[tuple(f"{float(v):g}" for v in line[1 : numeric + 1])]
        assert line[0] == source[-1]
        assert line[numeric + 1 :] == (["1", "0"] if source[1] == "a" else ["0", "1"])
    baseline = json.loads((out / "baseline.json").read_text())
    assert len(baseline["features"]) == numeric + 2


@pytest.mark.spark
@pytest.mark.parametrize("small", [True, False])
def test_small_inputs_run_interpreted_and_planned_once(
    spark, preprocess, tmp_path, monkeypatch, small
):
    """Up to preprocess.SMALL_ROWS rows (the scan's estimate) the job's queries run
    without generated code and without adaptive re-planning; past it, as Spark does."""
    import etl_features

    count = preprocess.SMALL_ROWS + (0 if small else 1)
    args, rows = sensor_table(tmp_path, 3, count)
    profile, seen = etl_features.profile, {}

    def watched(classified: Any, *rest: Any) -> Any:
        conf = classified.sparkSession.conf
        seen.update({key: conf.get(key) for key in preprocess.SMALL_INPUT_SETTINGS})
        return profile(classified, *rest)

    monkeypatch.setattr(etl_features, "profile", watched)
    outcome = run_job(spark, args)
    assert outcome.succeeded, outcome.error
    assert (seen == preprocess.SMALL_INPUT_SETTINGS) is small
    assert seen["spark.sql.adaptive.enabled"] == ("false" if small else "true")
    written = sum(len(read_csv_dir(tmp_path / "out" / s)) for s in SPLIT_NAMES)
    assert written == len(rows) - (count + 48) // 50
