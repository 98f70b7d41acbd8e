"""Starts the gateway and the floor app (also with the gateway's duties) under the same gunicorn configuration
and watches their workers.

Both run `config/gunicorn.conf.py` (same workers, threads, keep-alive, access log) with the same extra
flags (GUNICORN_ARGS), and both apps are served through perf_app_cpu, which counts the CPU spent in the
app; only the WSGI app and the port differ. Peak RSS is read from /proc (VmHWM after clear_refs); nothing
here measures timings.
"""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests
from perf_app_cpu import app_cpu_seconds

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# Both servers get these on top of config/gunicorn.conf.py (PERF_GUNICORN_ARGS="" runs the plain config).
# Without them a worker accepts whatever reaches it first: wrk's 8 keep-alive connections landed on one of
# the two workers in most runs (seen with `ss -tnp`) and req/s was bimodal (1,500 or 2,600 for the same
# server). With SO_REUSEPORT each worker listens on its own socket and the kernel spreads the connections;
# recycling is off because a recycled worker's queued connections would be reset.
GUNICORN_ARGS = "--reuse-port --max-requests 0"
SECRET = "perf-secret-key-" + "0123456789abcdef" * 4
LOGIN = {
    "userName": "GardenAdmin",
    "password": "GardenAdmin",
    "parameters": {"clientId": 11, "roleId": "GardenWorld Admin", "organizationId": 0},
}


@dataclass(frozen=True, slots=True)
class Server:
    name: str
    base: str  # http://127.0.0.1:port
    process: subprocess.Popen[bytes]
    headers: Mapping[str, str]  # what every request sends (the bearer token of the gateway)
    app_cpu_dir: Path  # the workers' counts of CPU spent in the app (perf_app_cpu)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def cpu_seconds(self) -> float:
        """CPU time of the live workers plus the reaped ones (max_requests recycles them mid-run)."""
        master = _cpu_fields(self.process.pid)
        total = master[0] + master[1] + master[2] + master[3]
        for pid in self.worker_pids():
            utime, stime, _, _ = _cpu_fields(pid)
            total += utime + stime
        return total / os.sysconf("SC_CLK_TCK")

    def app_cpu(self) -> tuple[int, float]:
        """Requests and CPU seconds in the WSGI app so far (the rest of cpu_seconds is the server's)."""
        return app_cpu_seconds(self.app_cpu_dir)


def _cpu_fields(pid: int) -> tuple[int, int, int, int]:
    """utime, stime, cutime, cstime (clock ticks) from /proc/<pid>/stat; zeros for a vanished process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return (0, 0, 0, 0)
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]), int(fields[12]), int(fields[13]), int(fields[14]))


def url_of(server: Server, path: str) -> str:
    """`path` with its query percent-encoded as wrk needs it (spaces and all)."""
    return server.base + quote(path, safe="/?&=$(),'")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _base_env(port: int, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "PROMETHEUS_"))}
    env.update(GATEWAY_PORT=str(port), PROMETHEUS_MULTIPROC_DIR=str(workdir))
    env["GATEWAY_WORKERS"] = os.environ.get("PERF_WORKERS", "2")
    return env


def _gunicorn(app: str, env: Mapping[str, str], log: Path, app_cpu_dir: Path) -> subprocess.Popen[bytes]:
    """gunicorn serving `app` through perf_app_cpu, which counts the CPU spent in the app."""
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config/gunicorn.conf.py")]
    command += ["--no-control-socket", *os.environ.get("PERF_GUNICORN_ARGS", GUNICORN_ARGS).split()]
    env = dict(env, PERF_APP=app, PERF_APP_CPU_DIR=str(app_cpu_dir))
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    return subprocess.Popen(
        [*command, "perf_app_cpu:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb")
    )  # fmt: skip


def _wait_listening(proc: subprocess.Popen[bytes], port: int, log: Path, seconds: float = 90) -> None:
    """Connect until the port accepts (bounded); a dead master fails at once with its log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            selectors.DefaultSelector().select(timeout=0.1)
    raise RuntimeError(f"nothing listens on {port}: {log.read_text(errors='replace')[-3000:]}")


def start_gateway(database_url: str, uid_columns: str, workdir: Path) -> Server:
    port = free_port()
    env = _base_env(port, workdir / "gateway-metrics")
    Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    env.update(
        GATEWAY_DATABASE_URL=database_url, GATEWAY_SECRET_KEY=SECRET, GATEWAY_REST_MAX_RECORDS_SIZE="0",
        GATEWAY_UID_COLUMNS=uid_columns,
    )  # fmt: skip
    env.update(_gateway_knobs(os.environ))
    log = workdir / "gateway.log"
    proc = _gunicorn("wsgi:app", env, log, workdir / "gateway-app-cpu")
    _wait_listening(proc, port, log)
    base = f"http://127.0.0.1:{port}"
    reply = requests.post(f"{base}/api/v1/auth", json=LOGIN, timeout=60)
    reply.raise_for_status()
    token = {"Authorization": f"Bearer {reply.json()['token']}"}
    return Server("gateway", base, proc, token, workdir / "gateway-app-cpu")


def _gateway_knobs(environ: Mapping[str, str]) -> dict[str, str]:
    """PERF_GATEWAY_X=v runs the gateway with GATEWAY_X=v (a setting's effect measured in one run)."""
    prefix = "PERF_GATEWAY_"
    return {"GATEWAY_" + k.removeprefix(prefix): v for k, v in environ.items() if k.startswith(prefix)}


def start_floor(dsn: str, workdir: Path, *, with_duties: bool = False) -> Server:
    """The floor app; `with_duties` wraps it in the gateway's per-request duties (perf_floor_duties), which
    then authenticate the gateway's bearer token (signed with SECRET)."""
    name = "floor_duties" if with_duties else "floor"
    port = free_port()
    env = _base_env(port, workdir / f"{name}-metrics")
    Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    env.update(PERF_FLOOR_DSN=dsn, PERF_FLOOR_SECRET=SECRET)
    log = workdir / f"{name}.log"
    app = "perf_floor_duties:app" if with_duties else "perf_floor:app"
    proc = _gunicorn(app, env, log, workdir / f"{name}-app-cpu")
    _wait_listening(proc, port, log)
    return Server(name, f"http://127.0.0.1:{port}", proc, {}, workdir / f"{name}-app-cpu")


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


def reset_peak_rss(pids: list[int]) -> bool:
    """Reset VmHWM of the workers (Linux clear_refs 5); False when the kernel refuses."""
    try:
        for pid in pids:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb(pids: list[int]) -> float:
    """The highest VmHWM among the workers, in MB."""
    peaks = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks, default=0.0)
