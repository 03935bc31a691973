"""EVENT start triggers: EventBridge events delivered to a workflow, batched as Glue does.

AWS Glue Developer Guide, "Overview of workflows in AWS Glue" (workflows_overview.html):
an EVENT trigger starts the workflow after ``BatchSize`` events or ``BatchWindow``
seconds after the first event of the batch, whichever comes first (window default and
maximum 900 s, size default 1); the batch condition resets when the workflow starts.
"Viewing the EventBridge events that started a workflow" (viewing-start-event-info.html):
the run carries the batch's event ids in the ``aws:eventIds`` run property, and
``StartingEventBatchCondition`` (API_StartingEventBatchCondition.html) says which
condition fired: ``BatchSize`` non-zero when the size was reached, ``BatchWindow``
non-zero when the window expired.

Events wait in ``glue_event_queue`` until their batch starts a run. Windows are closed
by ``flush_due`` (every local EventBridge call and every tick of ``glue-wf local
scheduler`` makes it), so a batch never waits longer than its window plus a tick.
Events for a workflow whose start trigger is not an EVENT trigger are dropped, as Glue
drops them (the trigger is what consumes them). An EVENT trigger consumes them in the
state Glue keeps it in, CREATED: it cannot be started or stopped (``runs.start_trigger``).
"""

from __future__ import annotations

import json
from typing import Any

from glue_workflow.local.glue.errors import entity_not_found
from glue_workflow.local.glue.state import GlueState, now
from glue_workflow.local.glue.workflow_graph import start_triggers
from glue_workflow.local.store import ThreadLocalConnections, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS glue_event_queue (
    workflow TEXT NOT NULL, event_id TEXT NOT NULL, received REAL NOT NULL,
    PRIMARY KEY (workflow, event_id)
);
"""
EVENT_IDS_PROPERTY = "aws:eventIds"
DEFAULT_BATCH_WINDOW = 900  # seconds (workflows_overview.html: "by default ... 900 seconds")


class EventStarts:
    """Receives events for workflows and starts runs when a batch condition is met."""

    def __init__(self, state: GlueState, start_run: Any) -> None:
        self.state = state
        # start_run(name, properties, plan) -> run id; raises ConcurrentRunsExceeded
        self.start_run = start_run
        self._db = ThreadLocalConnections(state.home.db_path, SCHEMA)

    def _event_trigger(self, workflow: str) -> dict[str, Any] | None:
        starts = start_triggers(self.state.triggers_of(workflow))
        if len(starts) != 1 or starts[0].get("Type") != "EVENT":
            return None
        return dict(starts[0])

    def notify(self, workflow: str, event_id: str) -> list[str]:
        """Deliver one event to ``workflow``; return the run ids this started."""
        if self.state.get_doc("glue_workflows", workflow) is None:
            raise entity_not_found(f"Workflow {workflow} not found")
        if self._event_trigger(workflow) is None:
            return []
        conn = self._db.get()
        conn.execute(
            "INSERT OR IGNORE INTO glue_event_queue VALUES (?, ?, ?)", (workflow, event_id, now())
        )
        return self.flush(workflow)

    def flush_due(self) -> list[str]:
        """Start every workflow whose batch is full or whose window has expired."""
        rows = self._db.get().execute("SELECT DISTINCT workflow FROM glue_event_queue").fetchall()
        started: list[str] = []
        for row in rows:
            started += self.flush(str(row["workflow"]))
        return started

    def flush(self, workflow: str) -> list[str]:
        trigger = self._event_trigger(workflow)
        conn = self._db.get()
        if trigger is None:  # deleted or deactivated: its pending events go with it
            conn.execute("DELETE FROM glue_event_queue WHERE workflow = ?", (workflow,))
            return []
        batching = trigger.get("EventBatchingCondition") or {}
        size = int(batching.get("BatchSize") or 1)
        window = int(batching.get("BatchWindow") or DEFAULT_BATCH_WINDOW)
        started: list[str] = []
        while True:
            claimed = self._claim(workflow, size, window)
            if claimed is None:
                return started
            batch, condition = claimed
            run_id = self._start(workflow, trigger, [e for e, _ in batch], condition)
            if run_id is None:  # the workflow is at MaxConcurrentRuns: the batch waits
                self._db.get().executemany(
                    "INSERT OR IGNORE INTO glue_event_queue VALUES (?, ?, ?)",
                    [(workflow, e, t) for e, t in batch],
                )
                return started
            started.append(run_id)

    def _claim(
        self, workflow: str, size: int, window: int
    ) -> tuple[list[tuple[str, float]], dict[str, int]] | None:
        """Take a ready batch off the queue (one transaction: one process claims it)."""
        with transaction(self._db.get()) as conn:
            pending = [
                (str(r["event_id"]), float(r["received"]))
                for r in conn.execute(
                    "SELECT event_id, received FROM glue_event_queue WHERE workflow = ? "
                    "ORDER BY received, rowid",
                    (workflow,),
                )
            ]
            if len(pending) >= size and pending:
                batch, condition = pending[:size], {"BatchSize": size}
            elif pending and now() - pending[0][1] >= window:
                batch, condition = pending, {"BatchWindow": window}
            else:
                return None
            conn.executemany(
                "DELETE FROM glue_event_queue WHERE workflow = ? AND event_id = ?",
                [(workflow, e) for e, _ in batch],
            )
        return batch, condition

    def _start(
        self, workflow: str, trigger: dict[str, Any], ids: list[str], condition: dict[str, int]
    ) -> str | None:
        from glue_workflow.local.dispatch import LocalServiceError

        workflow_doc = self.state.get_doc("glue_workflows", workflow) or {}
        properties = {
            **(workflow_doc.get("DefaultRunProperties") or {}),
            # run properties are strings: the list is stored as its JSON text
            EVENT_IDS_PROPERTY: json.dumps(ids),
        }
        plan = {"mode": "start", "trigger": trigger["Name"], "event_batch": condition}
        try:
            return str(self.start_run(workflow, properties, plan))
        except LocalServiceError as exc:
            if exc.code == "ConcurrentRunsExceededException":
                return None
            raise

    def pending(self, workflow: str) -> list[str]:
        rows = self._db.get().execute(
            "SELECT event_id FROM glue_event_queue WHERE workflow = ? ORDER BY received, rowid",
            (workflow,),
        )
        return [str(r["event_id"]) for r in rows]
