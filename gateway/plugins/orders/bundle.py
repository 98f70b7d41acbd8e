"""One app's orders services, wired once: store, vault, actions, creation, engine, events, queries.

Created by `register_services`; the Gateway is reached lazily (services exist before the app does).
"""

from __future__ import annotations

from typing import Any

from gateway.plugins.orders.creator import Creator
from gateway.plugins.orders.detail import Detail
from gateway.plugins.orders.edits import Edits
from gateway.plugins.orders.engine import Engine
from gateway.plugins.orders.events import Events, Waiting
from gateway.plugins.orders.queries import Actions
from gateway.plugins.orders.searches import Sensitive
from gateway.plugins.orders.sensitive import Vault, fernet_key
from gateway.plugins.orders.service import Orders
from gateway.plugins.orders.store import Store
from gateway.plugins.orders.summary import Stats
from gateway.plugins.orders.tables import TABLES


class LateGateway:
    """Forwards to the app's Gateway once the first caller needs it."""

    def __init__(self) -> None:
        self.target: Any = None

    def __getattr__(self, name: str) -> Any:
        if self.target is None:
            from gateway import core

            self.target = core.gateway()
        return getattr(self.target, name)


class Bundle:
    def __init__(self, gateway: Any = None) -> None:
        self.gateway = gateway if gateway is not None else LateGateway()
        self.tables = TABLES
        self.store = Store(self.tables, self.gateway)
        self.orders = Orders(self.gateway, self.store)
        self.actions = Actions(self.store)
        self.events = Events(self.gateway, self.store)
        self.waiting = Waiting(self.store)
        self.stats = Stats(self.gateway, self.store)
        self.engine = Engine(self.gateway, self.store, self.orders, None)
        self.vault: Vault | None = None
        self.creator: Creator | None = None
        self.edits: Edits | None = None
        self.detail: Detail | None = None
        self.sensitive: Sensitive | None = None

    def bind(self, gateway: Any) -> None:
        """Called at startup: the settings are known, so the vault and the services over it are built."""
        if isinstance(self.gateway, LateGateway):
            self.gateway.target = gateway
        settings = self.gateway.settings
        self.vault = Vault(self.tables, fernet_key(self.gateway))
        self.creator = Creator(self.orders, self.vault)
        self.creator.engine = self.engine
        self.engine.creator = self.creator
        self.edits = Edits(self.orders, self.vault, int(getattr(settings, "yaml_max_bytes", 1048576)))
        self.detail = Detail(self.orders, self.vault)
        self.sensitive = Sensitive(self.orders, self.vault)
