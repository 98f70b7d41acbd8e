"""Entity-set facts compared between the metadata-built catalog and reflected ones."""

from __future__ import annotations

from typing import Any

from gateway.catalog import Catalog
from gateway.settings import Settings, load_settings

DEMO_SETTINGS_CHANGES: dict[str, Any] = {
    "extra_foreign_keys": {"C_Invoice.C_Order_ID": "C_Order"},
    "view_keys": {"C_Order_Summary_v": "C_Order_ID"},
}


def demo_settings() -> Settings:
    return load_settings(environ={}).replace(**DEMO_SETTINGS_CHANGES)


def facts(catalog: Catalog, *, labels: bool = True) -> dict[str, Any]:
    """Every fact the planner relies on, per entity set (labels optional: SQLite keeps no comments)."""
    return {
        es.name: (
            es.model_name, es.key, es.uid, es.tenant, es.org, es.identifier, es.is_view,
            tuple(sorted((r.child, r.child_column) for r in es.children)), catalog.tenant_path(es),
            tuple(
                (c.name, c.kind, c.nullable, c.has_default, c.label if labels else None, c.length,
                 c.precision, c.scale, c.parent)
                for c in es.columns
            ),
        )
        for es in catalog.listed()
    }  # fmt: skip
