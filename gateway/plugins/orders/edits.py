"""Operator actions that never change the status (orders.md §5.1): lock, unlock, breakLock, notes, data
edits (JSON and YAML), sensitive data and updateKeys. Each writes its audit row without sensitive values.

Checks follow plugins.md §5.2 through `Orders.target`/`check_lock`; no Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.core import Actor, FieldError, ValidationError
from gateway.plugins.orders import facts as f
from gateway.plugins.orders import yamlio
from gateway.plugins.orders.create import key_pairs
from gateway.plugins.orders.errors import (
    DynamicDataError,
    LockError,
    NoteRequired,
    OrderDataError,
    OrderKeyError,
    StaticDataError,
)
from gateway.plugins.orders.sensitive import Vault
from gateway.plugins.orders.service import Orders

MAX_NOTE = 4000


def _note(value: Any, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise NoteRequired("a non-empty note is required")
        return None
    if not isinstance(value, str) or len(value) > MAX_NOTE:
        raise NoteRequired(f"the note must be a string of at most {MAX_NOTE} characters")
    return value


class Edits:
    def __init__(self, orders: Orders, vault: Vault, yaml_max: int) -> None:
        self.orders = orders
        self.store = orders.store
        self.vault = vault
        self.yaml_max = yaml_max

    def _open(self, actor: Actor, order_id: int, action: str, wf: str | None) -> Any:
        return _Edit(self, actor, order_id, action, wf)

    # --- lock and notes ----------------------------------------------------------------------------

    def lock(self, actor: Actor, order_id: int, note: Any, wf: str | None = None) -> str:
        text = _note(note)
        with self._open(actor, order_id, "lock", wf) as (uow, order):
            if order["operator_lock"] is not None:
                raise LockError(f"order {order_id} is already locked by {order['operator_lock']}")
            self._set_lock(uow, order, actor.user_name, "lock", actor.user_name, text or "")
        return "OK"

    def unlock(self, actor: Actor, order_id: int, note: Any, wf: str | None = None) -> str:
        text = _note(note, required=False) or f"Lock released by {actor.user_name}"
        with self._open(actor, order_id, "unlock", wf) as (uow, order):
            if order["operator_lock"] != actor.user_name:
                owner = order["operator_lock"]
                raise LockError(
                    f"order {order_id} is " + (f"locked by {owner}: use breakLock" if owner else "not locked")
                )
            self._set_lock(uow, order, None, "unlock", actor.user_name, text)
        return "OK"

    def break_lock(self, actor: Actor, order_id: int, note: Any, wf: str | None = None) -> str:
        text = _note(note)
        with self._open(actor, order_id, "breakLock", wf) as (uow, order):
            if order["operator_lock"] is None:
                raise LockError(f"order {order_id} is not locked")
            self._set_lock(uow, order, None, "breakLock", actor.user_name, text or "")
        return "OK"

    def _set_lock(
        self, uow: Any, order: Mapping[str, Any], owner: str | None, kind: str, user: str, text: str
    ) -> None:
        self.store.update(uow, order["workflow_instanceid"], operator_lock=owner, modified=self.orders.now())
        self.store.add_note(uow, order, user, kind, text)
        self.store.audit(
            uow, order, kind, note=text, detail={"operator_lock": [order["operator_lock"], owner]}
        )

    def add_note(self, actor: Actor, order_id: int, note: Any, wf: str | None = None) -> str:
        text = _note(note)
        with self._open(actor, order_id, "notes", wf) as (uow, order):
            self.store.add_note(uow, order, actor.user_name, "user", text or "")
        return "OK"

    # --- data --------------------------------------------------------------------------------------

    def set_data(
        self, actor: Actor, order_id: int, column: str, args: Mapping[str, Any], wf: str | None = None
    ) -> str:
        if "newdata" not in args:
            raise OrderDataError("newdata is required")
        value = args["newdata"]
        if column == "staticdata" and (not isinstance(value, dict) or not value):
            raise OrderDataError("newdata must be a non-empty JSON object")
        if column == "dynamicdata" and value is not None and not isinstance(value, dict):
            raise OrderDataError("newdata must be a JSON object or null")
        return self._write_data(actor, order_id, column, value, wf)

    def set_yaml(self, actor: Actor, order_id: int, column: str, text: Any, wf: str | None = None) -> str:
        error = StaticDataError if column == "staticdata" else DynamicDataError
        if not isinstance(text, str):
            raise error("newdata must be YAML text")
        value = yamlio.parse(text, self.yaml_max) if text.strip() else None
        if column == "staticdata" and (not isinstance(value, dict) or not value):
            raise error("static data must be a non-empty mapping")
        if column == "dynamicdata" and value is not None and not isinstance(value, dict):
            raise error("dynamic data must be a mapping")
        return self._write_data(actor, order_id, column, value, wf)

    def _write_data(self, actor: Actor, order_id: int, column: str, value: Any, wf: str | None) -> str:
        with self._open(actor, order_id, "staticData", wf) as (uow, order):
            self._not_running(order)
            self.store.update(uow, order_id, **{column: value, "modified": self.orders.now()})
            self.store.audit(uow, order, column, detail={"changed": column})
        return "OK"

    def _not_running(self, order: Mapping[str, Any]) -> None:
        if order["workflowstatus"] == f.IN_PROGRESS:
            raise f.EDIT_RULE.refused(f"order {order['workflow_instanceid']} is IN-PROGRESS")

    def get_yaml(self, actor: Actor, order_id: int, column: str, wf: str | None = None) -> str | None:
        with self.orders.gateway.unit_of_work(actor) as uow:
            order = self.orders.target(uow, actor, order_id, wf)
        return yamlio.dump(order[column])

    # --- keys --------------------------------------------------------------------------------------

    def update_keys(
        self, actor: Actor, order_id: int, keys: Any, truncate: bool, wf: str | None = None
    ) -> Any:
        if not isinstance(keys, dict):
            raise OrderKeyError("orderkeys must be a JSON object")
        with self._open(actor, order_id, "updateKeys", wf) as (uow, order):
            wf_row = self.orders.registry.find(order["workflowid"], uow=uow)
            current = self.store.keys(uow, [order_id])[order_id]
            record = current.get("record")
            keylist = tuple(wf_row.keylist if wf_row else ()) + (("record",) if record else ())
            pairs = key_pairs(keys, keylist, truncate)
            given = [v for n, v in pairs if n == "record"]
            if record and given and given != record:
                raise OrderKeyError("the record key of a record-bound order cannot change")
            if record and not given:
                pairs = [("record", record[0]), *pairs]
            self.store.set_keys(uow, order_id, pairs)
            self.store.update(uow, order_id, modified=self.orders.now())
            self.store.audit(uow, order, "updateKeys", detail={"keys": sorted({n for n, _ in pairs})})
            return self.store.keys(uow, [order_id])[order_id]

    # --- sensitive data ----------------------------------------------------------------------------

    def put_sensitive(
        self, actor: Actor, order_id: int, args: Mapping[str, Any], wf: str | None = None
    ) -> str:
        skey, svalue = _skey(args)
        data = args.get("data")
        if data is not None and not isinstance(data, dict):
            raise ValidationError("data must be an object", errors=[FieldError("data", "must be an object")])
        with self._open(actor, order_id, "sensitiveData", wf) as (uow, order):
            self._not_running(order)
            if data is None:
                self.vault.remove(uow, order_id, skey, svalue)
            else:
                entry = {
                    "data": data,
                    "aliases": _aliases(args.get("aliases")),
                    "meta": args.get("meta") or {},
                }
                self.vault.put(uow, order, skey, svalue, entry)
            has = self.vault.count(uow, order_id) > 0
            self.store.update(uow, order_id, has_sensitive_data=has, modified=self.orders.now())
            self.store.audit(uow, order, "sensitiveData", detail={"skey": skey, "removed": data is None})
        return "OK"

    def put_yaml_sensitive(
        self, actor: Actor, order_id: int, args: Mapping[str, Any], wf: str | None = None
    ) -> str:
        data = args.get("data")
        parsed = None
        if data is not None:
            if not isinstance(data, str):
                raise ValidationError(
                    "data must be YAML text", errors=[FieldError("data", "must be a string")]
                )
            parsed = yamlio.parse(data, self.yaml_max)
            if not isinstance(parsed, dict):
                raise ValidationError(
                    "data must be a YAML mapping", errors=[FieldError("data", "not a mapping")]
                )
        return self.put_sensitive(actor, order_id, {**args, "data": parsed}, wf)

    def get_yaml_sensitive(
        self, actor: Actor, order_id: int, args: Mapping[str, Any], wf: str | None = None
    ) -> Any:
        skey, svalue = _skey(args)
        with self.orders.gateway.unit_of_work(actor) as uow:
            self.orders.target(uow, actor, order_id, wf)
            entry = self.vault.get(uow, order_id, skey, svalue)
        if entry is None:
            return None
        return {"aliases": entry["aliases"], "data": yamlio.dump(entry["data"]), "meta": entry["meta"]}


def _skey(args: Mapping[str, Any]) -> tuple[str, str]:
    missing = [n for n in ("skey", "svalue") if not isinstance(args.get(n), str) or not args.get(n)]
    if missing:
        raise ValidationError(
            f"{', '.join(missing)} required", errors=[FieldError(n, "required string") for n in missing]
        )
    return str(args["skey"]), str(args["svalue"])


def _aliases(value: Any) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(a, str) for a in items):
        raise ValidationError("aliases must be strings", errors=[FieldError("aliases", "list of strings")])
    return items


class _Edit:
    """`with` block of one edit: load and check the order, then commit the unit of work."""

    def __init__(self, edits: Edits, actor: Actor, order_id: int, action: str, wf: str | None) -> None:
        self.edits, self.actor, self.order_id, self.action, self.wf = edits, actor, order_id, action, wf
        self._cm: Any = None

    def __enter__(self) -> tuple[Any, dict[str, Any]]:
        orders = self.edits.orders
        self._cm = orders.gateway.unit_of_work(self.actor)
        uow = self._cm.__enter__()
        try:
            order = orders.target(uow, self.actor, self.order_id, self.wf)
            orders.check_lock(order, self.actor, self.action)
        except BaseException as exc:
            self._cm.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return uow, order

    def __exit__(self, *exc: Any) -> Any:
        return self._cm.__exit__(*exc)
