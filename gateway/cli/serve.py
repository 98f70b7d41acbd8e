"""`gateway serve`: gunicorn with the packaged config/gunicorn.conf.py, or Flask's server with --dev.

The app comes from `gateway.app:create_app()`; gunicorn loads it once in the master (preload_app).
"""

from __future__ import annotations

import runpy
from collections.abc import Callable, Mapping
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from gateway.settings import config_dir


class GatewayApplication(BaseApplication):  # type: ignore[misc]
    """gunicorn application: settings from the packaged config file, then the command-line options."""

    def __init__(self, factory: Callable[[], Flask], options: Mapping[str, Any]) -> None:
        self._factory = factory
        self._options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        namespace = runpy.run_path(str(config_dir() / "gunicorn.conf.py"))
        for key, value in {**namespace, **self._options}.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._factory()


def run_server(
    factory: Callable[[], Flask],
    *,
    dev: bool,
    host: str,
    port: int,
    workers: int | None = None,
    threads: int | None = None,
) -> None:
    """Serve the app from `factory` until interrupted."""
    if dev:
        from gateway.jobs.runner import start_server_runners

        app = factory()
        node = start_server_runners(app)
        try:
            app.run(host=host, port=port, debug=False, use_reloader=False)
        finally:
            if node is not None:
                node.stop()
        return
    options: dict[str, Any] = {"bind": f"{host}:{port}"}
    if workers:
        options["workers"] = workers
    if threads:
        options["threads"] = threads
    GatewayApplication(factory, options).run()


@click.command()
@click.option("--dev", is_flag=True, help="Flask's development server instead of gunicorn")
@click.option("--host", default=None, help="bind address (default GATEWAY_HOST)")
@click.option("--port", type=int, default=None, help="port (default GATEWAY_PORT)")
@click.option("--workers", type=int, default=None, help="gunicorn workers (default GATEWAY_WORKERS)")
@click.option("--threads", type=int, default=None, help="threads per worker (default GATEWAY_THREADS)")
@click.option("--database-url", default=None, help="data database URL (overrides GATEWAY_DATABASE_URL)")
def serve(
    dev: bool,
    host: str | None,
    port: int | None,
    workers: int | None,
    threads: int | None,
    database_url: str | None,
) -> None:
    """Serve the API."""
    from gateway.app import create_app
    from gateway.cli.common import settings_for

    settings = settings_for(database_url)
    overrides = {"database_url": database_url} if database_url else None
    run_server(
        lambda: create_app(overrides),
        dev=dev,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        threads=threads or settings.threads,
    )
