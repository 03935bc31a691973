"""Endpoints: each one a local inference server process (models: see ``models``).

An endpoint's server is a detached process (``server.py``) on 127.0.0.1 that
outlives the CLI. Create and Update start a new server and wait until it answers
``/ping`` before the endpoint reads InService. UpdateEndpoint is blue/green: the
new server must be healthy before the endpoint switches to it; the old one is
stopped after; a failed update leaves the old server serving (InService with a
FailureReason). A server that is gone (killed, machine restarted) reads back as
Failed, never as a ghost InService endpoint.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import shutil
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from glue_workflow.errors import GlueWfError
from glue_workflow.local.s3paths import S3PathError, uri_to_path
from glue_workflow.local.sagemaker import procs, spares
from glue_workflow.local.sagemaker.artifacts import ArtifactError, extract
from glue_workflow.local.sagemaker.common import (
    Resources,
    arn,
    check_name,
    endpoint_not_found,
    listing,
    now,
    public,
    validation,
)
from glue_workflow.local.sagemaker.connections import Limits, LimitsError
from glue_workflow.local.sagemaker.models import MODEL, Models, not_supported
from glue_workflow.local.store import LocalHome

ENDPOINT = "endpoint"
SERVER = "glue_workflow.local.sagemaker.server"
READY_TIMEOUT = 60.0
BUSY = ("Creating", "Updating")


class _LaunchFailed(GlueWfError):
    """A new server did not become healthy; the message is the FailureReason."""


def endpoints_dir(home: LocalHome) -> Path:
    return home.work_dir / "sagemaker" / "endpoints"


def endpoint_url(home: Path | LocalHome, endpoint_name: str) -> str | None:
    """``http://127.0.0.1:<port>`` of a live InService local endpoint, else None."""
    local = home if isinstance(home, LocalHome) else LocalHome(Path(home))
    if not local.db_path.exists():
        return None
    record = Resources(local).get(ENDPOINT, endpoint_name.lower())
    if record is None or record["EndpointStatus"] != "InService":
        return None
    server = record.get("_server") or {}
    if not procs.alive(server.get("pid"), server.get("token")):
        return None
    return _url(server)


def _url(server: dict[str, Any]) -> str:
    """The address of an endpoint's local server (its record's ``_server``)."""
    return f"http://127.0.0.1:{server['port']}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Serving:
    """An endpoint whose local server process runs."""

    name: str
    pid: int
    url: str


def serving(home: LocalHome) -> list[Serving]:
    """The endpoints of ``home`` whose server runs (``glue-wf local stop`` leaves them:
    ``glue-wf delete-endpoint NAME`` stops one)."""
    if not home.db_path.exists():
        return []
    found = []
    for record in Resources(home).all(ENDPOINT):
        server = record.get("_server") or {}
        if procs.alive(server.get("pid"), server.get("token")):
            found.append(
                Serving(
                    name=str(record["EndpointName"]),
                    pid=int(server["pid"]),
                    url=_url(server),
                )
            )
    return found


def limits() -> Limits:
    """The endpoint servers' limits, from this process's environment."""
    try:
        return Limits.from_env()
    except LimitsError as exc:
        raise _LaunchFailed(str(exc)) from None


def stop_grace() -> float:
    """How long a server may take to drain before it is killed (its limits' grace)."""
    try:
        return Limits.from_env().stop_grace
    except LimitsError:  # no server started with these: nothing to drain
        return Limits().stop_grace


def ping(port: int, timeout: float = 2.0) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request("GET", "/ping")
            return conn.getresponse().status == 200
        finally:
            conn.close()
    except OSError:
        return False


