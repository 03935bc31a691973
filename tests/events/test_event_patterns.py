"""EventBridge pattern matching as the EventBridge User Guide's content-filtering examples."""

from __future__ import annotations

import json
from typing import Any

import pytest

from glue_workflow.eventpattern import PatternError, check_pattern, matches, parse_pattern

S3_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "e1",
    "detail-type": "Object Created",
    "source": "aws.s3",
    "account": "000000000000",
    "time": "2026-12-04T18:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:s3:::data"],
    "detail": {
        "bucket": {"name": "data"},
        "object": {"key": "input/2026/part-1.csv", "size": 2048},
        "reason": "PutObject",
        "flag": True,
        "nothing": None,
    },
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"source": ["aws.s3"]}, True),
        ({"source": ["aws.ec2"]}, False),
        ({"source": ["aws.ec2", "aws.s3"]}, True),  # values of one field are ORed
        ({"source": ["aws.s3"], "detail-type": ["Object Deleted"]}, False),  # fields ANDed
        ({"detail": {"bucket": {"name": ["data"]}}}, True),
        ({"detail": {"object": {"key": [{"prefix": "input/"}]}}}, True),
        ({"detail": {"object": {"key": [{"prefix": "output/"}]}}}, False),
        ({"detail": {"object": {"key": [{"suffix": ".csv"}]}}}, True),
        ({"detail": {"object": {"key": [{"prefix": {"equals-ignore-case": "INPUT/"}}]}}}, True),
        ({"detail": {"reason": [{"equals-ignore-case": "putobject"}]}}, True),
        ({"detail": {"reason": [{"anything-but": "PutObject"}]}}, False),
        ({"detail": {"reason": [{"anything-but": ["CopyObject", "X"]}]}}, True),
        ({"detail": {"object": {"key": [{"anything-but": {"prefix": "input/"}}]}}}, False),
        ({"detail": {"object": {"key": [{"anything-but": {"suffix": ".json"}}]}}}, True),
        ({"detail": {"object": {"size": [{"numeric": [">", 0, "<=", 2048]}]}}}, True),
        ({"detail": {"object": {"size": [{"numeric": [">", 2048]}]}}}, False),
        ({"detail": {"object": {"size": [2048.0]}}}, True),  # numbers compare as numbers
        ({"detail": {"object": {"size": ["2048"]}}}, False),  # a string is not a number
        ({"detail": {"object": {"size": [{"exists": True}]}}}, True),
        ({"detail": {"object": {"version": [{"exists": True}]}}}, False),
        ({"detail": {"object": {"version": [{"exists": False}]}}}, True),
        ({"detail": {"missing": {"deeper": [{"exists": False}]}}}, True),
        ({"detail": {"object": {"key": [{"exists": False}]}}}, False),
        ({"detail": {"flag": [True]}}, True),
        ({"detail": {"flag": ["true"]}}, False),
        ({"detail": {"nothing": [None]}}, True),  # null matches an explicit null only
        ({"detail": {"absent": [None]}}, False),
        ({"resources": ["arn:aws:s3:::data"]}, True),  # any element of an event array
        ({"detail": {"object": {"key": [{"wildcard": "input/*/part-?.csv"}]}}}, False),
        ({"detail": {"object": {"key": [{"wildcard": "input/*.csv"}]}}}, True),
        ({"detail": {"reason": [{"anything-but": "PutObject"}], "missing": ["x"]}}, False),
    ],
)
def test_matches_as_eventbridge(pattern: dict[str, Any], expected: bool) -> None:
    check_pattern(pattern)
    assert matches(pattern, S3_EVENT) is expected


def test_anything_but_needs_the_field() -> None:
    # "anything-but" matches values other than those listed; an absent field has none
    assert not matches({"detail": {"absent": [{"anything-but": "x"}]}}, S3_EVENT)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ({}, "Event pattern must be a non-empty JSON object"),
        (
            {"source": "aws.s3"},
            'source must be an array of match values, e.g. {"source": ["aws.s3"]}',
        ),
        ({"source": []}, "Empty arrays are not allowed: source"),
        ({"detail": {"n": [{"numeric": [">>", 1]}]}}, "unrecognized numeric range operator: >>"),
        ({"detail": {"n": [{"numeric": [">", 6e9]}]}}, "must be between -5.0E9 and 5.0E9"),
        ({"detail": {"n": [{"numeric": [">"]}]}}, "numeric takes [operator, number, ...]"),
        (
            {"detail": {"n": [{"exists": "yes"}]}},
            "exists match pattern must be either true or false",
        ),
        ({"detail": {"n": [{"regex": "x"}]}}, "unrecognized match type regex"),
        ({"detail": {"n": [{"prefix": 1}]}}, "prefix match pattern must be a string"),
        ({"detail": {"n": [{"prefix": "a", "suffix": "b"}]}}, "one operator object"),
    ],
)
def test_invalid_patterns_are_refused_with_the_field(pattern: Any, message: str) -> None:
    with pytest.raises(PatternError) as caught:
        check_pattern(pattern)
    assert message in str(caught.value)


def test_parse_pattern_refuses_non_json() -> None:
    with pytest.raises(PatternError, match="Event pattern is not valid JSON"):
        parse_pattern("{source: aws.s3}")
    assert parse_pattern(json.dumps({"source": ["a"]})) == {"source": ["a"]}
