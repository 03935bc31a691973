"""A change set's resource changes, as rows and as a plain-text table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

HEADERS = ("Action", "Logical ID", "Type", "Replacement")


@dataclass(frozen=True, kw_only=True)
class ChangeRow:
    """One resource the change set adds, modifies, removes, imports or replaces."""

    action: str  # Add | Modify | Remove | Import | Dynamic
    logical_id: str
    resource_type: str
    replacement: str = ""  # True | False | Conditional ("" when not applicable)

    def as_dict(self) -> dict[str, str]:
        return {
            "Action": self.action,
            "LogicalResourceId": self.logical_id,
            "ResourceType": self.resource_type,
            "Replacement": self.replacement,
        }


def change_rows(changes: Sequence[dict[str, Any]]) -> tuple[ChangeRow, ...]:
    """Rows from DescribeChangeSet ``Changes`` (resource changes only)."""
    rows = []
    for change in changes:
        resource = change.get("ResourceChange")
        if change.get("Type", "Resource") != "Resource" or not resource:
            continue
        rows.append(
            ChangeRow(
                action=str(resource.get("Action", "")),
                logical_id=str(resource.get("LogicalResourceId", "")),
                resource_type=str(resource.get("ResourceType", "")),
                replacement=str(resource.get("Replacement") or ""),
            )
        )
    return tuple(rows)


def render_table(rows: Sequence[ChangeRow]) -> str:
    """Aligned columns: action, logical ID, type, replacement ("-" when not applicable)."""
    cells = [HEADERS] + [
        (r.action, r.logical_id, r.resource_type, r.replacement or "-") for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADERS))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
