"""A class-data-sharing archive of the local Spark JVM's classes, one per machine.

A JVM that starts Spark loads and verifies about ten thousand classes from PySpark's
jars: most of a cold ``SparkSession``'s start (7.3-7.6 s here for a session and a
small query; 4.2-4.6 s with the archive). Java 17 can write the classes a JVM loaded
to an archive when it exits (``-XX:ArchiveClassesAtExit``) and map that archive into
the next JVM (``-XX:SharedArchiveFile``). The warm Spark's JVM writes it once per
machine (to a ``.part`` file, renamed once its JVM has exited cleanly); every local
Spark JVM then starts from it. The archive is keyed by the Java installation and
PySpark's jars, so a new JDK or PySpark writes a new one; a JVM that finds the archive
unusable ignores it (``-Xshare:auto``, Java's default) and starts as before.

``$XDG_CACHE_HOME/glue-wf/spark-cds`` (default ``~/.cache/glue-wf/spark-cds``), or
``GLUE_WF_SPARK_CDS_DIR``; ``GLUE_WF_SPARK_CDS_DIR=off`` turns it off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import shlex
import shutil
from pathlib import Path

from glue_workflow.local.glue.procs import is_alive

ENV_DIR = "GLUE_WF_SPARK_CDS_DIR"


def archive_dir() -> Path | None:
    value = os.environ.get(ENV_DIR, "")
    if value == "off":
        return None
    if value:
        return Path(value)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "glue-wf" / "spark-cds"


def _key() -> str | None:
    """The Java installation and PySpark's jars (names and sizes): what the archive
    holds classes of. None without a java or PySpark's jars."""
    return _key_for(_java_path())


@functools.cache
def _key_for(java_path: str) -> str | None:
    # found, not imported: every executor and job worker start asks (via job_environment)
    spec = importlib.util.find_spec("pyspark")
    java = shutil.which("java", path=java_path)
    if spec is None or not spec.submodule_search_locations or not java:
        return None
    try:
        jars = Path(next(iter(spec.submodule_search_locations))) / "jars"
        listing = sorted((p.name, p.stat().st_size) for p in jars.glob("*.jar"))
        real = Path(java).resolve()
        stamp = f"{real}:{real.stat().st_mtime_ns}"
    except OSError:
        return None
    if not listing:
        return None
    return hashlib.sha256(f"{stamp}|{listing}".encode()).hexdigest()[:16]


def _java_path() -> str:
    home = os.environ.get("JAVA_HOME")
    path = os.environ.get("PATH", "")
    return f"{home}/bin{os.pathsep}{path}" if home else path


def archive() -> Path | None:
    """The archive for this machine's Java and PySpark, if one has been written."""
    directory, key = archive_dir(), _key()
    if directory is None or key is None:
        return None
    path = directory / f"{key}.jsa"
    return path if path.is_file() else None


def java_options() -> str:
    """The option that starts a local Spark JVM from the archive ('' without one)."""
    path = archive()
    return java_option("SharedArchiveFile", path) if path is not None else ""


def java_option(name: str, path: Path) -> str:
    """``-XX:<name>=<path>``, quoted as Spark's launcher splits its Java options (on
    spaces outside quotes: a home directory with a space in it)."""
    return f"-XX:{name}={shlex.quote(str(path))}"


def dump_target(pid: int) -> Path | None:
    """Where a JVM about to start (its launcher's ``pid``) should write the archive at
    exit; None if an archive exists, or none can be written here."""
    directory, key = archive_dir(), _key()
    if directory is None or key is None or (directory / f"{key}.jsa").is_file():
        return None
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    for stale in directory.glob(f"{key}.*.part"):  # a writer that died before its rename
        with contextlib.suppress(ValueError, OSError):
            if not is_alive(int(stale.name.split(".")[1]), None):
                stale.unlink()
    return directory / f"{key}.{pid}.part"


def keep(part: Path) -> bool:
    """Make a written ``.part`` file the archive (its JVM exited cleanly)."""
    final = part.with_name(part.name.split(".")[0] + ".jsa")
    try:
        if part.stat().st_size == 0:
            part.unlink()
            return False
        part.replace(final)
    except OSError:
        return False
    return True
