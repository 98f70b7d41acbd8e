"""searchSensitiveData and purgeSensitiveData (orders.md §12.6): find orders by a sensitive key or alias
(HMAC lookups) and purge their entries. Values appear only in the secure caller's result, never in audit rows.

The secure-transport and permission checks are the caller's; no Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.core import Actor, FieldError, ValidationError
from gateway.plugins.orders import facts as f
from gateway.plugins.orders.detail import row
from gateway.plugins.orders.errors import InvalidWorkflow, OrderStatusError
from gateway.plugins.orders.queries import scope_clause
from gateway.plugins.orders.sensitive import Vault
from gateway.plugins.orders.service import Orders

FILTERS = (
    "maxmodified",
    "maxstarted",
    "minstarted",
    "modified",
    "status",
    "workflow_instanceid",
    "workflowid",
    "workflowname",
)
FINAL = (f.COMPLETE, f.CANCELED)


def envelope(records: list[dict[str, Any]], skip: int = 0, size: int = 0) -> dict[str, Any]:
    return {
        "page-count": 1 if records else 0,
        "records-size": size or len(records),
        "skip-records": skip,
        "row-count": skip + len(records),
        "records": records,
        "array-count": len(records),
    }


class Sensitive:
    def __init__(self, orders: Orders, vault: Vault) -> None:
        self.orders = orders
        self.vault = vault
        self.t = orders.store.t

    def _key(self, args: Mapping[str, Any], required: bool) -> tuple[str | None, str | None]:
        skey, svalue = args.get("skey"), args.get("svalue")
        if (required and not (skey and svalue)) or (bool(skey) != bool(svalue)):
            raise ValidationError(
                "skey and svalue are required together",
                errors=[FieldError(n, "required") for n in ("skey", "svalue") if not args.get(n)],
            )
        return skey, svalue

    def _where(self, actor: Actor, args: Mapping[str, Any], uow: Any) -> list[Any]:
        o = self.t.order
        where: list[Any] = [c for c in (scope_clause(o, actor),) if c is not None]
        if not actor.is_system:
            where.append(o.c.client_id.in_(sorted({0, actor.client_id})))
        if args.get("workflowname"):
            if self.orders.registry.find(args["workflowname"], uow=uow) is None:
                raise InvalidWorkflow(f"no workflow {args['workflowname']}")
            where.append(o.c.name == args["workflowname"])
        pairs = (
            ("status", o.c.workflowstatus),
            ("workflow_instanceid", o.c.workflow_instanceid),
            ("workflowid", o.c.workflowid),
        )
        where += [column.in_(args[n]) for n, column in pairs if args.get(n)]
        bounds = (
            ("modified", o.c.modified, True),
            ("maxmodified", o.c.modified, False),
            ("minstarted", o.c.started, True),
            ("maxstarted", o.c.started, False),
        )
        where += [(c >= args[n]) if low else (c < args[n]) for n, c, low in bounds if args.get(n) is not None]
        return where

    def _found(
        self, uow: Any, actor: Actor, args: Mapping[str, Any], skey: Any, svalue: Any
    ) -> list[tuple[Any, Any]]:
        o, s = self.t.order, self.t.sensitive
        query = self.vault.matching(uow, skey, svalue).add_columns(*o.c)
        query = query.join(o, o.c.workflow_instanceid == s.c.workflow_instanceid).where(
            *self._where(actor, args, uow)
        )
        rows = uow.execute(query.order_by(s.c.id)).all()
        return [(r, {col.name: r._mapping[col] for col in o.c}) for r in rows]

    def _record(self, entry: Any, order: Mapping[str, Any], svalue: Any, purged: bool) -> dict[str, Any]:
        record = {k: v for k, v in row(order).items() if k != "custom_status_desc"}
        record.update(
            {
                "archive": False,
                "skey": entry.skey,
                "svalue": self.vault.svalue(entry) if svalue is not None else f"hmac:{entry.svalue_hmac}",
                "sensitive_data": None if purged else self.vault.entry(entry),
            }
        )
        return record

    def search(self, actor: Actor, args: Mapping[str, Any]) -> dict[str, Any]:
        skey, svalue = self._key(args, required=True)
        with self.orders.gateway.unit_of_work(actor) as uow:
            found = self._found(uow, actor, args, skey, svalue)
            records = [self._record(e, o, svalue, False) for e, o in found]
        if args.get("sort"):
            names = [n.strip() for n in str(args["sort"]).split(",") if n.strip()]
            records.sort(key=lambda r: tuple(str(r.get(n)) for n in names), reverse=bool(args.get("desc")))
        skip = int(args.get("offset") or 0)
        limit = int(args.get("limit") or 0)
        page = records[skip : skip + limit] if limit else records[skip:]
        return envelope(page, skip, limit)

    def purge(self, actor: Actor, args: Mapping[str, Any]) -> dict[str, Any]:
        skey, svalue = self._key(args, required=False)
        if skey is None and not any(args.get(n) for n in FILTERS):
            raise ValidationError(
                "give skey/svalue or at least one filter argument",
                errors=[FieldError("skey", "required without filters")],
            )
        force = bool(args.get("force"))
        with self.orders.gateway.unit_of_work(actor) as uow:
            found = self._found(uow, actor, args, skey, svalue)
            named = set(args.get("workflow_instanceid") or ())
            blocked = [
                o for _, o in found if o["workflow_instanceid"] in named and o["workflowstatus"] not in FINAL
            ]
            if blocked and not force:
                raise OrderStatusError(
                    f"order {blocked[0]['workflow_instanceid']} is {blocked[0]['workflowstatus']}"
                )
            eligible = [(e, o) for e, o in found if force or o["workflowstatus"] in FINAL]
            records = [self._record(e, o, svalue, True) for e, o in eligible]
            for entry, _ in eligible:
                self.vault.remove_id(uow, int(entry.id))
            for order_id in sorted({o["workflow_instanceid"] for _, o in eligible}):
                has = self.vault.count(uow, order_id) > 0
                self.orders.store.update(uow, order_id, has_sensitive_data=has)
                order = next(o for _, o in eligible if o["workflow_instanceid"] == order_id)
                self.orders.store.audit(uow, order, "purgeSensitiveData", detail={"skey": skey})
                for record in records:
                    if record["workflow_instanceid"] == order_id:
                        record["has_sensitive_data"] = has
        return envelope(records)
