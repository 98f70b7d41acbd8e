"""`gateway worker`: background runners without HTTP (plugins.md §9.3), for scale-out and cron.

`--once` runs everything due now and exits 0; otherwise runner threads work until SIGTERM/SIGINT, then stop
gracefully within worker_grace_seconds.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

import click


@click.command()
@click.option(
    "--threads", type=int, default=None, help="runner threads (default: the worker_threads setting)"
)
@click.option("--kinds", default=None, help="comma list of job kinds this worker runs (default: all)")
@click.option("--once", is_flag=True, help="run everything due now, then exit")
def worker(threads: int | None, kinds: str | None, once: bool) -> None:
    """Run background jobs, periodic tasks and work sources."""
    from gateway.app import create_app
    from gateway.jobs.runner import Node, Runner, open_session

    app = create_app()
    gateway = app.extensions["gateway"].extras["gateway.facade"]
    only = [k.strip() for k in kinds.split(",") if k.strip()] if kinds else None
    if once:
        counts = Runner(gateway, open_session(gateway.state, "worker"), kinds=only).drain(until_idle=True)
        click.echo(" ".join(f"{name}={value}" for name, value in counts.items()))
        return
    count = threads if threads is not None else max(gateway.settings.worker_threads, 1)
    node = Node(gateway, kind="worker", threads=count, kinds=only)
    gateway.jobs.wakers.append(node.wake)
    done = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    node.start()
    click.echo(f"worker session {node.session_id}: {node.thread_count} thread(s)")
    done.wait()
    finished = node.stop()
    click.echo("stopped" if finished else "stopped; unfinished work is left to the reaper")
