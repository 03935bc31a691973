"""Endpoints as local inference servers: create, invoke, blue/green update, failures."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError
from sm_helpers import BUCKET, IMAGE, ROLE, churn_frame, put, tar_gz

from glue_workflow.local.sagemaker.endpoints import endpoint_url

pytestmark = pytest.mark.slow


def _model(sm: Any, name: str, url: str) -> None:
    sm.create_model(
        ModelName=name,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": url},
    )


def _config(sm: Any, name: str, model: str) -> None:
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": model,
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )


def _server_pid(sm_home: Path, endpoint: str) -> int:
    from glue_workflow.local.sagemaker.common import Resources
    from glue_workflow.local.store import LocalHome

    record = Resources(LocalHome(sm_home)).get("endpoint", endpoint)
    assert record is not None
    pid: int = record["_server"]["pid"]
    return pid


def _alive(pid: int) -> bool:
    """Running (not exited, not a zombie awaiting its parent)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _exits(pid: int, within: float = 30.0) -> bool:
    """``pid`` ends by itself within ``within`` seconds (a replaced server drains, then
    exits: UpdateEndpoint does not wait for it)."""
    deadline = time.monotonic() + within
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not _alive(pid)


def _rows(count: int) -> str:
    features = churn_frame().iloc[-count:, 1:]
    return "\n".join(",".join(str(v) for v in row) for row in features.to_numpy().tolist())


@pytest.fixture
def live(sm: Any, trained: dict[str, Any]) -> Any:
    """Endpoint ``ep-live`` serving the shared trained model; deleted afterwards."""
    url = trained["ModelArtifacts"]["S3ModelArtifacts"]
    for name in ("ep-model", "ep-model-b"):
        with contextlib.suppress(ClientError):  # created by an earlier test
            _model(sm, name, url)
    for name, model in (("ep-config", "ep-model"), ("ep-config-b", "ep-model-b")):
        with contextlib.suppress(ClientError):
            _config(sm, name, model)
    sm.create_endpoint(EndpointName="ep-live", EndpointConfigName="ep-config")
    try:
        yield sm
    finally:
        sm.delete_endpoint(EndpointName="ep-live")


