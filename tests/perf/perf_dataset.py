"""The benchmark database `gwperf` (demo schema, generated orders, lines, three scale tables) and its URLs.

Built once with INSERT ... SELECT generate_series (seconds, not minutes) and reused while its marker
comment matches. Never touches any other database; `drop_dataset` is the only way it goes away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import sqlalchemy as sa

from gateway.demo.erp import build_demo, demo_metadata

ORDERS = 300_000
EXPORT_LAST_ID = 62_500  # orders 1..62,500 hold exactly 50,000 of client 11 (every 5th is client 12)
SCALE_TABLES: Mapping[str, int] = MappingProxyType(
    {"Perf_Order_10k": 10_000, "Perf_Order_100k": 100_000, "Perf_Order_1m": 1_000_000}
)
# Partner 118 (client 11) has 5,000 orders; GrandTotal in [100, 200) matches 2,400 visible orders.
SCENARIOS: Mapping[str, str] = MappingProxyType(
    {
        "single_row": "/api/v1/models/c_order/1042",
        "filtered_page": "/api/v1/models/c_order?$filter=C_BPartner_ID eq 118"
        "&$orderby=DateOrdered desc&$top=100",
        "range_page": "/api/v1/models/c_order?$filter=GrandTotal ge 100 and GrandTotal lt 200&$top=100",
        "expanded_page": "/api/v1/models/c_order?$top=100&$expand=C_OrderLine",
    }
)
TARGETS: Mapping[str, float] = MappingProxyType(
    {"single_row": 0.9, "filtered_page": 0.95, "range_page": 0.95, "expanded_page": 0.8}
)
# Also measured against the floor with the gateway's per-request duties (perf_floor_duties): where those
# fixed costs weigh most.
WITH_DUTIES = ("single_row",)
EXPORT = f"/api/v1/models/c_order?$filter=C_Order_ID le {EXPORT_LAST_ID}"
SCALE_PAGE = "/api/v1/models/{table}?$filter=C_BPartner_ID eq 118&$orderby=DateOrdered desc&$top=100"
_MARKER = "gateway perf dataset v3"
# Identical generated columns for C_Order and the scale tables (copies keeping the column names).
_ORDER_SELECT = """
SELECT g, CASE WHEN g % 5 = 0 THEN 12 ELSE 11 END,
  CASE WHEN g % 5 = 0 THEN 50002 WHEN g % 2 = 0 THEN 50000 ELSE 50001 END,
  'SO-' || g, 112 + (g * 7) % 60, DATE '2024-01-01' + (g * 13) % 730,
  CASE WHEN g % 3 = 0 THEN NULL ELSE TIMESTAMP '2024-01-08 10:00' + ((g * 13) % 730) * INTERVAL '1 day' END,
  ((g::bigint * 7919) % 1000000) / 100.0, CASE WHEN g % 10 = 3 THEN 'DR' ELSE 'CO' END, 'Y',
  CASE WHEN g % 7 = 0 THEN 'Urgent delivery' END, CASE WHEN g % 5 = 0 THEN 106 ELSE 103 END,
  CASE WHEN g % 4 = 0 THEN NULL WHEN g % 5 = 0 THEN 105 ELSE 104 END,
  CASE WHEN g % 5 = 0 THEN 105 WHEN g % 2 = 0 THEN 103 ELSE 104 END, 'Y',
  TIMESTAMP '2024-01-01 08:00' + g * INTERVAL '1 minute',
  TIMESTAMP '2024-01-01 09:00' + g * INTERVAL '1 minute',
  md5('o' || g)::uuid::text
FROM generate_series(1, {count}) AS g
"""
_ORDER_COLUMNS = (
    '"C_Order_ID", "AD_Client_ID", "AD_Org_ID", "DocumentNo", "C_BPartner_ID", "DateOrdered", '
    '"DatePromised", '
    '"GrandTotal", "DocStatus", "IsSOTrx", "Description", "SalesRep_ID", "AD_User_ID", "M_Warehouse_ID", '
    '"IsActive", "Created", "Updated", "C_Order_UU"'
)
# 1 + id % 6 lines per order: 1,050,000 lines for 300,000 orders.
_LINES = """
INSERT INTO "C_OrderLine" ("C_OrderLine_ID", "C_Order_ID", "Line", "M_Product_ID", "QtyOrdered",
  "PriceActual", "LineNetAmt", "IsActive", "Created", "Updated", "C_OrderLine_UU")
