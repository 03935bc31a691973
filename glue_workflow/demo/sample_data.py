"""Seeded churn-schema sample data with a real, learnable signal.

Rows have the 26 columns of the churn dataset the pipeline is built for (header,
comma separated, ``Churn`` True/False). Churn is drawn from a logistic model of a
handful of columns (daytime and evening minutes, night calls, voicemail messages,
current and past sentiment, months remaining), so a gradient-boosted model learns
it to about 0.95 accuracy; the other columns are plausible noise. The same seed and
row count always give the same bytes. Rows are streamed: any size fits in memory.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from glue_workflow.config import Settings
from glue_workflow.errors import ConfigError

COLUMNS = (
    "State", "Account_Length", "Area_Code", "customerID", "Int_l_Plan", "VMail_Plan",
    "VMail_Message", "Day_Mins", "Day_Calls", "Day_Charge", "Eve_Mins", "Eve_Calls",
    "Eve_Charge", "Night_Mins", "Night_Calls", "Night_Charge", "Intl_Mins", "Intl_Calls",
    "Intl_Charge", "CustServ_Calls", "Churn", "sentiment", "pastSenti_nut", "pastSenti_pos",
    "pastSenti_neg", "mth_remain",
)  # fmt: skip
STATES = (
    "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA", "ID", "IL",
    "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE",
    "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VA", "VT", "WA", "WI", "WV", "WY",
)  # fmt: skip
MAX_ROWS = 100_000_000
# Logistic-model weights on centred features; SHARPNESS sets how separable the
# classes are (6 gives a boosted model about 0.96 test accuracy).
SHARPNESS = 6


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _row(rng: random.Random, used_ids: set[int]) -> list[str]:
    day_mins = _clip(rng.gauss(5.5, 3.0), 0.001, 17.0)
    eve_mins = _clip(rng.gauss(5.0, 2.1), 0.001, 13.5)
    night_mins = _clip(rng.gauss(4.0, 1.6), 0.001, 10.0)
    intl_mins = _clip(rng.gauss(5.0, 1.0), 1.5, 8.5)
    night_calls = rng.choice((0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 550))
    vmail_plan = rng.random() < 0.5
    vmail_message = rng.choice((100, 200, 300, 400, 500, 700, 900, 1300)) if vmail_plan else 0
    sentiment = rng.choice((-1, 0, 1))
    past_neg = min(6, int(rng.expovariate(0.6)))
    past_pos = min(8, int(rng.gauss(2.7, 1.3)) if rng.random() < 0.95 else 0)
    past_nut = int(_clip(rng.gauss(4.8, 1.6), 2, 12))
    mth_remain = float(rng.randint(0, 36))
    # Threshold effects (what tree ensembles learn well) plus a mild linear trend.
    logit = (
        2.6 * (day_mins > 6.5)
        + 1.7 * (eve_mins > 6.0)
        - 2.1 * (night_calls >= 250)
        + 1.4 * (sentiment < 0)
        - 0.9 * (sentiment > 0)
        + 1.1 * (past_neg >= 3)
        - 1.6 * (mth_remain > 20)
        + 0.15 * (day_mins - 5.5)
        - 0.95
    )
    churn = rng.random() < 1.0 / (1.0 + math.exp(-SHARPNESS * logit))
    customer_id = rng.randint(1_000_000, 9_999_999)
    while customer_id in used_ids:
        customer_id = rng.randint(1_000_000, 9_999_999)
    used_ids.add(customer_id)
    return [
        rng.choice(STATES),
        str(rng.randint(1, 200)),
        str(rng.randint(657, 878)),
        str(customer_id),
        "yes" if rng.random() < 0.5 else "no",
        "yes" if vmail_plan else "no",
        str(vmail_message),
        repr(day_mins),
        str(rng.randint(0, 10)),
        repr(_clip(day_mins * 0.6 + rng.gauss(1.7, 1.5), 0.005, 12.7)),
        repr(eve_mins),
        str(rng.randint(0, 14)),
        repr(_clip(eve_mins * 0.8 + rng.gauss(1.0, 1.0), 0.01, 12.3)),
        repr(night_mins),
        str(night_calls),
        repr(_clip(night_mins * 0.9 + rng.gauss(1.4, 1.0), 0.05, 10.4)),
        repr(intl_mins),
        str(rng.randint(0, 12)),
        repr(_clip(intl_mins * 0.8 + rng.gauss(0.3, 2.0), 0.001, 14.2)),
        str(rng.randint(0, 13)),
        "True" if churn else "False",
        str(sentiment),
        str(past_nut),
        str(max(0, past_pos)),
        str(past_neg),
        repr(mth_remain),
    ]


def generate_rows(rows: int, seed: int) -> Iterator[list[str]]:
    """``rows`` data rows (no header) from the seeded generator."""
    if not 1 <= rows <= MAX_ROWS:
        raise ConfigError(f"--rows must be between 1 and {MAX_ROWS:,}, got {rows}")
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    # Customer IDs are unique while there is room; beyond ~9M rows they may repeat.
    used_ids: set[int] = set()
    for _ in range(rows):
        if len(used_ids) > 8_000_000:
            used_ids.clear()
        yield _row(rng, used_ids)


def write_csv(out: IO[str], rows: int, seed: int) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in generate_rows(rows, seed):
        writer.writerow(row)


def to_bytes(rows: int, seed: int) -> bytes:
    buffer = io.StringIO()
    write_csv(buffer, rows, seed)
    return buffer.getvalue().encode("utf-8")


def to_file(path: Path, rows: int, seed: int) -> Path:
    """Write the CSV to ``path`` (parents created); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_csv(handle, rows, seed)
    return path


