"""The "floor": a minimal WSGI app answering the benchmark URLs with raw psycopg 3 prepared statements.

Same SQL semantics as the gateway (tenant predicate AD_Client_ID IN (0, 11) on every table, identifier joins,
key tie-breaker, COUNT only for a full page) and the same JSON, with no per-row work beyond building the
record dicts; PostgreSQL formats dates, timestamps and numerics. Only the benchmark URLs, no authentication:
it must never serve anything else.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl

import orjson
import psycopg
from psycopg.types.string import TextLoader

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
TENANTS = (0, 11)
_TS = '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\''
_LOCAL = threading.local()
_ORDER_FIELDS = f"""t."C_Order_ID", t."C_Order_UU", t."AD_Client_ID", i1."Name", t."AD_Org_ID", i2."Name",
  t."DocumentNo", t."C_BPartner_ID", i3."Name", to_char(t."DateOrdered", 'YYYY-MM-DD'),
  to_char(t."DatePromised", {_TS}), t."GrandTotal", t."DocStatus", t."IsSOTrx" = 'Y', t."Description",
  t."SalesRep_ID", i4."Name", t."AD_User_ID", i5."Name", t."M_Warehouse_ID", i6."Name", t."IsActive" = 'Y',
  to_char(t."Created", {_TS}), to_char(t."Updated", {_TS})"""
_IN = "IN (%(t0)s, %(t1)s)"
_ORDER_JOINS = f"""
  LEFT JOIN "AD_Client" i1 ON i1."AD_Client_ID" = t."AD_Client_ID" AND i1."AD_Client_ID" {_IN}
  LEFT JOIN "AD_Org" i2 ON i2."AD_Org_ID" = t."AD_Org_ID" AND i2."AD_Client_ID" {_IN}
  LEFT JOIN "C_BPartner" i3 ON i3."C_BPartner_ID" = t."C_BPartner_ID" AND i3."AD_Client_ID" {_IN}
  LEFT JOIN "AD_User" i4 ON i4."AD_User_ID" = t."SalesRep_ID" AND i4."AD_Client_ID" {_IN}
  LEFT JOIN "AD_User" i5 ON i5."AD_User_ID" = t."AD_User_ID" AND i5."AD_Client_ID" {_IN}
  LEFT JOIN "M_Warehouse" i6 ON i6."M_Warehouse_ID" = t."M_Warehouse_ID" AND i6."AD_Client_ID" {_IN}
"""
_SCOPE = 't."AD_Client_ID" IN (%(t0)s, %(t1)s)'
_LINES = f"""SELECT x."C_OrderLine_ID", x."C_OrderLine_UU", x."C_Order_ID", p."DocumentNo", x."Line",
  x."M_Product_ID", m."Name", x."QtyOrdered", x."PriceActual", x."LineNetAmt", x."IsActive" = 'Y',
  to_char(x."Created", {_TS}), to_char(x."Updated", {_TS})
FROM "C_OrderLine" x
  JOIN "C_Order" p ON p."C_Order_ID" = x."C_Order_ID" AND p."AD_Client_ID" IN (%(t0)s, %(t1)s)
  LEFT JOIN "M_Product" m ON m."M_Product_ID" = x."M_Product_ID" AND m."AD_Client_ID" IN (%(t0)s, %(t1)s)
WHERE x."C_Order_ID" = ANY(%(keys)s) ORDER BY x."C_OrderLine_ID\""""
_FILTERS = (
    (re.compile(r"C_BPartner_ID eq (\d+)$"), 't."C_BPartner_ID" = %(a)s', int),
    (
        re.compile(r"GrandTotal ge (\d+) and GrandTotal lt (\d+)$"),
        't."GrandTotal" >= %(a)s AND t."GrandTotal" < %(b)s',
        int,
    ),
    (re.compile(r"C_Order_ID le (\d+)$"), 't."C_Order_ID" <= %(a)s', int),
)  # fmt: skip
_ORDERINGS = {"": 't."C_Order_ID"', "DateOrdered desc": 't."DateOrdered" DESC NULLS LAST, t."C_Order_ID"'}
_TABLES = re.compile(r"/api/v1/models/(c_order|perf_order_10k|perf_order_100k|perf_order_1m)(?:/(\d+))?$")
_TABLE_NAMES = {"c_order": "C_Order"}


