"""The drift check: PSI and missing-rate change against the training baseline, the
node in the model, its compiled job and its contract in validation."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from drift_data import MANIFEST, SHIFTED_STATES, baseline, rows, to_csv

from glue_workflow.compiler import compile_workflow
from glue_workflow.errors import DefinitionError
from glue_workflow.jobkit.drift import evaluate, properties, psi, read_csv
from glue_workflow.jobkit.drift_baseline import (
    BINARY,
    HISTOGRAM,
    NORMAL_FIT,
    ONE_HOT,
    load_baseline,
)
from glue_workflow.jobkit.errors import JobInputError
from glue_workflow.model import (
    DRIFT_SCRIPT,
    DriftCheck,
    PythonShellJob,
    Workflow,
    failed,
    succeeded,
)
from glue_workflow.validation import validate

TRAINING = rows(3000, seed=1)


def check(batch: list[list[str]], *, histograms: bool = False, **kw: Any) -> dict[str, Any]:
    baselines, notes = load_baseline(baseline(TRAINING, histograms=histograms), MANIFEST)
    assert notes == []
    header, body = read_csv(to_csv(batch), "s3://b/batch.csv")
    return evaluate(baselines, header, body, **kw)


def by_feature(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["feature"]: e for e in report["features"]}


def test_psi_of_identical_shares_is_zero_and_grows_with_shift() -> None:
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0.0
    assert psi([0.5, 0.3, 0.2], [0.1, 0.3, 0.6]) == pytest.approx(
        (0.1 - 0.5) * -1.6094379 + (0.6 - 0.2) * 1.0986123, rel=1e-6
    )


def test_baseline_methods_from_preprocess_output() -> None:
    baselines, _ = load_baseline(baseline(TRAINING), MANIFEST)
    assert {k: v.method for k, v in baselines.items()} == {
        "Account_Length": NORMAL_FIT,
        "Day_Mins": NORMAL_FIT,
        "State": ONE_HOT,
        "VMail_Plan": BINARY,
    }
    with_hist, _ = load_baseline(baseline(TRAINING, histograms=True), MANIFEST)
    assert with_hist["Account_Length"].method == HISTOGRAM


@pytest.mark.parametrize("histograms", [False, True])
def test_stable_batch_passes(histograms: bool) -> None:
    report = check(rows(1500, seed=2), histograms=histograms)
    assert report["decision"] == "passed", report["reason"]
    assert report["drifted"] == []
    assert all(e["psi"] < 0.05 for e in report["features"]), report["reason"]
    assert report["reason"].startswith("passed: 4 features within psi 0.2 (max ")


@pytest.mark.parametrize("histograms", [False, True])
def test_shifted_batch_fails_naming_features_and_psi(histograms: bool) -> None:
    report = check(
        rows(1500, seed=3, length_mean=130, states=SHIFTED_STATES), histograms=histograms
    )
    assert report["decision"] == "drifted"
    assert report["drifted"] == ["Account_Length", "State"]
    found = by_feature(report)
    assert found["Account_Length"]["psi"] > 0.5
    assert found["State"]["psi"] > 0.5
    assert found["Day_Mins"]["drifted"] is False
    reason = report["reason"]
    assert reason.startswith("drifted: Account_Length psi ")
    assert "; State psi {:.4f} > 0.2".format(found["State"]["psi"]) in reason
    assert report["max_psi_feature"] in ("Account_Length", "State")


def test_missing_rate_increase_is_drift() -> None:
    report = check(rows(1500, seed=4, missing_minutes=0.4))
    entry = by_feature(report)["Day_Mins"]
    assert entry["drifted"] is True
    assert report["drifted"] == ["Day_Mins"]
    assert "Day_Mins missing rate 0.0000 -> 0.4" in report["reason"]
    assert "> 0.1)" in report["reason"]


def test_features_limit_the_check_and_unknown_ones_are_named() -> None:
    report = check(rows(500, seed=3, states=SHIFTED_STATES), features=["Account_Length"])
    assert [e["feature"] for e in report["features"]] == ["Account_Length"]
    assert report["decision"] == "passed"
    with pytest.raises(JobInputError, match=r"feature\(s\) 'Stat' not in the baseline"):
        check(rows(10, seed=3), features=["Stat"])


def test_batch_missing_a_column_is_an_input_error() -> None:
    baselines, _ = load_baseline(baseline(TRAINING), MANIFEST)
    header, body = read_csv(b"Account_Length,Day_Mins\n1,2\n", "s3://b/x.csv")
    with pytest.raises(JobInputError) as info:
        evaluate(baselines, header, body)
    assert str(info.value) == (
        "the batch has no column(s) 'State', 'VMail_Plan' (its header: Account_Length, "
        "Day_Mins): the batch must have the training data's columns"
    )
    other, rest = read_csv(b"age,income\n41,52000\n", "s3://b/loans.csv")
    with pytest.raises(JobInputError) as unrelated:  # a baseline of another dataset
        evaluate(baselines, other, rest, baseline="baseline s3://b/base.json (dataset churn)")
    assert str(unrelated.value).startswith(
        "the batch shares no column with baseline s3://b/base.json (dataset churn) (its "
        "features: Account_Length, Day_Mins, State, VMail_Plan; the batch's header: age, "
        "income): one of them is of another dataset; point baseline= at the baseline.json "
        "the preprocess node wrote for this data"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "batch s3://b/x.csv is empty (no header row)"),
        (b"a,b\n", "batch s3://b/x.csv has a header but no data rows"),
        (b"a,b\n1,2\n1,2,3\n", "batch s3://b/x.csv line 3 has 3 fields, the header has 2"),
        (b"a\n\xff\n", "batch s3://b/x.csv is not UTF-8 (byte 2: b'\\xff')"),
    ],
)
def test_unreadable_batches(data: bytes, message: str) -> None:
    def read_all() -> None:
        _, body = read_csv(data, "s3://b/x.csv")
        list(body)

    with pytest.raises(JobInputError, match=re.escape(message)):
        read_all()


def test_bom_crlf_and_quoted_fields() -> None:
    header, body = read_csv(b'\xef\xbb\xbfa,b\r\n"x, y","1\n2"\r\n', "s3://b/x.csv")
    assert header == ["a", "b"]
    assert list(body) == [["x, y", "1\n2"]]


def test_a_batch_is_read_in_the_training_input_format() -> None:
    # preprocess records the input's format in feature_manifest.json (input_format)
    fmt = {"delimiter": ";", "quote": "'", "encoding": "windows-1252"}
    data = "age;city\n41;'Qu\u00e9bec; QC'\n".encode("windows-1252")
    header, body = read_csv(data, "s3://b/x.csv", fmt)
    assert header == ["age", "city"]
    assert list(body) == [["41", "Qu\u00e9bec; QC"]]
    with pytest.raises(JobInputError, match=r"line 2 has 1 fields, .*\(semicolon expected, as"):
        list(read_csv(b"a;b\n1,2\n", "s3://b/x.csv", {"delimiter": ";"})[1])


def test_properties_summarise_the_report() -> None:
    report = check(rows(800, seed=3, length_mean=130, states=SHIFTED_STATES))
    props = properties("d", report, "s3://b/r.json")
    assert props["drift_d_decision"] == "drifted"
    assert props["drift_d_drifted"] == "Account_Length,State"
    assert props["drift_d_report_uri"] == "s3://b/r.json"
    assert float(props["drift_d_max_psi"]) > 0.5
    per_feature = json.loads(props["drift_d_psi"])
    assert sorted(per_feature) == ["Account_Length", "Day_Mins", "State", "VMail_Plan"]
    assert per_feature["State"] == round(by_feature(report)["State"]["psi"], 4)
    json.dumps(report)  # the report is plain JSON


# -- the node --------------------------------------------------------------------------


def test_drift_check_compiles_to_the_packaged_job() -> None:
    node = DriftCheck(name="drift", max_psi=0.25, features=["State"])
    job = node.as_job()
    assert job.script == DRIFT_SCRIPT == "glue_workflow/scripts/drift_check.py"
    assert job.reads == ("baseline_uri", "input_uri")
    assert job.writes == (
        "drift_drift_decision",
        "drift_drift_reason",
        "drift_drift_max_psi",
        "drift_drift_max_psi_feature",
        "drift_drift_drifted",
        "drift_drift_psi",
        "drift_drift_report_uri",
    )
    assert dict(job.arguments) == {
        "--drift_baseline": "property:baseline_uri",
        "--drift_batch": "property:input_uri",
        "--drift_features": '["State"]',
        "--drift_max_missing_increase": "0.1",
        "--drift_max_psi": "0.25",
        "--drift_name": "drift",
    }
    assert job.context_arguments == ("artifacts_bucket",)
    assert job.library_set == "none"


def test_uri_sources_are_not_reads() -> None:
    node = DriftCheck(name="d", baseline="s3://{bucket}/models/baseline.json", batch="batch_uri")
    assert node.reads == ("batch_uri",)
    assert node.as_job().arguments["--drift_baseline"] == "s3://{bucket}/models/baseline.json"


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        (
            {"max_psi": 0},
            "DriftCheck 'd': max_psi must be > 0 and <= 10, got 0 [max_psi-range]",
        ),
        (
            {"baseline": "file:///tmp/b.json"},
            "DriftCheck 'd': baseline='file:///tmp/b.json' must be a run property name holding "
            "the URI (e.g. 'baseline_uri') or an s3:// URI [drift-baseline]",
        ),
        (
            {"features": "State"},
            "DriftCheck 'd': features must be a list of strings, got the string 'State': "
            "write ('State',) with its comma, or ['State'] [list]",
        ),
        (
            {"max_missing_increase": 2},
            "DriftCheck 'd': max_missing_increase must be > 0 and <= 1, got 2 "
            "[max_missing_increase-range]",
        ),
    ],
)
def test_bad_drift_checks_are_refused(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(DefinitionError) as info:
        DriftCheck(name="d", **kw)
    assert str(info.value) == message


def scoring(**kw: Any) -> Workflow:
    drift = DriftCheck(name="drift", **kw)
    score = PythonShellJob(
        name="score", script="jobs/score.py", after=succeeded(drift), reads=("input_uri",)
    )
    alert = PythonShellJob(
        name="alert", script="jobs/alert.py", after=failed(drift), reads=("drift_drift_reason",)
    )
    return Workflow(
        name="scoring",
        max_concurrent_runs=1,
        nodes=(drift, score, alert),
        start_parameters=("input_uri",),
        default_run_properties={"baseline_uri": "s3://{bucket}/models/baseline.json"},
    )


def test_workflow_with_a_drift_check_validates_and_compiles(fixed_context: Any) -> None:
    workflow = scoring()
    assert [p for p in validate(workflow) if p.severity == "error"] == []
    document = compile_workflow(workflow, fixed_context(workflow))
    job = next(j for j in document.jobs if j["Name"] == "scoring-drift")
    assert job["Command"]["Name"] == "pythonshell"
    assert job["Command"]["ScriptLocation"].endswith("/drift_check.py")
    assert job["DefaultArguments"]["--artifacts_bucket"] == "example-bucket"
    assert "glue_wf_jobkit" in job["DefaultArguments"]["--extra-py-files"]


def test_a_failed_branch_may_read_the_decision_but_not_the_psi_figures() -> None:
    """After an error (could not compare) only the decision and reason exist."""
    drift = DriftCheck(name="drift")
    alert = PythonShellJob(
        name="alert",
        script="jobs/alert.py",
        after=failed(drift),
        reads=("drift_drift_reason", "drift_drift_max_psi"),
    )
    workflow = Workflow(
        name="scoring",
        max_concurrent_runs=1,
        nodes=(drift, alert),
        start_parameters=("input_uri",),
        default_run_properties={"baseline_uri": "s3://{bucket}/models/baseline.json"},
    )
    errors = [str(p) for p in validate(workflow) if p.severity == "error"]
    assert len(errors) == 1
    assert errors[0].startswith(
        "node 'alert': reads run property 'drift_drift_max_psi', which only node 'drift' "
        "writes, but runs when 'drift' ended FAILED"
    )


def test_drift_reads_are_in_the_contract() -> None:
    workflow = Workflow(
        name="scoring",
        max_concurrent_runs=1,
        nodes=(DriftCheck(name="drift"),),
    )
    rules = sorted({p.message.split(" but ")[0] for p in validate(workflow)})
    assert rules == ["reads run property 'baseline_uri'", "reads run property 'input_uri'"]


def test_two_drift_checks_need_their_own_decision() -> None:
    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        start_parameters=("input_uri", "baseline_uri"),
        nodes=(DriftCheck(name="a", decision="x"), DriftCheck(name="b", decision="x")),
    )
    assert [str(p) for p in validate(workflow) if p.rule == "gate-decision"] == [
        "node 'b': writes 'drift_x_decision', which node 'a' records too: drift check "
        "decisions must have one writer; give each drift check its own decision= "
        "[gate-decision]"
    ]


def _python39() -> str | None:
    """A real Python 3.9 interpreter, as Glue's Python shell runs (pyenv shims skipped)."""
    import glob
    import os

    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.9*/bin/python3.9")))
    for candidate in [*found, "/usr/bin/python3.9", "/usr/local/bin/python3.9"]:
        if os.path.isfile(candidate):
            return candidate
    return None


