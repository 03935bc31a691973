"""The warm Spark serves its own user only: its abstract socket has no permissions."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid

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
