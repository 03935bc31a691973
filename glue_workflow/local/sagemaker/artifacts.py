"""Model artifacts: safe extraction of ``model.tar.gz`` and locating the model file.

Only regular files and directories are extracted; absolute names, ``..`` segments,
links, devices and FIFOs are rejected, so an archive can never write outside its
directory. The model is loaded with ``Booster.load_model``: never unpickled.
"""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path, PurePosixPath

from glue_workflow.errors import GlueWfError

MODEL_FILE = "xgboost-model"
MAX_BYTES = 20 * 1024**3
# A model file compresses a few times at most (UBJSON trees: 3-5x); an archive that
# unpacks to more than this many times its size, past a floor, is a decompression bomb.
MAX_RATIO = 100
RATIO_FLOOR = 256 * 1024**2


def extraction_limit(archive_bytes: int) -> int:
    """The most an archive of ``archive_bytes`` may unpack to."""
    return min(MAX_BYTES, max(RATIO_FLOOR, MAX_RATIO * archive_bytes))


class ArtifactError(GlueWfError):
    """The model artifact is not a safe gzip-compressed tar holding an XGBoost model."""


def extract(archive: Path, target: Path, *, source: str = "") -> Path:
    """Extract ``archive`` into ``target`` (created); returns ``target``."""
    where = source or str(archive)
    with open(archive, "rb") as handle:
        magic = handle.read(2)
    if magic != b"\x1f\x8b":
        raise ArtifactError(
            f"model artifact {where} is not a gzip-compressed tar archive (model.tar.gz); "
            "package the model file with 'tar czf model.tar.gz xgboost-model'"
        )
    target.mkdir(parents=True, exist_ok=True)
    root = target.resolve()
    total, limit = 0, extraction_limit(archive.stat().st_size)
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                name = member.name
                parts = PurePosixPath(name).parts
                if name.startswith("/") or ".." in parts or "\\" in name:
                    raise ArtifactError(
                        f"model artifact {where}: member {name!r} escapes the extraction "
                        "directory (absolute path or '..'); archive rejected"
                    )
                if not (member.isfile() or member.isdir()):
                    kind = "link" if member.issym() or member.islnk() else "special file"
                    raise ArtifactError(
                        f"model artifact {where}: member {name!r} is a {kind}; only regular "
                        "files and directories are allowed; archive rejected"
                    )
                destination = (root / name).resolve()
                if destination != root and root not in destination.parents:
                    raise ArtifactError(
                        f"model artifact {where}: member {name!r} escapes the extraction "
                        "directory; archive rejected"
                    )
                if member.isdir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                total += member.size
                if total > limit:
                    shutil.rmtree(root, ignore_errors=True)
                    raise ArtifactError(
                        f"model artifact {where}: unpacks to more than {limit} bytes (over "
                        f"{MAX_RATIO} times its size), more than a model holds; archive rejected"
                    )
                destination.parent.mkdir(parents=True, exist_ok=True)
                stream = tar.extractfile(member)
                assert stream is not None  # regular file
                with stream, open(destination, "wb") as out:
                    shutil.copyfileobj(stream, out)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArtifactError(
            f"model artifact {where} is not a readable tar.gz archive: {exc}"
        ) from None
    return target


def model_file(model_dir: Path) -> Path:
    """``xgboost-model`` or else the single regular file in ``model_dir`` (as the container)."""
    preferred = model_dir / MODEL_FILE
    if preferred.is_file():
        return preferred
    files = [p for p in sorted(model_dir.rglob("*")) if p.is_file()]
    if len(files) == 1:
        return files[0]
    raise ArtifactError(
        f"no model file in the artifact: expected {MODEL_FILE!r} at the archive root, found "
        f"{[p.relative_to(model_dir).as_posix() for p in files][:10]}"
    )
