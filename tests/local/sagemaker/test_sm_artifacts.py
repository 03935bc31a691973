"""Safe extraction of model.tar.gz: nothing escapes, no links, no devices."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from glue_workflow.local.sagemaker.artifacts import ArtifactError, extract, model_file


def _archive(path: Path, members: list[tarfile.TarInfo], data: bytes = b"x") -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info in members:
            if info.isfile():
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return path


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


def test_extracts_regular_members(tmp_path: Path) -> None:
    archive = _archive(tmp_path / "m.tar.gz", [_member("xgboost-model")])
    out = extract(archive, tmp_path / "out")
    assert model_file(out) == out / "xgboost-model"
    assert (out / "xgboost-model").read_bytes() == b"x"


def test_not_a_tar_gz_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "model.tar.gz"
    plain.write_bytes(b"just some bytes")
    with pytest.raises(ArtifactError, match="is not a gzip-compressed tar archive"):
        extract(plain, tmp_path / "out")


@pytest.mark.parametrize("name", ["../evil", "a/../../evil", "/tmp/evil"])
def test_member_escaping_the_directory_is_refused(tmp_path: Path, name: str) -> None:
    archive = _archive(tmp_path / "m.tar.gz", [_member(name)])
    with pytest.raises(ArtifactError, match="escapes the extraction directory"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "evil").exists()


@pytest.mark.parametrize(
    ("kind", "word"),
    [
        (tarfile.SYMTYPE, "link"),
        (tarfile.LNKTYPE, "link"),
        (tarfile.CHRTYPE, "special file"),
        (tarfile.FIFOTYPE, "special file"),
    ],
)
def test_links_and_devices_are_refused(tmp_path: Path, kind: bytes, word: str) -> None:
    archive = _archive(tmp_path / "m.tar.gz", [_member("xgboost-model", kind, "/etc/passwd")])
    with pytest.raises(ArtifactError, match=f"is a {word}"):
        extract(archive, tmp_path / "out")


def test_model_file_must_be_identifiable(tmp_path: Path) -> None:
    archive = _archive(tmp_path / "m.tar.gz", [_member("a"), _member("b")])
    with pytest.raises(ArtifactError, match="expected 'xgboost-model' at the archive root"):
        model_file(extract(archive, tmp_path / "out"))
