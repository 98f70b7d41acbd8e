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

    def reset_caches(self, table: str | None = None) -> int:
        """The one reset (DELETE /api/v1/caches and the plugins' `reset_caches`): statements and prepared
        reads; for all tables also the catalog (reloaded), runtime settings, parsed options and the auth
        caches. The number of entries reset; a table counts as one."""
        count = self.clear_statements()
        if table is not None:
            return count + 1
        count += len(self.catalog.current().entity_sets)
        self.catalog.reload()
        self.runtime.clear()
        count += self.options.clear() if self.options is not None else 0
        for name in _AUTH_CACHES:
            count += len(self.extras.pop(name, None) or ())
        return count


_AUTH_CACHES = ("auth.policies", "auth.sessions", "auth.verified")  # extras the auth package fills
