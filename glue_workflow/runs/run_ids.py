"""What a ``RUN_ID`` argument names, for every command that takes one.

A ``RUN_ID`` is a full run id (``wr_`` and 64 hex digits), a unique prefix of one,
typed with its ``wr_`` or without (``glue-wf status 3f2a``, ``glue-wf resume
wr_3f2a``), or ``latest``.
"""

from __future__ import annotations

import re
from typing import Any

from glue_workflow.aws.errors import ResourceNotFound
from glue_workflow.errors import NotFoundError
from glue_workflow.runs.control import RunTarget, latest_run_id
from glue_workflow.runs.glue_run_calls import not_deployed

LATEST = "latest"
RUN_ID_PREFIX = "wr_"  # Glue's run ids: "wr_" + 64 hex digits
FULL_RUN_ID = re.compile(r"wr_[0-9a-f]{64}")
LISTED_RUNS = 1000  # the runs a prefix is looked up among, newest first


def resolve_run_id(target: RunTarget, given: str | None) -> str:
    """The run id ``given`` names in ``target``'s workflow.

    ``None`` or ``latest``: the last run. A full id: itself, without a lookup. Else a
    prefix, with or without ``wr_``, of exactly one of the workflow's listed runs; a
    ``wr_…`` id matching none is returned as given, for Glue to say whether it exists
    (a run older than the listed ones).
    """
    if given is None or given == LATEST:
        return latest_run_id(target)
    if FULL_RUN_ID.fullmatch(given):
        return given
    prefix = given.removeprefix(RUN_ID_PREFIX)
    try:
        listed = target.glue.runs(target.workflow, LISTED_RUNS, graph=False)
    except ResourceNotFound as exc:  # destroyed, perhaps while a run went on
        raise NotFoundError(
            f"{not_deployed(target.workflow, target.settings.target)}; a run still going "
            "after 'glue-wf destroy' is named by its full id (glue-wf stop <full run id>)"
        ) from exc
    ids = [str(r["WorkflowRunId"]) for r in listed]
    matches = [i for i in ids if i.removeprefix(RUN_ID_PREFIX).startswith(prefix)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        if given.startswith(RUN_ID_PREFIX):
            return given
        raise NotFoundError(
            f"no run of workflow {target.workflow} on target {target.settings.target} has an "
            f"id starting with {given!r}: see 'glue-wf runs' (or use 'latest')"
        )
    shown = ", ".join(m[:16] + "…" for m in matches[:5])
    raise NotFoundError(
        f"run id prefix {given!r} matches {len(matches)} runs of workflow {target.workflow} "
        f"({shown}): give more characters"
    )


def get_run(target: RunTarget, given: str | None) -> dict[str, Any]:
    """GetWorkflowRun (with its graph) of the run ``given`` names."""
    return target.glue.run(target.workflow, resolve_run_id(target, given))
