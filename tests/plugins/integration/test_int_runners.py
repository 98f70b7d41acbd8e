"""W-23 of workflows.md §10.2 on PostgreSQL with real commits: two runner threads draining one workflow with
autostart 1 never have two of its orders IN-PROGRESS at once (the execution-slot rule); all complete."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa
from inttools import START, Env, extra_plugins, migration_locations, seed

from gateway.jobs.clock import FixedClock

SECRET = "test-secret-key-that-is-long-enough-for-hs512-0123456789-integration-runner"


def _in_progress(engine: sa.Engine, workflowid: int) -> int:
    with engine.connect() as conn:
        query = "SELECT COUNT(*) FROM gw_order WHERE workflowid = :w AND workflowstatus = 'IN-PROGRESS'"
        return int(conn.execute(sa.text(query), {"w": workflowid}).scalar_one())


@pytest.mark.commits
@pytest.mark.postgresql
def test_w23_two_runner_threads_respect_the_slot() -> None:
    from intdb import reachable, throwaway_postgres

    from gateway.app import create_app
    from gateway.testing import run_background

    if not reachable():
        pytest.skip("postgresql is not reachable")
    with throwaway_postgres(migration_locations) as url:
        settings = {"database_url": url, "secret_key": SECRET, "worker_threads": 0}
        app = create_app(settings, clock=FixedClock(START), plugins=extra_plugins())
        app.testing = True
        seed(app)
        env = Env(app)
        workflowid = env.ok("GET", "/workflows/SYNC")["workflowid"]
        orders = [env.create("SYNC:1.0", {"script": {"s1": "sleep:0.2"}}) for _ in range(10)]
        peak, done = [0], threading.Event()
        probe = sa.create_engine(url)

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _in_progress(probe, workflowid))

        def runner(_: int) -> Any:
            with app.app_context():
                return run_background(app, until_idle=True)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(runner, range(2)))
        finally:
            done.set()
            sampler.join()
            probe.dispose()
        statuses = {env.order(o)["workflowstatus"] for o in orders}
        app.extensions["gateway"].databases.meta.engine.dispose()
        assert statuses == {"COMPLETE"}
        assert peak[0] == 1
