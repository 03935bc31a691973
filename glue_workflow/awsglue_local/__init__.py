"""The local ``awsglue`` runtime: a clean-room implementation of Glue's job library.

``RUNTIME_DIR`` holds the top-level packages ``awsglue`` and ``awsgluedq``. It is put on
``sys.path`` (``PYTHONPATH``) only for local job processes and tests, never shipped to
Glue, where the real library is provided.
"""

from __future__ import annotations

from pathlib import Path

RUNTIME_DIR: Path = Path(__file__).resolve().parent / "runtime"

__all__ = ["RUNTIME_DIR"]
