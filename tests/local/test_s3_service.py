"""The local S3 stand-in through plain boto3 clients."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def s3(local_home: Path):  # type: ignore[no-untyped-def]
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket="bkt")
    return client


def code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


def test_put_get_head_delete_roundtrip(s3, local_home: Path) -> None:  # type: ignore[no-untyped-def]
    put = s3.put_object(
        Bucket="bkt", Key="a/b.txt", Body=b"hello", ContentType="text/plain", Metadata={"k": "v"}
    )
    assert put["ETag"] == '"{}"'.format(hashlib.md5(b"hello").hexdigest())
    assert (local_home / "s3" / "bkt" / "a" / "b.txt").read_bytes() == b"hello"
    got = s3.get_object(Bucket="bkt", Key="a/b.txt")
    assert got["Body"].read() == b"hello"
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"k": "v"}
    head = s3.head_object(Bucket="bkt", Key="a/b.txt")
    assert head["ContentLength"] == 5
    assert head["ETag"] == put["ETag"]
    assert s3.get_object(Bucket="bkt", Key="a/b.txt", Range="bytes=1-3")["Body"].read() == b"ell"
    s3.delete_object(Bucket="bkt", Key="a/b.txt")
    assert not (local_home / "s3" / "bkt" / "a").exists()  # empty prefixes vanish


def test_error_codes_as_aws_names_them(s3) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket="bkt", Key="missing")
    assert code(info) == "NoSuchKey"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket="bkt", Key="missing")
    with pytest.raises(ClientError) as info:
        s3.head_object(Bucket="bkt", Key="missing")
    assert code(info) == "404"
    with pytest.raises(ClientError) as info:
        s3.put_object(Bucket="nope", Key="k", Body=b"")
    assert code(info) == "NoSuchBucket"
    with pytest.raises(ClientError) as info:
        s3.head_bucket(Bucket="nope")
    assert code(info) == "404"
    with pytest.raises(ClientError) as info:
        s3.create_bucket(Bucket="bkt")
    assert code(info) == "BucketAlreadyOwnedByYou"
    s3.put_object(Bucket="bkt", Key="x", Body=b"1")
    with pytest.raises(ClientError) as info:
        s3.delete_bucket(Bucket="bkt")
    assert code(info) == "BucketNotEmpty"


def test_unsupported_operation_is_never_a_silent_success(s3) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as info:
        s3.get_bucket_policy(Bucket="bkt")
    assert code(info) == "NotSupportedLocally"
    assert "s3:GetBucketPolicy is not supported by the glue-wf local target" in str(info.value)


@pytest.mark.parametrize("key", ["../escape", "a/../../escape", "/abs"])
def test_keys_escaping_the_bucket_are_rejected(s3, local_home: Path, key: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as info:
        s3.put_object(Bucket="bkt", Key=key, Body=b"x")
    assert code(info) == "InvalidArgument"
    assert "escapes its bucket" in str(info.value)
    assert not (local_home / "s3" / "escape").exists()


def test_list_objects_v2_prefix_delimiter_pagination(s3) -> None:  # type: ignore[no-untyped-def]
    for key in [
        "data/a.csv",
        "data/b.csv",
        "data/sub/c.csv",
        "data/sub/d.csv",
        "other.txt",
        "sp ace/é.txt",
    ]:
        s3.put_object(Bucket="bkt", Key=key, Body=key.encode())
    listed = s3.list_objects_v2(Bucket="bkt", Prefix="data/", Delimiter="/")
    assert [c["Key"] for c in listed["Contents"]] == ["data/a.csv", "data/b.csv"]
    assert listed["CommonPrefixes"] == [{"Prefix": "data/sub/"}]
    assert listed["KeyCount"] == 3
    top = s3.list_objects_v2(Bucket="bkt", Delimiter="/")
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["data/", "sp ace/"]
    assert [c["Key"] for c in top["Contents"]] == ["other.txt"]
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket="bkt", PaginationConfig={"PageSize": 2}
    )
    keys = [c["Key"] for page in pages for c in page.get("Contents", [])]
    assert keys == [
        "data/a.csv",
        "data/b.csv",
        "data/sub/c.csv",
        "data/sub/d.csv",
        "other.txt",
        "sp ace/é.txt",
    ]
    assert s3.list_objects_v2(Bucket="bkt", Prefix="nothing/").get("Contents") is None


def test_files_written_outside_the_service_are_objects(s3, local_home: Path) -> None:  # type: ignore[no-untyped-def]
    path = local_home / "s3" / "bkt" / "spark" / "part-0000.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"1,2\n")
    listed = s3.list_objects_v2(Bucket="bkt", Prefix="spark/")
    assert listed["Contents"][0]["ETag"] == '"{}"'.format(hashlib.md5(b"1,2\n").hexdigest())
    path.write_bytes(b"3,4\n")  # rewritten behind the service's back: a fresh ETag
    assert s3.head_object(Bucket="bkt", Key="spark/part-0000.csv")["ETag"] == (
        '"{}"'.format(hashlib.md5(b"3,4\n").hexdigest())
    )


def test_copy_and_batch_delete(s3) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket="bkt", Key="src key", Body=b"data", Metadata={"a": "1"})
    s3.copy_object(Bucket="bkt", Key="dst", CopySource={"Bucket": "bkt", "Key": "src key"})
    assert s3.get_object(Bucket="bkt", Key="dst")["Metadata"] == {"a": "1"}
    result = s3.delete_objects(
        Bucket="bkt", Delete={"Objects": [{"Key": "src key"}, {"Key": "dst"}]}
    )
    assert sorted(d["Key"] for d in result["Deleted"]) == ["dst", "src key"]
    assert s3.list_objects_v2(Bucket="bkt")["KeyCount"] == 0


def test_upload_file_multipart_and_download_file(s3, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from boto3.s3.transfer import TransferConfig

    data = os.urandom(6 * 1024 * 1024 + 123)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    config = TransferConfig(
        multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024
    )
    s3.upload_file(str(src), "bkt", "big/big.bin", Config=config)
    head = s3.head_object(Bucket="bkt", Key="big/big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-2"')
    dst = tmp_path / "back.bin"
    s3.download_file("bkt", "big/big.bin", str(dst), Config=config)
    assert dst.read_bytes() == data
    assert not list((tmp_path / "glue-wf-home" / "work" / "s3-multipart").iterdir())


def test_abort_multipart_and_no_such_upload(s3) -> None:  # type: ignore[no-untyped-def]
    upload = s3.create_multipart_upload(Bucket="bkt", Key="k")
    s3.upload_part(Bucket="bkt", Key="k", UploadId=upload["UploadId"], PartNumber=1, Body=b"x")
    s3.abort_multipart_upload(Bucket="bkt", Key="k", UploadId=upload["UploadId"])
    with pytest.raises(ClientError) as info:
        s3.complete_multipart_upload(
            Bucket="bkt",
            Key="k",
            UploadId=upload["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": "x"}]},
        )
    assert code(info) == "NoSuchUpload"
    assert s3.list_objects_v2(Bucket="bkt")["KeyCount"] == 0


def test_list_and_delete_buckets(s3) -> None:  # type: ignore[no-untyped-def]
    s3.create_bucket(Bucket="second")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["bkt", "second"]
    s3.delete_bucket(Bucket="second")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["bkt"]


def test_keys_a_file_tree_cannot_hold_are_refused_clearly(s3) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket="bkt", Key="a/b", Body=b"x")
    cases = {
        "a": "is also the prefix of other objects (a/...)",
        "a/b/c": "lies under the object 'a/b'",
        "folder/": "folder-marker keys (empty or ending in '/') are not supported",
    }
    for key, message in cases.items():
        with pytest.raises(ClientError) as info:
            s3.put_object(Bucket="bkt", Key=key, Body=b"y")
        assert code(info) == "InvalidArgument"
        assert message in str(info.value)
    assert s3.get_object(Bucket="bkt", Key="a/b")["Body"].read() == b"x"
