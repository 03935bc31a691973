"""glue-wf sample-data: seeded churn-schema CSV with a learnable signal."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from churndata import SHARED_CSV as CHURN_CSV
from click.testing import CliRunner

from glue_workflow.demo import sample_data
from glue_workflow.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    assert sample_data.to_bytes(200, 7) == sample_data.to_bytes(200, 7)
    assert sample_data.to_bytes(200, 7) != sample_data.to_bytes(200, 8)


def test_schema_matches_the_churn_dataset() -> None:
    header = sample_data.to_bytes(1, 1).decode().splitlines()[0].split(",")
    assert tuple(header) == sample_data.COLUMNS
    if CHURN_CSV.is_file():
        assert header == CHURN_CSV.read_text().splitlines()[0].split(",")


def test_values_are_well_formed_and_both_classes_present() -> None:
    rows = rows_of(sample_data.to_bytes(2000, 3))
    assert len(rows) == 2000
    assert {r["Churn"] for r in rows} == {"True", "False"}
    positives = sum(r["Churn"] == "True" for r in rows) / len(rows)
    assert 0.25 < positives < 0.6
    assert {r["Int_l_Plan"] for r in rows} <= {"yes", "no"}
    assert len({r["customerID"] for r in rows}) == 2000
    for row in rows[:50]:
        float(row["Day_Mins"])
        int(row["CustServ_Calls"])
        assert row["State"] in sample_data.STATES


def test_the_signal_is_learnable() -> None:
    np = pytest.importorskip("numpy")
    xgb = pytest.importorskip("xgboost")
    rows = rows_of(sample_data.to_bytes(3000, 42))
    names = [
        "Day_Mins",
        "Eve_Mins",
        "Night_Calls",
        "VMail_Message",
        "sentiment",
        "pastSenti_neg",
        "mth_remain",
    ]
    x = np.array([[float(r[n]) for n in names] for r in rows])
    y = np.array([r["Churn"] == "True" for r in rows], dtype=float)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 4, "eta": 0.3, "nthread": 1},
        xgb.DMatrix(x[:2500], label=y[:2500]),
        num_boost_round=30,
    )
    accuracy = float(((booster.predict(xgb.DMatrix(x[2500:])) >= 0.5) == y[2500:]).mean())
    assert accuracy >= 0.92


def test_rows_out_of_range_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"--rows must be between 1 and 100,000,000, got 0"):
        sample_data.to_bytes(0, 1)


def test_cli_writes_a_local_file(tmp_path: Path) -> None:
    from glue_workflow.cli import cli

    out = tmp_path / "sub" / "churn.csv"
    result = CliRunner().invoke(
        cli,
        [
            "sample-data",
            "--rows",
            "25",
            "--seed",
            "3",
            "--out",
            str(out),
            "--project",
            str(PROJECT_ROOT),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote 25 rows to {out}"
    assert out.read_bytes() == sample_data.to_bytes(25, 3)


def test_cli_writes_to_the_local_s3_at_the_default_input_uri(
    local_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glue_workflow.cli import cli

    monkeypatch.setenv("GLUE_WF_HOME", str(local_home))
    result = CliRunner().invoke(
        cli, ["sample-data", "--rows", "10", "--project", str(PROJECT_ROOT)]
    )
    assert result.exit_code == 0, result.output
    assert "s3://glue-wf-local/data/churn.csv (local target)" in result.output
    stored = local_home / "s3" / "glue-wf-local" / "data" / "churn.csv"
    assert stored.read_bytes() == sample_data.to_bytes(10, 42)


def test_s3_out_must_name_an_object(local_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from glue_workflow.cli import cli

    monkeypatch.setenv("GLUE_WF_HOME", str(local_home))
    result = CliRunner().invoke(
        cli, ["sample-data", "--out", "s3://bucket-only/", "--project", str(PROJECT_ROOT)]
    )
    assert result.exit_code != 0
    assert "--out 's3://bucket-only/' must be s3://BUCKET/KEY naming an object" in str(
        result.exception
    )


def test_upload_data_copies_a_file_to_the_local_s3(
    local_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    from glue_workflow.cli import cli

    monkeypatch.setenv("GLUE_WF_HOME", str(local_home))
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="my-data")
    source = tmp_path / "other.csv"
    source.write_text("a,b\n1,2\n")
    result = CliRunner().invoke(
        cli,
        [
            "upload-data",
            str(source),
            "--to",
            "s3://my-data/in/other.csv",
            "--project",
            str(PROJECT_ROOT),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"uploaded {source} to s3://my-data/in/other.csv (local target)"
    )
    assert (local_home / "s3" / "my-data" / "in" / "other.csv").read_text() == "a,b\n1,2\n"
    bad = CliRunner().invoke(
        cli, ["upload-data", str(source), "--to", "my-data/x.csv", "--project", str(PROJECT_ROOT)]
    )
    assert "--to 'my-data/x.csv' must be s3://BUCKET/KEY naming an object" in str(bad.exception)


def test_upload_data_defaults_to_the_definition_s_input_uri(
    local_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glue_workflow.cli import cli
    from glue_workflow.scaffold import init_project

    monkeypatch.setenv("GLUE_WF_HOME", str(local_home))
    project = init_project(tmp_path / "loans", "ml").root
    definition = project / "triggers" / "pipeline.py"
    text = definition.read_text()
    assert '"input_uri": "s3://{bucket}/data/churn.csv"' in text
    definition.write_text(text.replace("data/churn.csv", "{workflow}/loans.csv"))
    source = tmp_path / "loans.csv"
    source.write_text("a,b\n1,2\n")
    result = CliRunner().invoke(cli, ["upload-data", str(source), "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"uploaded {source} to s3://glue-wf-local/loans/loans.csv (local target)"
    )
    assert (local_home / "s3" / "glue-wf-local" / "loans" / "loans.csv").is_file()
    # a definition that does not load says so instead of picking another location
    definition.write_text("raise RuntimeError('half-edited')\n")
    broken = CliRunner().invoke(cli, ["upload-data", str(source), "--project", str(project)])
    assert broken.exit_code != 0
    assert "half-edited" in str(broken.exception) + broken.output


def test_upload_data_keeps_a_compressed_file_readable_by_its_name(
    local_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spark picks the decompressor by the object's name: a .gz file under a .csv key
    would be read as text."""
    import gzip

    import boto3

    from glue_workflow.cli import cli

    monkeypatch.setenv("GLUE_WF_HOME", str(local_home))
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="my-data")
    packed = tmp_path / "other.csv.gz"
    packed.write_bytes(gzip.compress(b"a,b\n1,2\n"))
    plain = tmp_path / "other.csv"
    plain.write_text("a,b\n1,2\n")

    def upload(source: Path, uri: str) -> Any:
        return CliRunner().invoke(
            cli, ["upload-data", str(source), "--to", uri, "--project", str(PROJECT_ROOT)]
        )

    misnamed = upload(packed, "s3://my-data/in/other.csv")
    assert misnamed.exit_code != 0
    assert str(misnamed.exception) == (
        f"{packed} is gzip-compressed but s3://my-data/in/other.csv does not end in .gz: "
        "Spark picks the decompressor by the object's name and would read the bytes as "
        "text; pass --to s3://my-data/in/other.csv.gz (and run with -p "
        "input_uri=s3://my-data/in/other.csv.gz)"
    )
    not_packed = upload(plain, "s3://my-data/in/other.csv.gz")
    assert str(not_packed.exception) == (
        f"s3://my-data/in/other.csv.gz ends in .gz but {plain} is not gzip-compressed: "
        "Spark would fail to decompress it; compress it first or drop .gz from --to"
    )
    assert "Contents" not in s3.list_objects_v2(Bucket="my-data")  # nothing written
    assert upload(packed, "s3://my-data/in/other.csv.gz").exit_code == 0
    head = s3.head_object(Bucket="my-data", Key="in/other.csv.gz")
    assert head["ContentType"] == "application/gzip"
