"""Drift checks: a new input batch against the training baseline, as a gate node.

Like a ``Gate``, a ``DriftCheck`` compiles to a small Python shell job, here one
shipped inside glue-wf (``glue_workflow/scripts/drift_check.py``): it computes
per-feature PSI and missing-rate change, writes a JSON report, records
``drift_<decision>_*`` run properties and ends SUCCEEDED (stable) or FAILED
(drifted, or an input it cannot use), so ``succeeded()`` / ``failed()`` branch on it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, ClassVar

from glue_workflow.glue_defaults import MAX_TIMEOUT_MINUTES
from glue_workflow.model._base import (
    PROPERTY_PATTERN,
    Gather,
    check_int,
    check_name,
    check_property_names,
    check_text,
    fail,
    set_attr,
    str_tuple,
)
from glue_workflow.model.dependencies import Dependency
from glue_workflow.model.job_arguments import check_after
from glue_workflow.model.jobs import PythonShellJob, check_python_shell_capacity
from glue_workflow.naming import PACKAGED_SCRIPTS, drift_property

DRIFT_SCRIPT = f"{PACKAGED_SCRIPTS}drift_check.py"
RECORDED = ("decision", "reason", "max_psi", "max_psi_feature", "drifted", "psi", "report_uri")
PROPERTY_PREFIX = "property:"  # how the job tells a run property from a URI


def _source(where: str, what: str, value: Any) -> str:
    """A run property name, or an ``s3://`` URI (placeholders allowed)."""
    is_uri = isinstance(value, str) and value.startswith("s3://") and len(value) > len("s3://")
    if not is_uri and not (isinstance(value, str) and PROPERTY_PATTERN.fullmatch(value)):
        example = "baseline_uri" if what == "baseline" else "input_uri"
        fail(
            where,
            f"drift-{what}",
            f"{what}={value!r} must be a run property name holding the URI (e.g. "
            f"{example!r}) or an s3:// URI",
        )
    return str(value)


def _fraction(where: str, what: str, value: Any, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(where, "number", f"{what} must be a number, got {value!r}")
    if not math.isfinite(value) or not 0 < value <= high:
        fail(where, f"{what}-range", f"{what} must be > 0 and <= {high:g}, got {value!r}")
    return float(value)


@dataclass(frozen=True, kw_only=True)
class DriftCheck:
    """A data-drift node: ``batch`` (CSV with a header) against ``baseline`` (baseline.json).

    ``baseline`` / ``batch``: a run property holding the URI (default ``baseline_uri``,
    which the preprocess job writes, and ``input_uri``) or an ``s3://`` URI.
    ``features``: source columns to check (default: every column in the baseline).
    Drifted when a feature's PSI exceeds ``max_psi`` or its missing rate rose by more
    than ``max_missing_increase`` (absolute).
    """

    kind: ClassVar[str] = "DriftCheck"

    name: str
    baseline: str = "baseline_uri"
    batch: str = "input_uri"
    max_psi: float = 0.2
    features: tuple[str, ...] = ()
    max_missing_increase: float = 0.1
    decision: str = ""  # properties drift_<decision>_*; default: name
    after: Dependency | None = None
    description: str = ""
    timeout: int = 30
    max_capacity: float = 0.0625

    def __post_init__(self) -> None:
        where = self.where
        g = Gather()
        with g.check():
            check_name(where, "drift check name", self.name)
        with g.check():
            check_text(where, "description", self.description, 2048)
        with g.check():
            set_attr(self, "baseline", _source(where, "baseline", self.baseline))
        with g.check():
            set_attr(self, "batch", _source(where, "batch", self.batch))
        with g.check():
            set_attr(self, "max_psi", _fraction(where, "max_psi", self.max_psi, 10.0))
        with g.check():
            value = _fraction(where, "max_missing_increase", self.max_missing_increase, 1.0)
            set_attr(self, "max_missing_increase", value)
        with g.check():
            set_attr(self, "features", str_tuple(where, "features", self.features))
        with g.check():
            decision = self.decision or str(self.name).replace("-", "_")
            check_property_names(where, "decision", (decision,))
            set_attr(self, "decision", decision)
        with g.check():
            check_int(where, "timeout", self.timeout, 1, MAX_TIMEOUT_MINUTES)
        with g.check():
            check_python_shell_capacity(where, self.max_capacity)
        with g.check():
            check_after(where, self.after)
        g.done()

    @property
    def where(self) -> str:
        return f"DriftCheck {self.name!r}"

    @property
    def reads(self) -> tuple[str, ...]:
        return tuple(
            dict.fromkeys(s for s in (self.baseline, self.batch) if not s.startswith("s3://"))
        )

    @property
    def writes(self) -> tuple[str, ...]:
        return tuple(drift_property(self.decision, what) for what in RECORDED)

    @property
    def writes_on_failure(self) -> tuple[str, ...]:
        """Recorded before the job fails, whether it found drift or could not compare
        (then only these two: the PSI figures exist only after a verdict)."""
        return tuple(drift_property(self.decision, what) for what in ("decision", "reason"))

    @property
    def summary(self) -> str:
        scope = ", ".join(self.features) if self.features else "every baseline feature"
        return (
            f"drift check {self.decision}: fail when PSI > {self.max_psi:g} or missing rate "
            f"+{self.max_missing_increase:g} on {scope}"
        )[:2048]

    def as_job(self) -> PythonShellJob:
        """The Python shell job this drift check compiles to."""

        def spec(value: str) -> str:
            return value if value.startswith("s3://") else PROPERTY_PREFIX + value

        return PythonShellJob(
            name=self.name,
            script=DRIFT_SCRIPT,
            description=self.description or self.summary,
            after=self.after,
            reads=self.reads,
            writes=self.writes,
            arguments={
                "--drift_name": self.decision,
                "--drift_baseline": spec(self.baseline),
                "--drift_batch": spec(self.batch),
                "--drift_max_psi": repr(self.max_psi),
                "--drift_max_missing_increase": repr(self.max_missing_increase),
                "--drift_features": json.dumps(list(self.features), separators=(",", ":")),
            },
            context_arguments=("artifacts_bucket",),
            timeout=self.timeout,
            max_capacity=self.max_capacity,
            library_set="none",
        )