@pytest.mark.skipif(_python39() is None, reason="no Python 3.9 interpreter")
def test_drift_job_code_runs_on_python_39(tmp_path: Any) -> None:
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    (tmp_path / "baseline.json").write_text(json.dumps(baseline(TRAINING)))
    (tmp_path / "batch.csv").write_bytes(to_csv(rows(400, seed=3, states=SHIFTED_STATES)))
    code = (
        "import json, py_compile\n"
        "py_compile.compile('glue_workflow/scripts/drift_check.py', doraise=True, "
        f"cfile={str(tmp_path / 'drift_check.pyc')!r})\n"
        "from glue_workflow.jobkit.drift import evaluate, read_csv\n"
        "from glue_workflow.jobkit.drift_baseline import load_baseline\n"
        f"base, _ = load_baseline(json.load(open({str(tmp_path / 'baseline.json')!r})), "
        f"{MANIFEST!r})\n"
        f"header, body = read_csv(open({str(tmp_path / 'batch.csv')!r}, 'rb').read(), 'b')\n"
        "print(evaluate(base, header, body)['drifted'])\n"
    )
    done = subprocess.run(
        [str(_python39()), "-c", code],
        cwd=root,
        env={"PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['State']"


def test_documented_scoring_workflow_validates() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "definition.md").read_text()
    section = doc[doc.index("### In a scheduled scoring or retraining workflow") :]
    code = section[section.index("```python\n") + len("```python\n") :]
    namespace: dict[str, Any] = {}
    exec(code[: code.index("```")], namespace)  # the documented example
    workflow = namespace["workflow"]
    assert isinstance(workflow.node("drift"), DriftCheck)
    assert validate(workflow) == []


def test_batch_values_are_read_as_preprocess_encoded_them() -> None:
    from glue_workflow.jobkit.drift_scan import converted

    header = ["age", "State"]
    rows = iter([["41,5", "VA"], ["7", "Va"]])
    assert list(converted(header, rows, {"State": str.lower})) == [["41,5", "va"], ["7", "va"]]


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [
        ("41,5", ",", 41.5),
        ("33.107", ",", None),  # a thousands dot under decimal commas: the job drops it
        ("73.058,00", ",", None),
        ("73058.00", ",", None),
        ("1_000", ".", None),
        ("1e39", ".", None),  # past float32: non_finite in the job
        ("-2.5e3", ".", -2500.0),
        ("inf", ".", None),
        ("12.", ".", 12.0),
        (".5", ".", 0.5),
        ("1.2.3", ".", None),
    ],
)
def test_numbers_are_parsed_as_the_job_parses_them(
    text: str, decimal: str, value: float | None
) -> None:
    from glue_workflow.jobkit.numbers import parse_number

    assert parse_number(text, decimal) == value


