"""Step-cache entries in S3 and the S3 reads a key needs (Python 3.9, boto3 only).

An entry is one JSON object per key under the node's store prefix
(``s3://<bucket>/glue-wf/<workflow>/cache/<node>/<key>.json``): the key's
components, the recorded ``writes``, the run that recorded it and when, and the S3
URIs among the writes (an entry whose outputs are gone is a miss).
"""

from __future__ import annotations

import json
from typing import Any

ENTRY_SUFFIX = ".json"
EXPLAIN_ENTRIES = 20  # most recent entries compared when explaining a miss


def split_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> ``(bucket, key)``."""
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        bucket = uri[5:] if uri.startswith("s3://") else ""
        if not bucket:
            raise ValueError(f"{uri!r} is not an s3:// URI")
        return bucket, ""
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def error_code(exc: BaseException) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def list_objects(s3: Any, uri: str) -> dict[str, str]:
    """``{key: version id or ETag}`` of every object under ``uri`` (a prefix or a key).

    A key not ending in "/" names that object and what lies under it as a folder, not
    its siblings: ``data/churn.csv`` does not take in ``data/churn.csv.bak`` (the ETL
    reads it the same way, ``etl_scan.list_inputs``)."""
    bucket, prefix = split_uri(uri)
    found: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents") or []:
            key = str(item["Key"])
            folder = not prefix or prefix.endswith("/")
            if not folder and key != prefix and not key.startswith(prefix + "/"):
                continue
            found[key] = str(item.get("VersionId") or item.get("ETag") or "")
    return found


def exists_under(s3: Any, uri: str) -> bool:
    """True when at least one object is at or under ``uri``."""
    bucket, prefix = split_uri(uri)
    response = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    return bool(response.get("Contents"))


def entry_uri(store: str, key: str) -> str:
    return store.rstrip("/") + "/" + key + ENTRY_SUFFIX


def get_entry(s3: Any, store: str, key: str) -> dict[str, Any] | None:
    bucket, object_key = split_uri(entry_uri(store, key))
    try:
        response = s3.get_object(Bucket=bucket, Key=object_key)
    except Exception as exc:  # botocore ClientError, without importing botocore
        # GetObject on a missing key: NoSuchKey (https://docs.aws.amazon.com/AmazonS3/
        # latest/API/API_GetObject.html); without s3:ListBucket AWS answers AccessDenied.
        if error_code(exc) in ("NoSuchKey", "404"):
            return None
        raise
    entry: dict[str, Any] = json.loads(response["Body"].read().decode("utf-8"))
    return entry


def put_entry(s3: Any, store: str, entry: dict[str, Any]) -> str:
    uri = entry_uri(store, str(entry["key"]))
    bucket, object_key = split_uri(uri)
    body = json.dumps(entry, sort_keys=True, indent=1).encode("utf-8")
    s3.put_object(Bucket=bucket, Key=object_key, Body=body, ContentType="application/json")
    return uri


def list_entries(s3: Any, store: str, limit: int | None = EXPLAIN_ENTRIES) -> list[dict[str, Any]]:
    """Entries under ``store``, newest first (at most ``limit`` read)."""
    bucket, prefix = split_uri(store)
    items: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        items += [i for i in page.get("Contents") or [] if str(i["Key"]).endswith(ENTRY_SUFFIX)]
    items.sort(key=lambda i: i.get("LastModified") or 0, reverse=True)
    entries = []
    for item in items if limit is None else items[:limit]:
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        try:
            entries.append(json.loads(body.decode("utf-8")))
        except ValueError:
            continue  # not ours: ignored
    entries.sort(key=lambda e: float(e.get("created") or 0), reverse=True)
    return entries


def delete_entries(s3: Any, store: str) -> int:
    """Delete every entry under ``store``; how many."""
    bucket, prefix = split_uri(store)
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": i["Key"]} for i in page.get("Contents") or []]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            count += len(keys)
    return count
