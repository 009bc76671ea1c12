"""A Triton the remote tests can stop and start again on the same gRPC port (a dead server, then the
same client working again): ``generator.remote.triton.serve`` held open by ``start`` and closed by
``stop``."""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import TracebackType
from typing import Self

from generator.remote import triton


class Triton:
    """``with Triton(repo, log) as t:`` serves ``repo`` at ``t.target`` (gRPC); ``stop``/``start``
    stop it and bring it back on the same port."""

    def __init__(self, repo: Path, log: Path) -> None:
        self.repo, self.log = repo, log
        self.grpc_port = triton.free_port()
        self.target = f"127.0.0.1:{self.grpc_port}"
        self._running: contextlib.ExitStack | None = None

    def start(self) -> None:
        assert self._running is None, "already running"
        stack = contextlib.ExitStack()
        stack.enter_context(triton.serve(self.repo, log=self.log, grpc_port=self.grpc_port))
        self._running = stack

    def stop(self) -> None:
        if self._running is not None:
            self._running.close()
            self._running = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
