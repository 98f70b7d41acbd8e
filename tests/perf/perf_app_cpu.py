"""WSGI entry of both benchmark servers: the app named by PERF_APP, plus a count of the CPU spent in it.

A worker's CPU per request splits into the app's part (the WSGI call and the iteration of its body, on the
request's thread) and the server's part (gunicorn: reading and parsing the request, the environ, writing
the response, the access log). Only the app's part differs between the gateway and the floor, so the split
shows where a ratio comes from. Each worker adds its requests and thread CPU nanoseconds to its own small
file (PERF_APP_CPU_DIR/<pid>), which the benchmark sums (`app_cpu_seconds`); the count costs both servers
the same two clock reads per request. Everything else (`extensions`, which the gunicorn configuration's
post_fork reads) is the wrapped app's.
"""

from __future__ import annotations

import importlib
import mmap
import os
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

Environ = dict[str, Any]
WsgiApp = Callable[[Environ, Callable[..., Any]], Iterable[bytes]]
_FIELDS = struct.Struct("<qq")  # requests, thread CPU nanoseconds


class CountedApp:
    def __init__(self, app: WsgiApp, directory: Path) -> None:
        self._app = app
        self._directory = directory
        self._lock = threading.Lock()
        self._pid = 0
        self._counts: mmap.mmap | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.thread_time_ns()
        body = self._app(environ, start_response)
        return _CountedBody(self, body, time.thread_time_ns() - started)

    def add(self, nanoseconds: int) -> None:
        with self._lock:
            counts = self._file()
            requests, total = _FIELDS.unpack_from(counts)
            _FIELDS.pack_into(counts, 0, requests + 1, total + nanoseconds)

    def _file(self) -> mmap.mmap:
        """This process's counts (opened after the fork: a worker never writes the master's file)."""
        if self._counts is None or self._pid != os.getpid():
            self._pid = os.getpid()
            path = self._directory / str(self._pid)
            path.write_bytes(bytes(_FIELDS.size))
            with path.open("r+b") as file:
                self._counts = mmap.mmap(file.fileno(), _FIELDS.size)
        return self._counts


class _CountedBody:
    """The app's body, its iteration counted on the thread that iterates it (streamed pages work there)."""

    def __init__(self, app: CountedApp, body: Iterable[bytes], spent: int) -> None:
        self._app = app
        self._body = body
        self._spent = spent
        self._chunks: Iterator[bytes] | None = None

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        started = time.thread_time_ns()
        try:
            if self._chunks is None:
                self._chunks = iter(self._body)
            return next(self._chunks)
        finally:
            self._spent += time.thread_time_ns() - started

    def close(self) -> None:
        started = time.thread_time_ns()
        close = getattr(self._body, "close", None)
        try:
            if close is not None:
                close()
        finally:
            self._app.add(self._spent + time.thread_time_ns() - started)


def app_cpu_seconds(directory: Path) -> tuple[int, float]:
    """Requests and app CPU seconds summed over the workers that ever counted in `directory`."""
    requests, nanoseconds = 0, 0
    for path in directory.iterdir():
        count, total = _FIELDS.unpack(path.read_bytes()[: _FIELDS.size])
        requests, nanoseconds = requests + count, nanoseconds + total
    return requests, nanoseconds / 1e9


def _wrapped() -> CountedApp:
    module, _, name = os.environ["PERF_APP"].partition(":")
    directory = Path(os.environ["PERF_APP_CPU_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    return CountedApp(getattr(importlib.import_module(module), name), directory)


app = _wrapped() if "PERF_APP" in os.environ else None
