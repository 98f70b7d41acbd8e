"""Who is asking: the Actor (user + role + client + org) and the RolePolicy of its role.

A policy answers table, column and permission questions without I/O; its fingerprint keys the
statement cache, so it holds no client or org values (those are bound parameters).
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field

from gateway.errors import AuthorizationError


def _matches(pattern: str, name: str) -> bool:
    return pattern == "*" or pattern == name.lower()


@dataclass(frozen=True, slots=True)
class RolePolicy:
    """What a role may do. Table names and column names are stored lower-case; '*' means all."""

    role_id: int
    role_name: str
    client_id: int
    is_admin: bool = False
    read_tables: frozenset[str] = frozenset()
    write_tables: frozenset[str] = frozenset()
    denied_columns: frozenset[tuple[str, str]] = frozenset()  # (table or '*', column)
    hidden_columns: frozenset[tuple[str, str]] = frozenset()  # from settings; patterns, for every role
    orgs: tuple[int, ...] = ()  # empty: every org of the client
    permissions: frozenset[str] = frozenset()
    fingerprint: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.fingerprint:
            text = repr(
                (
                    self.is_admin,
                    sorted(self.read_tables),
                    sorted(self.write_tables),
                    sorted(self.denied_columns),
                    sorted(self.hidden_columns),
                    bool(self.orgs),
                    len(self.orgs),
                )
            )
            object.__setattr__(self, "fingerprint", hashlib.sha1(text.encode()).hexdigest()[:16])

    def can_read(self, table: str) -> bool:
        return self.is_admin or any(_matches(p, table) for p in self.read_tables | self.write_tables)

    def can_write(self, table: str) -> bool:
        return self.is_admin or any(_matches(p, table) for p in self.write_tables)

    def is_hidden(self, table: str, column: str) -> bool:
        """Hidden columns (settings) apply to every role, admin included."""
        return _denied(self.hidden_columns, table, column)

    def is_denied(self, table: str, column: str) -> bool:
        """Denied for this role (role grants) or hidden for everyone."""
        return _denied(self.denied_columns, table, column) or self.is_hidden(table, column)

    def has_permission(self, permission: str) -> bool:
        """Exact name, an `area.*` wildcard, `*`, or admin; object suffixes `:x` are matched too."""
        if self.is_admin or "*" in self.permissions:
            return True
        base = permission.split(":", 1)[0]
        return any(
            granted in (permission, base) or fnmatch.fnmatchcase(base, granted)
            for granted in self.permissions
        )


def _denied(patterns: frozenset[tuple[str, str]], table: str, column: str) -> bool:
    t, c = table.lower(), column.lower()
    return any(fnmatch.fnmatchcase(t, pt) and fnmatch.fnmatchcase(c, pc) for pt, pc in patterns)


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated session: user, chosen client/role/org, and the role's policy."""

    user_id: int
    user_name: str
    client_id: int
    role_id: int
    org_id: int
    policy: RolePolicy
    language: str = "en_US"
    warehouse_id: int | None = None
    session_id: int | None = None
    token_id: int | None = None  # API token row, when authenticated by one

    @property
    def is_system(self) -> bool:
        """System sessions (client 0) see and write every tenant's rows."""
        return self.client_id == 0

    def require(self, permission: str) -> None:
        """The one permission check: 403 naming the permission when the role lacks it."""
        if not self.policy.has_permission(permission):
            raise AuthorizationError(f"Missing permission {permission}")
