"""Meta database migrations on a temporary SQLite file, and role policy loading."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from gateway.meta import store
from gateway.meta.migrate import current_heads, ensure_secret, upgrade
from gateway.meta.store import RoleGrants
from gateway.meta.tables import core_tables
from gateway.settings import load_settings


@pytest.fixture
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'meta.sqlite'}")
    yield engine
    engine.dispose()


def test_migrate_creates_every_core_table(engine: sa.Engine) -> None:
    upgrade(engine)
    names = set(sa.inspect(engine).get_table_names())
    assert set(sa.MetaData().tables) <= names
    expected = set(_declared())
    assert expected <= names
    assert "gw_alembic_version" in names
    with engine.connect() as conn:
        assert current_heads(conn) == ("0002_runner",)


def _declared() -> list[str]:
    metadata = sa.MetaData()
    core_tables(metadata)
    return list(metadata.tables)


def test_migrate_is_idempotent_and_seeds_admin_once(engine: sa.Engine) -> None:
    upgrade(engine)
    upgrade(engine)
    tables = core_tables(sa.MetaData())
    with engine.connect() as conn:
        admins = store.find_roles(conn, tables, "ADMIN", 0)
    assert len(admins) == 1
    assert admins[0].is_admin and admins[0].is_builtin_admin


def test_migrate_beside_business_tables(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE c_bpartner (c_bpartner_id INTEGER PRIMARY KEY, name TEXT)")
        conn.exec_driver_sql("INSERT INTO c_bpartner VALUES (1, 'Joe')")
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name FROM c_bpartner").scalar() == "Joe"


def test_secret_generated_once(engine: sa.Engine) -> None:
    upgrade(engine)
    tables = core_tables(sa.MetaData())
    with engine.begin() as conn:
        first = ensure_secret(conn, tables)
    with engine.begin() as conn:
        assert ensure_secret(conn, tables) == first
    assert len(first) == 64


def test_policy_loading(engine: sa.Engine) -> None:
    upgrade(engine)
    tables = core_tables(sa.MetaData())
    grants = RoleGrants(
        orgs=(50001, 0),
        read=("*", "C_Order"),
        write=("C_Order",),
        deny=(("C_BPartner", "SO_CreditLimit"),),
        permissions=("caches.read",),
    )
    settings = load_settings(environ={})
    with engine.begin() as conn:
        role_id = store.add_role(conn, tables, "Clerk", client_id=11, is_admin=False, grants=grants)
        policy = store.load_policy(conn, tables, role_id, settings)
    assert policy.client_id == 11 and not policy.is_admin
    assert policy.read_tables == {"*"} and policy.write_tables == {"c_order"}
    assert policy.orgs == (0, 50001)
    assert policy.is_denied("C_BPartner", "so_creditlimit") and not policy.is_denied("C_BPartner", "Name")
    assert policy.is_hidden("AD_User", "Password") and policy.is_hidden("x", "SALT")
    assert policy.can_write("C_ORDER") and not policy.can_write("C_BPartner") and policy.can_read("M_Product")
    assert policy.has_permission("caches.read") and not policy.has_permission("caches.reset")


def test_admin_policy_holds_every_permission(engine: sa.Engine) -> None:
    upgrade(engine)
    tables = core_tables(sa.MetaData())
    with engine.connect() as conn:
        admin = store.find_roles(conn, tables, "Admin", 0)[0]
        policy = store.load_policy(conn, tables, admin.id, load_settings(environ={}))
    assert policy.is_admin and policy.has_permission("orders.retry") and policy.can_write("anything")


def test_column_patterns() -> None:
    assert store.column_patterns(["*.Password", "Salt", "AD_User.EMail"]) == {
        ("*", "password"),
        ("*", "salt"),
        ("ad_user", "email"),
    }
