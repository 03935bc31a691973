"""A real local endpoint (an XGBoost model behind the local inference server), shown
and invoked with CSV from the console's endpoint page."""

from __future__ import annotations

import io
import tarfile
import warnings
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PROJECT = Path(__file__).resolve().parents[2]
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"
ROLE = "arn:aws:iam::000000000000:role/sagemaker"


def _model_tar(tmp_path: Path) -> bytes:
    import numpy as np
    import xgboost as xgb

    x = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.9], [0.9, 0.1]] * 10)
    y = np.array([0, 1, 0, 1] * 10)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 2}, xgb.DMatrix(x, label=y), num_boost_round=5
    )
    path = tmp_path / "xgboost-model"
    with warnings.catch_warnings():  # UBJSON, the container's default, is what we want
        warnings.simplefilter("ignore")
        booster.save_model(str(path))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(path, arcname="xgboost-model")
    return buffer.getvalue()


@pytest.fixture
def endpoint_console(local_home: Path, tmp_path: Path):
    from glue_workflow.aws.clients import client
    from glue_workflow.config import load_settings
    from glue_workflow.console.api import build_api
    from glue_workflow.console.server import start_background

    settings = load_settings(PROJECT, target="local", env={"GLUE_WF_HOME": str(local_home)})
    sm, s3 = client(settings, "sagemaker"), client(settings, "s3")
    s3.create_bucket(Bucket="endpoint-test")
    s3.put_object(Bucket="endpoint-test", Key="model.tar.gz", Body=_model_tar(tmp_path))
    sm.create_model(
        ModelName="tiny",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://endpoint-test/model.tar.gz"},
    )
    sm.create_endpoint_config(
        EndpointConfigName="tiny-1",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "tiny",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    sm.create_endpoint(EndpointName="tiny", EndpointConfigName="tiny-1")
    server = start_background(build_api(settings))
    try:
        sm.get_waiter("endpoint_in_service").wait(
            EndpointName="tiny", WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        yield server
    finally:
        server.shutdown()
        server.server_close()
        sm.delete_endpoint(EndpointName="tiny")  # stops the inference server


def test_endpoint_page_shows_url_and_invokes(endpoint_console, page):
    page.goto(f"{endpoint_console.url}endpoints")
    row = page.locator("table tr").filter(has_text="tiny")
    assert "InService" in row.inner_text()
    assert "http://127.0.0.1:" in row.inner_text()
    page.goto(f"{endpoint_console.url}endpoints/tiny")
    page.fill("#csv", "0.0,1.0\n1.0,0.0")
    page.click("#invoke")
    result = page.locator("#invoke-result")
    result.wait_for(state="visible")
    scores = [float(v) for v in result.inner_text().replace(",", "\n").split()]
    assert len(scores) == 2
    assert scores[0] < 0.5 < scores[1]
    page.fill("#csv", "not,numbers")
    page.click("#invoke")
    page.locator("#toast.bad").wait_for(state="visible")
    assert "invoking endpoint 'tiny'" in page.locator("#toast").inner_text()
    assert page.js_errors == [] or all("502" in e for e in page.js_errors)
