"""Gates: a metric condition over run properties, as a small Python shell job.

Glue triggers watch job states only, so ``accuracy >= min_accuracy`` becomes a gate
job shipped inside glue-wf (``glue_workflow/scripts/gate.py``, so any project can
use it without a copy) that reads the properties, records its decision as
``gate_<decision>_decision`` / ``gate_<decision>_reason`` and ends SUCCEEDED (pass)
or FAILED (reject); the branches are ordinary triggers on those states.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from glue_workflow.glue_defaults import MAX_TIMEOUT_MINUTES
from glue_workflow.model._base import (
    PROPERTY_PATTERN,
    Gather,
    check_enum,
    check_int,
    check_name,
    check_property_names,
    check_text,
    fail,
    set_attr,
)
from glue_workflow.model.dependencies import Dependency
from glue_workflow.model.job_arguments import check_after
from glue_workflow.model.jobs import PythonShellJob
from glue_workflow.naming import PACKAGED_SCRIPTS, gate_property

GATE_SCRIPT = f"{PACKAGED_SCRIPTS}gate.py"
OPERATORS = (">=", "<=", "==", "!=", ">", "<")
_CONDITION = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|!=|>|<)\s*(\S+)\s*")


@dataclass(frozen=True, kw_only=True)
class GateCondition:
    """``metric op threshold``: the threshold is a run property or a number."""

    metric: str
    op: str
    threshold_property: str | None = None
    threshold_value: float | None = None

    @classmethod
    def parse(cls, text: str, where: str) -> GateCondition:
        match = _CONDITION.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            fail(
                where,
                "gate-condition",
                f"condition {text!r} is not '<metric> <op> <property or number>' with op one "
                f"of {' '.join(OPERATORS)} (e.g. 'accuracy >= min_accuracy')",
            )
        metric, op, right = match.groups()
        if PROPERTY_PATTERN.fullmatch(right):
            return cls(metric=metric, op=op, threshold_property=right)
        try:
            value = float(right)
        except ValueError:
            fail(
                where,
                "gate-condition",
                f"condition {text!r}: right side {right!r} is neither a run property name "
                "nor a number",
            )
        if not math.isfinite(value):
            fail(where, "gate-condition", f"condition {text!r}: threshold must be finite")
        return cls(metric=metric, op=op, threshold_value=value)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"metric": self.metric, "op": self.op}
        if self.threshold_property is not None:
            data["property"] = self.threshold_property
        else:
            data["value"] = self.threshold_value
        return data

    def __str__(self) -> str:
        right = self.threshold_property or repr(self.threshold_value)
        return f"{self.metric} {self.op} {right}"


@dataclass(frozen=True, kw_only=True)
class Gate:
    """A metric gate node. ``conditions`` all hold (``require="all"``) or any holds."""

    kind: ClassVar[str] = "Gate"

    name: str
    conditions: tuple[str, ...]
    decision: str = ""  # properties gate_<decision>_decision/_reason; default: name
    require: str = "all"
    after: Dependency | None = None
    description: str = ""
    script: str = GATE_SCRIPT
    timeout: int = 10
    parsed: tuple[GateCondition, ...] = field(init=False, default=(), compare=False)

    def __post_init__(self) -> None:
        where = f"Gate {self.name!r}"
        g = Gather()
        with g.check():
            check_name(where, "gate name", self.name)
        with g.check():
            check_text(where, "description", self.description, 2048)
        given: object = self.conditions
        if isinstance(given, str) or not hasattr(given, "__iter__"):
            given = (given,)
        assert hasattr(given, "__iter__")
        set_attr(self, "conditions", tuple(given))
        with g.check():
            if not self.conditions:
                fail(where, "gate-condition", "a gate needs at least one condition")
            set_attr(self, "parsed", tuple(GateCondition.parse(c, where) for c in self.conditions))
        with g.check():
            decision = self.decision or str(self.name).replace("-", "_")
            check_property_names(where, "decision", (decision,))
            set_attr(self, "decision", decision)
        with g.check():
            check_enum(where, "require", self.require, ("all", "any"))
        with g.check():
            check_int(where, "timeout", self.timeout, 1, MAX_TIMEOUT_MINUTES)
        with g.check():
            check_after(where, self.after)
        g.done()

    @property
    def where(self) -> str:
        return f"Gate {self.name!r}"

    @property
    def reads(self) -> tuple[str, ...]:
        names = [c.metric for c in self.parsed] + [
            c.threshold_property for c in self.parsed if c.threshold_property
        ]
        return tuple(dict.fromkeys(names))

    @property
    def writes(self) -> tuple[str, ...]:
        return (gate_property(self.decision, "decision"), gate_property(self.decision, "reason"))

    @property
    def writes_on_failure(self) -> tuple[str, ...]:
        """A gate records its decision and reason before it fails (reject or error)."""
        return self.writes

    @property
    def summary(self) -> str:
        joiner = " and " if self.require == "all" else " or "
        return f"gate {self.decision}: pass when " + joiner.join(str(c) for c in self.parsed)

    def as_job(self) -> PythonShellJob:
        """The Python shell job this gate compiles to."""
        conditions = json.dumps(
            [c.to_json() for c in self.parsed], sort_keys=True, separators=(",", ":")
        )
        return PythonShellJob(
            name=self.name,
            script=self.script,
            description=self.description or self.summary,
            after=self.after,
            reads=self.reads,
            writes=self.writes,
            arguments={
                "--gate_name": self.decision,
                "--gate_conditions": conditions,
                "--gate_require": self.require,
            },
            timeout=self.timeout,
            # The gate calls Glue through boto3. AWS lists boto3 among the libraries of
            # the Python 3.9 shell's "analytics" set ("Supported libraries for Python
            # shell jobs", docs.aws.amazon.com/glue/latest/dg/add-job-python.html); it
            # documents nothing for "none" but "Do not install the common library set".
            library_set="analytics",
        )
