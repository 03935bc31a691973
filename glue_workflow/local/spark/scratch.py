"""Where a local Spark JVM keeps its temporary files: in the local home, not in /tmp.

Spark puts a JVM's block manager (spilled cache blocks and shuffle files: gigabytes
for a large input), its added files and the native libraries it unpacks under the
JVM's temporary directory (``/tmp``) and deletes them in a shutdown hook, which a
killed JVM never runs. A job's own JVM (``warm_spark = false``, a cluster's driver) is
killed with the job's process group as the job run ends, so every such run left five
entries in ``/tmp``, and a stopped run its spilled data. So each job run's JVM gets a
directory of the run's own, deleted as the run ends (``job_dir``, the executor), and
the warm Spark one per server process, swept when the next one starts (``sweep``).
"""

from __future__ import annotations

import contextlib
import shlex
import shutil
from collections.abc import Mapping
from pathlib import Path

from glue_workflow.local.glue.procs import is_alive

# Spark's own variable for its local directories (block manager, added files); the
# launcher adds SPARK_SUBMIT_OPTS to the driver JVM's options (java.io.tmpdir: the
# native libraries), without the note JAVA_TOOL_OPTIONS prints on every start.
LOCAL_DIRS_ENV = "SPARK_LOCAL_DIRS"
SUBMIT_OPTS_ENV = "SPARK_SUBMIT_OPTS"


def job_dir(work: Path) -> Path:
    """The temporary directory of the Spark JVM of the job run working in ``work``."""
    return work / "spark-tmp"


def environment(directory: Path, env: Mapping[str, str]) -> dict[str, str]:
    """The variables of ``env`` to change so that a Spark JVM started from it keeps its
    temporary files under ``directory`` (created here)."""
    directory.mkdir(parents=True, exist_ok=True)
    option = f"-Djava.io.tmpdir={shlex.quote(str(directory))}"
    options = env.get(SUBMIT_OPTS_ENV, "").strip()
    return {
        LOCAL_DIRS_ENV: str(directory),
        SUBMIT_OPTS_ENV: f"{options} {option}" if options else option,
    }


def remove(directory: Path) -> None:
    """Delete a JVM's temporary directory (it has exited or been killed)."""
    shutil.rmtree(directory, ignore_errors=True)


def sweep(parent: Path) -> None:
    """Delete the directories under ``parent`` named for a process id no longer alive
    (the warm Spark servers' JVMs: a killed server leaves its JVM's files)."""
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            if entry.name.isdigit() and not is_alive(int(entry.name), None):
                remove(entry)
