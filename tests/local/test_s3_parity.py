"""The local S3 answers as S3 does where users noticed it differed: conditional requests,
Content-MD5, multipart part rules, PartNumber reads, batch and self-copy limits,
CreateBucket's location constraint, and ListObjects v1 (boto3's collections)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

MIB = 1024 * 1024
PRECONDITION = "At least one of the pre-conditions you specified did not hold"


@pytest.fixture
def s3(local_home: Path):  # type: ignore[no-untyped-def]
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket="bkt")
    return client


def error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = info.value.response
    return (
        str(response["Error"]["Code"]),
        str(response["Error"]["Message"]),
        int(response["ResponseMetadata"]["HTTPStatusCode"]),
    )


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def multipart(s3: Any, key: str, parts: list[bytes], **complete: Any) -> dict[str, Any]:
    upload = s3.create_multipart_upload(Bucket="bkt", Key=key)["UploadId"]
    etags = [
        s3.upload_part(Bucket="bkt", Key=key, UploadId=upload, PartNumber=n, Body=body)["ETag"]
        for n, body in enumerate(parts, start=1)
    ]
    return dict(
        s3.complete_multipart_upload(
            Bucket="bkt",
            Key=key,
            UploadId=upload,
            MultipartUpload={
                "Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, start=1)]
            },
            **complete,
        )
    )


# -- 1. conditional writes ---------------------------------------------------------


def test_conditional_put_refuses_and_leaves_the_object(s3) -> None:  # type: ignore[no-untyped-def]
    etag = s3.put_object(Bucket="bkt", Key="k", Body=b"old")["ETag"]
    with pytest.raises(ClientError) as info:
        s3.put_object(Bucket="bkt", Key="k", Body=b"new", IfNoneMatch="*")
    assert error(info) == ("PreconditionFailed", PRECONDITION, 412)
    with pytest.raises(ClientError) as info:
        s3.put_object(Bucket="bkt", Key="k", Body=b"new", IfMatch='"0123"')
    assert error(info) == ("PreconditionFailed", PRECONDITION, 412)
    assert s3.get_object(Bucket="bkt", Key="k")["Body"].read() == b"old"
    with pytest.raises(ClientError) as info:
        s3.put_object(Bucket="bkt", Key="missing", Body=b"x", IfMatch=etag)
    assert error(info) == ("NoSuchKey", "The specified key does not exist.", 404)
    s3.put_object(Bucket="bkt", Key="k", Body=b"new", IfMatch=etag)  # matches: written
    s3.put_object(Bucket="bkt", Key="fresh", Body=b"x", IfNoneMatch="*")
    assert s3.get_object(Bucket="bkt", Key="k")["Body"].read() == b"new"


def test_conditional_complete_multipart_upload(s3) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket="bkt", Key="k", Body=b"old")
    with pytest.raises(ClientError) as info:
        multipart(s3, "k", [b"new"], IfNoneMatch="*")
    assert error(info) == ("PreconditionFailed", PRECONDITION, 412)
    with pytest.raises(ClientError) as info:
        multipart(s3, "k", [b"new"], IfMatch='"other"')
    assert error(info) == ("PreconditionFailed", PRECONDITION, 412)
    assert s3.get_object(Bucket="bkt", Key="k")["Body"].read() == b"old"


def test_conditional_deletes(s3) -> None:  # type: ignore[no-untyped-def]
    etag = s3.put_object(Bucket="bkt", Key="k", Body=b"x")["ETag"]
    with pytest.raises(ClientError) as info:
        s3.delete_object(Bucket="bkt", Key="k", IfMatch='"other"')
    assert error(info) == ("PreconditionFailed", PRECONDITION, 412)
    with pytest.raises(ClientError) as info:
        s3.delete_object(Bucket="bkt", Key="missing", IfMatch=etag)
    assert error(info) == ("NoSuchKey", "The specified key does not exist.", 404)
    result = s3.delete_objects(
        Bucket="bkt", Delete={"Objects": [{"Key": "k", "ETag": '"other"'}, {"Key": "gone"}]}
    )
    assert result["Errors"] == [{"Key": "k", "Code": "PreconditionFailed", "Message": PRECONDITION}]
    assert result["Deleted"] == [{"Key": "gone"}]
    s3.delete_object(Bucket="bkt", Key="k", IfMatch=etag)
    assert s3.list_objects_v2(Bucket="bkt")["KeyCount"] == 0


# -- 2. conditional reads ----------------------------------------------------------


def test_read_conditions_fail_as_s3_answers(s3) -> None:  # type: ignore[no-untyped-def]
    etag = s3.put_object(Bucket="bkt", Key="k", Body=b"x")["ETag"]
    past = datetime.now(UTC) - timedelta(days=1)
    written = s3.head_object(Bucket="bkt", Key="k")["LastModified"]  # not modified since
    failing: list[dict[str, Any]] = [{"IfMatch": '"other"'}, {"IfUnmodifiedSince": past}]
    for condition in failing:
        with pytest.raises(ClientError) as info:
            s3.get_object(Bucket="bkt", Key="k", **condition)
        assert error(info) == ("PreconditionFailed", PRECONDITION, 412)
        with pytest.raises(ClientError) as info:
            s3.head_object(Bucket="bkt", Key="k", **condition)
        assert error(info) == ("412", "Precondition Failed", 412)
    for condition in [{"IfNoneMatch": etag}, {"IfModifiedSince": written}]:
        for read in (s3.get_object, s3.head_object):
            with pytest.raises(ClientError) as info:
                read(Bucket="bkt", Key="k", **condition)
            assert error(info) == ("304", "Not Modified", 304)


def test_read_condition_precedence(s3) -> None:  # type: ignore[no-untyped-def]
    etag = s3.put_object(Bucket="bkt", Key="k", Body=b"x")["ETag"]
    past = datetime.now(UTC) - timedelta(days=1)
    # If-Match true overrides If-Unmodified-Since false: 200
    got = s3.get_object(Bucket="bkt", Key="k", IfMatch=etag, IfUnmodifiedSince=past)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    # If-None-Match false with If-Modified-Since true: 304
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket="bkt", Key="k", IfNoneMatch=etag, IfModifiedSince=past)
    assert error(info)[2] == 304
    # If-None-Match true overrides If-Modified-Since false: 200
    written = s3.head_object(Bucket="bkt", Key="k")["LastModified"]
    head = s3.head_object(Bucket="bkt", Key="k", IfNoneMatch='"other"', IfModifiedSince=written)
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_copy_source_conditions(s3) -> None:  # type: ignore[no-untyped-def]
    etag = s3.put_object(Bucket="bkt", Key="src", Body=b"x")["ETag"]
    source = {"Bucket": "bkt", "Key": "src"}
    for condition in [{"CopySourceIfMatch": '"other"'}, {"CopySourceIfNoneMatch": etag}]:
        with pytest.raises(ClientError) as info:
            s3.copy_object(Bucket="bkt", Key="dst", CopySource=source, **condition)
        assert error(info) == ("PreconditionFailed", PRECONDITION, 412)
    s3.copy_object(Bucket="bkt", Key="dst", CopySource=source, CopySourceIfMatch=etag)


# -- 3. multipart part sizes -------------------------------------------------------


def test_parts_but_the_last_must_be_5_mib(s3) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as info:
        multipart(s3, "small", [b"a", b"b"])
    assert error(info) == (
        "EntityTooSmall",
        "Your proposed upload is smaller than the minimum allowed object size.",
        400,
    )
    assert multipart(s3, "one", [b"a"])["ETag"].endswith('-1"')  # the last part may be small
    assert multipart(s3, "two", [b"a" * 5 * MIB, b"b"])["ETag"].endswith('-2"')


# -- 4. DeleteObjects limits -------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1001])
def test_delete_objects_takes_1_to_1000_keys(s3, count: int) -> None:  # type: ignore[no-untyped-def]
    objects = [{"Key": f"k{i}"} for i in range(count)]
    with pytest.raises(ClientError) as info:
        s3.delete_objects(Bucket="bkt", Delete={"Objects": objects})
    assert error(info) == (
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
        400,
    )


# -- 5. CopyObject onto itself -----------------------------------------------------


def test_copy_onto_itself_must_change_something(s3) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket="bkt", Key="k", Body=b"x", Metadata={"a": "1"})
    source = {"Bucket": "bkt", "Key": "k"}
    with pytest.raises(ClientError) as info:
        s3.copy_object(Bucket="bkt", Key="k", CopySource=source)
    assert error(info) == (
        "InvalidRequest",
        "This copy request is illegal because it is trying to copy an object to itself without "
        "changing the object's metadata, storage class, website redirect location or "
        "encryption attributes.",
        400,
    )
    s3.copy_object(
        Bucket="bkt", Key="k", CopySource=source, MetadataDirective="REPLACE", Metadata={"a": "2"}
    )
    assert s3.head_object(Bucket="bkt", Key="k")["Metadata"] == {"a": "2"}
    s3.copy_object(Bucket="bkt", Key="k", CopySource=source, StorageClass="STANDARD")


# -- 6. Content-MD5 ----------------------------------------------------------------


def test_content_md5_is_checked(s3, local_home: Path) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket="bkt", Key="k", Body=b"old")
    with pytest.raises(ClientError) as info:
        s3.put_object(Bucket="bkt", Key="k", Body=b"new", ContentMD5=md5_b64(b"other"))
    assert error(info) == (
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
        400,
    )
    with pytest.raises(ClientError) as info:
        s3.put_object(Bucket="bkt", Key="k", Body=b"new", ContentMD5="not-an-md5")
    assert error(info) == ("InvalidDigest", "The Content-MD5 you specified was invalid.", 400)
    assert s3.get_object(Bucket="bkt", Key="k")["Body"].read() == b"old"
    assert [p.name for p in (local_home / "s3" / "bkt").iterdir()] == ["k"]  # no temp file
    s3.put_object(Bucket="bkt", Key="k", Body=b"new", ContentMD5=md5_b64(b"new"))
    upload = s3.create_multipart_upload(Bucket="bkt", Key="m")["UploadId"]
    with pytest.raises(ClientError) as info:
        s3.upload_part(
            Bucket="bkt",
            Key="m",
            UploadId=upload,
            PartNumber=1,
            Body=b"part",
            ContentMD5=md5_b64(b"other"),
        )
    assert error(info)[0] == "BadDigest"
    assert not list((local_home / "work" / "s3-multipart" / upload).iterdir())


# -- 7. PartNumber -----------------------------------------------------------------


def test_part_number_reads_one_part(s3) -> None:  # type: ignore[no-untyped-def]
    first, second = b"a" * 5 * MIB, b"tail"
    multipart(s3, "mp", [first, second])
    head = s3.head_object(Bucket="bkt", Key="mp", PartNumber=2)
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert (head["ContentLength"], head["PartsCount"]) == (4, 2)
    assert head["ContentRange"] == f"bytes {5 * MIB}-{5 * MIB + 3}/{5 * MIB + 4}"
    got = s3.get_object(Bucket="bkt", Key="mp", PartNumber=2)
    assert got["Body"].read() == second
    assert s3.get_object(Bucket="bkt", Key="mp", PartNumber=1)["Body"].read() == first
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket="bkt", Key="mp", PartNumber=3)
    assert error(info) == ("InvalidPartNumber", "The requested partnumber is not satisfiable", 416)
    with pytest.raises(ClientError) as info:
        s3.head_object(Bucket="bkt", Key="mp", PartNumber=3)
    assert error(info) == ("416", "Requested Range Not Satisfiable", 416)
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket="bkt", Key="mp", PartNumber=1, Range="bytes=0-1")
    assert error(info)[0] == "InvalidRequest"


def test_part_number_of_a_single_part_object(s3) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket="bkt", Key="k", Body=b"whole")
    got = s3.get_object(Bucket="bkt", Key="k", PartNumber=1)
    assert got["Body"].read() == b"whole"
    assert (got["ContentLength"], got["ContentRange"]) == (5, "bytes 0-4/5")
    assert "PartsCount" not in got
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket="bkt", Key="k", PartNumber=2)
    assert error(info) == ("InvalidPartNumber", "The requested partnumber is not satisfiable", 416)
    multipart(s3, "k", [b"a" * 5 * MIB, b"b"])
    s3.put_object(Bucket="bkt", Key="k", Body=b"replaced")  # no longer multipart
    assert "PartsCount" not in s3.head_object(Bucket="bkt", Key="k", PartNumber=1)


# -- 8. CreateBucket location ------------------------------------------------------


def test_us_east_1_is_no_location_constraint(s3) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as info:
        s3.create_bucket(
            Bucket="other", CreateBucketConfiguration={"LocationConstraint": "us-east-1"}
        )
    assert error(info) == (
        "InvalidLocationConstraint",
        "The specified location-constraint is not valid",
        400,
    )


def test_a_regional_endpoint_takes_its_own_regions_constraint_only(s3) -> None:  # type: ignore[no-untyped-def]
    # the first-deploy classic: create_bucket(Bucket=...) from an eu-west-1 client fails
    # on AWS ("unspecified"), so it must locally too
    regional = boto3.client("s3", region_name="eu-west-1")
    for config, named in (({}, "unspecified"), ({"LocationConstraint": "eu-central-1"}, None)):
        extra = {"CreateBucketConfiguration": config} if config else {}
        with pytest.raises(ClientError) as info:
            regional.create_bucket(Bucket="regional", **extra)
        assert error(info) == (
            "IllegalLocationConstraintException",
            f"The {named or 'eu-central-1'} location constraint is incompatible for the region "
            "specific endpoint this request was sent to.",
            400,
        )
    regional.create_bucket(
        Bucket="regional", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    assert "regional" in [b["Name"] for b in s3.list_buckets()["Buckets"]]


# -- 9. / 10. listings -------------------------------------------------------------

KEYS = ["data/a.csv", "data/b.csv", "data/sub/c.csv", "data/sub/d.csv", "other.txt", "sp ace/é.txt"]


@pytest.fixture
def filled(s3):  # type: ignore[no-untyped-def]
    for key in KEYS:
        s3.put_object(Bucket="bkt", Key=key, Body=key.encode())
    return s3


def test_max_keys_zero_is_an_empty_untruncated_page(filled) -> None:  # type: ignore[no-untyped-def]
    listed = filled.list_objects_v2(Bucket="bkt", MaxKeys=0)
    assert (listed["KeyCount"], listed["IsTruncated"]) == (0, False)
    assert "NextContinuationToken" not in listed
    assert "Contents" not in listed
    assert filled.list_objects(Bucket="bkt", MaxKeys=0)["IsTruncated"] is False


def test_list_objects_v1_marker_and_next_marker(filled) -> None:  # type: ignore[no-untyped-def]
    page = filled.list_objects(Bucket="bkt", MaxKeys=2)
    assert [c["Key"] for c in page["Contents"]] == ["data/a.csv", "data/b.csv"]
    assert page["IsTruncated"] is True
    assert "NextMarker" not in page  # only with a Delimiter (API_ListObjects.html)
    assert page["Contents"][0]["Owner"]["ID"]
    rest = filled.list_objects(Bucket="bkt", Marker="data/b.csv")
    assert [c["Key"] for c in rest["Contents"]] == KEYS[2:]
    assert (rest["Marker"], rest["IsTruncated"]) == ("data/b.csv", False)
    grouped = filled.list_objects(Bucket="bkt", Prefix="data/", Delimiter="/", MaxKeys=2)
    assert [c["Key"] for c in grouped["Contents"]] == ["data/a.csv", "data/b.csv"]
    assert (grouped["IsTruncated"], grouped["NextMarker"]) == (True, "data/b.csv")
    after = filled.list_objects(Bucket="bkt", Prefix="data/", Delimiter="/", Marker="data/b.csv")
    assert after["CommonPrefixes"] == [{"Prefix": "data/sub/"}]
    assert (after["IsTruncated"], "NextMarker" in after) == (False, False)


def test_list_objects_v1_url_encoding(filled) -> None:  # type: ignore[no-untyped-def]
    asked = filled.list_objects(Bucket="bkt", Prefix="sp ace/", EncodingType="url")
    assert [c["Key"] for c in asked["Contents"]] == ["sp%20ace/%C3%A9.txt"]  # as sent
    assert (asked["Prefix"], asked["EncodingType"]) == ("sp%20ace/", "url")
    auto = filled.list_objects(Bucket="bkt", Prefix="sp ace/")  # botocore decodes its own
    assert [c["Key"] for c in auto["Contents"]] == ["sp ace/é.txt"]


def test_list_objects_v1_paginator(filled) -> None:  # type: ignore[no-untyped-def]
    pages = filled.get_paginator("list_objects").paginate(
        Bucket="bkt", PaginationConfig={"PageSize": 2}
    )
    assert [c["Key"] for page in pages for c in page.get("Contents", [])] == KEYS
    grouped = filled.get_paginator("list_objects").paginate(
        Bucket="bkt", Delimiter="/", PaginationConfig={"PageSize": 1}
    )
    result = grouped.build_full_result()
    assert [p["Prefix"] for p in result["CommonPrefixes"]] == ["data/", "sp ace/"]
    assert [c["Key"] for c in result["Contents"]] == ["other.txt"]


def test_boto3_resource_collections(filled) -> None:  # type: ignore[no-untyped-def]
    bucket = boto3.resource("s3", region_name="us-east-1").Bucket("bkt")
    assert [o.key for o in bucket.objects.all()] == KEYS
    assert [o.key for o in bucket.objects.page_size(1)] == KEYS
    assert [o.key for o in bucket.objects.filter(Prefix="data/sub/")] == KEYS[2:4]
    assert next(iter(bucket.objects.filter(Prefix="other"))).size == len(b"other.txt")
    bucket.objects.filter(Prefix="data/").delete()
    assert [o.key for o in bucket.objects.all()] == ["other.txt", "sp ace/é.txt"]