def _connection() -> psycopg.Connection[Any]:
    """One connection per worker thread, opened after the fork; numerics stay text (no Decimal parse)."""
    conn = getattr(_LOCAL, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(os.environ["PERF_FLOOR_DSN"], autocommit=True)
        conn.adapters.register_loader("numeric", TextLoader)
        _LOCAL.conn = conn
    return conn


def _number(text: str | None) -> Any:
    return None if text is None else orjson.Fragment(text)


def _fk(label: str, model: str, key: Any, name: Any) -> Any:
    if key is None:
        return None
    return {"propertyLabel": label, "id": key, "identifier": name, "model-name": model}


def _order(r: tuple[Any, ...], model: str) -> dict[str, Any]:
    return {
        "id": r[0], "uid": r[1], "AD_Client_ID": _fk("AD_Client_ID", "ad_client", r[2], r[3]),
        "AD_Org_ID": _fk("AD_Org_ID", "ad_org", r[4], r[5]), "DocumentNo": r[6],
        "C_BPartner_ID": _fk("Business Partner", "c_bpartner", r[7], r[8]), "DateOrdered": r[9],
        "DatePromised": r[10], "GrandTotal": _number(r[11]), "DocStatus": r[12], "IsSOTrx": r[13],
        "Description": r[14], "SalesRep_ID": _fk("SalesRep_ID", "ad_user", r[15], r[16]),
        "AD_User_ID": _fk("AD_User_ID", "ad_user", r[17], r[18]),
        "M_Warehouse_ID": _fk("M_Warehouse_ID", "m_warehouse", r[19], r[20]), "IsActive": r[21],
        "Created": r[22], "Updated": r[23], "model-name": model,
    }  # fmt: skip


def _line(r: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "id": r[0], "uid": r[1], "C_Order_ID": _fk("C_Order_ID", "c_order", r[2], r[3]), "Line": r[4],
        "M_Product_ID": _fk("M_Product_ID", "m_product", r[5], r[6]), "QtyOrdered": _number(r[7]),
        "PriceActual": _number(r[8]), "LineNetAmt": _number(r[9]), "IsActive": r[10], "Created": r[11],
        "Updated": r[12], "model-name": "c_orderline",
    }  # fmt: skip


def _json_response(start: StartResponse, body: bytes, headers: list[tuple[str, str]]) -> list[bytes]:
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *headers]
    start("200 OK", headers)
    return [body]


def _one(conn: psycopg.Connection[Any], table: str, key: int, start: StartResponse) -> list[bytes]:
    sql = f'SELECT {_ORDER_FIELDS} FROM "{table}" t {_ORDER_JOINS} WHERE {_SCOPE} AND t."C_Order_ID" = %(a)s'
    row = conn.execute(sql, {"t0": TENANTS[0], "t1": TENANTS[1], "a": key}, prepare=True).fetchone()
    if row is None:
        start("404 NOT FOUND", [("Content-Type", "application/json")])
        return [b'{"status":404}']
    body = orjson.dumps(_order(row, table.lower()))
    etag = hashlib.sha256(body).hexdigest()[:22]
    return _json_response(start, body, [("ETag", f'"{etag}"'), ("Cache-Control", "private, no-cache")])


def _where(args: dict[str, str]) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"t0": TENANTS[0], "t1": TENANTS[1]}
    text = args.get("$filter", "")
    if not text:
        return _SCOPE, params
    for pattern, sql, cast in _FILTERS:
        match = pattern.match(text)
        if match:
            params.update(zip("ab", map(cast, match.groups()), strict=False))
            return f"{_SCOPE} AND {sql}", params
    raise ValueError(f"the floor does not know the filter {text!r}")