def test_a_long_run_of_digits_is_refused_at_once() -> None:
    # One way to match a run of digits: the former pattern backtracked quadratically on
    # it (16 s at 20,000 digits; these would take minutes), as Spark's regex did.
    from glue_workflow.jobkit.numbers import parse_number

    assert parse_number("9" * 60_000 + "x") is None
    assert parse_number("9" * 60_000 + ",5x", ",") is None


def test_number_patterns_are_the_etls() -> None:
    import etl_contract

    from glue_workflow.jobkit import numbers

    assert numbers.NUMBER_PATTERN == etl_contract.NUMBER_PATTERN
    assert numbers.COMMA_NUMBER_PATTERN == etl_contract.COMMA_NUMBER_PATTERN
    assert numbers.FLOAT32_MAX == __import__("etl_quality").FLOAT32_MAX


def test_a_batch_in_another_delimiter_says_so() -> None:
    with pytest.raises(JobInputError) as caught:
        read_csv(b"age,city\n41,x\n", "s3://b/x.csv", {"delimiter": ";"})
    assert str(caught.value) == (
        "batch s3://b/x.csv's header is one column with the training input's delimiter "
        "(semicolon) but 2 with comma: write the batch as the training input is "
        "(semicolon-separated)"
    )


def test_compressed_batches_are_read_by_their_name() -> None:
    """As the ETL reads its input: .gz and .bz2 objects decompressed, others as text."""
    import bz2
    import gzip
    import io

    from glue_workflow.jobkit import JobInputError
    from glue_workflow.scripts import drift_check

    text = b"a,b\n1,2\n"
    objects = {
        "b/x.csv.gz": gzip.compress(text),
        "b/y.csv.bz2": bz2.compress(text),
        "b/z.csv": text,
        "b/bad.csv.gz": text,
    }

    class S3:
        def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
            return {"Body": io.BytesIO(objects[Key])}

    for key in ("b/x.csv.gz", "b/y.csv.bz2", "b/z.csv"):
        assert drift_check._object(S3(), "bkt", key, "batch") == text
    with pytest.raises(JobInputError) as info:
        drift_check._object(S3(), "bkt", "b/bad.csv.gz", "batch")
    assert str(info.value) == (
        "batch s3://bkt/b/bad.csv.gz cannot be decompressed (Not a gzipped file (b'a,')): "
        "compress it again and upload it"
    )
