"""Training data read as the SageMaker XGBoost container (3.0-5) reads it in File mode.

Same steps in the same order, same libraries (the standard library's ``csv.Sniffer``,
xgboost 3.0.5's own CSV/LIBSVM URI parser), same messages. Each ``ChannelError`` is a
``UserError`` of the container, which SageMaker reports as ``FailureReason``
``ClientError: <message>`` (e.g. aws/amazon-sagemaker-examples#668). Source of every
step and message: aws/sagemaker-xgboost-container, ``src/sagemaker_xgboost_container/
data_utils.py`` (get_size, validate_data_file_path, _get_file_mode_files_path,
get_dmatrix) and ``algorithm_mode/train.py`` (get_validated_dmatrices, sagemaker_train).

What the container lets through, so does this reader: a header row, a blank line or
a non-numeric value are parsed by xgboost (a header becomes a row of label 0), and
``;`` / tab delimiters are sniffed from the first line. A warning in the job's log
points at a header row. The one difference: the container sniffs the delimiter of
whichever file it lists first (file-system order), so an empty ``_SUCCESS`` marker
fails a job there only when listed first; here it always fails, so that what passes
locally passes on AWS.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from glue_workflow.local.sagemaker.channels import (
    CSV_TYPES,
    Channel,
    ChannelError,
    stage,
)

MAX_FOLDER_DEPTH = 3  # data_utils.MAX_FOLDER_DEPTH: deeper files are not read
FLAT_DIR = "/tmp/sagemaker_xgboost_input_data"  # noqa: S108 (the container's path, in messages)
NO_LABELS = (
    "Got input data without labels. Please check the input data set. If training job is "
    "running on multiple instances, please switch to using single instance if number of "
    "records in the data set is less than number of workers (16 * number of instance) in "
    "the cluster."
)


def read(
    train: Channel, valid: Channel | None, scratch: Path, *, csv_weights: bool
) -> tuple[Any, Any]:
    """(train, validation) DMatrix of the channels, or the container's UserError."""
    # The train channel's ContentType decides the format of both (sagemaker_train).
    content = "csv" if train.content_type in CSV_TYPES else "libsvm"
    data = scratch / "input" / "data"
    train_dir = stage(train, data)
    valid_dir = stage(valid, data) if valid is not None else None
    train_size = _size(train_dir)
    valid_size = _size(valid_dir) if valid_dir is not None else 0
    if train_size > 0:
        _validate(train_dir, content)
    if valid_dir is not None and valid_size > 0:
        _validate(valid_dir, content)
    # xgboost's file URIs mangle non-ASCII characters (a home under "/home/jörg"): the
    # links it reads then live in a private temp directory, removed once it has read them
    ascii_scratch = str(scratch).isascii()
    base = scratch if ascii_scratch else Path(tempfile.mkdtemp(prefix="glue-wf-xgb-"))
    if not str(base).isascii():
        raise ChannelError(
            f"xgboost cannot read data under {scratch} (non-ASCII characters in the path), "
            "nor under the temp directory: set TMPDIR to an ASCII path"
        )
    flat = base / "sagemaker_xgboost_input_data"
    try:
        dtrain = _dmatrix(train_dir, content, flat, weights=csv_weights) if train_size else None
        # The container reads the validation channel with csv_weights too
        # (algorithm_mode/train.py get_validated_dmatrices): label, weight, features.
        dvalid = (
            _dmatrix(valid_dir, content, flat, weights=csv_weights)
            if valid_dir and valid_size
            else None
        )
    finally:
        if not ascii_scratch:
            shutil.rmtree(base, ignore_errors=True)
    # sagemaker_train (algorithm_mode/train.py)
    if dtrain is None:
        raise ChannelError(f"No data in training channel path {train.container_path}")
    if valid is not None and dvalid is None:
        raise ChannelError(f"No data in validation channel path {valid.container_path}")
    return dtrain, dvalid


