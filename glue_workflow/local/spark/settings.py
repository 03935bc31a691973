"""Settings of the warm Spark and where a local home's warm Spark listens.

The project's ``[target.local]`` settings reach the engine through a small file in
the local home (the engine knows the home, not the project); ``GLUE_WF_WARM_SPARK``
(``0``/``1``) overrides ``warm_spark`` for one process tree.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import asdict, replace
from pathlib import Path

from glue_workflow.config import WarmSpark

ENV_SWITCH = "GLUE_WF_WARM_SPARK"
# Set for a Spark job process: the warm Spark's address, where it asks for a JVM.
ENV_ADDRESS = "GLUE_WF_WARM_SPARK_ADDRESS"
_ABSTRACT_SOCKETS: bool = sys.platform.startswith("linux")


def spark_dir(home: Path) -> Path:
    return Path(home).resolve() / "spark"


def record(home: Path, settings: WarmSpark) -> None:
    """Write the settings for the engine of ``home`` (only when they changed)."""
    path = spark_dir(home) / "settings.json"
    text = json.dumps(asdict(settings), sort_keys=True)
    try:
        if path.read_text() == text:
            return
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def load(home: Path, env: Mapping[str, str] | None = None) -> WarmSpark:
    """The recorded settings (defaults if none), with ``GLUE_WF_WARM_SPARK`` applied."""
    env = os.environ if env is None else env
    settings = WarmSpark()
    try:
        data = json.loads((spark_dir(home) / "settings.json").read_text())
        settings = WarmSpark(
            enabled=bool(data["enabled"]),
            memory=str(data["memory"]),
            idle_seconds=int(data["idle_seconds"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        pass
    switch = env.get(ENV_SWITCH)
    if switch in ("0", "1"):
        settings = replace(settings, enabled=switch == "1")
    return settings


def address(home: Path) -> str:
    """The warm Spark's Unix socket: abstract on Linux, written ``@name`` (no file to go
    stale, no path length limit), else a file in the home."""
    root = Path(home).resolve()
    if _ABSTRACT_SOCKETS:
        digest = hashlib.sha256(str(root).encode()).hexdigest()[:24]
        return f"@glue-wf-warm-spark-{digest}"
    return str(spark_dir(root) / "warm.sock")


def socket_address(where: str) -> str:
    """What ``socket.bind``/``connect`` take for an ``address``."""
    return "\0" + where[1:] if where.startswith("@") else where
