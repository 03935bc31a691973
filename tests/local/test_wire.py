"""Local answers honour the client's response parser settings (the AWS CLI's raw scalars)."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from dateutil.parser import parse

from glue_workflow.local.wire import ScalarParsers, as_parsed


def identity(x: Any) -> Any:
    return x


def cli_session() -> botocore.session.Session:
    """A session set up as awscli's scalarparse.add_scalar_parsers does (cli_timestamp_format
    'none', the default): blobs and timestamps exactly as they came over the wire."""
    session = botocore.session.get_session()
    factory = session.get_component("response_parser_factory")
    factory.set_parser_defaults(blob_parser=identity)
    factory.set_parser_defaults(timestamp_parser=identity)
    return session


def test_s3_timestamps_arrive_raw_for_a_cli_client(local_home: Path) -> None:
    s3 = cli_session().create_client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="raw")
    s3.put_object(Bucket="raw", Key="k", Body=b"x")
    listed = s3.list_objects_v2(Bucket="raw")["Contents"][0]["LastModified"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", listed), listed
    headed = s3.head_object(Bucket="raw", Key="k")["LastModified"]
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", headed)
    bucket = s3.list_buckets()["Buckets"][0]["CreationDate"]
    assert isinstance(bucket, str)
    # what `aws s3 ls` does with them: dateutil parses both forms
    assert parse(listed).replace(microsecond=0) == parse(headed)
    default = botocore.session.get_session().create_client("s3", region_name="us-east-1")
    parsed = default.list_objects_v2(Bucket="raw")["Contents"][0]["LastModified"]
    assert isinstance(parsed, datetime)
    assert parsed.tzinfo is not None
    assert abs((parsed - parse(listed)).total_seconds()) < 0.001


def test_json_protocol_timestamps_arrive_as_epoch_seconds(local_home: Path) -> None:
    glue = cli_session().create_client("glue", region_name="us-east-1")
    glue.create_job(
        Name="j",
        Role="arn:aws:iam::123456789012:role/glue",
        Command={"Name": "pythonshell", "ScriptLocation": "s3://b/x.py"},
    )
    created = glue.get_job(JobName="j")["Job"]["CreatedOn"]
    assert isinstance(created, float)
    assert abs(created - datetime.now(UTC).timestamp()) < 60


def _output(service: str, operation: str) -> tuple[Any, str]:
    model = botocore.session.get_session().get_service_model(service)
    return model.operation_model(operation).output_shape, model.protocol


class _Parser:
    def __init__(self, timestamp: Any, blob: Any) -> None:
        self._timestamp_parser = timestamp
        self._blob_parser = blob


def test_body_blobs_go_through_the_blob_parser() -> None:
    shape, protocol = _output("kms", "Decrypt")
    raw = as_parsed(
        {"Plaintext": b"hi", "KeyId": "k"},
        shape,
        protocol,
        ScalarParsers(_Parser(identity, identity)),
    )
    assert raw == {"Plaintext": base64.b64encode(b"hi").decode(), "KeyId": "k"}
    decoded = as_parsed(
        {"Plaintext": b"hi"}, shape, protocol, ScalarParsers(_Parser(identity, base64.b64decode))
    )
    assert decoded == {"Plaintext": b"hi"}


def test_payload_blobs_are_left_as_they_are() -> None:
    shape, protocol = _output("sagemaker-runtime", "InvokeEndpoint")
    answer = {"Body": b"0.5", "ContentType": "text/csv"}
    assert as_parsed(answer, shape, protocol, ScalarParsers(_Parser(identity, identity))) == answer


@pytest.mark.parametrize(
    ("service", "operation", "answer", "raw"),
    [
        (
            "sagemaker",
            "DescribeEndpoint",
            {"CreationTime": datetime(2024, 1, 2, 3, 4, 5, 678900, tzinfo=UTC)},
            {"CreationTime": 1704164645.679},
        ),
        (
            "s3",
            "ListBuckets",
            {"Buckets": [{"Name": "b", "CreationDate": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)}]},
            {"Buckets": [{"Name": "b", "CreationDate": "2024-01-02T03:04:05.000Z"}]},
        ),
        (
            "s3",
            "HeadObject",
            {"LastModified": datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=UTC)},
            {"LastModified": "Tue, 02 Jan 2024 03:04:05 GMT"},
        ),
    ],
)
def test_wire_forms_of_timestamps(
    service: str, operation: str, answer: dict[str, Any], raw: dict[str, Any]
) -> None:
    shape, protocol = _output(service, operation)
    assert as_parsed(answer, shape, protocol, ScalarParsers(_Parser(identity, identity))) == raw


def test_default_parsers_leave_answers_untouched() -> None:
    from botocore.parsers import RestXMLParser

    shape, protocol = _output("s3", "HeadObject")
    answer = {"LastModified": datetime(2024, 1, 2, tzinfo=UTC)}
    parsers = ScalarParsers(RestXMLParser())
    assert parsers.is_default
    assert as_parsed(answer, shape, protocol, parsers) is answer
