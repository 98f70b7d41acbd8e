"""`gateway init`: migrate the meta database, create the signing secret and optionally an admin user.

Idempotent: running it again changes nothing that exists (an existing admin user keeps its password).
"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from gateway.auth.passwords import hash_password
from gateway.cli.common import database_url_option, engine_for, meta_transaction, settings_for, warn_short
from gateway.hooks import migration_locations
from gateway.meta import store
from gateway.meta.migrate import ADMIN_ROLE, ensure_secret, upgrade
from gateway.settings import Settings


def initialize(settings: Settings, admin_user: str | None = None, admin_password: str | None = None) -> None:
    """Everything `gateway init` does, for the demo and tests too."""
    with engine_for(settings.meta_url) as engine:
        upgrade(engine, plugin_locations=migration_locations(settings))
    with meta_transaction(settings) as (conn, tables):
        if not settings.secret_key:
            ensure_secret(conn, tables)
        if admin_user:
            user = store.find_user(conn, tables, admin_user)
            if user is None:
                if not admin_password:
                    raise click.UsageError("--admin-password is required for a new admin user")
                hashed = hash_password(admin_password)
                user_id = store.add_user(
                    conn, tables, admin_user, hashed, is_service=False, now=datetime.now(UTC)
                )
            else:
                user_id = user.id
            admin = store.find_roles(conn, tables, ADMIN_ROLE, 0)[0]
            store.assign_role(conn, tables, user_id, admin.id)


@click.command()
@click.option("--admin-user", default=None, help="create (or keep) this user with the Admin role")
@click.option("--admin-password", default=None, help="password of a new admin user ('-' reads stdin)")
@database_url_option
def init(admin_user: str | None, admin_password: str | None, database_url: str | None) -> None:
    """Create or upgrade the gw_* tables, the signing secret and the Admin role."""
    if admin_password == "-":
        admin_password = click.get_text_stream("stdin").readline().rstrip("\r\n")
    if admin_password:
        warn_short(admin_password)
    initialize(settings_for(database_url), admin_user, admin_password)
    click.echo(
        "meta database ready" + (f"; admin user '{admin_user}' holds role Admin" if admin_user else "")
    )
