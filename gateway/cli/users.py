"""`gateway users`: add, list, passwd, disable, unlock and revoke (users exist only through the CLI).

Changing a password or disabling a user closes that user's sessions (security.md §2).
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from sqlalchemy.engine import Connection

from gateway.auth.passwords import hash_password
from gateway.cli.common import database_url_option, meta_transaction, read_password, settings_for, warn_short
from gateway.meta import sessions, store
from gateway.meta.store import RoleRow, UserRow
from gateway.meta.tables import CoreTables


@click.group()
def users() -> None:
    """Manage gateway users."""


def resolve_role(conn: Connection, tables: CoreTables, spec: str) -> RoleRow:
    """A role by id, by `name`, or by `name@client` when the name exists at several clients."""
    name, _, client = spec.rpartition("@") if "@" in spec else (spec, "", "")
    if spec.isdigit():
        role = store.get_role(conn, tables, int(spec))
        found = [role] if role is not None else []
    else:
        found = store.find_roles(conn, tables, name, int(client) if client.isdigit() else None)
    if not found:
        raise click.BadParameter(f"no role named {spec!r}", param_hint="--role")
    if len(found) > 1:
        raise click.BadParameter(
            f"role {spec!r} exists at several clients; use NAME@CLIENT", param_hint="--role"
        )
    return found[0]


def _user(conn: Connection, tables: CoreTables, name: str) -> UserRow:
    user = store.find_user(conn, tables, name)
    if user is None:
        raise click.BadParameter(f"no user named {name!r}", param_hint="NAME")
    return user


@users.command("add")
@click.argument("name")
@click.option("--password", default=None, help="password, or '-' to read it from standard input")
@click.option("--role", "role_names", multiple=True, required=True, help="role name or id (repeatable)")
@click.option("--service", is_flag=True, help="service account: no password, API tokens only")
@database_url_option
def add(
    name: str, password: str | None, role_names: tuple[str, ...], service: bool, database_url: str | None
) -> None:
    """Create a user holding the given roles."""
    if service and password is not None:
        raise click.UsageError("service accounts have no password")
    secret = None if service else read_password(password)
    if secret is not None:
        warn_short(secret)
    with meta_transaction(settings_for(database_url)) as (conn, tables):
        if store.find_user(conn, tables, name) is not None:
            raise click.ClickException(f"user {name!r} already exists")
        role_rows = [resolve_role(conn, tables, spec) for spec in role_names]
        hashed = hash_password(secret) if secret is not None else None
        user_id = store.add_user(conn, tables, name, hashed, is_service=service, now=datetime.now(UTC))
        for role in role_rows:
            store.assign_role(conn, tables, user_id, role.id)
    click.echo(f"user {name!r} created with role(s) {', '.join(r.name for r in role_rows)}")


@users.command("list")
@database_url_option
def list_(database_url: str | None) -> None:
    """List users with their state and roles."""
    with meta_transaction(settings_for(database_url)) as (conn, tables):
        rows = store.list_users(conn, tables)
    for user, role_names in rows:
        flags = ("active" if user.is_active else "disabled") + (", service" if user.is_service else "")
        click.echo(f"{user.id}\t{user.name}\t{flags}\t{', '.join(role_names)}")


@users.command("passwd")
@click.argument("name")
@click.option("--password", default=None, help="new password, or '-' to read it from standard input")
@database_url_option
def passwd(name: str, password: str | None, database_url: str | None) -> None:
    """Change a password (closes the user's sessions)."""
    secret = read_password(password)
    warn_short(secret)
    now = datetime.now(UTC)
    with meta_transaction(settings_for(database_url)) as (conn, tables):
        user = _user(conn, tables, name)
        store.set_password_hash(conn, tables, user.id, hash_password(secret), now)
        sessions.close_sessions_of(conn, tables, now, "P", user_id=user.id)
    click.echo(f"password of {name!r} changed")


@users.command("disable")
@click.argument("name")
@database_url_option
def disable(name: str, database_url: str | None) -> None:
    """Disable a user (closes its sessions)."""
    with meta_transaction(settings_for(database_url)) as (conn, tables):
        user = _user(conn, tables, name)
        store.set_user_active(conn, tables, user.id, False)
        sessions.close_sessions_of(conn, tables, datetime.now(UTC), "D", user_id=user.id)
    click.echo(f"user {name!r} disabled")


@users.command("unlock")
@click.argument("name")
@database_url_option
def unlock(name: str, database_url: str | None) -> None:
    """Clear the login failures and lock of a user name."""
    with meta_transaction(settings_for(database_url)) as (conn, tables):
        sessions.clear_failures(conn, tables, name)
    click.echo(f"user {name!r} unlocked")


@users.command("revoke")
@click.argument("name")
@database_url_option
def revoke(name: str, database_url: str | None) -> None:
    """Close every session of a user."""
    with meta_transaction(settings_for(database_url)) as (conn, tables):
        user = _user(conn, tables, name)
        closed = sessions.close_sessions_of(conn, tables, datetime.now(UTC), "D", user_id=user.id)
    click.echo(f"{closed} session(s) of {name!r} closed")
