"""A cached node's key, and why two keys differ (Python 3.9, stdlib only).

The key is the sha256 of four components and nothing else:

    files      {project path: sha256}   the script and every shipped file
    arguments  {--name: value}          resolved job arguments (Glue's own excluded)
    reads      {property: value|None}   the declared reads' values in this run
    inputs     {s3 uri: digest}         ETag (or version id) of every object under it
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

# Set per run by Glue, or describing the cache itself: never part of a key.
# (--glue_wf_producers only feeds error messages.)
EXCLUDED_ARGUMENTS = frozenset(
    {
        "JOB_NAME",
        "JOB_ID",
        "JOB_RUN_ID",
        "WORKFLOW_NAME",
        "WORKFLOW_RUN_ID",
        "TempDir",
        "scriptLocation",  # where Glue copied the script from: its content is in files
        "glue_wf_cache",
        "glue_wf_producers",
        "extra_py_files",  # content-addressed URIs: their content is in files
        "extra_files",
        # Glue's own parameters, which the job definition sets and a run may or may not
        # pass to the script (glue-wf job passes them, a workflow run did not)
        "job_bookmark_option",
        "library_set",
        "job_language",
    }
)
SHOW_VALUE_MAX = 60

Components = dict[str, dict[str, Any]]  # PEP 585 aliases work on Python 3.9


def key_arguments(args: Mapping[str, str], file_arguments: list[str]) -> dict[str, str]:
    """The job arguments that enter the key (file URIs are covered by content hashes)."""
    skip = set(EXCLUDED_ARGUMENTS) | {name.lstrip("-").replace("-", "_") for name in file_arguments}
    return {"--" + k: v for k, v in sorted(args.items()) if k not in skip}


def objects_digest(objects: Mapping[str, str]) -> str:
    """One digest for ``{key: etag or version id}`` of every object under an input."""
    canonical = "\n".join(f"{key}\t{tag}" for key, tag in sorted(objects.items()))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def cache_key(components: Components) -> str:
    text = json.dumps(components, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _show(value: str | None, other: str | None = None) -> str:
    """``value`` on one line; a long one from just before where it differs from ``other``."""
    if value is None:
        return "(unset)"
    text = " ".join(str(value).split())
    if len(text) <= SHOW_VALUE_MAX:
        return text
    start = 0
    if other:
        same = 0
        for a, b in zip(text, other):
            if a != b:
                break
            same += 1
        start = max(0, same - 12)
    head = "…" if start else ""
    tail = "…" if start + SHOW_VALUE_MAX < len(text) else ""
    return head + text[start : start + SHOW_VALUE_MAX] + tail


def differences(current: Components, earlier: Components, script: str = "") -> list[str]:
    """What changed from ``earlier`` to ``current``, one phrase per difference."""
    found: list[str] = []
    now_files, old_files = current.get("files", {}), earlier.get("files", {})
    for path in sorted(set(now_files) | set(old_files)):
        if now_files.get(path) == old_files.get(path):
            continue
        what = "script" if path == script else "file"
        shown = path
        if path == "glue_workflow/jobkit":
            what, shown = "job library", "glue_workflow.jobkit"
        if path not in old_files:
            found.append(f"{what} {shown} added")
        elif path not in now_files:
            found.append(f"{what} {shown} removed")
        else:
            found.append(f"{what} {shown} changed")
    for section, word in (("arguments", "argument"), ("reads", "read")):
        now, old = current.get(section, {}), earlier.get(section, {})
        for name in sorted(set(now) | set(old)):
            if now.get(name) != old.get(name) or (name in now) != (name in old):
                before, after = old.get(name), now.get(name)
                found.append(
                    f"{word} {name} changed {_show(before, after)} -> {_show(after, before)}"
                )
    now_inputs, old_inputs = current.get("inputs", {}), earlier.get("inputs", {})
    for uri in sorted(set(now_inputs) | set(old_inputs)):
        if uri not in old_inputs:
            found.append(f"input {uri} is new")
        elif uri not in now_inputs:
            found.append(f"input {uri} no longer read")
        elif now_inputs[uri] != old_inputs[uri]:
            found.append(f"input {uri} changed")
    return found
