from __future__ import annotations

from pathlib import Path

import pytest

from glue_workflow.local.s3paths import S3PathError, object_path, parse_s3_uri, uri_to_path


@pytest.mark.parametrize("scheme", ["s3", "s3a", "s3n"])
def test_parse_schemes(scheme: str) -> None:
    uri = parse_s3_uri(f"{scheme}://my-bucket/a/b.csv")
    assert (uri.bucket, uri.key) == ("my-bucket", "a/b.csv")
    assert str(uri) == "s3://my-bucket/a/b.csv"


def test_maps_inside_bucket(tmp_path: Path) -> None:
    assert uri_to_path(tmp_path, "s3://bkt/x/y.txt") == (tmp_path / "bkt" / "x" / "y.txt").resolve()


@pytest.mark.parametrize("key", ["../other/secret", "a/../../etc/passwd", "/etc/passwd"])
def test_traversal_rejected(tmp_path: Path, key: str) -> None:
    with pytest.raises(S3PathError, match="escapes its bucket"):
        object_path(tmp_path, "bkt", key)


def test_bad_bucket_and_uri(tmp_path: Path) -> None:
    with pytest.raises(S3PathError, match="invalid bucket name 'Bad_Bucket'"):
        parse_s3_uri("s3://Bad_Bucket/key")
    with pytest.raises(S3PathError, match=r"not an S3 URI: 'http://x/y'"):
        parse_s3_uri("http://x/y")