def to_s3(settings: Settings, uri: str, rows: int, seed: int) -> str:
    """Write the CSV to ``uri`` on the settings' target, creating a local bucket if missing."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="glue-wf-sample-") as tmp:
        return upload(settings, to_file(Path(tmp) / "sample.csv", rows, seed), uri)


# Compressed CSV the ETL reads (Spark picks the decompressor by the object's name):
# (magic bytes, name, extension, content type)
COMPRESSED = (
    (b"\x1f\x8b", "gzip", ".gz", "application/gzip"),
    (b"BZh", "bzip2", ".bz2", "application/x-bzip2"),
)


def _content_type(path: Path, uri: str, option: str) -> str:
    """The object's content type; refuses a compressed file under a name Spark would
    read as text, and a plain one under a compressed name."""
    with path.open("rb") as handle:
        head = handle.read(3)
    for magic, name, ext, content_type in COMPRESSED:
        named = uri.lower().endswith(ext)
        if head.startswith(magic) and not named:
            raise ConfigError(
                f"{path} is {name}-compressed but {uri} does not end in {ext}: Spark picks "
                f"the decompressor by the object's name and would read the bytes as text; "
                f"pass {option} {uri}{ext} (and run with -p input_uri={uri}{ext})"
            )
        if named:
            if not head.startswith(magic):
                raise ConfigError(
                    f"{uri} ends in {ext} but {path} is not {name}-compressed: Spark would "
                    f"fail to decompress it; compress it first or drop {ext} from {option}"
                )
            return content_type
    return "text/csv"


def upload(settings: Settings, path: Path, uri: str, *, option: str = "--out") -> str:
    """Copy a local file to ``uri`` on the settings' target.

    Only the target's own artifacts bucket is created on the local target (it has no
    infra step); any other bucket must exist, as on AWS, so a typo fails here too.
    """
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import ClientError

    from glue_workflow.aws.clients import client
    from glue_workflow.aws.errors import ResourceNotFound
    from glue_workflow.aws.retry import call

    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket or not key or key.endswith("/"):
        raise ConfigError(f"{option} {uri!r} must be s3://BUCKET/KEY naming an object")
    if not path.is_file():
        raise ConfigError(f"{path} is not a file")
    content_type = _content_type(path, uri, option)
    s3 = client(settings, "s3")
    try:
        call("s3:HeadBucket", lambda: s3.head_bucket(Bucket=bucket), base=ConfigError)
    except ResourceNotFound as exc:
        if not (settings.is_local and bucket == settings.bucket):
            raise ConfigError(
                f"bucket {bucket!r} does not exist on the {settings.target} target: create it "
                "(glue-wf infra deploy makes the artifacts bucket) or pass "
                f"{option} with an existing bucket"
            ) from exc
        # outside us-east-1 S3 wants the region as the bucket's location constraint
        where = s3.meta.region_name
        config = {} if where == "us-east-1" else {"LocationConstraint": where}
        call(
            "s3:CreateBucket",
            lambda: s3.create_bucket(
                Bucket=bucket, **({"CreateBucketConfiguration": config} if config else {})
            ),
            base=ConfigError,
        )
    try:
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": content_type})
    except (S3UploadFailedError, ClientError) as exc:
        raise ConfigError(f"cannot upload {path} to {uri}: {exc}") from exc
    return uri


def others_under(settings: Settings, prefix: str, kept: set[str]) -> list[str]:
    """The objects under ``prefix`` (s3://BUCKET/PREFIX/) other than ``kept`` URIs and
    the markers and hidden files the ETL skips: what a run reading the prefix reads
    besides them."""
    from glue_workflow.aws.clients import client
    from glue_workflow.aws.paginate import items

    bucket, _, key = prefix.removeprefix("s3://").partition("/")
    found = items(
        client(settings, "s3"),
        "list_objects_v2",
        "Contents",
        base=ConfigError,
        Bucket=bucket,
        Prefix=key,
    )
    uris = (f"s3://{bucket}/{obj['Key']}" for obj in found)
    return sorted(
        uri
        for uri in uris
        if uri not in kept
        and not uri.endswith("/")
        and not any(p.startswith((".", "_")) for p in uri[len(prefix) :].split("/"))
    )


def delete_objects(settings: Settings, uris: list[str]) -> None:
    """Delete ``uris`` (objects of one bucket), a thousand a request (DeleteObjects)."""
    from glue_workflow.aws.clients import client
    from glue_workflow.aws.retry import call

    s3 = client(settings, "s3")
    for start in range(0, len(uris), 1000):
        batch = uris[start : start + 1000]
        bucket = batch[0].removeprefix("s3://").partition("/")[0]
        request = {
            "Bucket": bucket,
            "Delete": {"Objects": [{"Key": u.removeprefix(f"s3://{bucket}/")} for u in batch]},
        }
        answer: dict[str, Any] = call(
            "s3:DeleteObjects", functools.partial(s3.delete_objects, **request), base=ConfigError
        )
        failed = answer.get("Errors") or []
        if failed:
            first = failed[0]
            raise ConfigError(
                f"could not delete {len(failed)} object(s) under s3://{bucket}/, e.g. "
                f"{first.get('Key')}: {first.get('Code')} {first.get('Message')}"
            )
