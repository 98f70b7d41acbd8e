"""`gateway tokens`: issue, list and revoke API tokens of service accounts (security.md §6.6).

The token text is printed once, at issue; the database keeps only its SHA-256 and a display prefix.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from gateway.auth import apitokens
from gateway.cli.common import database_url_option, meta_transaction, settings_for
from gateway.errors import GatewayError
from gateway.meta import sessions


@click.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("issue")
@click.option("--user", "user_name", required=True, help="user name (usually a service account)")
@click.option("--role", required=True, help="role name or id held by the user")
@click.option("--client", "client_id", type=int, default=None, help="client (default: the role's client)")
@click.option("--org", "org_id", type=int, default=0, show_default=True, help="organization")
@click.option("--expires-days", type=int, default=None, help="days until expiry (default: never)")
@click.option("--name", default="", help="display name")
@database_url_option
def issue(
    user_name: str, role: str, client_id: int | None, org_id: int, expires_days: int | None, name: str,
    database_url: str | None,
) -> None:  # fmt: skip
    """Issue a token and print it (shown only this once)."""
    settings = settings_for(database_url)
    request = apitokens.TokenRequest(
        user_name, role, name, client_id, org_id, expires_days, settings.default_language
    )
    try:
        with meta_transaction(settings) as (conn, tables):
            issued = apitokens.issue(conn, tables, request, datetime.now(UTC))
    except GatewayError as exc:
        raise click.ClickException(exc.detail) from None
    expiry = issued.expires_at.isoformat() if issued.expires_at else "never"
    click.echo(f"token {issued.id} ({issued.name}), expires {expiry}:", err=True)
    click.echo(issued.token)


@tokens.command("list")
@database_url_option
def list_(database_url: str | None) -> None:
    """List tokens (never their secret)."""
    with meta_transaction(settings_for(database_url)) as (conn, tables):
        rows = sessions.list_api_tokens(conn, tables)
    for row in rows:
        state = "revoked" if row.revoked_at else "active"
        expiry = row.expires_at.isoformat() if row.expires_at else "never"
        click.echo(
            f"{row.id}\t{apitokens.PREFIX}{row.prefix}…\t{row.name}\t{row.user_name}\trole {row.role_id}"
            f"\tclient {row.client_id}\texpires {expiry}\t{state}"
        )


@tokens.command("revoke")
@click.argument("token_id", type=int)
@database_url_option
def revoke(token_id: int, database_url: str | None) -> None:
    """Revoke a token by id."""
    try:
        with meta_transaction(settings_for(database_url)) as (conn, tables):
            apitokens.revoke(conn, tables, token_id, datetime.now(UTC))
    except GatewayError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"token {token_id} revoked")
