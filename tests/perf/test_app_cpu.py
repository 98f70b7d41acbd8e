"""The benchmark's count of CPU spent in the WSGI app (runs in the default suite: no servers needed)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from perf_app_cpu import CountedApp, app_cpu_seconds


def _busy(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


class _Body:
    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        _busy(0.02)  # a streamed body works while the server iterates it
        yield b"a"
        yield b"b"

    def close(self) -> None:
        self.closed = True


def test_counts_requests_and_the_cpu_of_the_call_and_of_the_body(tmp_path: Path) -> None:
    bodies: list[_Body] = []

    def inner(environ: dict[str, Any], start_response: Callable[..., Any]) -> _Body:
        _busy(0.01)
        start_response("200 OK", [])
        bodies.append(_Body())
        return bodies[-1]

    inner.extensions = {"gateway": "state"}  # type: ignore[attr-defined]
    app = CountedApp(inner, tmp_path)
    assert app.extensions == {"gateway": "state"}  # post_fork finds the wrapped app's state
    for _ in range(2):
        body = app({}, lambda *args: None)
        assert list(body) == [b"a", b"b"]
        body.close()  # type: ignore[attr-defined]
    requests, seconds = app_cpu_seconds(tmp_path)
    assert requests == 2
    assert 0.06 <= seconds < 0.5
    assert all(b.closed for b in bodies)


def test_a_body_without_close_is_counted_when_the_server_closes_it(tmp_path: Path) -> None:
    app = CountedApp(lambda environ, start_response: [b"x"], tmp_path)
    body = app({}, lambda *args: None)
    assert list(body) == [b"x"]
    assert app_cpu_seconds(tmp_path)[0] == 0
    body.close()  # type: ignore[attr-defined]
    assert app_cpu_seconds(tmp_path)[0] == 1
