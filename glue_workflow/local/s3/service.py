"""S3 answered from the local file tree (see ``objects``), with S3's error codes.

Implemented: buckets (create/head/list/delete), objects (put/get/head/delete, batch
delete, copy, ListObjectsV2 with prefix/delimiter/pagination) and multipart uploads,
so ``upload_file``/``download_file`` of any size work. Anything else fails as not
supported by the local target.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, unquote

from botocore.response import StreamingBody

from glue_workflow.local.dispatch import LocalServiceError, not_supported
from glue_workflow.local.s3.notifications import BucketNotifications
from glue_workflow.local.s3.objects import (
    DEFAULT_CONTENT_TYPE,
    ObjectInfo,
    ObjectStore,
    read_chunks,
)
from glue_workflow.local.s3paths import S3PathError, check_bucket, check_key
from glue_workflow.local.store import LocalHome

OWNER = {"DisplayName": "glue-wf-local", "ID": "glue-wf-local"}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_CHUNK = 1024 * 1024


# S3's answers for a missing bucket or key (S3 API reference, "Error responses":
# https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
# AWS's error body also carries BucketName / Key elements; the message names neither.


def _no_bucket(bucket: str) -> LocalServiceError:  # noqa: ARG001 - AWS's message names no bucket
    return LocalServiceError("NoSuchBucket", "The specified bucket does not exist", 404)


def _no_key(bucket: str, key: str) -> LocalServiceError:  # noqa: ARG001 - nor a key
    return LocalServiceError("NoSuchKey", "The specified key does not exist.", 404)


def _not_found_head() -> LocalServiceError:
    """HeadObject / HeadBucket: a HEAD answer has no body, so botocore reports the HTTP
    status as the code ("404") and its reason phrase as the message ("Not Found")."""
    return LocalServiceError("404", "Not Found", 404)


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

    # -- buckets -------------------------------------------------------------
    def _bucket(self, params: dict[str, Any]) -> str:
        bucket = str(params["Bucket"])
        if not self.store.bucket_exists(bucket):
            raise _no_bucket(bucket)
        return bucket

    def create_bucket(self, params: dict[str, Any]) -> dict[str, Any]:
        bucket = check_bucket(str(params["Bucket"]))
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
        info = self.store.write(
            bucket,
            key,
            _body_chunks(params.get("Body")),
            content_type=str(params.get("ContentType") or DEFAULT_CONTENT_TYPE),
            metadata=dict(params.get("Metadata") or {}),
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

    def head_object(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            _, _, info = self._info(params)
        except LocalServiceError as exc:
            raise _not_found_head() from exc
        return self._object_fields(info)

    def get_object(self, params: dict[str, Any]) -> dict[str, Any]:
        bucket, key, info = self._info(params)
        fields = self._object_fields(info)
        path = self.store.path(bucket, key)
        range_header = params.get("Range")
        if range_header:
            start, end = _parse_range(str(range_header), info.size)
            with path.open("rb") as handle:
                handle.seek(start)
                data = handle.read(end - start + 1)
            fields.update(
                ContentLength=len(data),
                ContentRange=f"bytes {start}-{end}/{info.size}",
                Body=StreamingBody(io.BytesIO(data), len(data)),
                _status=206,
            )
            return fields
        fields["Body"] = StreamingBody(path.open("rb"), info.size)
        return fields

    def delete_object(self, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self._bucket(params)
        self.store.delete(bucket, check_key(str(params["Key"])))
        return {"_status": 204}

    def delete_objects(self, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self._bucket(params)
        request = params.get("Delete") or {}
        deleted: list[dict[str, str]] = []
        errors: list[dict[str, str]] = []
        for item in request.get("Objects", []):
            key = str(item["Key"])
            try:
                self.store.delete(bucket, check_key(key))
                deleted.append({"Key": key})
            except S3PathError as exc:
                errors.append({"Key": key, "Code": "InvalidArgument", "Message": str(exc)})
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
        replace = params.get("MetadataDirective") == "REPLACE"
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

    def list_objects_v2(self, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self._bucket(params)
        prefix = str(params.get("Prefix") or "")
        delimiter = str(params.get("Delimiter") or "")
        max_keys = int(params.get("MaxKeys", 1000))
        token = params.get("ContinuationToken")
        start_after = str(params.get("StartAfter") or "")
        if token:
            try:
                start_after = base64.urlsafe_b64decode(str(token).encode()).decode()
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise LocalServiceError(
                    "InvalidArgument", "The continuation token provided is incorrect", 400
                ) from exc
        # merge keys and common prefixes into one sorted stream, as S3 pages them
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
        page, rest = entries[:max_keys], entries[max_keys:]
        keys = [k for k, is_prefix in page if not is_prefix]
        encode = params.get("EncodingType") == "url"

        def enc(text: str) -> str:
            return quote(text, safe="/~") if encode else text

        response: dict[str, Any] = {
            "Name": bucket,
            "Prefix": enc(prefix),
            "MaxKeys": max_keys,
            "KeyCount": len(page),
            "IsTruncated": bool(rest),
        }
        contents = [
            {
                "Key": enc(i.key),
                "LastModified": i.last_modified,
                "ETag": i.etag,
                "Size": i.size,
                "StorageClass": "STANDARD",
            }
            for i in self.store.infos(bucket, keys)
        ]
        if contents:
            response["Contents"] = contents
        prefixes = [{"Prefix": enc(k)} for k, is_prefix in page if is_prefix]
        if prefixes:
            response["CommonPrefixes"] = prefixes
        if delimiter:
            response["Delimiter"] = enc(delimiter)
        if encode:
            response["EncodingType"] = "url"
        if token:
            response["ContinuationToken"] = token
        if params.get("StartAfter"):
            response["StartAfter"] = enc(str(params["StartAfter"]))
        if rest:
            last = page[-1][0] if page else start_after
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
        etag = self.store.write_part(upload["upload_id"], number, _body_chunks(params.get("Body")))
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
