"""Creating orders in one unit of work (orders.md §3) and starting synchronous runs (§4).

A unique-index violation surfaces after the rollback; the clashing reservation is then looked up to name
scope, key and value in the 409. No Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gateway.core import Actor, AuthorizationError, FieldError, GatewayError, ValidationError
from gateway.plugins.orders import create as c
from gateway.plugins.orders import facts as f
from gateway.plugins.orders.errors import OrderDataError, SensitiveDataError, WorkflowDisabled
from gateway.plugins.orders.ports import Workflow
from gateway.plugins.orders.sensitive import Vault
from gateway.plugins.orders.service import Orders


class Creator:
    def __init__(self, orders: Orders, vault: Vault) -> None:
        self.orders = orders
        self.store = orders.store
        self.gateway = orders.gateway
        self.vault = vault
        self.engine: Any = None

    def create(
        self,
        actor: Actor | None,
        wf_ref: Any,
        args: Mapping[str, Any],
        *,
        secure: bool,
        sync_check: bool = False,
    ) -> int:
        new = c.parse(args)
        if new.sensitive is not None:
            if actor is not None and not self.gateway.allowed(actor, "orders.sensitive.write"):
                raise AuthorizationError("Missing permission orders.sensitive.write")
            if not secure:
                raise SensitiveDataError("sensitive data needs a secure (TLS) request")
        wf = self.orders.registry.get(wf_ref, actor)
        if sync_check:
            self.check_runnable(wf, args.get("options"))
        pairs = c.key_pairs(new.orderkeys, wf.keylist)
        reservations = c.reservations(new, wf)
        pairs += [(n, v) for _, _, n, v in reservations]
        if wf.record_table:
            record = c.record_key(self.gateway, wf, new.staticdata, actor)
            pairs.insert(0, ("record", record))
            reservations.append(("R", wf.name, "record", record))
        client_id = actor.client_id if actor is not None else 0
        try:
            with self.gateway.unit_of_work(actor) as uow:
                self._check_parent(uow, actor, new.parent)
                return self.insert(uow, new, wf, actor, client_id, pairs, reservations)
        except GatewayError as exc:
            if exc.type != "DUPLICATE-KEY":
                raise
            raise self._clash(actor, reservations) from None

    def _check_parent(self, uow: Any, actor: Actor | None, parent: int | None) -> None:
        if parent is None:
            return
        order = self.store.load(uow, parent)
        visible = order is not None and (
            actor is None or actor.is_system or order["client_id"] in (0, actor.client_id)
        )
        if not visible:
            raise OrderDataError(f"parent order {parent} does not exist")

    def insert(
        self,
        uow: Any,
        new: c.NewOrder,
        wf: Workflow,
        actor: Actor | None,
        client_id: int,
        pairs: Sequence[tuple[str, str]],
        reservations: Sequence[tuple[str, str, str, str]] = (),
    ) -> int:
        now = self.gateway.clock.now()
        values = c.order_values(new, wf, actor, client_id, now)
        order_id = self.store.insert(uow, values)
        for scope, scope_value, name, value in reservations:
            self.store.reserve(uow, scope, scope_value, name, value, order_id)
        self.store.set_keys(uow, order_id, pairs)
        order = {**values, "workflow_instanceid": order_id}
        if new.sensitive:
            self.vault.put_all(uow, order, new.sensitive)
        self.store.audit(
            uow,
            order,
            "create",
            None,
            values["workflowstatus"],
            detail={"workflow": f"{wf.name}:{wf.version}", "keys": sorted({n for n, _ in pairs})},
        )
        return order_id

    def _clash(self, actor: Actor | None, reservations: Sequence[tuple[str, str, str, str]]) -> GatewayError:
        with self.gateway.unit_of_work(actor) as uow:
            for scope, scope_value, name, value in reservations:
                holder = self.store.holder(uow, scope, scope_value, name, value)
                if holder is not None:
                    order = self.store.load(uow, holder)
                    visible = (
                        order is not None
                        and actor is not None
                        and (actor.is_system or order["client_id"] in (0, actor.client_id))
                    )
                    return c.clash(scope, name, value, holder, visible)
        return c.clash("G", "?", "?", None, False)

    # --- synchronous runs --------------------------------------------------------------------------

    def check_runnable(self, wf: Workflow, options: Any) -> None:
        if not wf.enabled:
            raise WorkflowDisabled(f"workflow {wf.name} v{wf.version} is disabled")
        if options is not None:
            self.orders.registry.validate_options(wf, options)

    def exec_workflow(
        self, actor: Actor, wf_ref: Any, args: Mapping[str, Any], *, secure: bool
    ) -> dict[str, Any]:
        bad = [n for n in ("status", "scheduled") if n in args]
        if bad:
            raise ValidationError(
                f"{', '.join(bad)} not allowed with execSynchronous",
                errors=[FieldError(n, "not allowed") for n in bad],
            )
        self.gateway.check_running()
        options = args.get("options")
        if options is not None and not isinstance(options, dict):
            raise ValidationError("options must be an object", errors=[FieldError("options", "object")])
        order_id = (
            self.create(
                actor,
                wf_ref,
                {k: v for k, v in args.items() if k != "options"},
                secure=secure,
                sync_check=True,
            )
            if options is None
            else self._create_with(actor, wf_ref, args, secure)
        )
        return self.exec_order(actor, order_id, options or {})

    def _create_with(self, actor: Actor, wf_ref: Any, args: Mapping[str, Any], secure: bool) -> int:
        create_args = {k: v for k, v in args.items() if k != "options"}
        wf = self.orders.registry.get(wf_ref, actor)
        self.check_runnable(wf, args["options"])
        return self.create(actor, wf_ref, create_args, secure=secure)

    def exec_order(
        self, actor: Actor, order_id: int, options: Mapping[str, Any], wf: str | None = None
    ) -> dict[str, Any]:
        self.gateway.check_running()
        with self.gateway.unit_of_work(actor) as uow:
            order = self.orders.target(uow, actor, order_id, wf)
            self.orders.check_lock(order, actor, "execSynchronous")
            self.orders.check_status(order, "execSynchronous")
            workflow = self.orders.registry.find(order["workflowid"], uow=uow)
            assert workflow is not None
            self.check_runnable(workflow, options or None)
            if not self.engine.run_sync(uow, order, options):
                raise f.RULES["execSynchronous"].refused(f"order {order_id} changed meanwhile")
        return self.engine.finish_sync(order_id)  # type: ignore[no-any-return]
