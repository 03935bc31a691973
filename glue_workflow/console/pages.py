"""HTML shells of the console's pages; the data comes from the JSON API (console.js).

A page route first checks that what it names exists, so an unknown workflow, run,
model group or endpoint answers a 404 page with the reason instead of an empty shell.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import unquote

from glue_workflow.console.api import ConsoleApi
from glue_workflow.console.errors import ApiError

_SEG = r"([^/]+)"
_PAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"/workflows"), "workflows"),
    (re.compile(f"/workflows/{_SEG}"), "workflow"),
    (re.compile(f"/workflows/{_SEG}/runs/{_SEG}"), "run"),
    (re.compile(f"/workflows/{_SEG}/compare/{_SEG}/{_SEG}"), "compare"),
    (re.compile(r"/models"), "models"),
    (re.compile(f"/models/{_SEG}"), "model"),
    (re.compile(f"/models/{_SEG}/versions/{_SEG}"), "version"),
    (re.compile(r"/endpoints"), "endpoints"),
    (re.compile(r"/notifications"), "notifications"),
    (re.compile(f"/endpoints/{_SEG}"), "endpoint"),
]


def _shell(title: str, body: str, *, view: str, data: dict[str, str], token: str) -> str:
    attrs = " ".join(f'data-{k}="{escape(v)}"' for k, v in data.items())
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="glue-wf-token" content="{escape(token)}">
<title>{escape(title)} · glue-wf console</title>
<link rel="icon" href="/static/favicon.svg">
<link rel="stylesheet" href="/static/console.css">
</head>
<body data-view="{escape(view)}" {attrs}>
<header class="top">
  <a class="brand" href="/workflows">glue-wf console</a>
  <nav><a href="/workflows">Workflows</a><a href="/models">Models</a>
    <a href="/endpoints">Endpoints</a><a href="/notifications">Notifications</a></nav>
</header>
<main id="app">{body}</main>
<div id="toast" role="status" aria-live="polite" hidden></div>
<script src="/static/models.js"></script>
<script src="/static/reports.js"></script>
<script src="/static/console.js"></script>
</body>
</html>
"""


def page_for(api: ConsoleApi, path: str, *, token: str) -> str:
    """The page at ``path``, or ``ApiError(404)`` saying what does not exist."""
    for pattern, view in _PAGES:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        args = [unquote(g) for g in match.groups()]
        data: dict[str, str] = {}
        title = view.capitalize()
        if view == "workflow":
            api.workflows.get(args[0])
            data, title = {"workflow": args[0]}, args[0]
        elif view == "run":
            api.workflows.run(args[0], args[1])
            data, title = {"workflow": args[0], "run": args[1]}, f"{args[0]} · {args[1]}"
        elif view == "compare":
            api.workflows.run(args[0], args[1])
            api.workflows.run(args[0], args[2])
            data = {"workflow": args[0], "a": args[1], "b": args[2]}
            title = f"{args[0]} · {args[1]} vs {args[2]}"
        elif view == "version":
            api.models.package(args[0], args[1])
            data, title = {"group": args[0], "version": args[1]}, f"{args[0]} v{args[1]}"
        elif view == "model":
            api.models.group(args[0])
            data, title = {"group": args[0]}, args[0]
        elif view == "endpoint":
            api.models.endpoint(args[0])
            data, title = {"endpoint": args[0]}, args[0]
        body = '<p class="loading">Loading…</p>'
        return _shell(title, body, view=view, data=data, token=token)
    raise ApiError(
        404,
        f"no page at {path}; the console has /workflows, /models, /endpoints and /notifications",
    )


def error_page(status: int, message: str) -> str:
    """A page saying what went wrong, with links back (no token: it performs nothing)."""
    heading = {404: "Not found", 409: "Conflict", 403: "Forbidden"}.get(status, "Error")
    body = (
        f'<section class="error-page"><h1>{status} · {escape(heading)}</h1>'
        f'<p class="reason">{escape(message)}</p>'
        '<p><a href="/workflows">Back to workflows</a></p></section>'
    )
    return _shell(f"{status} {heading}", body, view="error", data={}, token="")
