"""Training data read as the SageMaker XGBoost container reads it (data_utils.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from glue_workflow.local.sagemaker import channels, xgb_input
from glue_workflow.local.sagemaker.channels import Channel, ChannelError

GOOD = "1,0.5,2\n0,1.5,3\n1,2.5,1\n"
NO_DELIMITER = "Could not determine delimiter on line {}:\nCould not determine delimiter"


def _channel(
    tmp_path: Path, name: str, files: dict[str, str], content_type: str = "text/csv"
) -> Channel:
    data = tmp_path / "s3" / name
    objects = []
    for relative, text in files.items():
        path = data / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        objects.append((relative, path))
    return Channel(
        name=name,
        uri=f"s3://b/{name}/",
        content_type=content_type,
        objects=tuple(sorted(objects)),
    )


def _read(
    tmp_path: Path, train: dict[str, str], valid: dict[str, str] | None = None, **kw: Any
) -> Any:
    content_type = kw.pop("content_type", "text/csv")
    base = Path(tempfile.mkdtemp(dir=tmp_path))  # one S3 stand-in per read
    scratch = base / "scratch"
    scratch.mkdir()
    return xgb_input.read(
        _channel(base, "train", train, content_type),
        _channel(base, "validation", valid, content_type) if valid is not None else None,
        scratch,
        csv_weights=kw.pop("csv_weights", False),
    )


def _refused(tmp_path: Path, train: dict[str, str], **kw: Any) -> str:
    with pytest.raises(ChannelError) as caught:
        _read(tmp_path, train, **kw)
    return str(caught.value)


def test_good_data_reads_with_label_first(tmp_path: Path) -> None:
    dtrain, dvalid = _read(
        tmp_path, {"part-0.csv": GOOD, "sub/part-1.csv": "0,9,9\n"}, {"v.csv": GOOD}
    )
    assert (dtrain.num_row(), dtrain.num_col()) == (4, 2)
    assert sorted(dtrain.get_label().tolist()) == [0.0, 0.0, 1.0, 1.0]
    assert dvalid.num_row() == 3


def test_csv_weights_take_the_second_column_of_train_and_validation(tmp_path: Path) -> None:
    """The container reads both channels with csv_weights (get_validated_dmatrices)."""
    dtrain, dvalid = _read(tmp_path, {"a.csv": GOOD}, {"v.csv": GOOD}, csv_weights=True)
    assert dtrain.num_col() == 1
    assert dtrain.get_weight().tolist() == [0.5, 1.5, 2.5]
    assert dvalid.num_col() == 1
    assert dvalid.get_weight().tolist() == [0.5, 1.5, 2.5]


def test_empty_data_file_fails_the_delimiter_check(tmp_path: Path) -> None:
    message = _refused(tmp_path, {"part-0.csv": GOOD, "part-1.csv": ""})
    assert message == NO_DELIMITER.format("")


def test_success_marker_fails_as_when_the_container_lists_it_first(tmp_path: Path) -> None:
    message = _refused(tmp_path, {"part-0.csv": GOOD, "_SUCCESS": ""})
    assert message == NO_DELIMITER.format("")


def test_non_empty_side_file_is_read_as_data(tmp_path: Path) -> None:
    # Skipped by the first-line checks ('_' names), but xgboost reads every non-empty
    # file of the directory: one delimiter cannot parse both files.
    message = _refused(tmp_path, {"part-0.csv": GOOD, "_committed_1": "{'added': 1}\n"})
    assert message.startswith("Failed to load csv data with exception:\n")
    assert "is not found in the line." in message


def test_side_file_with_another_delimiter_fails_the_load(tmp_path: Path) -> None:
    message = _refused(tmp_path, {"part-0.csv": GOOD, "_manifest": "1;2\n"})
    assert message.startswith("Failed to load csv data with exception:\n")
    assert "Delimiter ';' is not found in the line." in message  # '_manifest' sorts first
    assert "Stack trace" not in message


def test_hidden_file_fails(tmp_path: Path) -> None:
    message = _refused(tmp_path, {"part-0.csv": GOOD, ".part-0.csv.crc": "x"})
    assert message == "Hidden file found in the data path! Remove that before training."


def test_only_empty_files_mean_no_data(tmp_path: Path) -> None:
    assert _refused(tmp_path, {"_SUCCESS": ""}) == (
        "No data in training channel path /opt/ml/input/data/train"
    )
    with pytest.raises(ChannelError, match=r"^No data in validation channel path "):
        _read(tmp_path, {"a.csv": GOOD}, {"_SUCCESS": ""})


def test_header_row_is_read_as_a_row_of_label_zero(tmp_path: Path, capsys: Any) -> None:
    dtrain, _ = _read(tmp_path, {"a.csv": "churn,calls,minutes\n" + GOOD})
    assert dtrain.num_row() == 4
    assert dtrain.get_label().tolist()[0] == 0.0
    assert "is not numeric. The XGBoost container reads it as a data row" in capsys.readouterr().out


@pytest.mark.parametrize("delimiter", [";", "\t", " "])
def test_other_delimiters_are_sniffed_from_the_first_line(tmp_path: Path, delimiter: str) -> None:
    dtrain, _ = _read(tmp_path, {"a.csv": GOOD.replace(",", delimiter)})
    assert (dtrain.num_row(), dtrain.num_col()) == (3, 2)


def test_files_with_different_delimiters_fail_the_load(tmp_path: Path) -> None:
    message = _refused(tmp_path, {"a.csv": GOOD, "b.csv": GOOD.replace(",", ";")})
    assert message.startswith("Failed to load csv data with exception:\n")


def test_blank_first_line_fails_blank_line_inside_is_skipped(tmp_path: Path) -> None:
    assert _refused(tmp_path, {"a.csv": "\n" + GOOD}) == NO_DELIMITER.format("\n")
    dtrain, _ = _read(tmp_path, {"b.csv": "1,2,3\n\n0,4,5\n"})
    assert dtrain.num_row() == 2


def test_non_numeric_value_is_read_as_missing(tmp_path: Path) -> None:
    dtrain, _ = _read(tmp_path, {"a.csv": "1,2,3\n0,abc,5\n"})
    assert dtrain.num_row() == 2
    assert dtrain.get_data().nnz == 3  # 'abc' is no value


def test_single_column_sniffs_a_digit_and_fails(tmp_path: Path) -> None:
    message = _refused(tmp_path, {"a.csv": "1\n0\n"})
    assert message.startswith("Failed to load csv data with exception:\n")
    assert "Delimiter '1' is not found in the line." in message


def test_libsvm_first_line_check_and_load(tmp_path: Path) -> None:
    dtrain, _ = _read(tmp_path, {"a.txt": "1 0:1.5 1:2\n0 0:0.5 1:1\n"}, content_type="text/libsvm")
    assert dtrain.num_row() == 2
    message = _refused(tmp_path, {"b.txt": GOOD}, content_type="text/libsvm")
    assert message == (
        "First line '1,0.5,2\n...' of file 'b.txt' is not 'LIBSVM' format. Please ensure the "
        "file is in 'LIBSVM' format."
    )


def test_files_deeper_than_three_levels_are_not_read(tmp_path: Path) -> None:
    dtrain, _ = _read(tmp_path, {"a.csv": GOOD, "x/y/b.csv": "0,1,1\n", "x/y/z/c.csv": "0,1,1\n"})
    assert dtrain.num_row() == 4


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        (
            "text/csv; label_size=1",
            "Channel configuration for 'train' channel is not supported: {'ContentType': "
            "'text/csv; label_size=1', 'TrainingInputMode': 'File', 'S3DistributionType': "
            "'FullyReplicated', 'RecordWrapperType': 'None'}",
        ),
        ("application/x-parquet", "is accepted by the XGBoost container but not supported"),
    ],
)
def test_content_types_as_the_container_validates_them(content_type: str, message: str) -> None:
    config = {
        "ChannelName": "train",
        "ContentType": content_type,
        "DataSource": {"S3DataSource": {"S3Uri": "s3://b/k/", "S3DataType": "S3Prefix"}},
    }
    with pytest.raises(ChannelError) as caught:
        channels.check_config(config)
    assert message in str(caught.value)
    channels.check_config({**config, "ContentType": "text/csv"})
    channels.check_config({k: v for k, v in config.items() if k != "ContentType"})


def test_objects_keep_their_path_below_the_prefix() -> None:
    assert channels.relative_key("data/train/", "data/train/part-0.csv") == "part-0.csv"
    assert channels.relative_key("data/train", "data/train/part-0.csv") == "train/part-0.csv"
    assert channels.relative_key("data/tr", "data/train/x/p.csv") == "train/x/p.csv"
    assert channels.relative_key("file.csv", "file.csv") == "file.csv"


def test_a_home_under_a_non_ascii_path_reads_its_data(tmp_path: Path) -> None:
    """xgboost's file URIs mangle non-ASCII characters ("/home/jörg"): the links it reads
    go to a private temp directory, removed once read."""
    home = tmp_path / "hö me ✓"
    home.mkdir()
    before = set(Path(tempfile.gettempdir()).glob("glue-wf-xgb-*"))
    dtrain, dvalid = _read(home, {"part-0.csv": GOOD}, {"v.csv": GOOD})
    assert list(dtrain.get_label()) == [1.0, 0.0, 1.0]
    assert dvalid.num_row() == 3
    assert set(Path(tempfile.gettempdir()).glob("glue-wf-xgb-*")) == before
