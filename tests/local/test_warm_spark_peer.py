"""The warm Spark serves its own user only: its abstract socket has no permissions."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from glue_workflow.local.spark.server import same_user


def test_a_connection_from_this_user_is_served() -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours, theirs:
        assert same_user(ours)


# an interpreter another user may run (this one may sit under root's home)
SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/bin")


@pytest.mark.skipif(
    os.getuid() != 0 or SYSTEM_PYTHON is None, reason="needs root and a system python3"
)
def test_a_connection_from_another_user_is_refused() -> None:
    assert SYSTEM_PYTHON is not None
    name = f"glue-wf-test-{uuid.uuid4().hex}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind("\0" + name)
    listener.listen(1)
    code = (
        "import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); "
        f"s.connect('\\0{name}'); s.recv(1)"
    )
    child = subprocess.Popen(
        [SYSTEM_PYTHON, "-S", "-c", code],
        user=65534,  # nobody
        env={},
        stderr=subprocess.DEVNULL,
    )
    try:
        listener.settimeout(30)
        conn, _ = listener.accept()
        with conn:
            assert not same_user(conn)
    finally:
        child.kill()
        child.wait()
        listener.close()


@pytest.mark.skipif(
    os.getuid() != 0 or SYSTEM_PYTHON is None, reason="needs root and a system python3"
)
def test_a_job_sends_nothing_to_another_users_process_at_the_warm_spark_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another user binds the (predictable) abstract address while no warm Spark runs: a
    job must not attach to it, nor send it its run id and environment."""
    from awsglue import _warm

    from glue_workflow.errors import LocalTargetError
    from glue_workflow.local.spark import control

    assert SYSTEM_PYTHON is not None
    name = f"glue-wf-test-{uuid.uuid4().hex}"
    # where the squatter (uid 65534) can write: pytest's own temp root is 0700 (the
    # squatter died on its first connection, and the address it held went with it)
    shared = Path(tempfile.mkdtemp(prefix="glue-wf-squatter-", dir="/tmp"))
    os.chmod(shared, 0o777)
    got = shared / "got"
    got.write_text("")
    os.chmod(got, 0o666)
    code = (  # the squatter: accept, keep whatever it is sent
        "import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); "
        f"s.bind('\\0{name}'); s.listen(5)\n"
        "while True:\n"
        "    c, _ = s.accept(); c.settimeout(2)\n"
        "    try: data = c.recv(65536)\n"
        "    except OSError: data = b''\n"
        f"    open({str(got)!r}, 'ab').write(data); c.close()\n"
    )
    squatter = subprocess.Popen([SYSTEM_PYTHON, "-S", "-c", code], user=65534, env={})
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and f"@{name}" not in _abstract_names():
            time.sleep(0.05)
        monkeypatch.setenv(_warm.ADDRESS_ENV, f"@{name}")
        monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)
        monkeypatch.setattr(_warm, "_lease", None)
        _warm.attach()
        assert "PYSPARK_GATEWAY_PORT" not in os.environ  # left cold: a JVM of its own
        monkeypatch.setattr(control, "address", lambda _home: f"@{name}")
        with pytest.raises(LocalTargetError, match=r"held by another user's process \(uid 65534\)"):
            control.ask(tmp_path, "status")
        time.sleep(0.3)
        assert got.read_bytes() == b""
    finally:
        squatter.kill()
        squatter.wait()
        shutil.rmtree(shared, ignore_errors=True)


def _abstract_names() -> str:
    return Path("/proc/net/unix").read_text()
