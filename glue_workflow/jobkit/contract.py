"""A node's run-property contract, enforced inside the job (on Glue and locally alike).

The compiler passes each job its node's declaration as ``--glue_wf_contract``
(``{"node": ..., "reads": [...], "writes": [...]}``). ``JobContext`` then refuses to
read a property the node does not declare in ``reads=`` (its own ``writes=`` may be
read back) and to write one not in ``writes=``, naming the property and the node, so a
definition and its scripts cannot drift apart. Without the argument (a script run by
hand, a job deployed by another tool) nothing is enforced.

A node may also rename the properties a reusable script uses: ``--property_names``
holds a JSON object ``{"<name in the script>": "<name in this workflow>"}``; the
script keeps using its own names (``ctx.require("model_artifact_uri")``) and the
context reads and writes the workflow's.

Runs on Glue Python shell 3.9 (standard library only).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from glue_workflow.jobkit.errors import JobFailed, JobInputError

CONTRACT_ARGUMENT = "glue_wf_contract"
NAMES_ARGUMENT = "property_names"
# glue-wf's own run properties (failure reasons, step-cache records, --no-cache and
# --rerun-from requests): reserved names no definition declares, read and written by
# the job library itself.
SYSTEM_PREFIX = "glue_wf_"
# Glue's own run properties (aws:eventIds: an event-started run's batch), which no
# definition can declare (their names are not valid property names there): always
# readable.
GLUE_PREFIX = "aws:"


class ContractError(JobFailed):
    """The job touched a run property its node does not declare."""


def _json_argument(args: Mapping[str, str], name: str) -> object:
    text = args.get(name)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise JobInputError(f"--{name} must be JSON, got {text[:120]!r}") from None


class Contract:
    """What a node declared, and the names its script's properties map to."""

    def __init__(
        self,
        node: str,
        reads: tuple[str, ...] | None,
        writes: tuple[str, ...] | None,
        names: Mapping[str, str],
    ) -> None:
        self.node = node
        self.reads = reads
        self.writes = writes
        self.names = dict(names)
        self._roles = {v: k for k, v in self.names.items()}

    @classmethod
    def from_args(cls, args: Mapping[str, str], node: str) -> Contract:
        declared = _json_argument(args, CONTRACT_ARGUMENT)
        reads = writes = None
        if declared is not None:
            if not isinstance(declared, dict):
                raise JobInputError(f"--{CONTRACT_ARGUMENT} must be a JSON object")
            node = str(declared.get("node") or node)
            reads = tuple(str(n) for n in declared.get("reads") or ())
            writes = tuple(str(n) for n in declared.get("writes") or ())
        names = _json_argument(args, NAMES_ARGUMENT) or {}
        if not isinstance(names, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in names.items()
        ):
            raise JobInputError(
                f"--{NAMES_ARGUMENT} must be a JSON object of property names, e.g. "
                '{"model_artifact_uri": "my_model_uri"}'
            )
        return cls(node, reads, writes, names)

    @property
    def enforced(self) -> bool:
        return self.reads is not None

    def name(self, script_name: str) -> str:
        """The workflow's name for the property the script calls ``script_name``."""
        return self.names.get(script_name, script_name)

    def script_name(self, name: str) -> str:
        return self._roles.get(name, name)

    def check_read(self, name: str) -> None:
        if self.readable(name):
            return
        raise ContractError(
            f"node {self.node!r} reads run property {name!r}, which it does not declare: "
            f"add {name!r} to reads= of node {self.node!r} in the workflow definition "
            f"(declared reads: {', '.join(self.reads or ()) or 'none'})"
        )

    def declares_write(self, name: str) -> bool:
        """Whether the node may write ``name``: a script skips an optional output (a
        report URI, a summary) its node does not declare, and fails on a required one."""
        return self.writes is None or name in self.writes or name.startswith(SYSTEM_PREFIX)

    def check_write(self, name: str) -> None:
        if self.declares_write(name):
            return
        raise ContractError(
            f"node {self.node!r} writes run property {name!r}, which it does not declare: "
            f"add {name!r} to writes= of node {self.node!r} in the workflow definition "
            f"(declared writes: {', '.join(self.writes or ()) or 'none'})"
        )

    def unwritten_warning(self, properties: Mapping[str, str]) -> str:
        """What to say when the job succeeded without writing a declared write; "" when
        it wrote them all (or nothing is enforced).

        A warning, not a failure: a declared write may be skipped on a path that
        succeeds (the shipped deploy job writes no ``smoke_test`` while a package
        awaits approval, no ``replaced_endpoint_config`` on a first deployment).
        """
        missing = [n for n in self.writes or () if n not in properties]
        if not missing:
            return ""
        one = len(missing) == 1
        them = "it" if one else "them"
        return (
            f"glue-wf warning: node {self.node!r} succeeded without writing run "
            f"propert{'y' if one else 'ies'} {', '.join(map(repr, missing))}, declared in "
            f"its writes=: a node that reads {them} fails on {'its' if one else 'their'} "
            f"absence; write {them} with ctx.put(...) on every path that succeeds, or drop "
            f"{them} from writes= of node {self.node!r} in the workflow definition"
        )

    def readable(self, name: str) -> bool:
        return (
            self.reads is None
            or name in self.reads
            or name in (self.writes or ())
            or name.startswith((SYSTEM_PREFIX, GLUE_PREFIX))
        )


class RunProperties(Mapping[str, str]):
    """A run's properties as the node may see them, under the script's own names.

    Looking up an undeclared property raises ``ContractError`` (also through ``get``
    and ``in``); iterating yields the declared ones that are set.
    """

    def __init__(self, values: Mapping[str, str], contract: Contract) -> None:
        self._values = dict(values)
        self._contract = contract

    def __getitem__(self, key: str) -> str:
        name = self._contract.name(key)
        self._contract.check_read(name)
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        for name in self._values:
            if self._contract.readable(name):
                yield self._contract.script_name(name)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def optional(self, key: str) -> str:
        """An input the script uses when its node declares it: the value, or "" when the
        node does not read it (or it is unset); never a contract error."""
        name = self._contract.name(key)
        return self._values.get(name, "") if self._contract.readable(name) else ""

    def __repr__(self) -> str:
        return f"RunProperties({dict(self.items())!r})"
