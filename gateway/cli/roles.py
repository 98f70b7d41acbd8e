"""`gateway roles`: add and list roles with their table grants, denied columns, orgs and permissions.

Table names are checked against the reflected data database; permissions against the declared names.
"""

from __future__ import annotations

import click
import sqlalchemy as sa

from gateway.cli.common import database_url_option, engine_for, meta_transaction, settings_for
from gateway.meta import store
from gateway.meta.store import RoleGrants
from gateway.settings import Settings

CORE_PERMISSIONS = (
    "caches.read", "caches.reset", "sysconfig.read", "sysconfig.write", "valrules.write", "apitokens.manage",
    "models.showsql", "metrics.read", "audit.read",
)  # fmt: skip


def _csv(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def data_table_names(settings: Settings) -> dict[str, str]:
    """Lower-case name -> reflected name of every table and view of the data database (gw_* left out)."""
    with engine_for(settings.database_url) as engine:
        inspector = sa.inspect(engine)
        schema = settings.db_schema or None
        found = [*inspector.get_table_names(schema=schema), *inspector.get_view_names(schema=schema)]
    return {name.lower(): name for name in found if not name.lower().startswith("gw_")}


def check_tables(settings: Settings, names: tuple[str, ...], option: str) -> tuple[str, ...]:
    known = data_table_names(settings) if any(n != "*" for n in names) else {}
    unknown = [n for n in names if n != "*" and n.lower() not in known]
    if unknown:
        raise click.BadParameter(f"unknown table(s): {', '.join(unknown)}", param_hint=option)
    return tuple(n if n == "*" else known[n.lower()] for n in names)


def declared_permissions() -> frozenset[str]:
    """Core permissions plus those that loaded plugins declare (when a plugin manager is available)."""
    names = set(CORE_PERMISSIONS)
    try:
        from gateway.hooks import make_plugin_manager  # type: ignore[attr-defined]
    except ImportError:
        return frozenset(names)
    manager = make_plugin_manager(settings_for())
    for specs in manager.hook.register_permissions():
        names.update(spec.name for spec in specs or ())
    return frozenset(names)


def check_permissions(permissions: tuple[str, ...]) -> None:
    declared = declared_permissions()
    areas = {name.split(".", 1)[0] for name in declared}
    for permission in permissions:
        base = permission.split(":", 1)[0]
        if base == "*" or base in declared or (base.endswith(".*") and base[:-2] in areas):
            continue
        listing = ", ".join(sorted(declared))
        raise click.BadParameter(
            f"undeclared permission {permission!r}; declared: {listing}", param_hint="--permission"
        )


def _deny_pairs(specs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for spec in specs:
        table, sep, column = spec.rpartition(".")
        if not sep or not table or not column:
            raise click.BadParameter(f"expected TABLE.COLUMN, got {spec!r}", param_hint="--deny-column")
        pairs.append((table, column))
    return tuple(pairs)


@click.group()
def roles() -> None:
    """Manage gateway roles."""


@roles.command("add")
@click.argument("name")
@click.option(
    "--client", "client_id", type=int, default=0, show_default=True, help="client (tenant) of the role"
)
@click.option("--org", "orgs", type=int, multiple=True, help="allowed org (repeatable; none = every org)")
@click.option("--read", "read", multiple=True, help="readable tables, comma separated, or *")
@click.option("--write", "write", multiple=True, help="writable tables (implies read), comma separated, or *")
@click.option(
    "--deny-column", "deny", multiple=True, help="TABLE.COLUMN pairs (TABLE may be *), comma separated"
)
@click.option("--permission", "permissions", multiple=True, help="permission name (repeatable)")
@click.option("--admin", is_flag=True, help="every table and permission within the client")
@database_url_option
def add(
    name: str, client_id: int, orgs: tuple[int, ...], read: tuple[str, ...], write: tuple[str, ...],
    deny: tuple[str, ...], permissions: tuple[str, ...], admin: bool, database_url: str | None,
) -> None:  # fmt: skip
    """Create a role."""
    settings = settings_for(database_url)
    check_permissions(permissions)
    grants = RoleGrants(
        orgs=orgs,
        read=check_tables(settings, _csv(read), "--read"),
        write=check_tables(settings, _csv(write), "--write"),
        deny=_deny_pairs(_csv(deny)),
        permissions=permissions,
    )
    with meta_transaction(settings) as (conn, tables):
        if store.find_roles(conn, tables, name, client_id):
            raise click.ClickException(f"role {name!r} already exists at client {client_id}")
        role_id = store.add_role(conn, tables, name, client_id=client_id, is_admin=admin, grants=grants)
    click.echo(f"role {name!r} created (id {role_id}, client {client_id})")


@roles.command("list")
@database_url_option
def list_(database_url: str | None) -> None:
    """List roles with their client and grants."""
    settings = settings_for(database_url)
    with meta_transaction(settings) as (conn, tables):
        rows = [(r, store.load_policy(conn, tables, r.id, settings)) for r in store.list_roles(conn, tables)]
    for role, policy in rows:
        kind = (
            "admin" if role.is_admin else "read " + ",".join(sorted(policy.read_tables | policy.write_tables))
        )
        state = "" if role.is_active else " (inactive)"
        click.echo(f"{role.id}\t{role.name}\tclient {role.client_id}\t{kind}{state}")
