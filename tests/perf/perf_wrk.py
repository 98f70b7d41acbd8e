"""Drives a server with wrk (bounded: threads, connections and seconds fixed) and parses its summary.

Only loopback URLs are accepted. Nothing here judges the figures; callers record and report them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_REQUESTS = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
_ERRORS = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass(frozen=True, slots=True)
class WrkSettings:
    threads: int = 2
    connections: int = 8
    seconds: int = 10


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx responses plus socket errors

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def knob(name: str, default: int) -> int:
    """PERF_SECONDS, PERF_ROUNDS, PERF_SCALE_SECONDS, PERF_WORKERS: run lengths and sizes (not GATEWAY_*
    on purpose: the suite's autouse fixture clears those)."""
    return int(os.environ.get(name, default))


def wrk_binary() -> str | None:
    return shutil.which("wrk")


def run_wrk(url: str, headers: Mapping[str, str], settings: WrkSettings) -> WrkResult:
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("benchmarks drive loopback servers only")
    command = [wrk_binary() or "wrk", f"-t{settings.threads}", f"-c{settings.connections}"]
    command += [f"-d{settings.seconds}s", "--latency", "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=settings.seconds + 60, check=True
    )
    return parse_wrk(done.stdout)


def parse_wrk(text: str) -> WrkResult:
    """The request rate, p50/p99 latency (ms) and error count of wrk's `--latency` summary."""
    percentiles = {int(p): float(v) * _UNITS[u] for p, v, u in _PERCENTILE.findall(text)}
    rate, count = _RATE.search(text), _REQUESTS.search(text)
    if rate is None or count is None or 50 not in percentiles or 99 not in percentiles:
        raise ValueError(f"unexpected wrk output: {text[-2000:]}")
    errors = sum(int(n) for n in _ERRORS.findall(text))
    socket_errors = _SOCKET_ERRORS.search(text)
    if socket_errors is not None:
        errors += sum(int(n) for n in socket_errors.groups())
    return WrkResult(int(count.group(1)), float(rate.group(1)), percentiles[50], percentiles[99], errors)
