"""The local target: AWS services answered on this machine from state under one directory.

``install(home)`` makes every boto3 client of the listed services, created in this
process from then on, answered by the local handlers (see ``dispatch``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glue_workflow.local.dispatch import install, installed_home, uninstall

__all__ = ["install", "installed_home", "uninstall"]


def __getattr__(name: str) -> Any:
    # Lazy: processes that only need the engine's modules (the detached executor) must
    # not pay for importing botocore at start-up.
    if name in __all__:
        from glue_workflow.local import dispatch

        return getattr(dispatch, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
