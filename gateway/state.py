"""GatewayState: everything one app owns (settings, databases, catalog, plugins, caches, clock).

Built by `create_app` and stored in `app.extensions["gateway"]`; never a module global. Services receive it
explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gateway.catalog import CatalogHolder
from gateway.db import Databases
from gateway.jobs.clock import Clock
from gateway.settings import Settings

if TYPE_CHECKING:
    import pluggy

    from gateway.meta.sysconfig import RuntimeConfig
    from gateway.meta.tables import CoreTables
    from gateway.pipeline.query.shape import StatementCache
    from gateway.pipeline.skiptoken import SkipTokens


@dataclass(slots=True)
class GatewayState:
    settings: Settings
    databases: Databases
    catalog: CatalogHolder
    meta: CoreTables
    runtime: RuntimeConfig
    plugins: pluggy.PluginManager
    statements: StatementCache
    clock: Clock
    options: StatementCache | None = None  # parsed option texts ($filter, $orderby, ...), shared by tables
    prepared: StatementCache | None = None  # prepared record reads (pipeline/prepared.py)
    secret: bytes = b""  # the signing secret: secret_key, else the generated gw_secret (set by init_auth)
    skip_tokens: SkipTokens | None = None  # keyset paging's token signer, keyed by the secret (init_auth)
    extras: dict[str, Any] = field(default_factory=dict)  # per-app caches of the edge (auth caches, health)

    def clear_statements(self) -> int:
        """Forget the cached statements and the prepared reads built on them; the number of entries."""
        return self.statements.clear() + (self.prepared.clear() if self.prepared is not None else 0)
