"""Who is at the other end of the warm Spark's socket (both ends check).

The socket is in Linux's abstract namespace: it has no file permissions and its name is
listed in /proc/net/unix, so any local user can connect to it, or bind its name first
while no warm Spark runs. The server serves its own user only; a client attaches only
to a server of its own user (else a squatter would be sent the job's environment and
hand it a JVM gateway of its choosing). Standard library only.
"""

from __future__ import annotations

import os
import socket
import struct


def peer_uid(sock: socket.socket) -> int | None:
    """The uid of the process at the other end; None where the platform cannot say (a
    socket file outside Linux, whose directory's permissions guard it)."""
    if not hasattr(socket, "SO_PEERCRED"):
        return None
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def foreign_peer(sock: socket.socket) -> int | None:
    """The peer's uid when it is another user's (or unreadable: -1); None when it is ours."""
    try:
        uid = peer_uid(sock)
    except OSError:
        return -1
    return None if uid is None or uid == os.getuid() else uid
