"""EventBridge state of the local target in the shared SQLite database (tables ``events_*``).

Rules and their targets as the documents DescribeRule / ListTargetsByRule return, and a
log of every event put on the bus with where it went (``glue-wf events list``).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from glue_workflow.local.store import LocalHome, TableState

SCHEMA = """
CREATE TABLE IF NOT EXISTS events_rules (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events_targets (
    rule TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (rule, id)
);
CREATE TABLE IF NOT EXISTS events_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, time REAL NOT NULL,
    event TEXT NOT NULL, deliveries TEXT NOT NULL
);
"""


class EventsState(TableState):
    """Typed access to the ``events_*`` tables."""

    def __init__(self, home: LocalHome) -> None:
        super().__init__(home, SCHEMA)

    def rule(self, name: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT doc FROM events_rules WHERE name = ?", (name,)).fetchone()
        return None if row is None else dict(json.loads(row["doc"]))

    def rules(self) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT doc FROM events_rules ORDER BY name")
        return [dict(json.loads(r["doc"])) for r in rows]

    def put_rule(self, conn: sqlite3.Connection, doc: dict[str, Any]) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO events_rules VALUES (?, ?)", (doc["Name"], json.dumps(doc))
        )

    def targets(self, rule: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT doc FROM events_targets WHERE rule = ? ORDER BY id", (rule,)
        )
        return [dict(json.loads(r["doc"])) for r in rows]

    def log(self, event_id: str, ts: float, event: dict[str, Any], deliveries: list[Any]) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO events_log (id, time, event, deliveries) VALUES (?, ?, ?, ?)",
                (event_id, ts, json.dumps(event), json.dumps(deliveries)),
            )

    def recent(self, limit: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT time, event, deliveries FROM events_log ORDER BY seq DESC LIMIT ?", (limit,)
        ).fetchall()
        return [
            {
                "time": r["time"],
                "event": json.loads(r["event"]),
                "deliveries": json.loads(r["deliveries"]),
            }
            for r in reversed(rows)
        ]
