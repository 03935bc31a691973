"""Test-wide isolation: no test can reach a real AWS account or the user's state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
CHURN_CSV = SHARED_DATA / "churn_processed.csv"


@pytest.fixture(autouse=True)
def _aws_isolation(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Dummy credentials, a fixed region, no profile or endpoint from the environment."""
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_GLUE",
        "AWS_ENDPOINT_URL_SAGEMAKER",
        "AWS_ENDPOINT_URL_S3",
        "GLUE_WF_TARGET",
        "GLUE_WF_BUCKET",
        "GLUE_WF_GLUE_ROLE_ARN",
        "GLUE_WF_SAGEMAKER_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path_factory.getbasetemp() / "no-aws-config"))
    monkeypatch.setenv(
        "AWS_SHARED_CREDENTIALS_FILE", str(tmp_path_factory.getbasetemp() / "no-aws-credentials")
    )


@pytest.fixture
def local_home(tmp_path: Path) -> Iterator[Path]:
    """A fresh local-target state directory, installed for this process, then removed."""
    from glue_workflow.local import install, uninstall

    home = tmp_path / "glue-wf-home"
    install(home)
    try:
        yield home
    finally:
        uninstall()


@pytest.fixture
def churn_csv() -> Path:
    if not CHURN_CSV.is_file():
        pytest.skip(f"shared dataset missing: {CHURN_CSV}")
    return CHURN_CSV