class Endpoints:
    def __init__(self, resources: Resources, models: Models) -> None:
        self.resources = resources
        self.models = models
        self.home = resources.home

    # ---- endpoints -------------------------------------------------------------------

    def create_endpoint(self, params: dict[str, Any]) -> dict[str, Any]:
        name = check_name(params["EndpointName"], "endpointName")
        config = self.models.config(params["EndpointConfigName"])
        if "DeploymentConfig" in params:
            self._check_deployment(params["DeploymentConfig"])
        created = now()
        record: dict[str, Any] = {
            "EndpointName": name,
            "EndpointArn": arn("endpoint", name),
            "EndpointConfigName": config["EndpointConfigName"],
            "EndpointStatus": "Creating",
            "CreationTime": created,
            "LastModifiedTime": created,
            "_tags": params.get("Tags") or [],
        }
        if not self.resources.insert(ENDPOINT, name.lower(), record):
            raise validation(f'Cannot create already existing endpoint "{record["EndpointArn"]}".')
        try:
            server = self._launch(name, config)
        except _LaunchFailed as exc:
            self._set(name, EndpointStatus="Failed", FailureReason=str(exc)[:1024])
        else:
            if (
                self._set(
                    name,
                    EndpointStatus="InService",
                    _server=server,
                    ProductionVariants=self._variants(config),
                )
                is None
            ):
                procs.terminate(server["pid"], server["token"])  # deleted meanwhile
            spares.ensure(self.home)  # so that the next deploy starts warm
        return {"EndpointArn": record["EndpointArn"]}

    def update_endpoint(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["EndpointName"]
        current = self._settle(name)
        config = self.models.config(params["EndpointConfigName"])
        deployment = params.get("DeploymentConfig")
        if deployment is not None:
            self._check_deployment(deployment)
        for unsupported in ("ExcludeRetainedVariantProperties",):
            if params.get(unsupported):
                raise not_supported(unsupported)

        def start(record: dict[str, Any]) -> dict[str, Any]:
            if record["EndpointStatus"] != "InService":
                raise validation(
                    f"Cannot update endpoint {record['EndpointArn']} while it is "
                    f"{record['EndpointStatus']}: wait until it is InService"
                    + (
                        " (a Failed endpoint must be deleted and created again)"
                        if record["EndpointStatus"] == "Failed"
                        else ""
                    )
                )
            record.update(EndpointStatus="Updating", LastModifiedTime=now())
            record.pop("FailureReason", None)
            return record

        self.resources.update(ENDPOINT, current["EndpointName"].lower(), start)
        try:
            server = self._launch(current["EndpointName"], config)
        except _LaunchFailed as exc:
            self._set(
                name,
                EndpointStatus="InService",
                FailureReason=f"Update failed; the previous configuration "
                f"{current['EndpointConfigName']} is still serving: {exc}"[:1024],
            )
            return {"EndpointArn": current["EndpointArn"]}
        fields: dict[str, Any] = {
            "EndpointStatus": "InService",
            "_server": server,
            "EndpointConfigName": config["EndpointConfigName"],
            "ProductionVariants": self._variants(config),
        }
        if deployment is not None:
            fields["LastDeploymentConfig"] = deployment
        if self._set(name, **fields) is None:
            procs.terminate(server["pid"], server["token"])
        old = current.get("_server") or {}
        # After the switch: blue drains (answers every request it has started) and goes,
        # on its own within its grace; the update does not wait for it, as on SageMaker
        # the endpoint is InService once green serves. Its model is in memory: the
        # directory can go now.
        procs.signal_stop(old.get("pid"), old.get("token"))
        if old.get("dir"):
            shutil.rmtree(old["dir"], ignore_errors=True)
        spares.ensure(self.home)  # so that the next deploy starts warm
        return {"EndpointArn": current["EndpointArn"]}

    def describe_endpoint(self, params: dict[str, Any]) -> dict[str, Any]:
        return public(self._settle(params["EndpointName"]))

    def delete_endpoint(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._endpoint(params["EndpointName"])
        self.resources.delete(ENDPOINT, record["EndpointName"].lower())
        server = record.get("_server") or {}
        procs.terminate(server.get("pid"), server.get("token"), grace=stop_grace())
        shutil.rmtree(endpoints_dir(self.home) / record["EndpointName"].lower(), ignore_errors=True)
        return {}

    def list_endpoints(self, params: dict[str, Any]) -> dict[str, Any]:
        items = [self._settle(r["EndpointName"]) for r in self.resources.all(ENDPOINT)]
        return listing(
            items,
            params,
            name_key="EndpointName",
            sort_keys={
                "Name": "EndpointName",
                "CreationTime": "CreationTime",
                "Status": "EndpointStatus",
            },
            status_key="EndpointStatus",
            result_key="Endpoints",
            fields=(
                "EndpointName",
                "EndpointArn",
                "CreationTime",
                "LastModifiedTime",
                "EndpointStatus",
            ),
        )

    # ---- helpers ---------------------------------------------------------------------

    def _endpoint(self, name: str) -> dict[str, Any]:
        record = self.resources.get(ENDPOINT, name.lower())
        if record is None:
            raise endpoint_not_found(name)
        return record

    def _settle(self, name: str) -> dict[str, Any]:
        """The endpoint, Failed if its server is gone or a Create/Update was abandoned."""
        record = self._endpoint(name)
        status = record["EndpointStatus"]
        server = record.get("_server") or {}
        reason = None
        if status in BUSY and now() - record["LastModifiedTime"] > timedelta(
            seconds=READY_TIMEOUT + 30
        ):
            reason = (
                f"{status} did not finish: the process deploying the endpoint was "
                "interrupted; delete the endpoint and create it again"
            )
        elif status == "InService" and not procs.alive(server.get("pid"), server.get("token")):
            reason = (
                f"The endpoint's local server (pid {server.get('pid')}) is no longer running "
                "(killed, or the machine restarted); delete the endpoint and create it again"
            )
        if reason is None:
            return record

        def fail(current: dict[str, Any]) -> dict[str, Any] | None:
            if current["EndpointStatus"] != status:
                return None
            current.update(EndpointStatus="Failed", FailureReason=reason, LastModifiedTime=now())
            return current

        return self.resources.update(ENDPOINT, name.lower(), fail) or record

    def _set(self, name: str, **fields: Any) -> dict[str, Any] | None:
        def change(record: dict[str, Any]) -> dict[str, Any]:
            record.update(fields)
            record["LastModifiedTime"] = now()
            return record

        return self.resources.update(ENDPOINT, name.lower(), change)

    def _variants(self, config: dict[str, Any]) -> list[dict[str, Any]]:
        variant = config["ProductionVariants"][0]
        model = self.resources.get(MODEL, variant["ModelName"].lower()) or {}
        count = variant.get("InitialInstanceCount", 1)
        weight = float(variant.get("InitialVariantWeight", 1.0))
        return [
            {
                "VariantName": variant["VariantName"],
                "DeployedImages": [
                    {
                        "SpecifiedImage": model.get("_image", ""),
                        "ResolvedImage": model.get("_image", ""),
                        "ResolutionTime": now(),
                    }
                ],
                "CurrentWeight": weight,
                "DesiredWeight": weight,
                "CurrentInstanceCount": count,
                "DesiredInstanceCount": count,
            }
        ]

    @staticmethod
    def _check_deployment(deployment: dict[str, Any]) -> None:
        if "RollingUpdatePolicy" in deployment:
            raise not_supported("DeploymentConfig.RollingUpdatePolicy (use blue/green)")
        if (deployment.get("AutoRollbackConfiguration") or {}).get("Alarms"):
            raise not_supported("DeploymentConfig.AutoRollbackConfiguration alarms")
        policy = deployment.get("BlueGreenUpdatePolicy") or {}
        routing = (policy.get("TrafficRoutingConfiguration") or {}).get("Type", "ALL_AT_ONCE")
        if routing != "ALL_AT_ONCE":
            raise not_supported(
                f"Blue/green traffic routing {routing} (one local server: ALL_AT_ONCE only)"
            )

    def _launch(self, endpoint: str, config: dict[str, Any]) -> dict[str, Any]:
        """Start a server for ``config`` and wait for ``/ping``; its process facts."""
        variant = config["ProductionVariants"][0]
        model = self.resources.get(MODEL, variant["ModelName"].lower())
        if model is None:
            raise _LaunchFailed(
                f"Could not find model {variant['ModelName']!r} of endpoint "
                f"configuration {config['EndpointConfigName']!r}"
            )
        server_limits = limits()  # refused here, before anything is extracted or started
        deploy_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        workdir = endpoints_dir(self.home) / endpoint.lower() / deploy_id
        try:
            archive = uri_to_path(self.home.s3_root, model["_model_data_url"])
            if not archive.is_file():
                raise _LaunchFailed(f"Could not access model data at {model['_model_data_url']}")
            extract(archive, workdir / "model", source=model["_model_data_url"])
        except (ArtifactError, S3PathError) as exc:
            shutil.rmtree(workdir, ignore_errors=True)
            raise _LaunchFailed(f"Failed to extract model data archive: {exc}") from None
        ready = workdir / "ready.json"
        log = self.home.logs_dir / "sagemaker" / "Endpoints" / endpoint / f"{deploy_id}.log"
        assignment = {
            "model_dir": str(workdir / "model"),
            "ready_file": str(ready),
            "log": str(log),
            "limits": dataclasses.asdict(server_limits),
        }
        spare = spares.claim(self.home, assignment)
        if spare is not None:
            pid, token = spare
        else:
            token = procs.new_token()
            pid = procs.spawn(
                SERVER,
                ["--model-dir", str(workdir / "model"), "--ready-file", str(ready)],
                token=token,
                log_path=log,
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if ready.is_file():
                port = int(json.loads(ready.read_text())["port"])
                if ping(port):
                    return {
                        "pid": pid,
                        "token": token,
                        "port": port,
                        "dir": str(workdir),
                        "log": str(log),
                        "config": config["EndpointConfigName"],
                    }
            if not procs.alive(pid, token):
                shutil.rmtree(workdir, ignore_errors=True)
                raise _LaunchFailed(
                    "The primary container for production variant "
                    f"{variant['VariantName']} did not pass the ping health check: "
                    f"{procs.log_tail(log, 700)} (log {log})"
                )
            time.sleep(0.02)
        procs.terminate(pid, token)
        shutil.rmtree(workdir, ignore_errors=True)
        raise _LaunchFailed(
            f"The primary container for production variant {variant['VariantName']} did not "
            f"pass the ping health check within {READY_TIMEOUT:.0f} s (log {log})"
        )
