"""Runners: claim and run jobs, due periodic tasks and plugin work sources (plugins.md §9.3–§9.7).

`Runner.drain` is the synchronous runner of the tests and of `gateway worker --once`; `Node` runs runner
threads plus the heartbeat of one engine session (server threads, `gateway worker`). Handlers run outside
the claim transaction; a handler's exception is recorded on its job, never swallowed silently.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from gateway.dialects import traits_for
from gateway.hooks.types import Job, JobContext, PeriodicTask
from gateway.jobs import leases, queue

log = logging.getLogger("gateway.jobs")
_SESSION_RETENTION = timedelta(days=7)


class Runner:
    """One runner over the app's meta database, working under the engine session `session_id`."""

    def __init__(self, gateway: Any, session_id: int, *, kinds: Sequence[str] | None = None) -> None:
        self.gateway = gateway
        self.state = gateway.state
        self.session_id = session_id
        self.kinds = kinds
        self._ensured: set[str] = set()
        self._due: dict[str, datetime] = {}  # periodic tasks known not to be due before this time
        self.single_process = not traits_for(self.state.databases.meta.dialect).supports_for_update

    @property
    def registry(self) -> Any:
        return self.gateway.registry

    def context(self) -> JobContext:
        st = self.state
        return JobContext(
            gateway=self.gateway, session_id=self.session_id, clock=st.clock, settings=st.settings
        )

    def heartbeat(self) -> None:
        """Prove the session alive and extend the leases of the jobs it holds."""
        st, now = self.state, self.state.clock.now()
        with st.databases.meta.begin() as conn:
            leases.beat(conn, st.meta.engine_session, self.session_id, now)
            lease_until = now + timedelta(seconds=st.settings.lease_seconds)
            queue.extend_leases(conn, st.meta.job, self.session_id, lease_until)

    def is_leader(self) -> bool:
        """Always on servers with row locks; on SQLite only the holder of the work-leader lease works."""
        if not self.single_process:
            return True
        st = self.state
        with st.databases.meta.begin() as conn:
            return leases.take_leadership(
                conn, st.meta.periodic, self.session_id, st.clock.now(), st.settings.lease_seconds
            )

    def step(self) -> dict[str, int]:
        """One pass: due periodic tasks, then due jobs, then every work source."""
        counts = {"periodic": 0, "jobs": 0}
        if not self.is_leader():
            return counts
        counts["periodic"] = self.run_periodic()
        counts["jobs"] = self.run_jobs()
        ctx = self.context()
        for source in self.registry.sources:
            counts[source.name] = counts.get(source.name, 0) + int(source.poll(ctx) or 0)
        return counts

    def drain(self, *, until_idle: bool = True, max_steps: int = 1000) -> dict[str, int]:
        """Run steps until nothing was due (or once); returns the summed counts."""
        self.heartbeat()
        totals = {"periodic": 0, "jobs": 0, **{s.name: 0 for s in self.registry.sources}}
        for _ in range(max_steps):
            counts = self.step()
            for name, value in counts.items():
                totals[name] = totals.get(name, 0) + value
            if not until_idle or not any(counts.values()):
                break
        return totals

    def run_periodic(self) -> int:
        ran = 0
        for task in self.registry.periodic.values():
            if self._take(task):
                ran += 1
                self._run_task(task)
        return ran

    def _take(self, task: PeriodicTask) -> bool:
        """Take the task when it is due. A task another runner took is not asked for again before its
        next run time: every runner polling every task each second was a transaction per task and poll."""
        st, now = self.state, self.state.clock.now()
        due = self._due.get(task.name)
        if due is not None and now < due:
            return False
        every = every_seconds(task, st.settings)
        with st.databases.meta.begin() as conn:
            if task.name not in self._ensured:
                leases.ensure_periodic(conn, st.meta.periodic, task.name, every, now)
                self._ensured.add(task.name)
            taken = leases.take_periodic(
                conn, st.meta.periodic, task.name, self.session_id, now, every, st.settings.lease_seconds
            )
            upcoming = None if taken else leases.next_run(conn, st.meta.periodic, task.name)
        self._due[task.name] = now + timedelta(seconds=every) if taken else upcoming or now
        return taken

    def _run_task(self, task: PeriodicTask) -> None:
        error = None
        try:
            task.run(self.context())
        except Exception as exc:
            log.exception("periodic task %s failed", task.name)
            error = f"{type(exc).__name__}: {exc}"[:2000]
        st = self.state
        with st.databases.meta.begin() as conn:
            leases.release_periodic(conn, st.meta.periodic, task.name, self.session_id, st.clock.now(), error)

    def run_jobs(self, limit: int = 1000) -> int:
        kinds = list(self.kinds) if self.kinds is not None else list(self.registry.jobs)
        ran = 0
        while kinds and ran < limit:
            st = self.state
            claimed = queue.claim(
                st.databases.meta,
                st.meta.job,
                session_id=self.session_id,
                now=st.clock.now(),
                lease_seconds=st.settings.lease_seconds,
                kinds=kinds,
            )
            if not claimed:
                break
            for job in claimed:
                self.run_job(job)
                ran += 1
        return ran

    def run_job(self, job: Job) -> None:
        handler = self.registry.jobs[job.kind]
        st = self.state
        try:
            handler.run(job, self.context())
        except Exception as exc:
            log.warning("job %s (%s) failed: %s", job.id, job.kind, exc, exc_info=exc)
            now = st.clock.now()
            retry_at = None
            if job.attempts < job.max_attempts:
                retry_at = now + timedelta(seconds=handler.backoff(job.attempts))
            error = f"{type(exc).__name__}: {exc}"
            queue.finish(
                st.databases.meta,
                st.meta.job,
                job,
                session_id=self.session_id,
                now=now,
                error=error,
                retry_at=retry_at,
            )
            return
        queue.finish(st.databases.meta, st.meta.job, job, session_id=self.session_id, now=st.clock.now())