def _list(conn: psycopg.Connection[Any], table: str, args: dict[str, str], start: StartResponse) -> Any:
    where, params = _where(args)
    size = int(args.get("$top", "0"))
    sql = f'SELECT {_ORDER_FIELDS} FROM "{table}" t {_ORDER_JOINS} WHERE {where}'
    sql += f" ORDER BY {_ORDERINGS[args.get('$orderby', '')]}"
    # The identifier LEFT JOINs hit unique keys, so they cannot change the count; without them it can be
    # an index-only scan (with them PostgreSQL 15 fetches every matching heap page).
    base = f'FROM "{table}" t WHERE {where}'

    if not size:
        return _stream(conn, table, sql, base, params, start)
    rows = conn.execute(f"{sql} LIMIT {size}", params, prepare=True).fetchall()
    model = table.lower()
    records = [_order(r, model) for r in rows]
    if args.get("$expand") == "C_OrderLine":
        _attach_lines(conn, records)
    total = len(rows)
    if len(rows) == size and args.get("$count") != "false":
        total = conn.execute(f"SELECT count(*) {base}", params, prepare=True).fetchone()[0]  # type: ignore[index]
    elif len(rows) == size:
        total = -1
    pages = -1 if total < 0 else max(1, math.ceil(total / size))
    envelope = {
        "page-count": pages, "records-size": size, "skip-records": 0, "row-count": total,
        "records": records, "array-count": len(records),
    }  # fmt: skip
    headers = [("X-Page-Count", str(pages)), ("X-Records-Size", str(size)), ("X-Skip-Records", "0")]
    headers += [("X-Row-Count", str(total)), ("X-Array-Count", str(len(records)))]
    return _json_response(start, orjson.dumps(envelope), [*headers, ("Cache-Control", "private, no-cache")])


def _attach_lines(conn: psycopg.Connection[Any], records: list[dict[str, Any]]) -> None:
    by_order: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in records}
    params = {"t0": TENANTS[0], "t1": TENANTS[1], "keys": list(by_order)}
    for row in conn.execute(_LINES, params, prepare=True):
        by_order[row[2]].append(_line(row))
    for record in records:
        record["C_OrderLine"] = by_order[record["id"]]


def _stream(
    conn: psycopg.Connection[Any], table: str, sql: str, base: str, params: dict[str, Any], start: Any
) -> Iterator[bytes]:
    """Unlimited page: COUNT first (the envelope carries it before the records), then chunked rows."""
    total = conn.execute(f"SELECT count(*) {base}", params, prepare=True).fetchone()[0]  # type: ignore[index]
    start("200 OK", [("Content-Type", "application/json"), ("X-Row-Count", str(total))])
    head = {"page-count": 1, "records-size": 0, "skip-records": 0, "row-count": total}
    yield orjson.dumps(head)[:-1] + b',"records":['
    model, chunk, first = table.lower(), [], True
    for row in conn.cursor().stream(sql, params, size=1000):
        chunk.append(orjson.dumps(_order(row, model)))
        if len(chunk) == 1000:
            yield (b"" if first else b",") + b",".join(chunk)
            chunk, first = [], False
    if chunk:
        yield (b"" if first else b",") + b",".join(chunk)
    yield b'],"array-count":' + str(total).encode() + b"}"


def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    match = _TABLES.match(environ.get("PATH_INFO", ""))
    if match is None:
        start_response("404 NOT FOUND", [("Content-Type", "text/plain")])
        return [b"not a benchmark URL"]
    table = _TABLE_NAMES.get(match.group(1), match.group(1).replace("perf_order", "Perf_Order"))
    conn = _connection()
    if match.group(2):
        return _one(conn, table, int(match.group(2)), start_response)
    args = dict(parse_qsl(environ.get("QUERY_STRING", "")))
    return _list(conn, table, args, start_response)
