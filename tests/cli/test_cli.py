"""The `gateway` CLI through click's CliRunner on temporary SQLite databases."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from gateway.auth.passwords import verify_password
from gateway.cli import main
from gateway.meta import store
from gateway.meta.tables import core_tables


@pytest.fixture
def url(tmp_path: Path) -> str:
    path = tmp_path / "cli.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE C_BPartner (C_BPartner_ID INTEGER PRIMARY KEY, Name TEXT)")
        conn.exec_driver_sql("CREATE TABLE C_Order (C_Order_ID INTEGER PRIMARY KEY)")
    engine.dispose()
    return f"sqlite:///{path}"


def _run(*args: str, stdin: str | None = None) -> str:
    result = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _user(url: str, name: str) -> store.UserRow | None:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        user = store.find_user(conn, core_tables(sa.MetaData()), name)
    engine.dispose()
    return user


def test_cli_init_is_idempotent(url: str) -> None:
    _run("init", "--database-url", url, "--admin-user", "root", "--admin-password", "a long admin password")
    _run("init", "--database-url", url, "--admin-user", "root", "--admin-password", "another one entirely")
    user = _user(url, "ROOT")
    assert user is not None and verify_password(user.password_hash, "a long admin password").ok
    assert "root\tactive\tAdmin" in _run("users", "list", "--database-url", url).replace("1\t", "", 1)


def test_cli_users_add_and_list(url: str) -> None:
    _run("init", "--database-url", url)
    _run("roles", "add", "Clerk", "--client", "11", "--read", "c_bpartner,C_Order", "--database-url", url)
    _run(
        "users",
        "add",
        "ann",
        "--password",
        "-",
        "--role",
        "Clerk",
        "--database-url",
        url,
        stdin="pw from stdin\n",
    )
    _run("users", "add", "robot", "--service", "--role", "Clerk", "--database-url", url)
    listing = _run("users", "list", "--database-url", url)
    assert "ann\tactive\tClerk" in listing and "robot\tactive, service\tClerk" in listing
    user = _user(url, "ann")
    assert user is not None and user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "pw from stdin").ok
    _run("users", "disable", "ann", "--database-url", url)
    assert "ann\tdisabled" in _run("users", "list", "--database-url", url)


def test_cli_users_add_rejects_unknown_role(url: str) -> None:
    _run("init", "--database-url", url)
    result = CliRunner().invoke(
        main, ["users", "add", "x", "--password", "p", "--role", "Nope", "--database-url", url]
    )
    assert result.exit_code != 0 and "no role named" in result.output


def test_cli_roles_add_and_list(url: str) -> None:
    _run("init", "--database-url", url)
    _run(
        "roles", "add", "Sales", "--client", "11", "--org", "0", "--org", "50001", "--read", "*",
        "--write", "c_order", "--deny-column", "C_BPartner.Name", "--permission", "caches.read",
        "--database-url", url,
    )  # fmt: skip
    listing = _run("roles", "list", "--database-url", url)
    assert "Admin\tclient 0\tadmin" in listing and "Sales\tclient 11\tread *,c_order" in listing


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--read", "NoSuchTable", "unknown table"),
        ("--permission", "orders.frobnicate", "undeclared permission"),
    ],
)
def test_cli_roles_add_rejects(url: str, option: str, value: str, message: str) -> None:
    _run("init", "--database-url", url)
    result = CliRunner().invoke(main, ["roles", "add", "Bad", option, value, "--database-url", url])
    assert result.exit_code != 0 and message in result.output


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_cli_demo_without_serving(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    output = _run("demo", "--database", str(path), "--size", "1", "--no-serve")
    assert "SuperUser" in output and "GardenUser" in output
    again = _run("demo", "--database", str(path), "--no-serve")
    assert again.count("GardenAdmin") == output.count("GardenAdmin")
    user = _user(f"sqlite:///{path}", "GardenUser")
    assert user is not None and verify_password(user.password_hash, "GardenUser").ok
