"""The ``glue_wf`` pytest fixture ends what its test's local target started."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glue_workflow.testing import fixture


def test_the_fixture_stops_endpoints_warm_spark_and_spares_after_its_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, ...]] = []

    def cli(self: fixture.LocalProject, *args: str, check: bool = True) -> tuple[int, str]:
        calls.append(args)
        if args[0] == "endpoints":
            return 0, json.dumps([{"EndpointName": "churn-xgb"}])
        return 0, ""

    monkeypatch.setattr(fixture.LocalProject, "cli", cli)
    steps = fixture.glue_wf.__wrapped__(tmp_path / "project", tmp_path)  # type: ignore[attr-defined]
    project = next(steps)
    assert project.home == tmp_path / "glue-wf-home"
    assert calls == []  # nothing before the test
    with pytest.raises(StopIteration):
        next(steps)
    assert calls == [
        ("endpoints", "--json"),
        ("delete-endpoint", "churn-xgb", "--yes"),
        ("local", "stop"),  # each test has its own home: its warm Spark and spares go too
    ]


def test_a_test_on_the_fixture_has_local_credentials_and_a_region(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    # a CI machine: no AWS configuration at all, and a profile that would otherwise win
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "nowhere"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "nowhere"))
    with fixture.local_target(tmp_path / "home"):
        # before: "found no credentials" (then the metadata service, refused) or
        # NoRegionError: the docs promise a test's own boto3 clients are answered locally
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="glue-wf-local")
        s3.put_object(Bucket="glue-wf-local", Key="k", Body=b"v")
        assert s3.get_object(Bucket="glue-wf-local", Key="k")["Body"].read() == b"v"
        assert boto3.client("glue").list_workflows()["Workflows"] == []
    import os

    assert os.environ["AWS_PROFILE"] == "production"  # as it was afterwards
    assert "AWS_ACCESS_KEY_ID" not in os.environ
