"""Shared by the security tests: a gateway on settings of our own choosing (a module-scoped
one, or one pointed at a dead or silent broker), and plain HTTP helpers."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common.settings import Settings
from tests.fixtures.gateway import ServerThread, bound_socket
from tests.fixtures.settings import topic_settings


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def own_settings(bootstrap: str, root: Path, **overrides: Any) -> Settings:
    """Settings with unique topics/group and every local path under `root` (topics not created)."""
    return topic_settings(bootstrap, root, create=False, **overrides)


@contextmanager
def running_gateway(settings: Settings) -> Iterator[Settings]:
    """The real app under uvicorn on a free port; yields the settings with gateway_url set."""
    from producers.gateway.app import create_app

    sock = bound_socket()
    port = sock.getsockname()[1]
    settings = settings.model_copy(
        update={"gateway_port": port, "gateway_url": f"http://127.0.0.1:{port}"}
    )
    server = ServerThread(create_app(settings), sock)
    server.start()
    try:
        yield settings
    finally:
        server.stop()


@contextmanager
def silent_broker() -> Iterator[str]:
    """A TCP port that accepts connections and never answers: a hung broker."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        sock.close()


def closed_port() -> str:
    """host:port on which nothing listens (bound then released)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"127.0.0.1:{port}"


def report_body(report: dict) -> bytes:
    return json.dumps(report).encode("utf-8")
