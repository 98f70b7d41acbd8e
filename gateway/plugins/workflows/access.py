"""Workflow access scopes (plugins.md §6.2): which workflow names a role may see.

A role holding no `workflows.access:*`-style permission sees every workflow; once it holds one it sees only
the names listed (`workflows.access:*` = all). Pure: reads only the actor's policy.
"""

from __future__ import annotations

from typing import Any

PREFIX = "workflows.access:"


def allowed_names(actor: Any) -> frozenset[str] | None:
    """None = every workflow; else the names in scope (case kept, compared case-sensitively)."""
    policy = actor.policy
    if policy.is_admin or "*" in policy.permissions:
        return None
    names = frozenset(p[len(PREFIX) :] for p in policy.permissions if p.startswith(PREFIX))
    if not names or "*" in names:
        return None
    return names


def in_scope(actor: Any, name: str) -> bool:
    names = allowed_names(actor)
    return names is None or name in names
