"""Test-wide isolation: no test can reach a real AWS account or the user's state."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from churndata import CHURN_CSV

from glue_workflow.awsglue_local import RUNTIME_DIR, use_local_runtime

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Job scripts import awsglue as on Glue: the local runtime, except inside the official
# Glue image (GLUE_WF_REAL_AWSGLUE=1), where the real library is installed.
if use_local_runtime() and str(RUNTIME_DIR) not in sys.path:
    sys.path.insert(0, str(RUNTIME_DIR))
# Every test has its own local home, so a warm Spark per home would only leave JVMs
# behind; set for the whole session, so module fixtures (set up before the per-test
# fixture below) start none either. tests/local/test_warm_spark.py turns it on.
os.environ["GLUE_WF_WARM_SPARK"] = "0"
# Likewise a spare endpoint server per home (tests/local/sagemaker turns it on).
os.environ["GLUE_WF_ENDPOINT_SPARE"] = "0"
# No Spark class archive in the user's cache (tests/local/test_spark_classcache.py
# writes and uses one of its own).
os.environ["GLUE_WF_SPARK_CDS_DIR"] = "off"


@pytest.fixture(autouse=True)
def _aws_isolation(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Dummy credentials, a fixed region, no profile or endpoint from the environment;
    a local target a test installed (a CLI call on the local target does) ends with it."""
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
    # Every test has its own local home, so a warm Spark per home would only leave JVMs
    # behind; tests/local/test_warm_spark.py turns it on and stops it.
    monkeypatch.setenv("GLUE_WF_WARM_SPARK", "0")
    monkeypatch.setenv("GLUE_WF_ENDPOINT_SPARE", "0")
    monkeypatch.setenv("GLUE_WF_SPARK_CDS_DIR", "off")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path_factory.getbasetemp() / "no-aws-config"))
    monkeypatch.setenv(
        "AWS_SHARED_CREDENTIALS_FILE", str(tmp_path_factory.getbasetemp() / "no-aws-credentials")
    )
    from glue_workflow.local import uninstall
    from glue_workflow.local.dispatch import installed_home

    # only what the test itself installed: a module fixture's installation stays
    before = installed_home()
    yield
    if before is None and installed_home() is not None:
        uninstall()


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
    return CHURN_CSV