def _size(channel_dir: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(channel_dir):
        for name in sorted(files):
            if name.startswith("."):  # get_size
                raise ChannelError(
                    "Hidden file found in the data path! Remove that before training."
                )
            total += os.path.getsize(os.path.join(root, name))
    return total


def _is_data_file(path: Path) -> bool:
    name = path.name
    if not path.is_file() or name.startswith((".", "_")):
        return False
    return not (".cache" in name and ("dtrain" in name or "dval" in name))  # xgboost caches


def _validate(channel_dir: Path, content: str) -> None:
    """The first-line checks, on the data files of the first directory without
    subdirectories (the container's os.walk order; sorted here)."""
    leaf = channel_dir
    for root, dirs, _files in os.walk(channel_dir):
        dirs.sort()
        if not dirs:
            leaf = Path(root)
            break
    for path in sorted(p for p in leaf.iterdir() if _is_data_file(p)):
        if content == "csv":
            _delimiter(_first_line(path))
        else:
            _validate_libsvm(path)


def _first_line(path: Path) -> str:
    with open(path, errors="ignore") as handle:
        return handle.readline()


def _delimiter(line: str) -> str:
    try:
        return csv.Sniffer().sniff(line).delimiter
    except Exception as exc:  # _get_csv_delimiter
        raise ChannelError(f"Could not determine delimiter on line {line[:50]}:\n{exc}") from None


def _libsvm_features(line: str) -> int:
    """Features of a LIBSVM line, -1 if the line is not LIBSVM (data_utils semantics:
    every token after the label needs a ':'; only the first one's shape is checked)."""
    tokens = line.split(" ")
    parts = tokens[0].split(":")
    if len(parts) > 2:
        return -1
    for part in parts:
        try:
            float(part)
        except ValueError:
            return -1
    if len(tokens) == 1:
        return 0
    for token in tokens[1:]:
        if ":" not in token or len(tokens[1].split(":")) != 2:
            return -1
    return len(tokens) - 1


def _validate_libsvm(path: Path) -> None:
    with open(path, errors="ignore") as handle:
        for line in handle:
            features = _libsvm_features(line)
            if features > 1:
                return
            if features < 0:  # _validate_libsvm_format
                raise ChannelError(
                    f"First line '{line[:50]}...' of file '{path.name}' is not 'LIBSVM' format. "
                    "Please ensure the file is in 'LIBSVM' format."
                )


def _link_all(channel_dir: Path, flat: Path) -> list[Path]:
    """Every file of the channel (side files included) linked into one directory, down to
    MAX_FOLDER_DEPTH levels, as the container does before xgboost reads the directory."""
    shutil.rmtree(flat, ignore_errors=True)
    flat.mkdir(parents=True)
    linked: list[Path] = []
    for root, dirs, files in os.walk(channel_dir):
        dirs.sort()
        depth = len(Path(root).relative_to(channel_dir).parts) + 1
        if depth > MAX_FOLDER_DEPTH:
            print(
                f"The depth of folder {root} exceed the limit {MAX_FOLDER_DEPTH}. Files in "
                "deeper sub dirs won't be loaded. Please adjust the folder structure "
                "accordingly.",
                flush=True,
            )
            dirs.clear()
            continue
        for name in sorted(files):
            source = Path(root) / name
            # The container appends hash(path) to the name: the same name in two folders
            # does not collide.
            digest = hashlib.sha256(str(source).encode()).hexdigest()[:12]
            link = flat / f"{name}{digest}"
            link.symlink_to(source.resolve())
            linked.append(link)
    return linked


def _dmatrix(channel_dir: Path, content: str, flat: Path, *, weights: bool) -> Any:
    import xgboost as xgb

    linked = _link_all(channel_dir, flat)
    if content == "csv":
        # The container sniffs the first file os.listdir gives: any file it could be.
        delimiters = [_delimiter(_first_line(link)) for link in linked]
        delimiter = delimiters[0]
        uri = f"{flat}?format=csv&label_column=0&delimiter={delimiter}"
        if weights:
            uri += "&weight_column=1"
    else:
        uri = f"{flat}?format=libsvm"
    try:
        dmatrix = xgb.DMatrix(uri)
    except Exception as exc:
        # get_csv_dmatrix / get_libsvm_dmatrix; xgboost's message without its native
        # stack trace (local library paths)
        detail = str(exc).split("\nStack trace:", 1)[0].replace(str(flat), FLAT_DIR)
        raise ChannelError(f"Failed to load {content} data with exception:\n{detail}") from None
    if dmatrix.get_label().size == 0:  # get_dmatrix
        raise ChannelError(NO_LABELS)
    if content == "csv":
        for link in linked:
            _warn_on_header(link, delimiter)
    return dmatrix


def _warn_on_header(link: Path, delimiter: str) -> None:
    line = _first_line(link).strip()
    if not line:
        return
    for cell in line.split(delimiter):
        try:
            if cell.strip():
                float(cell)
        except ValueError:
            print(
                f"glue-wf: warning: the first line of {link.resolve().name} ({line[:50]!r}) "
                "is not numeric. The XGBoost container reads it as a data row (a header "
                "becomes a row of label 0); write text/csv channels without a header.",
                flush=True,
            )
            return
