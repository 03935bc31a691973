"""Route this Python shell job's boto3 calls to the local executor that started it.

Runs at interpreter start when ``GLUE_WF_SHELL_GATEWAY`` is set. It also hides the
glue-wf source tree from the job (``GLUE_WF_SHELL_HIDE``): the job imports the job
library only from the wheel deploy uploaded, as on Glue. Python 3.9 compatible.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _hide_source() -> None:
    listed = os.environ.get("GLUE_WF_SHELL_HIDE", "").split(os.pathsep)
    hidden = {os.path.abspath(p) for p in listed if p}
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") not in hidden]
    # an editable install of glue-wf finds glue_workflow.* through a meta-path finder
    sys.meta_path[:] = [
        f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")
    ]


def _chain() -> None:
    """Run the next ``sitecustomize`` on sys.path (a virtualenv's), which this one shadows."""
    others = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", others)
    if spec is None or spec.loader is None or spec.origin == __file__:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


_chain()
if os.environ.get("GLUE_WF_SHELL_GATEWAY"):
    _hide_source()
    import glue_wf_shell_bridge  # type: ignore[import-not-found]  # beside this file

    glue_wf_shell_bridge.arm(os.environ["GLUE_WF_SHELL_GATEWAY"])
