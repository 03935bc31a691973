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
