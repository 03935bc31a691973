"""Local answers as the client's own response parser would have produced them.

Local services answer with parsed values (tz-aware ``datetime``, ``bytes``), which is
what botocore's default parser produces. A client may ask for other scalar parsers
through its session's ``response_parser_factory``: the AWS CLI sets both the
timestamp and the blob parser to the identity function so that it prints values as
they came over the wire (awscli/customizations/scalarparse.py, ``add_scalar_parsers``).
For such a client each timestamp and blob of the answer is turned back into its wire
form and handed to the client's parser, exactly as a real response would be.

Wire forms (Smithy protocol specifications, "Timestamp formats" and each AWS protocol's
"default timestamp format"): awsJson1_0/1_1 and restJson1 bodies carry epoch seconds
(a JSON number, millisecond precision); restXml, awsQuery and ec2Query bodies carry ISO
8601 date-time (S3 writes ``2009-10-12T17:50:30.000Z``, ListObjectsV2 API reference);
HTTP headers carry http-date (RFC 7231, ``Wed, 21 Oct 2015 07:28:00 GMT``); a member's
``timestampFormat`` trait overrides the default. Blobs in a body are base64 text; a
blob that is the whole payload (S3 ``GetObject.Body``) is passed as is, as botocore does.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from botocore.parsers import DEFAULT_TIMESTAMP_PARSER, ResponseParserFactory

_EPOCH_PROTOCOLS = frozenset({"json", "rest-json", "smithy-rpc-v2-cbor"})


class ScalarParsers:
    """The timestamp and blob parsers one client's response parser was built with."""

    def __init__(self, parser: Any) -> None:
        self.timestamp: Callable[[Any], Any] = getattr(
            parser, "_timestamp_parser", DEFAULT_TIMESTAMP_PARSER
        )
        blob = getattr(parser, "_blob_parser", None)
        default_blob = getattr(parser, "_default_blob_parser", None)
        self.blob: Callable[[Any], Any] | None = blob
        # botocore's defaults yield what local services already return: nothing to redo
        self.is_default = self.timestamp is DEFAULT_TIMESTAMP_PARSER and (
            blob is None or blob == default_blob
        )


def client_parsers(client: Any) -> Callable[[str], ScalarParsers]:
    """The scalar parsers ``client`` applies to a response in a given protocol.

    Read per response, as botocore does: the client's endpoint asks its session's
    ``response_parser_factory`` for a parser for each response it parses.
    """
    endpoint = getattr(client, "_endpoint", None)
    factory = getattr(endpoint, "_response_parser_factory", None) or ResponseParserFactory()
    return lambda protocol: ScalarParsers(factory.create_parser(protocol))


def as_parsed(answer: dict[str, Any], shape: Any, protocol: str, parsers: ScalarParsers) -> Any:
    """``answer`` (an operation's output) with its scalars run through ``parsers``."""
    if parsers.is_default or shape is None:
        return answer
    payload = shape.serialization.get("payload")
    result = dict(answer)
    for name, member in shape.members.items():
        if name not in result:
            continue
        location = member.serialization.get("location")
        if location in ("header", "headers", "statusCode"):
            if location == "header":
                result[name] = _convert(result[name], member, "header", protocol, parsers)
        elif name == payload and member.type_name != "structure":
            continue  # a raw payload: botocore does not parse it
        else:
            result[name] = _convert(result[name], member, "body", protocol, parsers)
    return result


def _convert(value: Any, shape: Any, where: str, protocol: str, parsers: ScalarParsers) -> Any:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {
            key: _convert(item, shape.members[key], where, protocol, parsers)
            if key in shape.members
            else item
            for key, item in value.items()
        }
    if kind == "list" and isinstance(value, list):
        return [_convert(item, shape.member, where, protocol, parsers) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _convert(v, shape.value, where, protocol, parsers) for k, v in value.items()}
    if kind == "timestamp" and isinstance(value, datetime):
        return parsers.timestamp(_wire_timestamp(value, shape, where, protocol))
    if kind == "blob" and isinstance(value, (bytes, bytearray)) and parsers.blob is not None:
        return parsers.blob(base64.b64encode(value).decode("ascii"))
    return value


def _wire_timestamp(value: datetime, shape: Any, where: str, protocol: str) -> str | float:
    utc = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    default = "rfc822" if where == "header" else None
    if default is None:
        default = "unixTimestamp" if protocol in _EPOCH_PROTOCOLS else "iso8601"
    form = shape.serialization.get("timestampFormat", default)
    if form == "unixTimestamp":
        return round(utc.timestamp(), 3)
    if form == "rfc822":
        return format_datetime(utc.replace(microsecond=0), usegmt=True)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


__all__ = ["ScalarParsers", "as_parsed", "client_parsers"]
