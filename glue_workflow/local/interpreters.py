"""Which Python runs a local job, worker or server.

Whoever makes the call (the glue-wf CLI, the AWS CLI or a script in another Python
environment under ``glue-wf env``), the engine, Spark jobs, SageMaker workers and
endpoint servers run under the project's own interpreter: the one whose environment
has glue-wf installed with PySpark and XGBoost. Python shell jobs run under the
interpreter of their ``PythonVersion`` when one is prepared (Glue's Python shell is
CPython 3.9 with boto3 from its ``analytics`` library set), else the project's.

Settings (environment variables):

* ``GLUE_WF_PYTHON``: the project's interpreter, when it cannot be found (glue-wf
  installed in a layout other than a checkout's ``.venv`` or a site-packages).
* ``GLUE_WF_PYTHON_SHELL``: ``auto`` (default: ``<project>/.venv-py39`` when
  ``make setup`` made it), ``project`` (always the project's interpreter) or the path
  of a Python 3.9 interpreter that has boto3.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import site
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from glue_workflow.errors import LocalTargetError

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the directory holding glue_workflow/
DISTRIBUTION = "glue-wf"
PY39_VENV = ".venv-py39"
SHELL_VERSIONS = ("3.9",)  # Glue 3.0 Python shell; 3.6 (Glue 1.0) has reached end of life
# Interpreter settings a caller's environment would impose on a child of another Python.
_FOREIGN = ("PYTHONHOME", "PYTHONEXECUTABLE", "__PYVENV_LAUNCHER__", "VIRTUAL_ENV")


@dataclass(frozen=True, kw_only=True)
class ShellInterpreter:
    """The interpreter for a Python shell job and why it was chosen (for the job log)."""

    executable: str
    version: str  # "3.9", "3.11", ...
    note: str


def _site_dirs() -> list[str]:
    dirs = list(site.getsitepackages())
    user = site.getusersitepackages()
    return [*dirs, user] if isinstance(user, str) else dirs


def _is_project_interpreter() -> bool:
    """glue-wf is installed in this interpreter's own environment (not reached by PYTHONPATH)."""
    found = importlib.metadata.distributions(name=DISTRIBUTION, path=_site_dirs())
    return next(iter(found), None) is not None


def _candidates() -> list[Path]:
    """Where the project's interpreter lives when the caller is another Python."""
    found = [PACKAGE_ROOT / ".venv" / "bin" / "python"]  # a checkout set up by `make setup`
    if PACKAGE_ROOT.name == "site-packages":  # <prefix>/lib/pythonX.Y/site-packages
        prefix = PACKAGE_ROOT.parents[2]
        version = PACKAGE_ROOT.parent.name.removeprefix("python")
        found += [prefix / "bin" / f"python{version}", prefix / "bin" / "python3"]
    return found


@functools.cache
def project_python() -> str:
    """The project's own interpreter (see the module docstring for how it is found)."""
    configured = os.environ.get("GLUE_WF_PYTHON")
    if configured:
        if not os.access(configured, os.X_OK):
            raise LocalTargetError(
                f"GLUE_WF_PYTHON={configured} is not an executable Python interpreter: set it "
                "to the python of the environment where glue-wf is installed, or unset it"
            )
        return configured
    if _is_project_interpreter():
        return sys.executable
    for candidate in _candidates():
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise LocalTargetError(
        f"this Python ({sys.executable}) does not have glue-wf installed and the project's "
        f"interpreter was not found beside {PACKAGE_ROOT}: set GLUE_WF_PYTHON to the python "
        "of the environment where glue-wf is installed (e.g. <project>/.venv/bin/python)"
    )


def project_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without the caller's interpreter settings, so another Python can start in it."""
    return {k: v for k, v in env.items() if k not in _FOREIGN}


@functools.cache
def _version_of(executable: str) -> str:
    try:
        result = subprocess.run(
            [executable, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError as exc:  # not there, not executable
        raise LocalTargetError(f"{executable} did not start ({exc.strerror or exc})") from None
    if result.returncode != 0:
        raise LocalTargetError(
            f"{executable} did not start ({result.stderr.strip()[-300:] or result.returncode})"
        )
    return result.stdout.strip()


def py39_venv_python() -> Path:
    return PACKAGE_ROOT / PY39_VENV / "bin" / "python"


def shell_python(python_version: str) -> ShellInterpreter:
    """The interpreter for a Python shell job with ``Command.PythonVersion``."""
    setting = os.environ.get("GLUE_WF_PYTHON_SHELL", "auto").strip() or "auto"
    project = project_python()
    fallback = f"{sys.version_info.major}.{sys.version_info.minor}"
    if setting == "project":
        return ShellInterpreter(
            executable=project,
            version=_version_of(project) if project != sys.executable else fallback,
            note="GLUE_WF_PYTHON_SHELL=project: the project's interpreter",
        )
    if setting != "auto":
        try:
            actual = _version_of(setting)
        except LocalTargetError as exc:
            raise LocalTargetError(
                f"GLUE_WF_PYTHON_SHELL={setting}: {exc}; set it to a Python interpreter's "
                "path, 'auto' (the default) or 'project'"
            ) from None
        if actual != python_version:
            raise LocalTargetError(
                f"GLUE_WF_PYTHON_SHELL={setting} is Python {actual}, but the job's "
                f"PythonVersion is {python_version}: point it at a Python {python_version} "
                "interpreter that has boto3, or set it to 'auto' or 'project'"
            )
        return ShellInterpreter(
            executable=setting, version=actual, note=f"GLUE_WF_PYTHON_SHELL={setting}"
        )
    venv = py39_venv_python()
    if python_version == "3.9" and os.access(venv, os.X_OK):
        return ShellInterpreter(
            executable=str(venv), version="3.9", note=f"{PY39_VENV} (Glue's Python shell 3.9)"
        )
    return ShellInterpreter(
        executable=project,
        version=_version_of(project) if project != sys.executable else fallback,
        note=f"no Python {python_version} environment ({PY39_VENV}: run `make setup`): "
        "the project's interpreter",
    )


__all__ = [
    "ShellInterpreter",
    "project_env",
    "project_python",
    "py39_venv_python",
    "shell_python",
]