SELECT o * 10 + n, o, n * 10, CASE WHEN (o + n) % 20 = 0 THEN NULL ELSE 130 + (o * 3 + n) % 40 END,
  1 + (o + n) % 20, ((o * 31 + n * 17) % 20000) / 100.0,
  (1 + (o + n) % 20) * (((o * 31 + n * 17) % 20000) / 100.0), 'Y',
  TIMESTAMP '2024-01-01 08:00' + o * INTERVAL '1 minute',
  TIMESTAMP '2024-01-01 08:00' + o * INTERVAL '1 minute', md5('l' || o || '-' || n)::uuid::text
FROM generate_series(1, {orders}) AS o, generate_series(1, 1 + o % 6) AS n
"""


@dataclass(frozen=True, slots=True)
class Dataset:
    url: str  # SQLAlchemy URL of gwperf
    orders: int
    lines: int
    built: bool  # False when an existing database was reused


def ensure_dataset(server_url: str, name: str = "gwperf") -> Dataset:
    """Create and fill `name` on the server of `server_url` unless it already carries the marker."""
    url = sa.make_url(server_url).set(database=name)
    _create_database(server_url, name)
    engine = sa.create_engine(url)
    try:
        built = not _is_complete(engine)
        if built:
            _build(engine)
        with engine.connect() as conn:
            orders = conn.execute(sa.text('SELECT count(*) FROM "C_Order"')).scalar_one()
            lines = conn.execute(sa.text('SELECT count(*) FROM "C_OrderLine"')).scalar_one()
    finally:
        engine.dispose()
    return Dataset(url.render_as_string(hide_password=False), int(orders), int(lines), built)


def _create_database(server_url: str, name: str) -> None:
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if exists.first() is None:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()


def _is_complete(engine: sa.Engine) -> bool:
    query = sa.text("SELECT obj_description(to_regclass('\"C_Order\"'), 'pg_class')")
    with engine.connect() as conn:
        return bool(conn.execute(query).scalar_one() == _MARKER)


def _build(engine: sa.Engine) -> None:
    build_demo(engine)
    md = demo_metadata()
    scale = [md.tables["C_Order"].to_metadata(md, name=n) for n in SCALE_TABLES]
    md.create_all(engine, tables=scale, checkfirst=True)
    with engine.begin() as conn:
        conn.exec_driver_sql('TRUNCATE "C_OrderLine", "C_Order", "C_Invoice", "AD_ChangeLog"')
        _fill_orders(conn, "C_Order", ORDERS)
        _run(conn, _LINES.format(orders=ORDERS))
        for table, count in SCALE_TABLES.items():
            conn.exec_driver_sql(f'TRUNCATE "{table}"')
            _fill_orders(conn, table, count)
        for table in ("C_Order", *SCALE_TABLES):
            _index_orders(conn, table)
        conn.exec_driver_sql("DROP INDEX IF EXISTS perf_line_order")
        conn.exec_driver_sql('CREATE INDEX perf_line_order ON "C_OrderLine" ("C_Order_ID", "C_OrderLine_ID")')
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    with engine.begin() as conn:
        conn.exec_driver_sql(f"COMMENT ON TABLE \"C_Order\" IS '{_MARKER}'")


def _fill_orders(conn: sa.Connection, table: str, count: int) -> None:
    _run(conn, f'INSERT INTO "{table}" ({_ORDER_COLUMNS}) {_ORDER_SELECT.format(count=count)}')


def _run(conn: sa.Connection, sql: str) -> None:
    """The driver reads `%` as a placeholder even without parameters; the SQL uses it as modulo."""
    conn.exec_driver_sql(sql.replace("%", "%%"))


def _index_orders(conn: sa.Connection, table: str) -> None:
    """What a DBA would add for the benchmark filters: the ordering as the gateway writes it (NULLS LAST),
    the key as tie-breaker, and the tenant column included so that COUNTs are index-only scans."""
    prefix = table.lower()
    specs = {
        "partner_date": '"C_BPartner_ID", "DateOrdered" DESC NULLS LAST, "C_Order_ID") '
        'INCLUDE ("AD_Client_ID"',
        "total": '"GrandTotal") INCLUDE ("AD_Client_ID"',
        "client": '"AD_Client_ID", "C_Order_ID"',
    }
    for suffix, columns in specs.items():
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {prefix}_{suffix}")
        conn.exec_driver_sql(f'CREATE INDEX {prefix}_{suffix} ON "{table}" ({columns})')


def drop_dataset(server_url: str, name: str = "gwperf") -> None:
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
