"""The console's JSON API: routes → the Glue / SageMaker views. No HTTP here.

``ConsoleApi.dispatch(method, path, query, body)`` answers one request with a status
and a JSON-able dict, or raises ``ApiError``. Every route is documented in
docs/console.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from glue_workflow.config import Settings
from glue_workflow.console.errors import ApiError, from_product_error
from glue_workflow.console.insights import Insights
from glue_workflow.console.models import Models
from glue_workflow.console.reports import MAX_NOTIFICATIONS, Reports
from glue_workflow.console.workflows import MAX_LOG_BYTES, MAX_RUNS, Workflows
from glue_workflow.errors import GlueWfError


@dataclass(frozen=True, kw_only=True)
class Call:
    """One API request: the path's parameters (decoded), the query, the JSON body."""

    args: tuple[str, ...]
    query: Mapping[str, str]
    body: Mapping[str, Any]

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        raw = self.query.get(key)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, f"query parameter {key} must be an integer, got {raw!r}") from None
        if not low <= value <= high:
            raise ApiError(
                400, f"query parameter {key} must be between {low} and {high}, got {value}"
            )
        return value


Handler = Callable[[Call], dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    status: int = 200


class ConsoleApi:
    """Routes of the JSON API over one target's glue / sagemaker clients."""

    def __init__(self, workflows: Workflows, models: Models) -> None:
        self.workflows = workflows
        self.models = models
        self.insights = Insights(workflows, models)
        self.reports = Reports(workflows, models.sagemaker)
        wf, md, ins, rep = workflows, models, self.insights, self.reports
        seg = r"([^/]+)"
        table: list[tuple[str, str, Handler, int]] = [
            ("GET", "/api/workflows", lambda _: wf.list(), 200),
            ("GET", f"/api/workflows/{seg}", lambda r: wf.get(r.args[0]), 200),
            (
                "GET",
                f"/api/workflows/{seg}/runs",
                lambda r: wf.runs(r.args[0], r.integer("limit", MAX_RUNS, 1, 1000)),
                200,
            ),
            ("POST", f"/api/workflows/{seg}/runs", lambda r: wf.start(r.args[0], r.body), 201),
            ("GET", f"/api/workflows/{seg}/runs/{seg}", lambda r: wf.run(*r.args), 200),
            (
                "GET",
                f"/api/workflows/{seg}/runs/{seg}/evaluation",
                lambda r: ins.run_evaluation(*r.args),
                200,
            ),
            (
                "GET",
                f"/api/workflows/{seg}/runs/{seg}/report",
                lambda r: rep.run_report(*r.args),
                200,
            ),
            (
                "GET",
                "/api/notifications",
                lambda r: rep.notifications(
                    r.query.get("workflow") or None,
                    r.integer("limit", MAX_RUNS, 1, MAX_NOTIFICATIONS),
                ),
                200,
            ),
            (
                "GET",
                f"/api/workflows/{seg}/trend",
                lambda r: ins.trend(r.args[0], r.integer("limit", MAX_RUNS, 1, 1000)),
                200,
            ),
            (
                "GET",
                f"/api/workflows/{seg}/compare/{seg}/{seg}",
                lambda r: ins.compare(*r.args),
                200,
            ),
            ("POST", f"/api/workflows/{seg}/runs/{seg}/stop", lambda r: wf.stop(*r.args), 202),
            (
                "POST",
                f"/api/workflows/{seg}/runs/{seg}/resume",
                lambda r: wf.resume(r.args[0], r.args[1], r.body),
                201,
            ),
            ("GET", f"/api/jobs/{seg}", lambda r: wf.job(r.args[0]), 200),
            (
                "GET",
                f"/api/jobs/{seg}/runs/{seg}/log",
                lambda r: wf.job_log(
                    *r.args, tail=r.integer("tail", MAX_LOG_BYTES, 1, MAX_LOG_BYTES)
                ),
                200,
            ),
            ("GET", "/api/models", lambda _: md.groups(), 200),
            ("GET", f"/api/models/{seg}", lambda r: md.group(r.args[0]), 200),
            ("GET", f"/api/models/{seg}/versions/{seg}", lambda r: ins.version(*r.args), 200),
            (
                "POST",
                f"/api/models/{seg}/versions/{seg}/approval",
                lambda r: md.set_approval(r.args[0], r.args[1], r.body),
                200,
            ),
            ("GET", "/api/endpoints", lambda _: md.endpoints(), 200),
            ("GET", f"/api/endpoints/{seg}", lambda r: md.endpoint(r.args[0]), 200),
            (
                "POST",
                f"/api/endpoints/{seg}/invocations",
                lambda r: md.invoke(r.args[0], r.body),
                200,
            ),
        ]
        self.routes = [
            Route(method=m, pattern=re.compile(p), handler=h, status=s) for m, p, h, s in table
        ]

    def methods(self, path: str) -> tuple[str, ...]:
        """The methods some route serves on ``path`` (HEAD with GET)."""
        found = {r.method for r in self.routes if r.pattern.fullmatch(path)}
        if "GET" in found:
            found.add("HEAD")
        return tuple(m for m in ("GET", "HEAD", "POST") if m in found)

    def dispatch(
        self, method: str, path: str, query: Mapping[str, str], body: Mapping[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        allowed: list[str] = []
        for route in self.routes:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            if route.method != method:
                allowed.append(route.method)
                continue
            args = tuple(unquote(g) for g in match.groups())
            try:
                return route.status, route.handler(Call(args=args, query=query, body=body))
            except ApiError:
                raise
            except GlueWfError as exc:  # from a service shared with the CLI
                raise from_product_error(exc) from exc
        if allowed:
            raise ApiError(
                405,
                f"{method} is not allowed on {path}; use {', '.join(allowed)}",
                allow=self.methods(path),
            )
        raise ApiError(404, f"no API route {method} {path} (see docs/console.md)")


def build_api(settings: Settings) -> ConsoleApi:
    """The API over the settings' target, with clients from ``glue_workflow.aws.clients``."""
    from glue_workflow.aws.clients import client, session_for
    from glue_workflow.services.endpoints import local_urls

    session = session_for(settings)
    log_path = _local_log_path(settings.home) if settings.is_local else None
    return ConsoleApi(
        Workflows(client(settings, "glue", session), settings=settings, log_path=log_path),
        Models(
            client(settings, "sagemaker", session),
            client(settings, "sagemaker-runtime", session),
            client(settings, "s3", session),
            endpoint_url=local_urls(settings),
        ),
    )


def _local_log_path(home: Path) -> Callable[[str], Path]:
    def log_path(job_run_id: str) -> Path:
        try:
            from glue_workflow.local.glue.logs import job_log_path
        except ImportError as exc:
            raise ApiError(501, f"the local Glue engine is not installed: {exc}") from exc
        path: Path = job_log_path(home, job_run_id)
        return path

    return log_path
