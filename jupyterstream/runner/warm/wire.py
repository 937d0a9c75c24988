"""The template's protocol: one JSON object a line over a Unix socket, file descriptors alongside."""

from __future__ import annotations

import json
import socket

MAX_LINE = 64 * 1024 * 1024


def send(conn: socket.socket, message: dict, fds: tuple = ()) -> None:
    """Send one message (and, with it, ``fds``)."""
    data = (json.dumps(message) + "\n").encode()
    if fds:
        sent = socket.send_fds(conn, [data[:1]], list(fds))
        data = data[sent:]
    conn.sendall(data)


def receive(conn: socket.socket, buffer: bytes = b"") -> tuple[dict | None, list, bytes]:
    """Read one message; return (message or None at end of stream, fds received, rest of buffer)."""
    fds = []
    while b"\n" not in buffer:
        if len(buffer) > MAX_LINE:
            raise ValueError("message too long")
        chunk, new_fds, _, _ = socket.recv_fds(conn, 65536, 4)
        fds += new_fds
        if not chunk:
            return None, fds, b""
        buffer += chunk
    line, rest = buffer.split(b"\n", 1)
    return json.loads(line), fds, rest


def peer_pid(conn: socket.socket) -> int:
    """The pid of the process at the other end of a Unix socket."""
    import struct
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[0]
