"""S3 answered from the local file tree (see ``objects``), with S3's error codes.

Implemented: buckets (create/head/list/delete), objects (put/get/head/delete, batch
delete, copy, ListObjects and ListObjectsV2 with prefix/delimiter/pagination) and
multipart uploads, so ``upload_file``/``download_file`` of any size and boto3's
``bucket.objects`` collections work. Conditional requests (If-Match, If-None-Match,
If-(Un)Modified-Since), Content-MD5 and GetObject's PartNumber answer as S3 does.
Anything else fails as not supported by the local target.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import IO, Any
from urllib.parse import quote, unquote

from botocore.response import StreamingBody
from botocore.utils import parse_to_aware_datetime

from glue_workflow.local.dispatch import CLIENT_REGION, LocalServiceError, not_supported
from glue_workflow.local.s3.notifications import BucketNotifications
from glue_workflow.local.s3.objects import (
    DEFAULT_CONTENT_TYPE,
    DigestMismatchError,
    ObjectInfo,
    ObjectStore,
    read_chunks,
)
from glue_workflow.local.s3paths import S3PathError, check_bucket, check_key
from glue_workflow.local.store import LocalHome

OWNER = {"DisplayName": "glue-wf-local", "ID": "glue-wf-local"}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_CHUNK = 1024 * 1024
_MIN_PART_SIZE = 5 * 1024 * 1024  # every part but the last (S3 User Guide, qfacts.html)
_MAX_KEYS = 1000  # a listing page, and a DeleteObjects request, hold at most this many
# a CopyObject onto itself must change one of these (API_CopyObject.html)
_COPY_CHANGES = (
    "StorageClass",
    "WebsiteRedirectLocation",
    "ServerSideEncryption",
    "SSEKMSKeyId",
    "SSECustomerAlgorithm",
)


# S3's answers for a missing bucket or key (S3 API reference, "Error responses":
# https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
# AWS's error body also carries BucketName / Key elements; the message names neither.


def _no_bucket(bucket: str) -> LocalServiceError:  # noqa: ARG001 - AWS's message names no bucket
    return LocalServiceError("NoSuchBucket", "The specified bucket does not exist", 404)


def _no_key(bucket: str, key: str) -> LocalServiceError:  # noqa: ARG001 - nor a key
    return LocalServiceError("NoSuchKey", "The specified key does not exist.", 404)


def _bodyless(status: int) -> LocalServiceError:
    """A HEAD answer (or a 304) has no body, so botocore reports the HTTP status as the
    code ("404") and its reason phrase as the message ("Not Found")."""
    return LocalServiceError(str(status), HTTPStatus(status).phrase, status)


def _not_found_head() -> LocalServiceError:
    return _bodyless(404)


# S3 API Reference, ErrorResponses (PreconditionFailed, 412), worded as S3 sends it (no
# final period). AWS's body also names the failed header in a Condition element, which
# the local answers cannot carry (dispatch builds Error from code and message only).
def _precondition_failed() -> LocalServiceError:
    return LocalServiceError(
        "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412
    )


def _etag_matches(condition: str, etag: str) -> bool:
    """An If-Match / If-None-Match list against ``etag`` (RFC 7232 3.1: quoted or not, ``*``
    for any)."""
    tags = {tag.strip().removeprefix("W/").strip('"') for tag in condition.split(",")}
    return "*" in tags or etag.strip('"') in tags


def _http_date(value: Any) -> datetime:
    """A timestamp parameter as the HTTP date botocore sends: aware, whole seconds."""
    return parse_to_aware_datetime(value).replace(microsecond=0)


def _check_write(params: dict[str, Any], bucket: str, key: str, current: ObjectInfo | None) -> None:
    """PutObject / CopyObject / CompleteMultipartUpload / DeleteObject conditions (S3 User
    Guide, conditional-writes.html, conditional-deletes.html): If-None-Match ``*`` on an
    existing key and an If-Match the ETag does not match are 412; If-Match on a missing
    key is 404 NoSuchKey."""
    if params.get("IfNoneMatch") is not None and current is not None:
        raise _precondition_failed()
    if_match = params.get("IfMatch")
    if if_match is not None:
        if current is None:
            raise _no_key(bucket, key)
        if not _etag_matches(str(if_match), current.etag):
            raise _precondition_failed()


def _read_outcome(params: dict[str, Any], info: ObjectInfo, prefix: str = "") -> int | None:
    """GetObject / HeadObject conditions (``prefix`` "CopySource": CopyObject's), in RFC
    7232 section 6's order as API_GetObject.html states it: If-Match true overrides
    If-Unmodified-Since false (200), If-None-Match false overrides If-Modified-Since true
    (304). Returns 412, 304 or None (serve the object)."""
    if_match, if_none = params.get(f"{prefix}IfMatch"), params.get(f"{prefix}IfNoneMatch")
    unmodified = params.get(f"{prefix}IfUnmodifiedSince")
    modified = params.get(f"{prefix}IfModifiedSince")
    if if_match is not None:
        if not _etag_matches(str(if_match), info.etag):
            return 412
    elif unmodified is not None and info.last_modified > _http_date(unmodified):
        return 412
    if if_none is not None:
        return 304 if _etag_matches(str(if_none), info.etag) else None
    if modified is not None and info.last_modified <= _http_date(modified):
        return 304
    return None


def _content_md5(params: dict[str, Any]) -> bytes | None:
    """The request's Content-MD5, decoded. S3 API Reference, ErrorResponses: InvalidDigest
    (400), worded as S3 sends it ("was invalid"; the reference's table says "is not valid")."""
    value = params.get("ContentMD5")
    if value is None:
        return None
    try:
        digest = base64.b64decode(str(value), validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != hashlib.md5(usedforsecurity=False).digest_size:
        raise LocalServiceError("InvalidDigest", "The Content-MD5 you specified was invalid.", 400)
    return digest


class _Window(io.RawIOBase):
    """``length`` bytes of an open file from its current offset: a Range or a part,
    streamed rather than read into memory."""

    def __init__(self, handle: IO[bytes], length: int) -> None:
        super().__init__()
        self._handle = handle
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")[: self._left]
        count = self._handle.readinto(view)  # type: ignore[attr-defined]
        self._left -= count
        return int(count)

    def close(self) -> None:
        self._handle.close()
        super().close()


def _body_chunks(body: Any) -> Iterator[bytes]:
    if body is None:
        return iter(())
    if isinstance(body, str):
        return iter((body.encode(),))
    if isinstance(body, bytes | bytearray | memoryview):
        return iter((bytes(body),))
    if hasattr(body, "read"):
        return read_chunks(body)
    raise LocalServiceError("InvalidArgument", f"unsupported Body type {type(body).__name__}")


@dataclass(frozen=True, kw_only=True)
class _Listing:
    """One page of a bucket listing: keys and common prefixes, in S3's order."""

    bucket: str
    prefix: str
    delimiter: str
    max_keys: int
    page: list[tuple[str, bool]]  # (key or common prefix, is_prefix)
    truncated: bool
    encode: bool  # EncodingType=url: names are percent-encoded in the answer

    def enc(self, text: str) -> str:
        return quote(text, safe="/~") if self.encode else text


class S3Service:
    """The local S3 stand-in (``LocalService`` for botocore's ``s3`` client)."""

    def __init__(self, home: LocalHome) -> None:
        self.store = ObjectStore(home)
        self.notifications = BucketNotifications(home)
        self._ops: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "CreateBucket": self.create_bucket,
            "HeadBucket": self.head_bucket,
            "ListBuckets": self.list_buckets,
            "DeleteBucket": self.delete_bucket,
            "PutObject": self.put_object,
            "GetObject": self.get_object,
            "HeadObject": self.head_object,
            "DeleteObject": self.delete_object,
            "DeleteObjects": self.delete_objects,
            "CopyObject": self.copy_object,
            "ListObjects": self.list_objects,
            "ListObjectsV2": self.list_objects_v2,
            "CreateMultipartUpload": self.create_multipart_upload,
            "UploadPart": self.upload_part,
            "CompleteMultipartUpload": self.complete_multipart_upload,
            "AbortMultipartUpload": self.abort_multipart_upload,
            "PutBucketNotificationConfiguration": lambda p: self.notifications.put(
                self._bucket(p), dict(p.get("NotificationConfiguration") or {})
            ),
            "GetBucketNotificationConfiguration": lambda p: self.notifications.get(self._bucket(p)),
        }

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        op = self._ops.get(operation)
        if op is None:
            raise not_supported("s3", operation)
        try:
            return op(params)
        except S3PathError as exc:
            code = "InvalidBucketName" if "bucket name" in str(exc) else "InvalidArgument"
            raise LocalServiceError(code, str(exc), 400) from exc
        except DigestMismatchError as exc:  # S3 API Reference, ErrorResponses (BadDigest)
            raise LocalServiceError(
                "BadDigest", "The Content-MD5 you specified did not match what we received.", 400
            ) from exc

    # -- buckets -------------------------------------------------------------
    def _bucket(self, params: dict[str, Any]) -> str:
        bucket = str(params["Bucket"])
        if not self.store.bucket_exists(bucket):
            raise _no_bucket(bucket)
        return bucket

    def create_bucket(self, params: dict[str, Any]) -> dict[str, Any]:
        bucket = check_bucket(str(params["Bucket"]))
        location = (params.get("CreateBucketConfiguration") or {}).get("LocationConstraint")
        if location == "us-east-1":
            # us-east-1 is the absence of a constraint (API_CreateBucket.html); S3 answers
            # InvalidLocationConstraint (ErrorResponses), worded as sent: no final period
            raise LocalServiceError(
                "InvalidLocationConstraint", "The specified location-constraint is not valid", 400
            )
        region = CLIENT_REGION.get()
        if region and region not in ("us-east-1", location):
            # a regional endpoint takes its own region's constraint only (API_CreateBucket:
            # outside us-east-1 the constraint is required); S3's IllegalLocationConstraint-
            # Exception, worded as S3 answers it (boto3 issue threads quote it)
            raise LocalServiceError(
                "IllegalLocationConstraintException",
                f"The {location or 'unspecified'} location constraint is incompatible for the "
                "region specific endpoint this request was sent to.",
                400,
            )
        path = self.store.bucket_path(bucket)
        if path.is_dir():
            raise LocalServiceError(
                "BucketAlreadyOwnedByYou",
                f"Your previous request to create the named bucket succeeded and you "
                f"already own it: {bucket}",
                409,
            )
        path.mkdir(parents=True)
        return {"Location": f"/{bucket}"}

    def head_bucket(self, params: dict[str, Any]) -> dict[str, Any]:
        if not self.store.bucket_exists(str(params["Bucket"])):
            raise _not_found_head()
        return {}

    def list_buckets(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG002
        buckets = [{"Name": n, "CreationDate": c} for n, c in self.store.buckets()]
        return {"Buckets": buckets, "Owner": OWNER}

    def delete_bucket(self, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self._bucket(params)
        if self.store.keys(bucket, ""):
            raise LocalServiceError(
                "BucketNotEmpty", f"The bucket you tried to delete is not empty: {bucket}", 409
            )
        path = self.store.bucket_path(bucket)
        for leftover in sorted(path.rglob("*"), reverse=True):  # empty dirs, temp files
            if leftover.is_dir():
                leftover.rmdir()
            else:
                leftover.unlink()
        path.rmdir()
        self.notifications.forget(bucket)
        return {"_status": 204}

    # -- objects -------------------------------------------------------------
    def put_object(self, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self._bucket(params)
        key = check_key(str(params["Key"]))
        content_md5 = _content_md5(params)
        _check_write(params, bucket, key, self.store.info(bucket, key))
        info = self.store.write(
            bucket,
            key,
            _body_chunks(params.get("Body")),
            content_type=str(params.get("ContentType") or DEFAULT_CONTENT_TYPE),
            metadata=dict(params.get("Metadata") or {}),
            content_md5=content_md5,
        )
        self.notifications.object_created(bucket, key, info.size, info.etag, "PutObject")
        return {"ETag": info.etag}

    def _info(self, params: dict[str, Any]) -> tuple[str, str, ObjectInfo]:
        bucket = self._bucket(params)
        key = str(params["Key"])
        info = self.store.info(bucket, key)
        if info is None:
            raise _no_key(bucket, key)
        return bucket, key, info

    @staticmethod
    def _object_fields(info: ObjectInfo) -> dict[str, Any]:
        return {
            "ContentLength": info.size,
            "ContentType": info.content_type,
            "ETag": info.etag,
            "LastModified": info.last_modified,
            "Metadata": dict(info.metadata),
            "AcceptRanges": "bytes",
        }

    def _read(
        self, bucket: str, key: str, info: ObjectInfo, params: dict[str, Any]
    ) -> tuple[dict[str, Any], tuple[int, int] | None]:
        """GetObject's answer but its body, as GET answers errors: the fields, and the
        byte window (first, last) a Range or PartNumber selects."""
        outcome = _read_outcome(params, info)
        if outcome == 412:
            raise _precondition_failed()
        if outcome == 304:
            raise _bodyless(304)  # Not Modified has no body: botocore's code is "304"
        fields = self._object_fields(info)
        window = None
        if params.get("PartNumber") is not None:
            if params.get("Range"):
                # S3's answer to both (API_GetObject.html: "partNumber ... Range")
                raise LocalServiceError(
                    "InvalidRequest",
                    "Cannot specify both Range header and partNumber query parameter",
                    400,
                )
            sizes = self.store.part_sizes(bucket, key, info.etag)
            window = _part_window(sizes or [info.size], int(params["PartNumber"]))
            if sizes:
                fields["PartsCount"] = len(sizes)
        elif params.get("Range"):
            window = _parse_range(str(params["Range"]), info.size)
        if window is not None:
            first, last = window
            fields.update(ContentLength=last - first + 1, _status=206)
            if last >= first:  # an empty object's one part has no range to name
                fields["ContentRange"] = f"bytes {first}-{last}/{info.size}"
        return fields, window

    def head_object(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            bucket, key, info = self._info(params)
        except LocalServiceError as exc:
            raise _not_found_head() from exc
        try:
            return self._read(bucket, key, info, params)[0]
        except LocalServiceError as exc:  # HEAD: the same status, without a body
            raise _bodyless(exc.status) from exc

    def get_object(self, params: dict[str, Any]) -> dict[str, Any]:
        bucket, key, info = self._info(params)
        fields, window = self._read(bucket, key, info, params)
        handle = self.store.path(bucket, key).open("rb")
        if window is not None:
            handle.seek(window[0])
            handle = io.BufferedReader(_Window(handle, fields["ContentLength"]))
        fields["Body"] = StreamingBody(handle, fields["ContentLength"])
        return fields

    def delete_object(self, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self._bucket(params)
        key = check_key(str(params["Key"]))
        if params.get("IfMatch") is not None:
            _check_write(params, bucket, key, self.store.info(bucket, key))
        self.store.delete(bucket, key)
        return {"_status": 204}

    def delete_objects(self, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self._bucket(params)
        request = params.get("Delete") or {}
        items = list(request.get("Objects") or [])
        if not 1 <= len(items) <= _MAX_KEYS:
            # S3 API Reference, ErrorResponses (MalformedXML), worded as S3 sends it; the
            # 1000-key limit: API_DeleteObjects.html
            raise LocalServiceError(
                "MalformedXML",
                "The XML you provided was not well-formed or did not validate against our "
                "published schema",
                400,
            )
        deleted: list[dict[str, str]] = []
        errors: list[dict[str, str]] = []
        for item in items:
            key = str(item["Key"])
            try:
                check_key(key)
                if item.get("ETag") is not None:  # a conditional delete of this key
                    _check_write(
                        {"IfMatch": item["ETag"]}, bucket, key, self.store.info(bucket, key)
                    )
                self.store.delete(bucket, key)
                deleted.append({"Key": key})
            except S3PathError as exc:
                errors.append({"Key": key, "Code": "InvalidArgument", "Message": str(exc)})
            except LocalServiceError as exc:
                errors.append({"Key": key, "Code": exc.code, "Message": exc.message})
        response: dict[str, Any] = {"Errors": errors} if errors else {}
        if not request.get("Quiet"):
            response["Deleted"] = deleted
        return response

    def copy_object(self, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self._bucket(params)
        key = check_key(str(params["Key"]))
        source = unquote(str(params["CopySource"]).split("?versionId=")[0]).lstrip("/")
        src_bucket, _, src_key = source.partition("/")
        if not self.store.bucket_exists(src_bucket):
            raise _no_bucket(src_bucket)
        src = self.store.info(src_bucket, src_key)
        if src is None:
            raise _no_key(src_bucket, src_key)
        if _read_outcome(params, src, "CopySource") is not None:
            raise _precondition_failed()  # a copy answers 412 for a 304 too (API_CopyObject)
        replace = params.get("MetadataDirective") == "REPLACE"
        if (src_bucket, src_key) == (bucket, key) and not (
            replace or any(params.get(name) for name in _COPY_CHANGES)
        ):
            # API_CopyObject.html; S3 API Reference, ErrorResponses (InvalidRequest)
            raise LocalServiceError(
                "InvalidRequest",
                "This copy request is illegal because it is trying to copy an object to itself "
                "without changing the object's metadata, storage class, website redirect "
                "location or encryption attributes.",
                400,
            )
        _check_write(params, bucket, key, self.store.info(bucket, key))
        with self.store.path(src_bucket, src_key).open("rb") as handle:
            info = self.store.write(
                bucket,
                key,
                read_chunks(handle),
                content_type=str(params.get("ContentType") or DEFAULT_CONTENT_TYPE)
                if replace
                else src.content_type,
                metadata=dict(params.get("Metadata") or {}) if replace else src.metadata,
            )
        self.notifications.object_created(bucket, key, info.size, info.etag, "CopyObject")
        return {"CopyObjectResult": {"ETag": info.etag, "LastModified": info.last_modified}}

    def _listing(self, params: dict[str, Any], start_after: str) -> _Listing:
        """One page of keys and common prefixes after ``start_after``, merged into one
        sorted stream as S3 pages them (ListObjects and ListObjectsV2 alike)."""
        bucket = self._bucket(params)
        prefix = str(params.get("Prefix") or "")
        delimiter = str(params.get("Delimiter") or "")
        max_keys = int(params.get("MaxKeys", _MAX_KEYS))
        entries: list[tuple[str, bool]] = []  # (key or prefix, is_prefix)
        seen_prefixes: set[str] = set()
        for key in self.store.keys(bucket, prefix):
            if delimiter and delimiter in key[len(prefix) :]:
                common = key[: len(prefix) + key[len(prefix) :].index(delimiter) + len(delimiter)]
                if common not in seen_prefixes:
                    seen_prefixes.add(common)
                    entries.append((common, True))
            else:
                entries.append((key, False))
        entries = [e for e in entries if e[0].encode() > start_after.encode()]
        # at most 1000 a page whatever MaxKeys asks (API_ListObjectsV2.html, MaxKeys);
        # MaxKeys=0 is an empty page that is not truncated, as S3 answers it
        size = min(max_keys, _MAX_KEYS)
        page, rest = entries[:size], entries[size:] if size else []
        return _Listing(
            bucket=bucket,
            prefix=prefix,
            delimiter=delimiter,
            max_keys=max_keys,
            page=page,
            truncated=bool(rest),
            encode=params.get("EncodingType") == "url",
        )

    def _listed(self, listing: _Listing, *, owner: bool) -> dict[str, Any]:
        """The members both ListObjects versions answer; ``owner``: each object's Owner
        (ListObjects always, ListObjectsV2 only with FetchOwner)."""
        enc = listing.enc
        response: dict[str, Any] = {
            "Name": listing.bucket,
            "Prefix": enc(listing.prefix),
            "MaxKeys": listing.max_keys,
            "IsTruncated": listing.truncated,
        }
        keys = [k for k, is_prefix in listing.page if not is_prefix]
        contents = [
            {
                "Key": enc(i.key),
                "LastModified": i.last_modified,
                "ETag": i.etag,
                "Size": i.size,
                "StorageClass": "STANDARD",
                **({"Owner": OWNER} if owner else {}),
            }
            for i in self.store.infos(listing.bucket, keys)
        ]
        if contents:
            response["Contents"] = contents
        prefixes = [{"Prefix": enc(k)} for k, is_prefix in listing.page if is_prefix]
        if prefixes:
            response["CommonPrefixes"] = prefixes
        if listing.delimiter:
            response["Delimiter"] = enc(listing.delimiter)
        if listing.encode:
            response["EncodingType"] = "url"
        return response

    def list_objects(self, params: dict[str, Any]) -> dict[str, Any]:
        marker = str(params.get("Marker") or "")
        listing = self._listing(params, marker)
        response = self._listed(listing, owner=True)
        response["Marker"] = listing.enc(marker)
        if listing.truncated and listing.delimiter:
            # NextMarker only with a Delimiter; without one the next marker is the last
            # Key (API_ListObjects.html, NextMarker), as botocore's paginator reads it
            response["NextMarker"] = listing.enc(listing.page[-1][0])
        return response

    def list_objects_v2(self, params: dict[str, Any]) -> dict[str, Any]:
        token = params.get("ContinuationToken")
        start_after = str(params.get("StartAfter") or "")
        if token:
            try:
                start_after = base64.urlsafe_b64decode(str(token).encode()).decode()
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise LocalServiceError(
                    "InvalidArgument", "The continuation token provided is incorrect", 400
                ) from exc
        listing = self._listing(params, start_after)
        response = self._listed(listing, owner=bool(params.get("FetchOwner")))
        response["KeyCount"] = len(listing.page)
        if token:
            response["ContinuationToken"] = token
        if params.get("StartAfter"):
            response["StartAfter"] = listing.enc(str(params["StartAfter"]))
        if listing.truncated:
            last = listing.page[-1][0]
            response["NextContinuationToken"] = base64.urlsafe_b64encode(last.encode()).decode()
        return response

    # -- multipart -----------------------------------------------------------
    def create_multipart_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self._bucket(params)
        key = check_key(str(params["Key"]))
        upload_id = self.store.create_upload(
            bucket,
            key,
            str(params.get("ContentType") or DEFAULT_CONTENT_TYPE),
            dict(params.get("Metadata") or {}),
        )
        return {"Bucket": bucket, "Key": key, "UploadId": upload_id}

    def _upload(self, params: dict[str, Any]) -> Any:
        self._bucket(params)
        upload = self.store.upload(str(params["UploadId"]))
        if upload is None or upload["key"] != params["Key"] or upload["bucket"] != params["Bucket"]:
            raise LocalServiceError(
                "NoSuchUpload",
                "The specified upload does not exist. The upload ID may be invalid, or the "
                "upload may have been aborted or completed.",
                404,
            )
        return upload

    def upload_part(self, params: dict[str, Any]) -> dict[str, Any]:
        upload = self._upload(params)
        number = int(params["PartNumber"])
        if not 1 <= number <= 10000:
            raise LocalServiceError("InvalidArgument", "Part number must be between 1 and 10000")
        etag = self.store.write_part(
            upload["upload_id"], number, _body_chunks(params.get("Body")), _content_md5(params)
        )
        return {"ETag": etag}

    def complete_multipart_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        upload = self._upload(params)
        parts = (params.get("MultipartUpload") or {}).get("Parts") or []
        if not parts:
            raise LocalServiceError(
                "MalformedXML", "CompleteMultipartUpload needs at least one part", 400
            )
        numbers = [int(p["PartNumber"]) for p in parts]
        if numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
            raise LocalServiceError(
                "InvalidPartOrder", "The list of parts was not in ascending order", 400
            )
        upload_id = upload["upload_id"]
        digests = b""
        sizes: list[int] = []
        for part in parts:
            path = self.store.part_path(upload_id, int(part["PartNumber"]))
            if not path.is_file():
                raise LocalServiceError(
                    "InvalidPart", f"part {part['PartNumber']} was not uploaded", 400
                )
            digest = hashlib.md5(usedforsecurity=False)
            with path.open("rb") as handle:
                for chunk in read_chunks(handle):
                    digest.update(chunk)
            if part.get("ETag") and part["ETag"].strip('"') != digest.hexdigest():
                raise LocalServiceError(
                    "InvalidPart", f"ETag of part {part['PartNumber']} does not match", 400
                )
            digests += digest.digest()
            sizes.append(path.stat().st_size)
        if any(size < _MIN_PART_SIZE for size in sizes[:-1]):
            # S3 API Reference, ErrorResponses (EntityTooSmall); AWS's body also names the
            # part (ProposedSize, MinSizeAllowed, PartNumber, ETag)
            raise LocalServiceError(
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed object size.",
                400,
            )
        _check_write(
            params,
            upload["bucket"],
            upload["key"],
            self.store.info(upload["bucket"], upload["key"]),
        )
        etag = f'"{hashlib.md5(digests, usedforsecurity=False).hexdigest()}-{len(parts)}"'

        def chunks() -> Iterator[bytes]:
            for part in parts:
                with self.store.part_path(upload_id, int(part["PartNumber"])).open("rb") as h:
                    yield from read_chunks(h)

        info = self.store.write(
            upload["bucket"],
            upload["key"],
            chunks(),
            content_type=upload["content_type"],
            metadata=_json_dict(upload["metadata"]),
            etag=etag,
            part_sizes=sizes,
        )
        self.store.drop_upload(upload_id)
        self.notifications.object_created(
            upload["bucket"], upload["key"], info.size, info.etag, "CompleteMultipartUpload"
        )
        return {
            "Location": f"s3://{upload['bucket']}/{upload['key']}",
            "Bucket": upload["bucket"],
            "Key": upload["key"],
            "ETag": info.etag,
        }

    def abort_multipart_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        upload = self._upload(params)
        self.store.drop_upload(upload["upload_id"])
        return {"_status": 204}


def _json_dict(text: str) -> dict[str, str]:
    import json

    value = json.loads(text)
    return {str(k): str(v) for k, v in value.items()}


def _part_window(sizes: list[int], number: int) -> tuple[int, int]:
    """The bytes (first, last) of part ``number`` of an object of these part sizes."""
    if not 1 <= number <= len(sizes):
        # S3 API Reference, ErrorResponses (InvalidPartNumber, 416), worded as S3 sends it
        raise LocalServiceError(
            "InvalidPartNumber", "The requested partnumber is not satisfiable", 416
        )
    first = sum(sizes[: number - 1])
    return first, first + sizes[number - 1] - 1


def _parse_range(header: str, size: int) -> tuple[int, int]:
    match = _RANGE.fullmatch(header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        raise LocalServiceError("InvalidRange", f"unsupported Range {header!r}", 416)
    first, last = match.group(1), match.group(2)
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    else:
        start, end = max(0, size - int(last)), size - 1
    if start >= size or start > end:
        raise LocalServiceError(
            "InvalidRange", f"The requested range {header!r} is not satisfiable", 416
        )
    return start, end
