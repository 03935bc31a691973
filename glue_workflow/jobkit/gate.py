"""Metric gate evaluation (used by ``glue_workflow/scripts/gate.py``).

Three outcomes, recorded as ``gate_<name>_decision``:
``passed`` (job SUCCEEDED), ``rejected`` (job FAILED: the model is not good enough)
and ``error`` (job FAILED: a metric or threshold is missing, not a number or not
finite; an evaluation problem, not a verdict on the model). Reasons start with the
outcome so the run graph's error message tells them apart.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Mapping
from typing import Any, Callable

from glue_workflow.jobkit.errors import JobInputError

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
PASSED, REJECTED, ERROR = "passed", "rejected", "error"
GATE_PREFIX = "gate_"


def gate_property(gate: str, what: str) -> str:
    """Run property a gate records: ``gate_<gate>_decision`` / ``gate_<gate>_reason``."""
    return f"{GATE_PREFIX}{gate}_{what}"


class GateDecision:
    """The outcome of a gate: ``decision`` (passed|rejected|error) and ``reason``."""

    def __init__(self, decision: str, reason: str) -> None:
        self.decision = decision
        self.reason = reason

    def __repr__(self) -> str:
        return f"GateDecision({self.decision!r}, {self.reason!r})"


def parse_conditions(text: str) -> list[dict[str, Any]]:
    """The compiler's ``--gate_conditions`` JSON, checked."""
    try:
        conditions = json.loads(text)
    except ValueError as exc:
        raise JobInputError(f"--gate_conditions is not JSON: {exc}") from exc
    if not isinstance(conditions, list) or not conditions:
        raise JobInputError("--gate_conditions must be a non-empty JSON list")
    for item in conditions:
        if (
            not isinstance(item, dict)
            or item.get("op") not in OPERATORS
            or not isinstance(item.get("metric"), str)
            or ("property" in item) == ("value" in item)
        ):
            raise JobInputError(
                f"--gate_conditions item {item!r} must be "
                '{"metric": NAME, "op": OP, "property": NAME | "value": NUMBER}'
            )
    return conditions


def _number(props: Mapping[str, str], name: str, role: str) -> tuple[float | None, str]:
    if name not in props:
        return None, f"{role} {name!r} is missing from the run properties"
    raw = props[name]
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None, f"{role} {name!r} is not a number: {raw!r}"
    if math.isnan(value):
        return None, f"{role} {name!r} is not a number: {raw!r}"
    if math.isinf(value):  # -inf would pass every "<=" condition: a broken metric
        return None, f"{role} {name!r} is not finite: {raw!r}"
    return value, ""


def evaluate(
    conditions: list[dict[str, Any]], props: Mapping[str, str], require: str = "all"
) -> GateDecision:
    """Evaluate every condition against ``props``; errors win over verdicts."""
    problems: list[str] = []
    results: list[tuple[bool, str]] = []
    for item in conditions:
        metric, op = item["metric"], item["op"]
        value, problem = _number(props, metric, "metric")
        if "property" in item:
            threshold, threshold_problem = _number(props, item["property"], "threshold")
            label = "{} {} {}".format(metric, op, item["property"])
        else:
            threshold, threshold_problem = float(item["value"]), ""
            label = "{} {} {}".format(metric, op, item["value"])
        problems += [p for p in (problem, threshold_problem) if p]
        if value is None or threshold is None:
            continue
        ok = OPERATORS[op](value, threshold)
        # a property's value is shown; a literal already is ("f1 > 0.6", not "(0.6)")
        shown = f" ({threshold:g})" if "property" in item else ""
        verdict = "meets" if ok else "fails"
        results.append((ok, f"{metric} = {value:g} {verdict} {label}{shown}"))
    if problems:
        return GateDecision(ERROR, "evaluation error: " + "; ".join(problems))
    passed = all(ok for ok, _ in results) if require == "all" else any(ok for ok, _ in results)
    text = "; ".join(reason for _, reason in results)
    return GateDecision(
        PASSED if passed else REJECTED, ("passed: " if passed else "rejected: ") + text
    )
