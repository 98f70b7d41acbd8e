"""Helpers shared by the CLI commands: settings with command-line overrides and meta database access.

Each command opens an engine for its own use and disposes it; no state survives between commands.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gateway.db import make_engine
from gateway.meta.tables import CoreTables, core_tables
from gateway.settings import Settings, load_settings

database_url_option = click.option(
    "--database-url", default=None, help="data database URL (overrides GATEWAY_DATABASE_URL)"
)


def settings_for(database_url: str | None = None) -> Settings:
    return load_settings({"database_url": database_url} if database_url else None)


@contextmanager
def engine_for(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def meta_transaction(settings: Settings) -> Iterator[tuple[Connection, CoreTables]]:
    """One committed transaction on the meta database, with the core tables."""
    with engine_for(settings.meta_url) as engine, engine.begin() as conn:
        yield conn, core_tables(sa.MetaData())


def read_password(value: str | None, *, prompt: bool = True) -> str:
    """`-` reads the password from standard input; None prompts (hidden, confirmed)."""
    if value == "-":
        return sys.stdin.readline().rstrip("\r\n")
    if value is None:
        if not prompt:
            raise click.UsageError("--password is required")
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    return value


def warn_short(password: str) -> None:
    if len(password) < 12:
        click.echo("warning: passwords shorter than 12 characters are weak", err=True)
