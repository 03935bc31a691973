"""The console serves the user who started it only: its token would let another local
user start, stop or approve (console.server.same_user)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

import pytest

from glue_workflow.console.server import same_user

SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/bin")


def _accepted(connect: list[str] | None = None) -> tuple[bool, bool]:
    """(same_user of a connection from this process, of one from user nobody)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(2)
        server = listener.getsockname()
        with socket.create_connection(server) as _:
            conn, client = listener.accept()
            with conn:
                ours = same_user(client, server)
        theirs = True
        if connect is not None:
            code = (
                "import socket, time; s = socket.create_connection(('127.0.0.1', "
                f"{server[1]})); time.sleep(5)"
            )
            child = subprocess.Popen([*connect, "-S", "-c", code], user=65534, env={})
            try:
                listener.settimeout(30)
                conn, client = listener.accept()
                with conn:
                    theirs = same_user(client, server)
            finally:
                child.kill()
                child.wait()
        return ours, theirs


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="Linux's socket table")
def test_a_connection_from_this_user_is_served() -> None:
    assert _accepted() == (True, True)


@pytest.mark.skipif(
    os.getuid() != 0 or SYSTEM_PYTHON is None or not os.path.exists("/proc/net/tcp"),
    reason="needs root, a system python3 and Linux's socket table",
)
def test_a_connection_from_another_user_is_refused() -> None:
    assert SYSTEM_PYTHON is not None
    assert _accepted([SYSTEM_PYTHON]) == (True, False)