def test_create_invoke_and_delete(live: Any, runtime: Any, sm_home: Path) -> None:
    sm = live
    sm.get_waiter("endpoint_in_service").wait(EndpointName="ep-live")  # first poll succeeds
    endpoint = sm.describe_endpoint(EndpointName="ep-live")
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["ProductionVariants"][0]["DeployedImages"][0]["SpecifiedImage"] == IMAGE
    url = endpoint_url(sm_home, "ep-live")
    assert url is not None
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(f"{url}/ping", timeout=5) as answer:
        assert answer.status == 200

    single = runtime.invoke_endpoint(EndpointName="ep-live", ContentType="text/csv", Body=_rows(1))
    assert single["ContentType"] == "text/csv"
    assert single["InvokedProductionVariant"] == "AllTraffic"
    assert 0 < float(single["Body"].read()) < 1
    batch = runtime.invoke_endpoint(EndpointName="ep-live", ContentType="text/csv", Body=_rows(100))
    assert len(batch["Body"].read().decode().split(",")) == 100
    as_json = runtime.invoke_endpoint(
        EndpointName="ep-live", ContentType="text/csv", Accept="application/json", Body=_rows(1)
    )
    assert len(json.loads(as_json["Body"].read())["predictions"]) == 1
    with pytest.raises(ClientError) as json_body:  # the container reads no JSON requests
        runtime.invoke_endpoint(
            EndpointName="ep-live",
            ContentType="application/json",
            Body=json.dumps({"instances": [[float(v) for v in _rows(1).split(",")]]}),
        )
    assert json_body.value.response["Error"]["Code"] == "ModelError"
    assert json_body.value.response["OriginalStatusCode"] == 415  # the ModelError shape's
    assert json_body.value.response["OriginalMessage"].startswith("application/json is not")
    assert "Received client error (415)" in str(json_body.value)
    assert "application/json is not an accepted ContentType" in str(json_body.value)
    with pytest.raises(ClientError) as untyped:  # no ContentType: the container reads libsvm
        runtime.invoke_endpoint(EndpointName="ep-live", Body=_rows(1))
    assert untyped.value.response["OriginalStatusCode"] == 415
    assert untyped.value.response["OriginalMessage"].startswith(
        "text/libsvm is read by the XGBoost container but not by the glue-wf local endpoint "
        "server: send text/csv rows (ContentType='text/csv'"
    )
    with pytest.raises(ClientError) as large:  # past InvokeEndpoint's 6 MB: AWS's 413
        runtime.invoke_endpoint(
            EndpointName="ep-live", ContentType="text/csv", Body=b"1" * (6 << 20 | 1)
        )
    assert large.value.response["Error"] == {
        "Code": "413",
        "Message": "HTTP content length exceeded 6291456 bytes.",
    }
    assert large.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    with pytest.raises(ClientError) as multi:
        runtime.invoke_endpoint(
            EndpointName="ep-live", ContentType="text/csv", Body=_rows(1), TargetModel="m.tar.gz"
        )
    assert multi.value.response["Error"]["Message"] == (
        "Endpoint ep-live is not a multi-model endpoint and does not support target model header."
    )

    with pytest.raises(ClientError) as bad:
        runtime.invoke_endpoint(EndpointName="ep-live", ContentType="text/csv", Body="1,2,3")
    assert bad.value.response["Error"]["Code"] == "ModelError"
    assert "Feature size of inference data 3 is not consistent" in str(bad.value)
    assert runtime.invoke_endpoint(EndpointName="ep-live", ContentType="text/csv", Body=_rows(1))[
        "Body"
    ].read()  # still serving

    with pytest.raises(ClientError, match="Cannot create already existing endpoint"):
        sm.create_endpoint(EndpointName="ep-live", EndpointConfigName="ep-config")
    names = [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]]
    assert "ep-live" in names

    pid = _server_pid(sm_home, "ep-live")
    sm.delete_endpoint(EndpointName="ep-live")
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    sm.get_waiter("endpoint_deleted").wait(EndpointName="ep-live")
    gone = r'Could not find endpoint "arn:aws:sagemaker:[a-z0-9-]+:000000000000:endpoint/ep-live"'
    with pytest.raises(ClientError, match=gone):
        sm.describe_endpoint(EndpointName="ep-live")
    with pytest.raises(ClientError, match="Endpoint ep-live of account 000000000000 not found"):
        runtime.invoke_endpoint(EndpointName="ep-live", ContentType="text/csv", Body="1")
    sm.create_endpoint(EndpointName="ep-live", EndpointConfigName="ep-config")  # for teardown


def test_blue_green_update_and_failed_update(live: Any, runtime: Any, sm_home: Path) -> None:
    sm = live
    blue = _server_pid(sm_home, "ep-live")
    sm.update_endpoint(EndpointName="ep-live", EndpointConfigName="ep-config-b")
    updated = sm.describe_endpoint(EndpointName="ep-live")
    assert updated["EndpointStatus"] == "InService"
    assert updated["EndpointConfigName"] == "ep-config-b"
    assert "FailureReason" not in updated
    green = _server_pid(sm_home, "ep-live")
    assert green != blue
    assert _exits(blue)
    assert runtime.invoke_endpoint(EndpointName="ep-live", ContentType="text/csv", Body=_rows(1))[
        "Body"
    ].read()

    put(sm_home, "broken/model.tar.gz", b"this is not a tar.gz")
    _model(sm, "ep-broken", f"s3://{BUCKET}/broken/model.tar.gz")
    _config(sm, "ep-config-broken", "ep-broken")
    sm.update_endpoint(EndpointName="ep-live", EndpointConfigName="ep-config-broken")
    after = sm.describe_endpoint(EndpointName="ep-live")
    assert after["EndpointStatus"] == "InService"
    assert after["EndpointConfigName"] == "ep-config-b"
    assert "is not a gzip-compressed tar archive" in after["FailureReason"]
    assert _server_pid(sm_home, "ep-live") == green
    assert runtime.invoke_endpoint(EndpointName="ep-live", ContentType="text/csv", Body=_rows(1))[
        "Body"
    ].read()


