"""Background execution (plugins.md §9): enqueue in the unit of work, claims, fenced finish, retries,
the reaper (X-19), periodic tasks, X-21 and two runners on PostgreSQL (X-18)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from gateway import core
from gateway.db import Databases, EngineSource, make_engine
from gateway.jobs import queue
from gateway.jobs.runner import Runner, open_session
from gateway.testing import app_clock, make_test_app, run_background

SECRET = "test-secret-key-that-is-long-enough-for-hs512-0123456789-abcdefghijklmnop"


class JobsPlugin:
    def __init__(self) -> None:
        self.ran: list[Any] = []
        self.dead: list[tuple[int, str]] = []
        self.ticks = 0
        self.lock = threading.Lock()

    def _noop(self, job: core.Job, ctx: core.JobContext) -> None:
        with self.lock:
            self.ran.append(job.ref)

    def _flaky(self, job: core.Job, ctx: core.JobContext) -> None:
        raise RuntimeError("boom")

    def _tick(self, ctx: core.JobContext) -> None:
        self.ticks += 1

    @core.hookimpl
    def register_jobs(self) -> dict[str, core.JobHandler]:
        return {
            "test.noop": core.JobHandler(self._noop),
            "test.flaky": core.JobHandler(self._flaky, max_attempts=2, backoff_seconds=(30,)),
            "test.retrying": core.JobHandler(self._noop, on_dead=self._on_dead, max_attempts=2),
            "test.once": core.JobHandler(self._noop, on_dead=self._on_dead, max_attempts=1),
        }

    def _on_dead(self, job: core.Job, ctx: core.JobContext, reason: str) -> None:
        self.dead.append((job.id, reason))

    @core.hookimpl
    def register_periodic_tasks(self) -> list[core.PeriodicTask]:
        return [core.PeriodicTask("test.tick", 60, self._tick)]


@pytest.fixture
def plugin() -> JobsPlugin:
    return JobsPlugin()


@pytest.fixture
def app(databases, plugin):  # type: ignore[no-untyped-def]
    return make_test_app({"secret_key": SECRET}, databases=databases, plugins=[plugin])


def _enqueue(app: Any, kind: str, count: int = 1, **kwargs: Any) -> list[int]:
    with app.app_context():
        gateway = core.gateway()
        with gateway.unit_of_work() as uow:
            return [gateway.jobs.enqueue(uow, kind, str(i), {"i": i}, **kwargs) for i in range(count)]


def _jobs(app: Any) -> dict[int, Any]:
    st = app.extensions["gateway"]
    with st.databases.meta.connect() as conn:
        return {row.id: row for row in conn.execute(sa.select(st.meta.job))}


def test_jobs_run_once_and_finish_done(app, plugin) -> None:
    ids = _enqueue(app, "test.noop", 3)
    counts = run_background(app)
    assert counts["jobs"] == 3 and sorted(plugin.ran) == ["0", "1", "2"]
    rows = _jobs(app)
    assert all(rows[i].status == "done" and rows[i].attempts == 1 for i in ids)
    assert run_background(app)["jobs"] == 0


def test_jobs_not_before_waits_for_the_clock(app, plugin) -> None:
    clock = app_clock(app)
    _enqueue(app, "test.noop", not_before=clock.now().replace(hour=1))
    assert run_background(app)["jobs"] == 0
    clock.advance(3600)
    assert run_background(app)["jobs"] == 1


def test_jobs_failure_retries_with_backoff_then_fails(app) -> None:
    (job_id,) = _enqueue(app, "test.flaky")
    run_background(app)
    row = _jobs(app)[job_id]
    assert row.status == "queued" and row.attempts == 1 and "boom" in row.last_error
    app_clock(app).advance(30)
    run_background(app)
    assert _jobs(app)[job_id].status == "failed"


def test_jobs_enqueue_rolls_back_with_the_unit_of_work(app) -> None:
    """X-21: a failing unit of work leaves neither the change nor the job."""
    with app.app_context(), pytest.raises(RuntimeError):
        gateway = core.gateway()
        with gateway.unit_of_work() as uow:
            gateway.audit(uow, "order", 1, "retry", "ERROR", "RETRY")
            gateway.jobs.enqueue(uow, "test.noop", "1")
            raise RuntimeError("domain failure")
    st = app.extensions["gateway"]
    with st.databases.meta.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(st.meta.job)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(st.meta.audit)).scalar_one() == 0


def test_jobs_fenced_finish_discards_a_lost_lease(app) -> None:
    (job_id,) = _enqueue(app, "test.noop")
    st = app.extensions["gateway"]
    first, second = open_session(st, "worker"), open_session(st, "worker")
    (job,) = queue.claim(
        st.databases.meta,
        st.meta.job,
        session_id=first,
        now=st.clock.now(),
        lease_seconds=60,
        kinds=["test.noop"],
    )
    assert (
        queue.claim(st.databases.meta, st.meta.job, session_id=second, now=st.clock.now(), lease_seconds=60)
        == []
    )
    assert not queue.finish(st.databases.meta, st.meta.job, job, session_id=second, now=st.clock.now())
    assert queue.finish(st.databases.meta, st.meta.job, job, session_id=first, now=st.clock.now())
    assert _jobs(app)[job_id].status == "done"


@pytest.mark.parametrize(
    ("kind", "status", "dead_calls"), [("test.retrying", "queued", 0), ("test.once", "dead", 1)]
)
def test_jobs_reaper_recovers_dead_sessions(app, plugin, kind: str, status: str, dead_calls: int) -> None:
    """X-19: a job claimed by a session that stopped heartbeating is requeued or buried after the lease."""
    (job_id,) = _enqueue(app, kind)
    st = app.extensions["gateway"]
    lost = open_session(st, "worker")
    queue.claim(
        st.databases.meta, st.meta.job, session_id=lost, now=st.clock.now(), lease_seconds=60, kinds=[kind]
    )
    run_background(app)
    assert _jobs(app)[job_id].status == "claimed"
    app_clock(app).advance(61)
    run_background(app)
    row = _jobs(app)[job_id]
    assert row.status == status and row.last_error == "worker lost"
    assert len(plugin.dead) == dead_calls
    assert plugin.ran == []


def test_periodic_tasks_run_once_per_period(app, plugin) -> None:
    assert run_background(app)["periodic"] >= 1 and plugin.ticks == 1
    run_background(app)
    assert plugin.ticks == 1
    app_clock(app).advance(60)
    run_background(app)
    assert plugin.ticks == 2


def test_drain_over_http_needs_test_hooks(app, client, login_as) -> None:
    """X-17: without test_hooks the test endpoints do not exist."""
    assert client.post("/api/v1/_test/drain", headers=login_as("SuperUser")).status_code == 404


def test_test_hooks_clock_and_drain(databases, plugin) -> None:
    app = make_test_app({"secret_key": SECRET, "test_hooks": True}, databases=databases, plugins=[plugin])
    client = app.test_client()
    from gateway.testing import bearer, login

    admin = bearer(login(client, "SuperUser", "System"))
    assert client.put(
        "/api/v1/_test/clock", json={"now": "2025-01-01T00:10:00Z"}, headers=admin
    ).get_json() == {"now": "2025-01-01T00:10:00Z"}
    assert (
        client.put("/api/v1/_test/clock", json={"advance": 61}, headers=admin).get_json()["now"]
        == "2025-01-01T00:11:01Z"
    )
    _enqueue(app, "test.noop", 2)
    assert client.post("/api/v1/_test/drain", headers=admin).get_json()["jobs"] == 2
    user = bearer(login(client, "GardenUser", "GardenUser"))
    assert client.get("/api/v1/_test/clock", headers=user).status_code == 404


@pytest.mark.postgresql
@pytest.mark.commits
def test_two_runners_claim_each_job_once_on_postgresql(plugin) -> None:
    """X-18: 200 jobs, two runner threads on PostgreSQL: each job done exactly once."""
    with _throwaway_postgres() as url:
        engine = make_engine(url)
        try:
            source = EngineSource(engine)
            app = make_test_app({"secret_key": SECRET}, databases=Databases(source, source), plugins=[plugin])
            _enqueue(app, "test.noop", 200)
            gateway = app.extensions["gateway"].extras["gateway.facade"]
            st = app.extensions["gateway"]
            runners = [Runner(gateway, open_session(st, "worker"), kinds=["test.noop"]) for _ in range(2)]
            threads = [threading.Thread(target=r.run_jobs) for r in runners]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            rows = _jobs(app)
            assert len(plugin.ran) == 200 and len(set(plugin.ran)) == 200
            assert all(r.status == "done" and r.attempts == 1 for r in rows.values())
            assert {r.claimed_by for r in rows.values()} <= {r.session_id for r in runners}
        finally:
            engine.dispose()


@contextmanager
def _throwaway_postgres() -> Iterator[str]:
    """A fresh PostgreSQL database with the gw_* tables, dropped afterwards."""
    import os

    from gateway.meta.migrate import upgrade

    base = sa.make_url(
        os.environ.get("GATEWAY_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    name = f"gwplat_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError:
        admin.dispose()
        pytest.skip("PostgreSQL is not reachable")
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            )
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


def test_a_runner_asks_for_a_task_taken_elsewhere_only_when_it_is_due(app, plugin, databases) -> None:  # type: ignore[no-untyped-def]
    """Polling costs no transaction per task and poll: a runner that found the task taken waits for its
    next run time before asking the database again."""
    with app.app_context():
        gateway = core.gateway()
        st = gateway.state
        first, second = (Runner(gateway, open_session(st, "worker")) for _ in range(2))
    assert first.run_periodic() >= 1 and plugin.ticks == 1  # every plugin's tasks were due: all taken
    statements: list[str] = []
    connection = databases.meta.connection

    def record(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(connection, "before_cursor_execute", record)
    try:
        assert second.run_periodic() == 0 and statements  # asked once, learned the next run time
        asked = len(statements)
        assert second.run_periodic() == 0 and first.run_periodic() == 0
        assert len(statements) == asked  # neither runner asks again before the task is due
        app_clock(app).advance(60)
        assert second.run_periodic() >= 1 and plugin.ticks == 2
    finally:
        sa.event.remove(connection, "before_cursor_execute", record)
