"""The core's own permission names (security.md §8) declared like a plugin's; no policy logic here."""

from __future__ import annotations

from gateway.hooks.specs import hookimpl
from gateway.hooks.types import PermissionSpec

CORE_PERMISSIONS = (
    PermissionSpec("caches.read", "list the caches and their sizes"),
    PermissionSpec("caches.reset", "reset the catalog and the caches"),
    PermissionSpec("sysconfig.read", "read runtime settings"),
    PermissionSpec("sysconfig.write", "change runtime settings"),
    PermissionSpec("valrules.write", "create, change and delete validation rules"),
    PermissionSpec("apitokens.manage", "create and revoke API tokens of other users"),
    PermissionSpec("models.showsql", "see the SQL of a read (showsql)"),
    PermissionSpec("metrics.read", "read /metrics"),
    PermissionSpec("audit.read", "list audit rows (GET /api/v1/audit)"),
)


@hookimpl
def register_permissions() -> list[PermissionSpec]:
    return list(CORE_PERMISSIONS)
