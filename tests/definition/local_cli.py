"""Running the glue-wf console script against a throw-away project on the local target."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GLUE_WF = Path(sys.executable).with_name("glue-wf")


def glue_wf(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GLUE_WF), *args, "--project", str(project), "--target", "local"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=project,
    )


def node_line(output: str, node: str) -> str:
    """The run-graph line of job ``node`` in ``glue-wf run --wait`` / ``status`` output."""
    return next(line for line in output.splitlines() if line.startswith(node + " "))
