"""The one secret-name rule: what it refuses, and that what its hint suggests passes."""

from __future__ import annotations

import re

import pytest

from glue_workflow.model.secrets import (
    SECRET_HINT,
    looks_like_access_key_id,
    looks_like_secret,
)

REFUSED = [
    "password",
    "db_password",
    "api_key",
    "secret",
    "token",
    "aws_secret_access_key",
    "aws_access_key_id",
    "db_secret",
    "dbPassword",
    "APIKey",
    "--db_password",
    "client_secret",
    "auth_token",
    "mypassword",
    "pwd",
    "credentials",
    "private_key",
    "refresh_tokens",
    "access_token",
]
ACCEPTED = [
    "db_password_secret_arn",
    "db_secret_name",
    "db_secret_arn",
    "api_key_secret_arn",
    "endpoint_name",
    "min_accuracy",
    "input_uri",
    "tokenizer",
    "--input_path",
    "model_package_group",
    "passenger_count",
    "pass_rate",
    # language models count tokens; references to where a key is kept are no key
    "max_tokens",
    "num_tokens",
    "token_count",
    "tokens_per_batch",
    "private_key_path",
    "passwords_dataset_uri",
]


@pytest.mark.parametrize("name", REFUSED)
def test_refused(name: str) -> None:
    assert looks_like_secret(name)


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted(name: str) -> None:
    assert not looks_like_secret(name)


def test_every_name_the_hint_suggests_is_accepted() -> None:
    suggested = re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", SECRET_HINT)
    assert "db_password_secret_arn" in suggested
    for name in suggested:
        if name.startswith("_"):
            continue
        assert not looks_like_secret(name), name
    assert SECRET_HINT.startswith("keep the secret in AWS Secrets Manager")


def test_access_key_id_values() -> None:
    assert looks_like_access_key_id("AKIAABCDEFGHIJKLMNOP")
    assert not looks_like_access_key_id("s3://bucket/AKIA")


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("postgresql://admin:hunter2@db.internal:5432/shop", "a password in a URL"),
        ("ghp_" + "A1b2" * 9, "a GitHub token"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "a GitHub token"),
        ("xoxb-123456789012-abcdefghij", "a Slack token"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE", "a private key"),
        ("Basic dXNlcjpwYXNzd29yZA==", "an HTTP credential"),
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "an AWS secret access key"),
        ("AKIAABCDEFGHIJKLMNOP", "an AWS access key id"),
    ],
)
def test_values_shaped_like_credentials_are_named(value: str, kind: str) -> None:
    from glue_workflow.model.secrets import argument_secret, secret_value_kind

    assert secret_value_kind(value) == kind
    assert argument_secret("--conn", value) == (
        False,
        f"holds what looks like {kind}: never put credentials in job arguments; jobs use "
        "their IAM role, or read the secret from Secrets Manager or SSM Parameter Store at "
        "run time",
    )


@pytest.mark.parametrize(
    "value",
    [
        "s3://bucket/data/churn.csv",
        "https://example.com/a/b?x=1",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",  # a hex digest
        "0.85",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5",
        "CustomerLifetimeValuePredictedNextTwelveMonths2",
        "s3://bucket/Data/Customer2024/Processed/Fin",  # 40 characters of path between "."s
        "/mnt/Data/Customer2024/Processed/FinalXY",
    ],
)
def test_ordinary_values_are_not_credentials(value: str) -> None:
    from glue_workflow.model.secrets import secret_value_kind

    assert secret_value_kind(value) is None


def test_a_long_value_is_scanned_in_one_pass() -> None:
    from glue_workflow.jobkit.secrets import redact, secret_value_kind

    # a 300 KB argument of one letter: each start inside the run was scanned to its end
    # (the URL scheme and the name=value patterns), minutes of validate
    long = "x" * 300_000
    assert secret_value_kind(long) is None
    assert redact(long + "=1") == long + "=1"
    assert secret_value_kind(long + " https://u:pa55word@host/") == "a password in a URL"