def every_seconds(task: PeriodicTask, settings: Any) -> float:
    """The task's period; a str names the setting that holds it."""
    value = task.every_seconds
    return float(getattr(settings, value) if isinstance(value, str) else value)


def open_session(state: Any, kind: str) -> int:
    with state.databases.meta.begin() as conn:
        return leases.start_session(
            conn, state.meta.engine_session, kind=kind, node_id=state.settings.node_id, now=state.clock.now()
        )


def reaper_task(ctx: JobContext) -> None:
    """core.reaper: requeue or bury the jobs of dead sessions and expired leases (plugins.md §9.5)."""
    gateway = ctx.gateway
    st, now = gateway.state, ctx.now()
    source, tables = st.databases.meta, st.meta
    with source.begin() as conn:
        dead = leases.dead_sessions(conn, tables.engine_session, now, st.settings.lease_seconds)
        lost = queue.lost_jobs(conn, tables.job, dead, now)
    for job in lost:
        handler = gateway.registry.jobs.get(job.kind)
        retry = handler is not None and job.attempts < job.max_attempts
        retry_at = now + timedelta(seconds=handler.backoff(job.attempts)) if retry and handler else None
        with source.begin() as conn:
            recovered = queue.recover(conn, tables.job, job, now=now, retry_at=retry_at)
        if recovered and retry_at is None and handler is not None and handler.on_dead is not None:
            handler.on_dead(job, ctx, "worker lost")


def purge_task(ctx: JobContext) -> None:
    """core.purge: finished jobs past job_retention_days and long-dead engine sessions."""
    st, now = ctx.gateway.state, ctx.now()
    with st.databases.meta.begin() as conn:
        queue.purge(conn, st.meta.job, now - timedelta(days=st.settings.job_retention_days))
        leases.purge_sessions(conn, st.meta.engine_session, now - _SESSION_RETENTION)


class Node:
    """One engine session with runner threads and a heartbeat thread (server workers, `gateway worker`)."""

    def __init__(self, gateway: Any, *, kind: str, threads: int, kinds: Sequence[str] | None = None) -> None:
        self.gateway = gateway
        self.kind = kind
        self.kinds = kinds
        self.session_id = open_session(gateway.state, kind)
        single = not traits_for(gateway.state.databases.meta.dialect).supports_for_update
        self.thread_count = min(threads, 1) if single else threads  # the SQLite leader runs one thread
        self.stopping: threading.Event = gateway.stopping
        self.wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for index in range(self.thread_count):
            self._spawn(self._work, f"gateway-runner-{index}")
        self._spawn(self._beat, "gateway-heartbeat")

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _work(self) -> None:
        runner = Runner(self.gateway, self.session_id, kinds=self.kinds)
        poll = self.gateway.state.settings.worker_poll_seconds
        while not self.stopping.is_set():
            try:
                busy = any(runner.step().values())
            except Exception:
                log.exception("runner step failed")
                busy = False
            if not busy:
                self.wake.wait(poll)
                self.wake.clear()

    def _beat(self) -> None:
        runner = Runner(self.gateway, self.session_id)
        every = self.gateway.state.settings.heartbeat_seconds
        while not self.stopping.wait(every):
            try:
                runner.heartbeat()
            except Exception:
                log.exception("heartbeat failed")

    def stop(self, grace: float | None = None) -> bool:
        """Stop claiming, wait up to the grace budget, then mark the session stopped. True = all finished."""
        st = self.gateway.state
        budget = st.settings.worker_grace_seconds if grace is None else grace
        self.stopping.set()
        self.wake.set()
        deadline = st.clock.monotonic() + budget
        for thread in self._threads:
            thread.join(max(deadline - st.clock.monotonic(), 0))
        finished = not any(t.is_alive() for t in self._threads)
        with st.databases.meta.begin() as conn:
            leases.stop_session(conn, st.meta.engine_session, self.session_id, st.clock.now())
        return finished


def start_server_runners(app: Any) -> Node | None:
    """Runner threads inside a server process (gunicorn post_fork, `serve --dev`); None when disabled."""
    state = app.extensions["gateway"]
    gateway = state.extras.get("gateway.facade")
    threads = state.settings.worker_threads
    if gateway is None or threads <= 0:
        return None
    node = Node(gateway, kind="server", threads=threads)
    gateway.jobs.wakers.append(node.wake)
    node.start()
    return node
