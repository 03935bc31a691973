"""What the console reports about runs beyond their graph: cost and latency, and the
verdict notifications the local target recorded. The services are the CLI's
(``glue-wf report``, ``glue-wf notifications``), so both say the same; the JSON is
their ``--json`` output.
"""

from __future__ import annotations

from typing import Any

from glue_workflow.console.workflows import Workflows, check_id
from glue_workflow.notify_log import ON_AWS, recorded
from glue_workflow.runs.cost_report import run_report

MAX_NOTIFICATIONS = 500


class Reports:
    """Run reports over the console's Glue (``Workflows``) and SageMaker clients."""

    def __init__(self, workflows: Workflows, sagemaker: Any) -> None:
        self._workflows = workflows
        self._sm = sagemaker

    def run_report(self, name: str, run_id: str) -> dict[str, Any]:
        """``glue-wf report RUN --json`` of one run: per node lag, start-up, run time and
        attempts, DPU-hours, SageMaker instance-hours, estimated cost and the rates used."""
        run_id = self._workflows.resolve(name, run_id)
        target = self._workflows.run_target(name)
        report = run_report(target, run_id, self._sm, now=self._workflows.now())
        return report.to_json()

    def notifications(self, workflow: str | None, limit: int) -> dict[str, Any]:
        """``glue-wf notifications --json``, newest first; on AWS nothing is recorded
        locally, and the answer says where the messages are instead."""
        from glue_workflow.local.store import LocalHome

        if workflow is not None:
            check_id(workflow, "workflow")
        settings = self._workflows.settings
        if not settings.is_local:
            return {
                "target": settings.target,
                "recorded": False,
                "note": f"no local record of notifications on --target {settings.target}; {ON_AWS}",
                "notifications": [],
            }
        home = LocalHome(settings.home.resolve()).ensure()
        found = recorded(home, limit, workflow)
        return {
            "target": settings.target,
            "recorded": True,
            "note": None,
            "notifications": [n.to_json() for n in found],
        }
