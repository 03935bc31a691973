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


def _bomb(path: Path, size: int) -> Path:
    """A member of ``size`` zero bytes: a few KB compressed."""
    info = _member("xgboost-model")
    info.size = size
    with tarfile.open(path, "w:gz") as tar:
        tar.addfile(info, io.BytesIO(bytes(size)))
    return path


def test_an_archive_that_unpacks_to_far_more_than_its_size_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glue_workflow.local.sagemaker import artifacts

    monkeypatch.setattr(artifacts, "RATIO_FLOOR", 1 << 20)  # the floor would need 256 MB
    archive = _bomb(tmp_path / "model.tar.gz", 8 << 20)  # 8 MB of zeros: ~8 KB
    with pytest.raises(ArtifactError, match=r"unpacks to more than 1048576 bytes \(over 100 "):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing of it left on disk
    # under a floor that holds it, the same archive unpacks
    monkeypatch.setattr(artifacts, "RATIO_FLOOR", 16 << 20)
    assert (extract(archive, tmp_path / "ok") / "xgboost-model").stat().st_size == 8 << 20


def test_the_evaluation_script_refuses_the_same_bomb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    script = Path(__file__).resolve().parents[3] / "jobs" / "evaluation" / "evaluate_model.py"
    spec = importlib.util.spec_from_file_location("evaluate_model_under_test", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RATIO_FLOOR", 1 << 20)
    archive = _bomb(tmp_path / "model.tar.gz", 8 << 20)
    with pytest.raises(module.EvaluationError, match=r"unpacks to more than 1048576 bytes"):
        module.safe_extract(archive, tmp_path / "out")
