"""Helpers of the adversarial suite: data checksums, tenant rows, timed requests and response checks."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from gateway.db import Databases

DEMO_TABLES = (
    "AD_Client", "AD_Org", "M_Warehouse", "C_BPartner", "AD_User", "C_UOM", "M_Product", "C_Order",
    "C_OrderLine", "C_Invoice", "M_ProductPrice", "AD_ChangeLog",
)  # fmt: skip
SLOW_SECONDS = 4.0  # catches a payload that sleeps (5 s) without failing on a busy runner
SECRET = "security-suite-secret-" + "0123456789abcdef" * 3
FORBIDDEN_TEXT = ("Traceback", "psycopg", "pymysql", "sqlite3", "constraint failed", "violates")


def reflect(databases: Databases) -> dict[str, sa.Table]:
    md = sa.MetaData()
    with databases.data.connect() as conn:
        md.reflect(conn, only=lambda name, _md: name.lower() in {t.lower() for t in DEMO_TABLES})
    return {t.name.lower(): t for t in md.tables.values()}


def checksums(databases: Databases) -> dict[str, str]:
    """Row count and a digest of every row of every demo table (order-independent)."""
    out = {}
    tables = reflect(databases)
    with databases.data.connect() as conn:
        for name, table in sorted(tables.items()):
            rows = sorted(repr(tuple(str(v) for v in row)) for row in conn.execute(sa.select(table)))
            out[name] = f"{len(rows)}:{hashlib.sha256(''.join(rows).encode()).hexdigest()}"
    return out


def first_id(databases: Databases, table: str, client: int, extra: Any = None) -> int:
    """The smallest key of `table` owned by client `client`."""
    t = reflect(databases)[table.lower()]
    key = next(iter(t.primary_key.columns))
    tenant = next(c for c in t.columns if c.name.lower() == "ad_client_id")
    stmt = sa.select(sa.func.min(key)).where(tenant == client)
    if extra is not None:
        stmt = stmt.where(extra(t))
    with databases.data.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def scalar(databases: Databases, table: str, column: str, key: int) -> Any:
    t = reflect(databases)[table.lower()]
    pk = next(iter(t.primary_key.columns))
    col = next(c for c in t.columns if c.name.lower() == column.lower())
    with databases.data.connect() as conn:
        return conn.execute(sa.select(col).where(pk == key)).scalar()


def assert_safe(reply: Any, elapsed: float, what: str) -> None:
    """No 5xx, no statement over a second, no driver or SQL text in an error body."""
    assert reply.status_code < 500, (what, reply.status_code, reply.get_data(as_text=True)[:300])
    assert elapsed < SLOW_SECONDS, (what, elapsed)
    if reply.status_code >= 400:
        text = reply.get_data(as_text=True)
        leaked = [t for t in FORBIDDEN_TEXT if t in text]
        assert not leaked, (what, leaked, text[:300])


def problem(reply: Any, status: int, code: str | None = None) -> dict[str, Any]:
    body = reply.get_json()
    assert reply.status_code == status, (reply.status_code, body)
    assert body["status"] == status, body
    if code is not None:
        assert body["type"] == code, body
    return dict(body)


@dataclass(frozen=True)
class BatchReply:
    """One item of a batch reply, with the parts of a test-client response the checks use."""

    status_code: int
    body: Any

    def get_json(self) -> Any:
        return self.body

    def get_data(self, as_text: bool = False) -> Any:
        text = json.dumps(self.body)
        return text if as_text else text.encode()


def batched(client: Any, headers: dict[str, str], items: list[dict[str, Any]], size: int = 100) -> list[Any]:
    """Run `items` through POST /api/v1/batch?transaction=false, `size` at a time; each item is checked
    like a single request (no 5xx, no leaked driver text)."""
    replies: list[Any] = []
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        began = time.perf_counter()
        reply = client.post("/api/v1/batch?transaction=false", json=chunk, headers=headers)
        assert reply.status_code == 200, (reply.status_code, reply.get_data(as_text=True)[:300])
        assert time.perf_counter() - began < SLOW_SECONDS * 10, "a batch of payloads ran too long"
        for item, result in zip(chunk, reply.get_json(), strict=True):
            one = BatchReply(result["statusCode"], result.get("body"))
            assert_safe(one, 0.0, f"{item['method']} {item['path']!r}")
            replies.append(one)
    return replies


def get_item(url: str, **args: str) -> dict[str, Any]:
    return {"method": "GET", "path": f"{url}?{urlencode(args)}" if args else url}
