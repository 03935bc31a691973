"""The one exception hierarchy of glue-wf.

Every error a user can cause is a ``GlueWfError``: its message says what is wrong,
where, and how to fix it. The CLI prints it and exits 1; anything else is a bug.
Modules define narrower subclasses of these where callers need to tell them apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class GlueWfError(Exception):
    """Base of every error glue-wf raises on purpose."""


class ConfigError(GlueWfError):
    """glue-wf.toml, environment or command-line settings are invalid or incomplete."""


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One broken rule, found by validation: where it is, what is wrong, the fix."""

    where: str
    rule: str
    message: str
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        return f"{self.where}: {self.message} [{self.rule}]"


class DefinitionError(GlueWfError):
    """A workflow definition breaks one or more rules (raised before any AWS call)."""

    def __init__(self, problems: Sequence[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(where="definition", rule="definition", message=problems)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"] or list(self.problems)
        if len(errors) == 1:
            text = str(errors[0])
        else:
            text = f"{len(errors)} problems:\n" + "\n".join(f"  - {p}" for p in errors)
        super().__init__(text)


class RequestValidationError(DefinitionError):
    """A request glue-wf built breaks the AWS service model (enum, length, pattern, range)."""


class DeployError(GlueWfError):
    """Deploying, planning or destroying failed; state converges when rerun."""


class RunError(GlueWfError):
    """Starting, following, resuming or stopping a workflow run failed."""


class NotFoundError(GlueWfError):
    """A named run, node, job, model or endpoint does not exist."""


class JobError(GlueWfError):
    """A job script failed in a way it reports to the user (missing run property, ...)."""


class LocalTargetError(GlueWfError):
    """The local target's state or a local process is in a state it cannot serve."""


class NotSupportedError(GlueWfError):
    """A feature glue-wf does not implement; the message names the feature."""


class InfraError(GlueWfError):
    """The CloudFormation stack for the bucket and roles failed or is missing."""
