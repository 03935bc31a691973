"""Concise dependencies: ``after=succeeded("train")``, ``failed("a") | failed("b")``.

A ``Dependency`` is exactly what one Glue conditional trigger can express: a flat
list of (node, state) conditions joined by ``AND`` or ``ANY``. ``&`` joins with AND,
``|`` with ANY; mixing them is refused because Glue predicates cannot nest.
Nodes sharing an identical dependency compile to one trigger with several actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from glue_workflow.model._base import check_enum, check_name, fail

# Job states a conditional trigger can watch (the API enum lists more; Glue only
# fires on these four).
LISTENABLE_STATES = ("SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT")
LOGICALS = ("AND", "ANY")
Logical = Literal["AND", "ANY"]
MAX_CONDITIONS = 500


def node_name(ref: Any, where: str) -> str:
    """A node given by name or by the node object itself."""
    name = ref if isinstance(ref, str) else getattr(ref, "name", None)
    if not isinstance(name, str):
        # a node object whose name is not a string: named by its class, not its whole repr
        got = repr(ref)[:200]
        if hasattr(ref, "name"):
            got = f"a {type(ref).__name__} whose name is {name!r}"
        fail(where, "node-reference", f"expected a node or a node name, got {got}")
    return check_name(where, "node", name)


@dataclass(frozen=True, kw_only=True)
class Condition:
    """A watched job state: ``node`` ended in ``state``."""

    node: str
    state: str = "SUCCEEDED"

    def __post_init__(self) -> None:
        where = f"condition on {self.node!r}"
        check_name(where, "node", self.node)
        if self.state in ("ERROR", "RUNNING", "STARTING", "STOPPING", "WAITING", "EXPIRED"):
            fail(
                where,
                "listenable-state",
                f"state {self.state!r} cannot be watched by a Glue trigger: only "
                f"{', '.join(LISTENABLE_STATES)} fire conditional triggers",
            )
        check_enum(where, "state", self.state, LISTENABLE_STATES)

    def __str__(self) -> str:
        return f"{self.node} {self.state}"


@dataclass(frozen=True, kw_only=True)
class Dependency:
    """Conditions joined by ``logical`` (AND: all of them; ANY: the first one)."""

    conditions: tuple[Condition, ...]
    logical: Logical = "AND"

    def __post_init__(self) -> None:
        where = "dependency"
        check_enum(where, "logical", self.logical, LOGICALS)
        conditions = tuple(self.conditions)
        if not conditions:
            fail(where, "empty-predicate", "a dependency needs at least one condition")
        for c in conditions:
            if not isinstance(c, Condition):
                fail(where, "condition-type", f"expected a Condition, got {c!r}")
        if len(conditions) > MAX_CONDITIONS:
            fail(
                where,
                "predicate-size",
                f"{len(conditions)} conditions; a Glue predicate holds at most {MAX_CONDITIONS}",
            )
        # Canonical order and no duplicates: equal dependencies compare equal.
        object.__setattr__(
            self, "conditions", tuple(sorted(set(conditions), key=lambda c: (c.node, c.state)))
        )

    def _join(self, other: object, logical: Logical) -> Dependency:
        if not isinstance(other, Dependency):
            fail(
                f"dependency {self}",
                "dependency-type",
                f"cannot combine a dependency with {other!r}: use succeeded(...), failed(...)",
            )
        for side in (self, other):
            if len(side.conditions) > 1 and side.logical != logical:
                fail(
                    f"dependency ({self}) {'&' if logical == 'AND' else '|'} ({other})",
                    "flat-predicate",
                    "cannot mix '&' (AND) and '|' (ANY): a Glue trigger predicate is one "
                    "flat list; add an intermediate node or an explicit Trigger",
                )
        return Dependency(conditions=self.conditions + other.conditions, logical=logical)

    def __and__(self, other: object) -> Dependency:
        return self._join(other, "AND")

    def __or__(self, other: object) -> Dependency:
        return self._join(other, "ANY")

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.node for c in self.conditions))

    def key(self) -> tuple[tuple[tuple[str, str], ...], str]:
        """Identity used to share one trigger between nodes with the same dependency."""
        # One condition: AND and ANY mean the same; normalise so they share a trigger.
        logical = "AND" if len(self.conditions) == 1 else self.logical
        return tuple((c.node, c.state) for c in self.conditions), logical

    def __str__(self) -> str:
        joiner = " & " if self.logical == "AND" else " | "
        return joiner.join(str(c) for c in self.conditions)


def on(node: Any, state: str) -> Dependency:
    """Run after ``node`` ends in ``state`` (SUCCEEDED, FAILED, STOPPED or TIMEOUT)."""
    name = node_name(node, "on()")
    return Dependency(conditions=(Condition(node=name, state=state),))


def succeeded(*nodes: Any) -> Dependency:
    """After every one of ``nodes`` succeeded."""
    return _many(nodes, "SUCCEEDED", "AND", "succeeded()")


def failed(*nodes: Any) -> Dependency:
    """After any one of ``nodes`` failed."""
    return _many(nodes, "FAILED", "ANY", "failed()")


def stopped(*nodes: Any) -> Dependency:
    """After any one of ``nodes`` was stopped."""
    return _many(nodes, "STOPPED", "ANY", "stopped()")


def timed_out(*nodes: Any) -> Dependency:
    """After any one of ``nodes`` timed out."""
    return _many(nodes, "TIMEOUT", "ANY", "timed_out()")


def all_of(*deps: Dependency) -> Dependency:
    """Every dependency holds (AND)."""
    return _fold(deps, "AND", "all_of()")


def any_of(*deps: Dependency) -> Dependency:
    """Any dependency holds (ANY)."""
    return _fold(deps, "ANY", "any_of()")


def _many(nodes: tuple[Any, ...], state: str, logical: Logical, where: str) -> Dependency:
    if not nodes:
        fail(where, "empty-predicate", f"{where} needs at least one node")
    names = [node_name(n, where) for n in nodes]
    return Dependency(
        conditions=tuple(Condition(node=n, state=state) for n in names), logical=logical
    )


def _fold(deps: tuple[Dependency, ...], logical: Logical, where: str) -> Dependency:
    if not deps:
        fail(where, "empty-predicate", f"{where} needs at least one dependency")
    result = deps[0]
    for dep in deps[1:]:
        result = result._join(dep, logical)
    if len(deps) == 1 and len(result.conditions) == 1:
        return Dependency(conditions=result.conditions, logical=logical)
    return result
