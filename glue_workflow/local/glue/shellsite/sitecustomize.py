"""Route this Python shell job's boto3 calls to the local executor that started it.

Runs at interpreter start when ``GLUE_WF_SHELL_GATEWAY`` is set. It also hides the
glue-wf source tree from the job (``GLUE_WF_SHELL_HIDE``): the job imports the job
library only from the wheel deploy uploaded, as on Glue. Python 3.9 compatible.
"""

from __future__ import annotations

import importlib.machinery
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
    from importlib.util import module_from_spec  # only now: in 3.9 it imports typing

    module = module_from_spec(spec)
    spec.loader.exec_module(module)


class _ArmOnImport:
    """A meta-path finder for ``botocore.session`` that routes its Session class (see
    glue_wf_shell_bridge.py) as the module executes, before any session can exist: a job
    that makes no AWS call does not pay for importing botocore at start-up."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.busy = False

    def find_spec(self, name: str, *_: object) -> object:  # (name, path, target)
        if name != "botocore.session" or self.busy:
            return None
        from importlib.util import find_spec

        self.busy = True
        try:
            spec = find_spec(name)  # the regular finders
        finally:
            self.busy = False
        if spec is not None and spec.loader is not None:
            spec.loader = _RoutingLoader(spec.loader, self)  # type: ignore[assignment]
        return spec


class _RoutingLoader:
    def __init__(self, inner: object, finder: _ArmOnImport) -> None:
        self.inner, self.finder = inner, finder

    def create_module(self, spec: object) -> object:
        return self.inner.create_module(spec)  # type: ignore[attr-defined]

    def exec_module(self, module: object) -> None:
        self.inner.exec_module(module)  # type: ignore[attr-defined]
        _route(module, self.finder.url)
        try:  # noqa: SIM105 - no contextlib import at start-up
            sys.meta_path.remove(self.finder)  # type: ignore[arg-type]
        except ValueError:
            pass

    def __getattr__(self, name: str) -> object:  # get_source etc., for tracebacks
        return getattr(self.inner, name)


def _route(module: object, url: str) -> None:
    import glue_wf_shell_bridge  # type: ignore[import-not-found]  # beside this file

    glue_wf_shell_bridge.route(module, url)


def _arm(url: str) -> None:
    loaded = sys.modules.get("botocore.session")  # e.g. by a chained sitecustomize
    if loaded is not None:
        _route(loaded, url)
    else:
        sys.meta_path.insert(0, _ArmOnImport(url))  # type: ignore[arg-type]


def _netguard() -> None:
    """Refuse sockets off the machine (glue_workflow/local/netguard.py, loaded by path:
    the job cannot import glue_workflow; not through importlib.util, whose typing
    import would cost a Python 3.9 job ~9 ms of start-up)."""
    from types import ModuleType

    path = os.path.join(os.path.dirname(os.path.dirname(_HERE)), "netguard.py")
    module = ModuleType("glue_wf_netguard")
    module.__file__ = path
    sys.modules["glue_wf_netguard"] = module
    importlib.machinery.SourceFileLoader("glue_wf_netguard", path).exec_module(module)
    module.install()


def _main() -> None:
    gateway = os.environ.get("GLUE_WF_SHELL_GATEWAY")
    if gateway:
        _netguard()  # first: another site hook's sockets are guarded too
    _chain()
    if gateway:
        _hide_source()
        _arm(gateway)


try:
    _main()
except BaseException as exc:  # fail closed: without the hook, calls would go to AWS
    if os.environ.get("GLUE_WF_SHELL_GATEWAY"):
        sys.stderr.write(
            f"glue-wf: the local Python shell job's site hook failed ({exc!r}); the job "
            "stops rather than let its AWS calls leave this machine\n"
        )
        sys.stderr.flush()
        os._exit(70)
    raise