def test_unsafe_or_broken_artifacts_fail_the_endpoint(sm: Any, sm_home: Path) -> None:
    put(sm_home, "evil/model.tar.gz", tar_gz({"../../escape": b"x"}))
    put(sm_home, "pickle/model.tar.gz", tar_gz({"xgboost-model": b"\x80\x04K\x01."}))
    cases = {
        "ep-evil": ("evil", "escapes the extraction directory"),
        "ep-pickle": ("pickle", "pickled models are refused"),
    }
    for name, (key, _) in cases.items():
        _model(sm, name, f"s3://{BUCKET}/{key}/model.tar.gz")
        _config(sm, name, name)
        sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    try:
        for name, (_, message) in cases.items():
            with pytest.raises(WaiterError, match="terminal failure state"):
                sm.get_waiter("endpoint_in_service").wait(EndpointName=name)
            endpoint = sm.describe_endpoint(EndpointName=name)
            assert endpoint["EndpointStatus"] == "Failed"
            assert message in endpoint["FailureReason"]
        assert not (sm_home / "work" / "escape").exists()
        with pytest.raises(ClientError, match="while it is Failed"):
            sm.update_endpoint(EndpointName="ep-evil", EndpointConfigName="ep-evil")
    finally:
        for name in cases:
            sm.delete_endpoint(EndpointName=name)


def test_dead_server_reads_as_failed_not_a_ghost(live: Any, runtime: Any, sm_home: Path) -> None:
    pid = _server_pid(sm_home, "ep-live")
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    endpoint = live.describe_endpoint(EndpointName="ep-live")
    assert endpoint["EndpointStatus"] == "Failed"
    assert "is no longer running" in endpoint["FailureReason"]
    assert endpoint_url(sm_home, "ep-live") is None
    with pytest.raises(ClientError, match="is not in service"):
        runtime.invoke_endpoint(EndpointName="ep-live", ContentType="text/csv", Body=_rows(1))


