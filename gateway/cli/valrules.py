"""`gateway valrules`: add, list and remove validation rules (saved filters, api.md §4.9).

The rule text is syntax-checked with the filter grammar; compiling against a table happens at use.
"""

from __future__ import annotations

import uuid

import click

from filter_grammar import FilterError, parse_filter
from gateway.cli.common import database_url_option, meta_transaction, settings_for
from gateway.meta import store


@click.group()
def valrules() -> None:
    """Manage validation rules."""


@valrules.command("add")
@click.argument("name")
@click.option(
    "--filter", "text", required=True, help="rule text in the $filter language (@Name@ placeholders)"
)
@click.option("--table", default=None, help="table the rule is for (default: any table)")
@click.option(
    "--client", "client_id", type=int, default=0, show_default=True, help="client (0 = every client)"
)
@click.option("--description", default=None, help="description")
@database_url_option
def add(
    name: str, text: str, table: str | None, client_id: int, description: str | None, database_url: str | None
) -> None:
    """Create a rule."""
    try:
        parse_filter(text, placeholders=True)
    except FilterError as exc:
        raise click.BadParameter(exc.detail, param_hint="--filter") from None
    values = {"name": name, "filter": text, "table_name": table, "client_id": client_id,
              "description": description,
              "is_active": True, "uid": str(uuid.uuid4())}  # fmt: skip
    with meta_transaction(settings_for(database_url)) as (conn, tables):
        if store.val_rule_named(conn, tables, name, client_id) is not None:
            raise click.ClickException(f"rule {name!r} already exists at client {client_id}")
        rule_id = store.save_val_rule(conn, tables, values)
    click.echo(f"rule {name!r} created (id {rule_id})")


@valrules.command("list")
@database_url_option
def list_(database_url: str | None) -> None:
    """List rules."""
    with meta_transaction(settings_for(database_url)) as (conn, tables):
        rows = store.val_rules(conn, tables)
    for row in rows:
        state = "" if row["is_active"] else " (inactive)"
        table = row["table_name"] or "*"
        click.echo(f"{row['id']}\t{row['name']}\tclient {row['client_id']}\t{table}\t{row['filter']}{state}")


@valrules.command("remove")
@click.argument("ident")
@click.option("--client", "client_id", type=int, default=0, show_default=True, help="client of a named rule")
@database_url_option
def remove(ident: str, client_id: int, database_url: str | None) -> None:
    """Remove a rule by id or name."""
    with meta_transaction(settings_for(database_url)) as (conn, tables):
        rule_id = int(ident) if ident.isdigit() else store.val_rule_named(conn, tables, ident, client_id)
        if rule_id is None or not any(r["id"] == rule_id for r in store.val_rules(conn, tables)):
            raise click.ClickException(f"no rule {ident!r}")
        store.delete_val_rule(conn, tables, rule_id)
    click.echo(f"rule {ident!r} removed")
