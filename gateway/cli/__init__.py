"""The `gateway` command: a click group whose subcommands live in the modules of this package.

Commands read settings with `load_settings()` (plus `--database-url` where useful), open their own engines
and end them; nothing here runs inside a request.
"""

from __future__ import annotations

import click

from gateway.cli.demo import demo
from gateway.cli.init import init
from gateway.cli.roles import roles
from gateway.cli.serve import serve
from gateway.cli.sysconfig import sysconfig
from gateway.cli.tokens import tokens
from gateway.cli.users import users
from gateway.cli.valrules import valrules
from gateway.cli.worker import worker

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """model-gateway: a REST gateway over an existing SQL database."""


for command in (init, users, roles, serve, demo, tokens, sysconfig, valrules, worker):
    main.add_command(command)
