"""The SageMaker Python SDK's telemetry (sent over its own HTTP stack) is off locally."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from glue_workflow.local import install, uninstall
from glue_workflow.local.environment import exports, job_environment

RunChild = Callable[[str, dict[str, str], Path], str]  # the run_child fixture

# What the SDK's telemetry decorator checks before sending (telemetry_logging.py).
READ_OPT_OUT = """
from sagemaker.core.common_utils import resolve_value_from_config
from sagemaker.core.config.config import load_sagemaker_config
from sagemaker.core.config.config_schema import TELEMETRY_OPT_OUT_PATH
print(resolve_value_from_config(
    config_path=TELEMETRY_OPT_OUT_PATH,
    default_value=False,
    sagemaker_config=load_sagemaker_config(),
))
"""


def test_local_jobs_and_glue_wf_env_turn_sdk_telemetry_off(
    tmp_path: Path, run_child: RunChild
) -> None:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    assert run_child(READ_OPT_OUT, base, tmp_path).strip() == "False"
    assert run_child(READ_OPT_OUT, job_environment(tmp_path / "h", base), tmp_path).strip() == (
        "True"
    )
    shell = {**base, **exports(tmp_path / "h")}
    assert run_child(READ_OPT_OUT, shell, tmp_path).strip() == "True"


def test_installing_the_local_target_turns_it_off_in_the_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SAGEMAKER_ADMIN_CONFIG_OVERRIDE", raising=False)
    install(tmp_path / "home")
    try:
        from sagemaker.core.config.config import load_sagemaker_config

        config = load_sagemaker_config()
    finally:
        uninstall()
        os.environ.pop("SAGEMAKER_ADMIN_CONFIG_OVERRIDE", None)
    assert config["SageMaker"]["PythonSDK"]["Modules"]["TelemetryOptOut"] is True
