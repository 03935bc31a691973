"""Training channels: the files under an S3 prefix, read as the XGBoost algorithm does.

``text/csv``: no header, label in the first column (weights in the second with
``csv_weights=1``). ``text/libsvm`` (the algorithm's default): ``label idx:value ...``.
Hadoop side files (``_SUCCESS``, ``.crc``; names starting with ``_`` or ``.``) and
empty files are skipped, as Spark writes them next to its part files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glue_workflow.errors import GlueWfError
from glue_workflow.local.s3paths import bucket_dir, check_key, parse_s3_uri

CSV_TYPES = ("text/csv", "csv")
LIBSVM_TYPES = ("text/libsvm", "libsvm", "text/x-libsvm")
TMP_PREFIX = ".glue-wf-tmp-"  # files being written into the S3 stand-in


class ChannelError(GlueWfError):
    """A channel is missing, empty, of an unsupported type, or its data is malformed."""


@dataclass(frozen=True, kw_only=True)
class Channel:
    name: str
    uri: str
    content_type: str  # "csv" | "libsvm"
    files: tuple[Path, ...]
    keys: tuple[str, ...]


def list_prefix(s3_root: Path, uri: str) -> list[tuple[str, Path]]:
    """(key, path) of every object under ``uri`` taken as a key prefix, sorted by key."""
    loc = parse_s3_uri(uri)
    check_key(loc.key)
    base = bucket_dir(s3_root, loc.bucket)
    if not base.is_dir():
        return []
    exact = base / loc.key if loc.key else None
    if exact is not None and exact.is_file():
        return [(loc.key, exact)]
    # Walk only the directory that can hold keys with this prefix.
    start = base / loc.key.rsplit("/", 1)[0] if "/" in loc.key else base
    if not start.is_dir():
        return []
    found = []
    for path in start.rglob("*"):
        if path.is_file():
            key = path.relative_to(base).as_posix()
            if key.startswith(loc.key) and not path.name.startswith(TMP_PREFIX):
                found.append((key, path))
    return sorted(found)


def content_type_of(channel: dict[str, Any]) -> str:
    raw = str(channel.get("ContentType") or "text/libsvm")
    base = raw.split(";", maxsplit=1)[0].strip().lower()
    if base in CSV_TYPES:
        if "label_size" in raw and "label_size=1" not in raw.replace(" ", ""):
            raise ChannelError(
                f"Channel {channel['ChannelName']!r}: only label_size=1 is supported for "
                f"text/csv (got {raw!r})"
            )
        return "csv"
    if base in LIBSVM_TYPES:
        return "libsvm"
    raise ChannelError(
        f"Channel {channel['ChannelName']!r}: content type {raw!r} is not supported by the "
        "local target; use text/csv (label first, no header) or text/libsvm"
    )


def resolve(s3_root: Path, channel: dict[str, Any]) -> Channel:
    name = channel["ChannelName"]
    source = (channel.get("DataSource") or {}).get("S3DataSource")
    if not source:
        raise ChannelError(f"Channel {name!r}: only S3DataSource is supported locally")
    if source.get("S3DataType", "S3Prefix") != "S3Prefix":
        raise ChannelError(
            f"Channel {name!r}: S3DataType {source.get('S3DataType')!r} is not supported "
            "locally; use S3Prefix"
        )
    if channel.get("CompressionType", "None") not in ("None", None):
        raise ChannelError(f"Channel {name!r}: CompressionType Gzip is not supported locally")
    uri = source["S3Uri"]
    objects = [
        (key, path)
        for key, path in list_prefix(s3_root, uri)
        if not key.rsplit("/", 1)[-1].startswith(("_", ".")) and path.stat().st_size > 0
    ]
    if not objects:
        raise ChannelError(
            f"Channel {name!r}: no data found under {uri} (write the data there first, "
            "or fix the S3Uri)"
        )
    bucket = parse_s3_uri(uri).bucket
    return Channel(
        name=name,
        uri=uri,
        content_type=content_type_of(channel),
        files=tuple(path for _, path in objects),
        keys=tuple(f"s3://{bucket}/{key}" for key, _ in objects),
    )


def load(channel: Channel, *, csv_weights: bool = False) -> Any:
    """An ``xgboost.DMatrix`` of the channel's files, concatenated in key order."""
    import numpy as np
    import xgboost as xgb

    if channel.content_type == "csv":
        parts = [_read_csv(channel, path) for path in channel.files]
        widths = {p.shape[1] for p in parts}
        if len(widths) > 1:
            raise ChannelError(
                f"Channel {channel.name!r}: files under {channel.uri} have different column "
                f"counts {sorted(widths)}"
            )
        data = parts[0] if len(parts) == 1 else np.concatenate(parts)
        first = 2 if csv_weights else 1
        if data.shape[1] <= first:
            raise ChannelError(
                f"Channel {channel.name!r}: CSV rows need a label"
                f"{', a weight' if csv_weights else ''} and at least one feature column"
            )
        label = data[:, 0]
        if np.isnan(label).any():
            row = int(np.flatnonzero(np.isnan(label))[0]) + 1
            raise ChannelError(
                f"Channel {channel.name!r}: row {row} has no label (first column is empty)"
            )
        weight = data[:, 1] if csv_weights else None
        return xgb.DMatrix(data[:, first:], label=label, weight=weight, nthread=-1)
    return _read_libsvm(channel)


def _read_csv(channel: Channel, path: Path) -> Any:
    import numpy as np
    import pandas as pd

    try:
        frame = pd.read_csv(path, header=None, dtype=np.float32, engine="c", skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        raise ChannelError(f"Channel {channel.name!r}: {path.name} is empty") from None
    except (ValueError, pd.errors.ParserError) as exc:
        detail = str(exc).strip().splitlines()[-1]
        if (
            "could not convert" in detail
            or "Unable to parse" in detail
            or "cannot safely" in detail
        ):
            detail += " (CSV must be numeric, label first, no header row)"
        raise ChannelError(
            f"Channel {channel.name!r}: malformed CSV in {_key_hint(channel, path)}: {detail}"
        ) from None
    return frame.to_numpy()


def _read_libsvm(channel: Channel) -> Any:
    import numpy as np
    import scipy.sparse  # type: ignore[import-untyped]
    import xgboost as xgb
    from sklearn.datasets import load_svmlight_file

    matrices, labels = [], []
    for path in channel.files:
        try:
            x, y = load_svmlight_file(str(path), zero_based=True)
        except ValueError as exc:
            raise ChannelError(
                f"Channel {channel.name!r}: malformed libsvm data in "
                f"{_key_hint(channel, path)}: {exc} (expected 'label index:value ...'; "
                "for CSV data set ContentType text/csv)"
            ) from None
        matrices.append(x)
        labels.append(y)
    width = max(m.shape[1] for m in matrices)
    matrices = [m if m.shape[1] == width else _pad(m, width) for m in matrices]
    x = scipy.sparse.vstack(matrices).tocsr()
    return xgb.DMatrix(x, label=np.concatenate(labels))


def _pad(matrix: Any, width: int) -> Any:
    import scipy.sparse

    matrix = matrix.tocsr()
    return scipy.sparse.csr_matrix(
        (matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], width)
    )


def _key_hint(channel: Channel, path: Path) -> str:
    return channel.keys[channel.files.index(path)]
