"""`gateway demo`: build the demo SQLite database, initialise it, create the demo accounts and serve.

The first run shows a progress bar while the rows are inserted; later runs reuse the file as it is.
"""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from gateway.cli.common import engine_for, meta_transaction, settings_for
from gateway.cli.init import initialize
from gateway.cli.serve import run_server
from gateway.demo.accounts import create_demo_accounts
from gateway.demo.erp import build_demo


def _build(url: str, size: int, first_run: bool) -> None:
    with engine_for(url) as engine:
        if not first_run:
            build_demo(engine, size=size)
            return
        with tqdm(desc="building the demo database", unit="rows", leave=False) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            build_demo(engine, size=size, progress=progress)


@click.command()
@click.option("--host", default=None, help="bind address (default GATEWAY_HOST)")
@click.option("--port", type=int, default=None, help="port (default GATEWAY_PORT)")
@click.option("--size", type=int, default=1, show_default=True, help="demo data volume factor")
@click.option("--database", "path", default="gateway-demo.sqlite", show_default=True, help="SQLite file")
@click.option("--dev", is_flag=True, help="Flask's development server instead of gunicorn")
@click.option("--no-serve", is_flag=True, help="prepare the database and accounts, then exit")
def demo(host: str | None, port: int | None, size: int, path: str, dev: bool, no_serve: bool) -> None:
    """Run the gateway over a generated GardenWorld demo database."""
    database = Path(path).resolve()
    url = f"sqlite:///{database}"
    _build(url, size, first_run=not database.exists())
    settings = settings_for(url)
    initialize(settings)
    with meta_transaction(settings) as (conn, tables):
        credentials = create_demo_accounts(conn, tables, settings)
    click.echo(f"demo database: {database}")
    for cred in credentials:
        click.echo(
            f"  user {cred.user:<12} password {cred.password:<12} role {cred.role} (client {cred.client_id})"
        )
    if no_serve:
        return
    from gateway.app import create_app

    host, port = host or settings.host, port or settings.port
    click.echo(f"serving on http://{host}:{port}/api/v1")
    run_server(
        lambda: create_app({"database_url": url}), dev=dev, host=host, port=port, workers=settings.workers
    )
