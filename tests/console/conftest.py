"""Fixtures: a console server over fake Glue / SageMaker services (fast, no engine)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from console_fakes import FakeGlue, FakeSageMaker, demo_triggers
from fake_runtime import FakeRuntime


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


@dataclass
class Console:
    server: Any
    glue: FakeGlue
    sagemaker: FakeSageMaker
    home: Path

    @property
    def token(self) -> str:
        return str(self.server.token)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        sent = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        result = Response(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
        conn.close()
        return result

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None, **headers: str) -> Response:
        sent = {"X-Glue-Wf-Token": self.token, "Origin": f"http://{self.host}", **headers}
        return self.request("POST", path, {} if body is None else body, headers=sent)


@pytest.fixture(scope="module")
def console_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    """One local-target home, API and server per module (clients are slow to build)."""
    from glue_workflow.aws.clients import client
    from glue_workflow.config import load_settings
    from glue_workflow.console.api import ConsoleApi
    from glue_workflow.console.models import Models
    from glue_workflow.console.server import start_background
    from glue_workflow.console.workflows import Workflows
    from glue_workflow.local import install, uninstall

    home = tmp_path_factory.mktemp("console") / "glue-wf-home"
    install(home)
    settings = load_settings(
        Path(__file__).resolve().parents[2], target="local", env={"GLUE_WF_HOME": str(home)}
    )
    logs = home / "logs" / "jobs"
    api = ConsoleApi(
        Workflows(
            client(settings, "glue"), settings=settings, log_path=lambda jr: logs / f"{jr}.log"
        ),
        Models(
            client(settings, "sagemaker"),
            client(settings, "sagemaker-runtime"),
            client(settings, "s3"),
            endpoint_url=lambda n: f"http://127.0.0.1:9999/{n}",
        ),
    )
    server = start_background(api)
    try:
        yield server, home
    finally:
        server.shutdown()
        server.server_close()
        uninstall()


@pytest.fixture
def console(console_base: tuple[Any, Path]) -> Console:
    """The module's console over fresh fake Glue / SageMaker services."""
    from glue_workflow.local import dispatch, install

    server, home = console_base
    install(home)  # again: a test of another module may have switched homes
    glue, sagemaker = FakeGlue(), FakeSageMaker()
    assert dispatch._installation is not None
    dispatch._installation.services.update(
        {"glue": glue, "sagemaker": sagemaker, "sagemaker-runtime": FakeRuntime(sagemaker)}
    )
    glue.add_workflow("demo", demo_triggers(), {"threshold": "0.9", "mode": "fast"})
    return Console(server, glue, sagemaker, home)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's chromium driven by Playwright, with a fresh profile (never `playwright install`)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} missing: run scripts/ensure-chromium.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.js_errors = errors
    try:
        yield page
    finally:
        page.close()
