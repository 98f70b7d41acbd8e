"""Real-commit tests: concurrent duplicate-key creates (O-18) on every backend, and many orders run by two
separate worker processes, one killed midway (every order completes exactly once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from ordertools import START, Api, plugins, seed
from realdb import throwaway

from gateway.jobs.clock import FixedClock, SystemClock

SECRET = "test-secret-key-that-is-long-enough-for-hs512-0123456789-0123456789abcdef"
BACKENDS = [
    pytest.param("sqlite", marks=pytest.mark.sqlite),
    pytest.param("postgresql", marks=pytest.mark.postgresql),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]


def _app(url: str, clock: Any) -> Any:
    from gateway.app import create_app

    app = create_app(
        {"database_url": url, "secret_key": SECRET, "worker_threads": 0}, clock=clock, plugins=plugins()
    )
    app.testing = True
    seed(app, app.extensions["gateway"].databases)
    return app


@pytest.mark.commits
@pytest.mark.parametrize("backend_name", BACKENDS)
def test_o18_concurrent_duplicate_keys(backend_name: str, tmp_path: Path) -> None:
    with throwaway(backend_name, tmp_path) as url:
        app = _app(url, FixedClock(START))
        headers = Api(app).headers("opA")
        barrier = threading.Barrier(8)
        body = {"staticdata": {"a": 1}, "global_unique_key": {"ref": "C1"}}

        def create(_: int) -> tuple[int, str]:
            client = app.test_client()
            barrier.wait()
            reply = client.post(
                "/api/v1/workflows/ACC-W?action=createOrder",
                json=body,
                headers=headers,
                base_url="https://localhost",
            )
            return reply.status_code, (reply.get_json() or {}).get("type", "")

        with ThreadPoolExecutor(8) as pool:
            results = sorted(pool.map(create, range(8)))
        assert results == [(201, "")] + [(409, "DUPLICATE-ORDER-KEY")] * 7
        with app.extensions["gateway"].databases.meta.connect() as conn:
            count = conn.execute(
                sa.text("SELECT COUNT(*) FROM gw_order_key WHERE keyname = 'ref' AND value = 'C1'")
            )
            assert count.scalar_one() == 1
        app.extensions["gateway"].databases.meta.engine.dispose()


MP_WORKFLOW = {
    "name": "MP",
    "version": "1.0",
    "autostart": 4,
    "max_instances": 4,
    "steps": [{"name": "s1", "type": "normal", "function": "builtin.scripted"}],
}
ORDERS = 40


def _statuses(engine: Any) -> dict[str, int]:
    with engine.connect() as conn:  # a fresh snapshot per poll (REPEATABLE READ would freeze the view)
        rows = conn.execute(
            sa.text("SELECT workflowstatus, COUNT(*) FROM gw_order GROUP BY workflowstatus")
        ).all()
    return {str(s): int(n) for s, n in rows}


def _busy(engine: Any, session: int) -> int:
    query = sa.text(
        "SELECT COUNT(*) FROM gw_order WHERE workflowstatus = 'IN-PROGRESS' AND status_sessionid = :s"
    )
    with engine.connect() as conn:
        return int(conn.execute(query, {"s": session}).scalar_one())


def _spawn(url: str) -> subprocess.Popen[str]:
    script = Path(__file__).with_name("worker_proc.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    return subprocess.Popen(
        [sys.executable, str(script), url, SECRET], stdout=subprocess.PIPE, text=True, env=env
    )


def _wait(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        threading.Event().wait(0.1)  # polling another process's progress; no event to wait on
    return False


@pytest.mark.slow
@pytest.mark.commits
@pytest.mark.parametrize("backend_name", BACKENDS[1:])
def test_two_workers_one_killed(backend_name: str, tmp_path: Path) -> None:
    with throwaway(backend_name, tmp_path) as url:
        app = _app(url, SystemClock())
        facade = app.extensions["gateway"].extras["gateway.facade"]
        bundle = facade.service("workflows._bundle")
        bundle.definitions.create(MP_WORKFLOW)
        bundle.errors.create_global(
            {"error": "ORDER-RECOVERED", "description": "re-run", "retry_flag": True, "retry_delay_secs": 0}
        )
        api = Api(app)
        # a step long enough that the worker is still inside it when the kill lands (the check below polls)
        ids = [api.create({"staticdata": {"script": {"s1": "sleep:1.0"}}}, wf="MP") for _ in range(ORDERS)]
        meta = app.extensions["gateway"].databases.meta.engine
        workers = [_spawn(url), _spawn(url)]
        try:
            sessions = [int(w.stdout.readline()) for w in workers]  # type: ignore[union-attr]
            assert _wait(lambda: _statuses(meta).get("COMPLETE", 0) >= 5 and _busy(meta, sessions[0]) > 0, 60)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(10)
            assert _wait(lambda: _statuses(meta).get("COMPLETE", 0) == ORDERS, 120), _statuses(meta)
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
                    worker.wait(30)
        with meta.connect() as conn:
            completes = conn.execute(
                sa.text(
                    "SELECT resource_id, COUNT(*) FROM gw_audit WHERE resource = 'order' "
                    "AND new_state = 'COMPLETE' GROUP BY resource_id"
                )
            ).all()
            recovered = conn.execute(
                sa.text("SELECT COUNT(*) FROM gw_order_error WHERE error = 'ORDER-RECOVERED'")
            )
            assert recovered.scalar_one() >= 1
        assert sorted(int(r) for r, _ in completes) == sorted(ids)
        assert all(int(n) == 1 for _, n in completes)
        meta.dispose()
