"""The before-call mechanism that serves boto3 clients from local handlers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.httpsession
import botocore.session
import pytest
from botocore.exceptions import ClientError, ParamValidationError

from glue_workflow.local import dispatch
from glue_workflow.local.dispatch import LocalServiceError, not_supported


class _FakeGlue:
    calls: list[tuple[str, dict[str, Any]]] = []

    def __init__(self, home: Any) -> None:
        self.home = home

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((operation, params))
        if operation == "GetJob":
            if params["JobName"] == "missing":
                raise LocalServiceError("EntityNotFoundException", "Job missing not found")
            return {"Job": {"Name": params["JobName"], "CreatedOn": datetime.now(UTC)}}
        raise not_supported("glue", operation)


@pytest.fixture
def fake_glue(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[type[_FakeGlue]]:
    monkeypatch.setitem(dispatch.SERVICES, "glue", _FakeGlue)
    _FakeGlue.calls = []
    dispatch.install(tmp_path / "home")
    try:
        yield _FakeGlue
    finally:
        dispatch.uninstall()


def test_answers_from_local_handler(fake_glue: type[_FakeGlue]) -> None:
    client = boto3.client("glue", region_name="us-east-1")
    job = client.get_job(JobName="train")["Job"]
    assert job["Name"] == "train"
    assert fake_glue.calls == [("GetJob", {"JobName": "train"})]


def test_errors_become_modelled_client_errors(fake_glue: type[_FakeGlue]) -> None:
    client = boto3.client("glue", region_name="us-east-1")
    with pytest.raises(client.exceptions.EntityNotFoundException, match="Job missing not found"):
        client.get_job(JobName="missing")


def test_unimplemented_operation_is_never_silent(fake_glue: type[_FakeGlue]) -> None:
    client = boto3.client("glue", region_name="us-east-1")
    with pytest.raises(ClientError) as info:
        client.get_crawler(Name="c")
    assert info.value.response["Error"]["Code"] == "NotSupportedLocally"
    assert "glue:GetCrawler is not supported by the glue-wf local target" in str(info.value)


def test_botocore_still_validates_requests(fake_glue: type[_FakeGlue]) -> None:
    client = boto3.client("glue", region_name="us-east-1")
    with pytest.raises(ParamValidationError, match="valid min length: 1"):
        client.get_job(JobName="")
    assert fake_glue.calls == []


def test_uninstall_restores_botocore(tmp_path: Path) -> None:
    original = botocore.session.Session.create_client
    original_send = botocore.httpsession.URLLib3Session.send
    dispatch.install(tmp_path)
    assert dispatch.installed_home() == tmp_path.resolve()
    dispatch.uninstall()
    assert botocore.session.Session.create_client is original
    assert botocore.httpsession.URLLib3Session.send is original_send
    assert dispatch.installed_home() is None
