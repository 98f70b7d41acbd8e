"""`gateway sysconfig`: list, set and unset the runtime REST_* settings stored in gw_sysconfig (api.md §9.3).

Values are checked like `PUT /api/v1/sysconfig/{name}`; running apps pick them up within 60 s.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from gateway.cli.common import database_url_option, meta_transaction, settings_for
from gateway.errors import GatewayError
from gateway.meta import store
from gateway.settings import setting_specs
from gateway.web.sysconfig import parse_value, runtime_spec, shown


@click.group()
def sysconfig() -> None:
    """Manage runtime settings."""


@sysconfig.command("list")
@database_url_option
def list_(database_url: str | None) -> None:
    """Every runtime key with its process value, then the stored rows per client."""
    settings = settings_for(database_url)
    with meta_transaction(settings) as (conn, tables):
        rows = store.sysconfig_rows(conn, tables)
    stored = {(str(n).lower(), int(c)): str(v) for n, c, v, _ in rows}
    for name, spec in setting_specs().items():
        if not spec.sysconfig:
            continue
        overrides = ", ".join(f"client {c}={v}" for (n, c), v in sorted(stored.items()) if n == name)
        source = settings.source_of(name)
        line = f"{name.upper()}\t{shown(getattr(settings, name))}\t{source}"
        click.echo(line + (f"\tstored: {overrides}" if overrides else ""))


@sysconfig.command("set")
@click.argument("name")
@click.argument("value")
@click.option("--client", "client_id", type=int, default=0, show_default=True, help="client of the row")
@database_url_option
def set_(name: str, value: str, client_id: int, database_url: str | None) -> None:
    """Store a value for a client (0 = every client without its own row)."""
    try:
        spec = runtime_spec(name)
        text = parse_value(spec, value)
    except GatewayError as exc:
        raise click.ClickException(exc.detail) from None
    with meta_transaction(settings_for(database_url)) as (conn, tables):
        store.set_sysconfig(conn, tables, spec.name, client_id, text, datetime.now(UTC))
    click.echo(f"{spec.name.upper()} = {text} (client {client_id})")


@sysconfig.command("unset")
@click.argument("name")
@click.option("--client", "client_id", type=int, default=0, show_default=True, help="client of the row")
@database_url_option
def unset(name: str, client_id: int, database_url: str | None) -> None:
    """Remove a stored value (the next source applies again)."""
    try:
        spec = runtime_spec(name)
    except GatewayError as exc:
        raise click.ClickException(exc.detail) from None
    with meta_transaction(settings_for(database_url)) as (conn, tables):
        removed = store.delete_sysconfig(conn, tables, spec.name, client_id)
    click.echo(f"{spec.name.upper()} {'unset' if removed else 'was not set'} (client {client_id})")