def test_endpoint_outlives_the_process_that_created_it(
    sm: Any, runtime: Any, sm_home: Path, trained: dict[str, Any]
) -> None:
    import subprocess
    import sys

    script = (
        "import sys, boto3\n"
        "from glue_workflow.local import install\n"
        "install(sys.argv[1])\n"
        "sm = boto3.client('sagemaker', region_name='us-east-1', aws_access_key_id='x',"
        " aws_secret_access_key='x')\n"
        f"sm.create_model(ModelName='ep-survive', ExecutionRoleArn='{ROLE}',"
        f" PrimaryContainer={{'Image': '{IMAGE}', 'ModelDataUrl': sys.argv[2]}})\n"
        "sm.create_endpoint_config(EndpointConfigName='ep-survive', ProductionVariants=["
        "{'VariantName': 'AllTraffic', 'ModelName': 'ep-survive', 'InitialInstanceCount': 1,"
        " 'InstanceType': 'ml.m5.large'}])\n"
        "sm.create_endpoint(EndpointName='ep-survive', EndpointConfigName='ep-survive')\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(sm_home), trained["ModelArtifacts"]["S3ModelArtifacts"]],
        check=True,
        timeout=120,
    )
    try:
        assert sm.describe_endpoint(EndpointName="ep-survive")["EndpointStatus"] == "InService"
        assert runtime.invoke_endpoint(
            EndpointName="ep-survive", ContentType="text/csv", Body=_rows(1)
        )["Body"].read()
        pid = _server_pid(sm_home, "ep-survive")
    finally:
        sm.delete_endpoint(EndpointName="ep-survive")  # stops a server this process never started
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def test_update_drains_the_old_server(live: Any, runtime: Any, sm_home: Path) -> None:
    """A request the old server had started is answered across the switch, and callers
    of InvokeEndpoint see no failure while the endpoint moves to the new server."""
    import socket
    import threading

    sm = live
    old_url = endpoint_url(sm_home, "ep-live")
    assert old_url is not None
    old_port, old_pid = int(old_url.rsplit(":", 1)[1]), _server_pid(sm_home, "ep-live")
    row = _rows(1).encode()
    request = (
        b"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
        + f"Content-Length: {len(row)}\r\n\r\n".encode()
        + row
    )
    started = socket.create_connection(("127.0.0.1", old_port), timeout=30)
    started.sendall(request[:-2])  # under way when the switch comes

    failures: list[str] = []
    answered = [0]
    stop = threading.Event()

    def invoke() -> None:
        while not stop.is_set():
            try:
                runtime.invoke_endpoint(EndpointName="ep-live", ContentType="text/csv", Body=row)
                answered[0] += 1
            except ClientError as exc:
                failures.append(str(exc))

    callers = [threading.Thread(target=invoke) for _ in range(4)]
    for caller in callers:
        caller.start()
    update = threading.Thread(
        target=sm.update_endpoint,
        kwargs={"EndpointName": "ep-live", "EndpointConfigName": "ep-config-b"},
    )
    update.start()
    try:
        deadline = time.monotonic() + 120  # hang guard
        while endpoint_url(sm_home, "ep-live") in (old_url, None):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        while True:  # the old server stops listening once its linger is over
            assert time.monotonic() < deadline
            try:
                socket.create_connection(("127.0.0.1", old_port), timeout=30).close()
            except (ConnectionRefusedError, ConnectionResetError):
                # reset: the connect landed in the backlog of the socket as it closed
                break
            time.sleep(0.02)
        assert _alive(old_pid)  # still draining: it owes the started request an answer
        started.sendall(request[-2:])
        answer = b""
        while chunk := started.recv(65536):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 OK")
        assert b"Connection: close" in answer
        assert 0 < float(answer.split(b"\r\n\r\n", 1)[1]) < 1
        update.join(timeout=120)
        assert not update.is_alive()
    finally:
        stop.set()
        for caller in callers:
            caller.join(timeout=60)
    assert _exits(old_pid)
    assert failures == []
    assert answered[0] > 0
    assert sm.describe_endpoint(EndpointName="ep-live")["EndpointConfigName"] == "ep-config-b"


def test_the_next_deploy_claims_the_spare_server(live: Any, runtime: Any, sm_home: Path) -> None:
    """After a launch a spare server (xgboost imported) waits; the next deploy serves from it."""
    from glue_workflow.local.sagemaker.spares import spares_dir
    from glue_workflow.local.store import LocalHome

    folder = spares_dir(LocalHome(sm_home))
    deadline = time.monotonic() + 120  # hang guard
    while not list(folder.glob("*.json")):
        assert time.monotonic() < deadline, "no spare server listed itself"
        time.sleep(0.05)
    spare = json.loads(next(folder.glob("*.json")).read_text())
    live.update_endpoint(EndpointName="ep-live", EndpointConfigName="ep-config-b")
    assert live.describe_endpoint(EndpointName="ep-live")["EndpointStatus"] == "InService"
    assert _server_pid(sm_home, "ep-live") == spare["pid"]
    assert (
        0
        < float(
            runtime.invoke_endpoint(EndpointName="ep-live", ContentType="text/csv", Body=_rows(1))[
                "Body"
            ].read()
        )
        < 1
    )
    from glue_workflow.local.sagemaker.common import Resources

    record = Resources(LocalHome(sm_home)).get("endpoint", "ep-live")
    assert record is not None
    assert "serving" in Path(record["_server"]["log"]).read_text()  # its deploy's own log
    while not [*folder.glob("*.json"), *folder.glob("*.starting")]:  # the next one
        assert time.monotonic() < deadline, "no spare started after the claim"
        time.sleep(0.05)
    others = [*folder.glob("*.json"), *folder.glob("*.starting")]
    assert spare["pid"] not in [json.loads(p.read_text())["pid"] for p in others]
