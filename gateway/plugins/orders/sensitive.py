"""Sensitive data of orders (orders.md §10.3): Fernet encryption, HMAC lookups, entry reads and writes.

Values never leave this module in clear except to callers that checked the secure-transport rule and the
permission; audit rows get key names only. The key comes from the setting `sensitive_data_key`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet

from gateway.plugins.orders.tables import OrderTables


def fernet_key(gateway: Any) -> bytes:
    """The configured key, else one derived from the app's signing secret (the generated one when
    `secret_key` is unset), so a fresh install encrypts with a key of its own."""
    configured = getattr(gateway.settings, "sensitive_data_key", None)
    if configured:
        return str(configured).encode()
    return base64.urlsafe_b64encode(gateway.derived_key("orders.sensitive"))


class Vault:
    def __init__(self, tables: OrderTables, key: bytes) -> None:
        self.t = tables
        self.fernet = Fernet(key)
        self.mac_key = hashlib.sha256(b"hmac:" + key).digest()

    def mac(self, value: str) -> str:
        return hmac.new(self.mac_key, value.encode(), hashlib.sha256).hexdigest()

    def _enc(self, value: Any) -> str:
        return self.fernet.encrypt(json.dumps(value).encode()).decode()

    def _dec(self, token: str) -> Any:
        return json.loads(self.fernet.decrypt(token.encode()))

    def put(
        self, uow: Any, order: Mapping[str, Any], skey: str, svalue: str, entry: Mapping[str, Any]
    ) -> None:
        """Replace the (skey, svalue) entry of `order`."""
        self.remove(uow, order["workflow_instanceid"], skey, svalue)
        aliases = [str(a) for a in entry.get("aliases") or []]
        values = {
            "workflow_instanceid": order["workflow_instanceid"],
            "client_id": order["client_id"],
            "skey": skey,
            "svalue_hmac": self.mac(svalue),
            "svalue_enc": self._enc(svalue),
            "data_enc": self._enc(entry.get("data") or {}),
            "aliases_enc": self._enc(aliases),
            "meta": dict(entry.get("meta") or {}),
        }
        new_id = uow.execute(self.t.sensitive.insert().values(**values)).inserted_primary_key[0]
        rows = [{"sensitive_id": new_id, "alias_hmac": self.mac(a)} for a in dict.fromkeys(aliases)]
        if rows:
            uow.execute(self.t.sensitive_alias.insert().values(rows))

    def put_all(self, uow: Any, order: Mapping[str, Any], data: Mapping[str, Any]) -> None:
        for skey, entries in data.items():
            for svalue, entry in entries.items():
                self.put(uow, order, str(skey), str(svalue), entry)

    def remove(self, uow: Any, order_id: int, skey: str | None = None, svalue: str | None = None) -> int:
        s, a = self.t.sensitive, self.t.sensitive_alias
        query = sa.select(s.c.id).where(s.c.workflow_instanceid == order_id)
        if skey is not None and svalue is not None:
            query = query.where(s.c.skey == skey, s.c.svalue_hmac == self.mac(svalue))
        ids = [int(i) for i in uow.execute(query).scalars()]
        if ids:
            uow.execute(a.delete().where(a.c.sensitive_id.in_(ids)))
            uow.execute(s.delete().where(s.c.id.in_(ids)))
        return len(ids)

    def remove_id(self, uow: Any, sensitive_id: int) -> None:
        s, a = self.t.sensitive, self.t.sensitive_alias
        uow.execute(a.delete().where(a.c.sensitive_id == sensitive_id))
        uow.execute(s.delete().where(s.c.id == sensitive_id))

    def count(self, uow: Any, order_id: int) -> int:
        s = self.t.sensitive
        query = sa.select(sa.func.count()).select_from(s).where(s.c.workflow_instanceid == order_id)
        return int(uow.execute(query).scalar_one())

    def entry(self, row: Any) -> dict[str, Any]:
        return {
            "aliases": self._dec(row.aliases_enc),
            "data": self._dec(row.data_enc),
            "meta": row.meta or {},
        }

    def svalue(self, row: Any) -> str:
        return str(self._dec(row.svalue_enc))

    def get(self, uow: Any, order_id: int, skey: str, svalue: str) -> dict[str, Any] | None:
        s = self.t.sensitive
        query = sa.select(s).where(
            s.c.workflow_instanceid == order_id, s.c.skey == skey, s.c.svalue_hmac == self.mac(svalue)
        )
        row = uow.execute(query).first()
        return self.entry(row) if row is not None else None

    def all(self, uow: Any, order_id: int) -> dict[str, dict[str, Any]]:
        s = self.t.sensitive
        out: dict[str, dict[str, Any]] = {}
        for row in uow.execute(
            sa.select(s).where(s.c.workflow_instanceid == order_id).order_by(s.c.id)
        ).all():
            out.setdefault(row.skey, {})[self.svalue(row)] = self.entry(row)
        return out

    def matching(self, uow: Any, skey: str | None, svalue: str | None) -> sa.Select[Any]:
        """The gw_order_sensitive rows for (skey, svalue matching the value or an alias)."""
        s, a = self.t.sensitive, self.t.sensitive_alias
        query = sa.select(s)
        if skey is not None:
            query = query.where(s.c.skey == skey)
        if svalue is not None:
            mac = self.mac(svalue)
            aliased = sa.select(a.c.sensitive_id).where(a.c.alias_hmac == mac)
            query = query.where(sa.or_(s.c.svalue_hmac == mac, s.c.id.in_(aliased)))
        return query

    def rows(self, uow: Any, query: sa.Select[Any], order_ids: Sequence[int]) -> list[Any]:
        s = self.t.sensitive
        return list(
            uow.execute(query.where(s.c.workflow_instanceid.in_(list(order_ids))).order_by(s.c.id)).all()
        )
