"""Mocked node outcomes for scenario tests: how each node's job run ends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from glue_workflow.errors import ConfigError
from glue_workflow.naming import gate_property

FINAL_STATES = ("SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED")


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """A node's mocked run: ``state`` after ``failed_attempts`` FAILED attempts.

    ``writes``: run properties the node puts (on success or not: a failing gate
    records its decision too). Retries follow the job's MaxRetries as Glue does: a
    node with more failed attempts than retries ends FAILED.
    """

    state: str = "SUCCEEDED"
    writes: Mapping[str, str] = field(default_factory=dict)
    failed_attempts: int = 0
    error: str | None = None

    def __post_init__(self) -> None:
        if self.state not in FINAL_STATES:
            raise ConfigError(
                f"scenario outcome state {self.state!r} is not one of {', '.join(FINAL_STATES)}"
            )
        if isinstance(self.failed_attempts, bool) or not (
            isinstance(self.failed_attempts, int) and self.failed_attempts >= 0
        ):
            raise ConfigError(
                f"failed_attempts must be a whole number >= 0, got {self.failed_attempts!r}"
            )
        bad = [k for k, v in self.writes.items() if not isinstance(v, str)]
        if bad:
            raise ConfigError(
                f"scenario writes {', '.join(bad)}: run property values are strings; "
                "write e.g. '0.93', not 0.93"
            )


def succeeds(writes: Mapping[str, str] | None = None, *, after_failures: int = 0) -> Outcome:
    return Outcome(writes=dict(writes or {}), failed_attempts=after_failures)


def fails(error: str = "mocked failure", writes: Mapping[str, str] | None = None) -> Outcome:
    return Outcome(state="FAILED", error=error, writes=dict(writes or {}))


def times_out() -> Outcome:
    return Outcome(state="TIMEOUT", error="Job run timed out (mocked)")


def stopped() -> Outcome:
    return Outcome(state="STOPPED", error="Job run stopped on request (mocked)")


def rejects(decision: str, reason: str) -> Outcome:
    """A gate that rejected the model: FAILED, its decision recorded as the gate does.

    ``decision``: the gate's ``decision=`` name (properties ``gate_<decision>_decision``
    and ``gate_<decision>_reason``).
    """
    return Outcome(
        state="FAILED",
        error=f"gate rejected: {reason}",
        writes={
            gate_property(decision, "decision"): "rejected",
            gate_property(decision, "reason"): reason,
        },
    )
