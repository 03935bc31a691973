"""Training channels: an S3 prefix laid out as SageMaker lays it out for the container.

In File mode SageMaker copies every object under a channel's ``S3Uri`` (``S3Prefix``)
to ``/opt/ml/input/data/<channel>/``, each at its key below the prefix's last ``/``
(``s3://b/data/train/part-0.csv`` -> ``train/part-0.csv``), side files such as
Spark's ``_SUCCESS`` included. ``stage`` builds that directory from symlinks into the
S3 stand-in; ``xgb_input`` then reads it as the XGBoost container does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glue_workflow.errors import GlueWfError
from glue_workflow.local.s3paths import bucket_dir, check_key, parse_s3_uri

TMP_PREFIX = ".glue-wf-tmp-"  # files being written into the S3 stand-in
CONTAINER_DATA_DIR = "/opt/ml/input/data"  # SM_CHANNEL_<NAME> = <this>/<name>

# The content types the XGBoost container's channel validation accepts, compared as
# exact strings (sagemaker_xgboost_container/data_utils.py VALID_CONTENT_TYPES,
# algorithm_mode/channel_validation.py; sagemaker_algorithm_toolkit/channel_validation.py
# Channel.validate): "text/csv; label_size=1" is not among them.
CSV_TYPES = ("csv", "text/csv")
LIBSVM_TYPES = ("libsvm", "text/libsvm", "text/x-libsvm")
NOT_LOCAL_TYPES = (
    "parquet",
    "recordio-protobuf",
    "application/x-parquet",
    "application/x-recordio-protobuf",
)
DEFAULT_CONTENT_TYPE = "text/libsvm"  # channel_validation: set_default_content_type


class ChannelError(GlueWfError):
    """Bad channel data or configuration: the message is the container's UserError."""


@dataclass(frozen=True, kw_only=True)
class Channel:
    name: str
    uri: str
    content_type: str  # as configured (or the algorithm's default)
    objects: tuple[tuple[str, Path], ...]  # (path below the channel directory, data)

    @property
    def container_path(self) -> str:
        return f"{CONTAINER_DATA_DIR}/{self.name}"


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


def relative_key(prefix: str, key: str) -> str:
    """Where SageMaker puts object ``key`` of a download of ``prefix``: the key below
    the prefix's last ``/`` (an exact key: its name)."""
    strip = prefix.rsplit("/", 1)[0] + "/" if "/" in prefix else ""
    return key[len(strip) :] if key.startswith(strip) else Path(key).name


def content_type_of(channel: dict[str, Any]) -> str:
    return str(channel.get("ContentType") or DEFAULT_CONTENT_TYPE)


def check_config(channel: dict[str, Any]) -> None:
    """The container's channel validation: the ContentType must be one it lists."""
    name = channel["ChannelName"]
    content_type = content_type_of(channel)
    if content_type in NOT_LOCAL_TYPES:
        raise ChannelError(
            f"Channel {name!r}: ContentType {content_type} is accepted by the XGBoost "
            "container but not supported by the glue-wf local target; use text/csv "
            "(label first, no header) or text/libsvm"
        )
    if content_type not in CSV_TYPES + LIBSVM_TYPES:
        # inputdataconfig.json's entry for the channel, as the container prints it
        value = {
            "ContentType": content_type,
            "TrainingInputMode": "File",
            "S3DistributionType": _source(channel).get("S3DataDistributionType")
            or "FullyReplicated",
            "RecordWrapperType": channel.get("RecordWrapperType") or "None",
        }
        raise ChannelError(f"Channel configuration for '{name}' channel is not supported: {value}")


def resolve(s3_root: Path, channel: dict[str, Any]) -> Channel:
    name = channel["ChannelName"]
    source = _source(channel)
    if not source:
        raise ChannelError(f"Channel {name!r}: only S3DataSource is supported locally")
    if source.get("S3DataType", "S3Prefix") != "S3Prefix":
        raise ChannelError(
            f"Channel {name!r}: S3DataType {source.get('S3DataType')!r} is not supported "
            "locally; use S3Prefix"
        )
    if channel.get("CompressionType", "None") not in ("None", None):
        raise ChannelError(f"Channel {name!r}: CompressionType Gzip is not supported locally")
    uri = str(source["S3Uri"])
    prefix = parse_s3_uri(uri).key
    return Channel(
        name=name,
        uri=uri,
        content_type=content_type_of(channel),
        objects=tuple((relative_key(prefix, key), path) for key, path in list_prefix(s3_root, uri)),
    )


def stage(channel: Channel, root: Path) -> Path:
    """``root/<channel>``: the channel as SageMaker downloads it (symlinks to the data)."""
    target = root / channel.name
    target.mkdir(parents=True, exist_ok=True)
    for relative, path in channel.objects:
        link = target / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path.resolve())
    return target


def _source(channel: dict[str, Any]) -> dict[str, Any]:
    return dict((channel.get("DataSource") or {}).get("S3DataSource") or {})
