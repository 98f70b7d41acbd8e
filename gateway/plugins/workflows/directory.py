"""The `Directory` of this plugin over the gateway: users and roles (gw_user, gw_role, gw_user_role, read
through a unit of work), record tables (the app catalog) and their model ids (gw_model).

TODO(layering): core has no user/role lookup, no catalog accessor and no model-name -> id lookup for plugins
yet; this adapter is the one place that reads them, to be switched to the core API when it exists.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from gateway.plugins.workflows.facts import ColumnFacts, RoleRef, TableFacts, UserRef

_USER = sa.table(
    "gw_user", sa.column("id"), sa.column("name"), sa.column("name_lower"), sa.column("is_active")
)
_ROLE = sa.table(
    "gw_role", sa.column("id"), sa.column("name"), sa.column("name_lower"), sa.column("client_id")
)
_USER_ROLE = sa.table("gw_user_role", sa.column("user_id"), sa.column("role_id"))
_MODEL = sa.table("gw_model", sa.column("id"), sa.column("table_name"))
_YESNO_KINDS = ("YESNO", "BOOLEAN")


def _by_name_or_id(table: Any, value: str | int) -> Any:
    text = str(value).strip()
    return table.c.id == int(text) if text.isdigit() else table.c.name_lower == text.lower()


class GatewayDirectory:
    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway

    def user(self, name_or_id: str | int | None) -> UserRef | None:
        if name_or_id is None or isinstance(name_or_id, bool) or str(name_or_id).strip() == "":
            return None
        with self.gateway.unit_of_work() as uow:
            row = uow.execute(sa.select(_USER).where(_by_name_or_id(_USER, name_or_id))).first()
            if row is None:
                return None
            query = (
                sa.select(_ROLE.c.id, _ROLE.c.client_id)
                .join(_USER_ROLE, _USER_ROLE.c.role_id == _ROLE.c.id)
                .where(_USER_ROLE.c.user_id == row.id)
            )
            roles = uow.execute(query).all()
        return UserRef(
            int(row.id), row.name, bool(row.is_active),
            frozenset(int(r.client_id) for r in roles), frozenset(int(r.id) for r in roles),
        )  # fmt: skip

    def role(self, name_or_id: str | int) -> RoleRef | None:
        with self.gateway.unit_of_work() as uow:
            row = uow.execute(sa.select(_ROLE).where(_by_name_or_id(_ROLE, name_or_id))).first()
        return RoleRef(int(row.id), row.name, int(row.client_id)) if row is not None else None

    def table(self, model_name: str) -> TableFacts | None:
        catalog = self.gateway.state.catalog.current()
        facts = _facts(catalog.find(model_name) if model_name else None)
        if facts is None or facts.model_id is not None:
            return facts
        return replace(facts, model_id=self.model_id(facts.model_name))

    def model_id(self, model_name: str) -> int | None:
        """The model's `id` as GET /models lists it, registered the way the core registers it on a miss."""
        with self.gateway.unit_of_work() as uow:
            found = uow.execute(sa.select(_MODEL.c.id).where(_MODEL.c.table_name == model_name)).scalar()
            if found is None:
                uow.execute(sa.insert(_MODEL).values(table_name=model_name))
                found = uow.execute(sa.select(_MODEL.c.id).where(_MODEL.c.table_name == model_name)).scalar()
        return None if found is None else int(found)

    def table_by_id(self, model_id: int) -> TableFacts | None:
        """The record table whose model `id` (as listed by GET /models) is `model_id`."""
        name = self.gateway.model_name_of(model_id)
        return self.table(name) if name else None


def _facts(entity: Any) -> TableFacts | None:
    if entity is None:
        return None
    columns = {
        c.name.lower(): ColumnFacts(c.name, c.kind.name in _YESNO_KINDS, c.length) for c in entity.columns
    }
    return TableFacts(
        entity.model_name, entity.key, columns, entity.model_id, entity.uid, tuple(entity.identifier)
    )
