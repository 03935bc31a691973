"""Installs the glue-wf local target in any Python process started with GLUE_WF_HOME set.

Kept cheap: nothing heavy is imported at interpreter start. A meta-path hook waits for
``botocore.session`` to be imported and arms the local target's guard right after,
before any client can exist: from then on every client refuses to send requests off
the machine, and the first client to be created installs the local handlers under the
guard's lock (threads creating their first clients at once all wait for it). A job
that never uses boto3 pays nothing. Another ``sitecustomize`` later on ``sys.path`` (a
virtualenv's, a distribution's) still runs.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
_TARGET = "botocore.session"


def _arm() -> None:
    """Guard every client from now on; install the local handlers with the first one.

    Installing itself waits for the first client: the process may be importing
    glue-wf's own dispatch module right now (which imports botocore), and installing
    needs it complete. An installation the process makes itself takes precedence.
    """
    home = os.environ["GLUE_WF_HOME"]
    from glue_workflow.local import guard

    def route(client: Any) -> bool:
        from glue_workflow.local import dispatch

        dispatch.install(home)  # replaces this router with dispatch.route
        return dispatch.route(client)

    guard.arm(route, replace=False)


class _AfterImport:
    """Meta-path finder: load module ``target`` normally, then call ``then(module)``."""

    def __init__(self, target: str, then: Callable[[ModuleType], None]) -> None:
        self.target, self.then = target, then

    def find_spec(
        self,
        name: str,
        path: Sequence[str] | None = None,  # noqa: ARG002 - finder protocol
        target: ModuleType | None = None,  # noqa: ARG002
    ) -> ModuleSpec | None:
        if name != self.target:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return None
        original, finder = spec.loader, self

        class _Loader(importlib.abc.Loader):
            def create_module(self, spec: ModuleSpec) -> ModuleType | None:
                return original.create_module(spec)

            def exec_module(self, module: ModuleType) -> None:
                original.exec_module(module)
                if finder in sys.meta_path:
                    sys.meta_path.remove(finder)
                finder.then(module)

        spec.loader = _Loader()
        return spec


_finder = _AfterImport(_TARGET, lambda _module: _arm())


def _spark_settings() -> None:
    """A Spark job that starts its own JVM gets the local settings its runner passed
    (the JVM's network guard among them), whether or not it imports ``awsglue``."""
    args = os.environ.get("GLUE_WF_SPARK_SUBMIT_ARGS")
    if args and "PYSPARK_SUBMIT_ARGS" not in os.environ:
        os.environ["PYSPARK_SUBMIT_ARGS"] = args
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    if os.environ.get("GLUE_WF_WARM_SPARK_ADDRESS"):
        # importing the local awsglue arms its attach-on-import (awsglue._warm, standard
        # library only): plain PySpark leases the warm Spark's JVM as a Glue script does
        with contextlib.suppress(ImportError):  # the real library (Glue's image): no warm Spark
            import awsglue  # noqa: F401
    flag = "--enable-glue-datacatalog"
    if any(a == flag or a.startswith(f"{flag}=") for a in sys.argv):
        sys.meta_path.insert(0, _AfterImport("pyspark.sql.session", _catalog_tables))


def _catalog_tables(module: ModuleType) -> None:
    """``--enable-glue-datacatalog``: the local catalog's tables as Spark SQL tables in the
    session ``SparkSession.builder.getOrCreate()`` returns, GlueContext or not."""
    try:
        from awsglue import _readwrite
    except ImportError:  # the real library (Glue's image)
        return
    if _readwrite.datacatalog_enabled(sys.argv):
        _readwrite.expose_on_session(module.SparkSession.Builder)


def _chain() -> None:
    """Run the next ``sitecustomize`` on sys.path, which this module shadows."""
    others = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", others)
    if spec is None or spec.loader is None or spec.origin == __file__:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


def _netguard() -> None:
    """Refuse sockets off the machine from the first line (``netguard``, loaded by path:
    importing glue_workflow here would shadow the job library a Spark job brings)."""
    module = sys.modules.get("glue_wf_netguard")
    if module is None:
        path = os.path.join(os.path.dirname(_HERE), "netguard.py")
        module = ModuleType("glue_wf_netguard")
        module.__file__ = path
        sys.modules["glue_wf_netguard"] = module
        importlib.machinery.SourceFileLoader("glue_wf_netguard", path).exec_module(module)
    module.install()


if os.environ.get("GLUE_WF_HOME"):
    if "botocore.session" in sys.modules:
        _arm()
    else:
        sys.meta_path.insert(0, _finder)
    _spark_settings()
    try:
        _netguard()
    except BaseException as exc:  # fail closed: without the hook, sockets could leave
        sys.stderr.write(
            f"glue-wf: the local target's network guard failed to start ({exc!r}); the "
            "process stops rather than let a request leave this machine\n"
        )
        sys.stderr.flush()
        os._exit(70)
_chain()
