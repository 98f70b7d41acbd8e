"""Pages whose JSON PostgreSQL builds (json_sql.py) are byte for byte the pages the Python encoder writes.

Two apps on the same database, one with `json_in_database` off, answer the same requests over every demo
table, including awkward values (quotes, backslashes, control characters, emoji, CHAR padding, empty
identifiers, microseconds, nulls). Statement capture proves that the database path was taken.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from dbtools import postgresql_only

pytestmark = postgresql_only

AWKWARD = [
    """UPDATE "C_BPartner" SET "Name" = 'Quote " back \\ slash ' || chr(1) || chr(9) || chr(10) || 'é😀',
       "Description" = '' WHERE "C_BPartner_ID" = (SELECT min("C_BPartner_ID") FROM "C_BPartner")""",
    """UPDATE "M_Warehouse" SET "Name" = ''
       WHERE "M_Warehouse_ID" = (SELECT min("M_Warehouse_ID") FROM "M_Warehouse")""",
    """UPDATE "C_Order" SET "DatePromised" = '2024-05-01 10:00:00.120000', "Description" = NULL,
       "DocStatus" = 'C', "SalesRep_ID" = NULL
       WHERE "C_Order_ID" = (SELECT min("C_Order_ID") FROM "C_Order")""",
    """UPDATE "C_Order" SET "DatePromised" = '0999-01-02 03:04:05.000001', "IsSOTrx" = 'X'
       WHERE "C_Order_ID" = (SELECT min("C_Order_ID") + 1 FROM "C_Order")""",
    """UPDATE "M_Product" SET "DiscontinuedAt" = '2024-02-29', "PriceList" = 0
       WHERE "M_Product_ID" = (SELECT min("M_Product_ID") FROM "M_Product")""",
]
QUERIES = ["?$top=40", "?$top=7&$skip=3&$orderby=Created desc", "?$top=1000"]


def _client(databases, **overrides: object):  # type: ignore[no-untyped-def]
    from gateway.app import create_app
    from gateway.jobs.clock import FixedClock

    settings = {"secret_key": "test-secret-key-" + "0123456789abcdef" * 4, **overrides}
    return create_app(settings, databases=databases, clock=FixedClock()).test_client()


@pytest.fixture
def python_client(databases):  # type: ignore[no-untyped-def]
    return _client(databases, json_in_database=False)


def test_json_pages_equal_the_encoder_byte_for_byte(  # type: ignore[no-untyped-def]
    client, python_client, login_as, databases, statements
) -> None:
    for update in AWKWARD:
        databases.data.connection.exec_driver_sql(update)
    headers = login_as("SuperUser")
    models = client.get("/api/v1/models?$top=1000", headers=headers).get_json()["models"]
    names = [m["name"].lower() for m in models if not m["name"].lower().startswith("gw_")]
    assert "c_order" in names and len(names) >= 10
    compared = 0
    for name in names:
        for query in QUERIES:
            url = f"/api/v1/models/{name}{query}"
            expected = python_client.get(url, headers=headers)
            before = len(statements)
            got = client.get(url, headers=headers)
            assert got.status_code == expected.status_code, url
            if got.status_code != 200:
                continue
            assert got.data == expected.data, (url, got.data[:600], expected.data[:600])
            for header in ("X-Row-Count", "X-Array-Count", "X-Page-Count", "Link"):
                assert got.headers.get(header) == expected.headers.get(header), (url, header)
            compared += any("string_agg" in s for s in statements[before:])
    assert compared >= 20  # most tables qualify; the rest (BLOB, JSON, DOUBLE columns) keep the encoder


def test_qualifying_and_python_only_pages(client, login_as, statements) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")

    def used_json(url: str) -> bool:
        before = len(statements)
        reply = client.get(url, headers=headers)
        assert reply.status_code == 200, reply.get_json()
        return any("string_agg" in s for s in statements[before:])

    assert used_json("/api/v1/models/c_order?$top=5&$filter=GrandTotal gt 10")
    assert used_json("/api/v1/models/c_order?$top=5&$select=DocumentNo,C_BPartner_ID")
    assert not used_json("/api/v1/models/c_order?$top=5&$expand=C_OrderLine($expand=M_Product_ID)")
    assert not used_json("/api/v1/models/m_product?$top=5")  # DOUBLE and BLOB columns: encoder
    assert not used_json("/api/v1/models/c_order?$top=5&$format=csv")
    assert not used_json("/api/v1/models/c_order/1001")  # single records carry an ETag over the row


def test_lookups_are_planned_apart(client, login_as, statements) -> None:  # type: ignore[no-untyped-def]
    """Each FK lookup ends in OFFSET 0, which keeps PostgreSQL from pulling it up into the record
    expression: planning a pulled-up page cost as much as running it whenever the plan was custom."""
    before = len(statements)
    url = "/api/v1/models/c_order?$top=5&$filter=GrandTotal ge 100 and GrandTotal lt 200"
    assert client.get(url, headers=login_as("GardenAdmin")).status_code == 200
    page = next(s for s in statements[before:] if "string_agg" in s)
    lookups = page.count("LATERAL")
    assert lookups >= 5  # client, org, partner, sales rep, user, warehouse
    assert len(re.findall(r"OFFSET 0\) AS gw_f\d+ ON true", page)) == lookups
    assert "LEFT OUTER JOIN" not in page.split("AS gw_page")[0]  # the lookups replace the identifier joins
    # each lookup writes its object from the row it found: the page row's FK only in its WHERE, so that
    # PostgreSQL memoizes it by that one key
    written = re.findall(r"LATERAL \(SELECT (.*?) AS j \nFROM", page, flags=re.S)
    assert len(written) == lookups
    assert not [text for text in written if "gw_page." in text]


def test_empty_page_is_an_empty_array(client, login_as) -> None:  # type: ignore[no-untyped-def]
    reply = client.get(
        "/api/v1/models/c_order?$top=5&$filter=GrandTotal lt -1", headers=login_as("GardenAdmin")
    )
    body = reply.get_json()
    assert reply.status_code == 200
    assert body["records"] == [] and body["array-count"] == 0 and body["row-count"] == 0


def test_streamed_pages_equal_the_encoder(databases, login_as, statements) -> None:  # type: ignore[no-untyped-def]
    """Unlimited pages stream record texts written by the database, chunk by chunk."""
    for update in AWKWARD:
        databases.data.connection.exec_driver_sql(update)
    fast = _client(databases, rest_max_records_size=0, stream_chunk_rows=7)
    slow = _client(databases, rest_max_records_size=0, stream_chunk_rows=7, json_in_database=False)
    headers = login_as("SuperUser")
    for url in ("/api/v1/models/c_order", "/api/v1/models/c_orderline?$orderby=LineNetAmt desc&$skip=2"):
        expected = slow.get(url, headers=headers)
        before = len(statements)
        got = fast.get(url, headers=headers)
        assert got.status_code == expected.status_code == 200
        assert got.is_streamed and expected.is_streamed
        assert got.data == expected.data, url
        assert got.get_json()["array-count"] > 20
        assert any('{"id":' in s for s in statements[before:]), url


def _same_bytes(  # type: ignore[no-untyped-def]
    urls: list[str], client, python_client, headers, statements: list[str], took: Callable[[str], bool]
) -> None:
    """Each URL answers the same bytes on both paths, and a statement `took` accepts proves the database
    path ran."""
    for url in urls:
        expected = python_client.get(url, headers=headers)
        before = len(statements)
        got = client.get(url, headers=headers)
        assert got.status_code == expected.status_code == 200, (url, got.get_json())
        assert got.data == expected.data, url
        assert any(took(s) for s in statements[before:]), url


EXPANDED = [
    "/api/v1/models/c_order?$top=30&$expand=C_OrderLine",
    "/api/v1/models/c_order?$top=30&$skip=5&$expand=C_OrderLine($top=2;$skip=1;$orderby=LineNetAmt desc)",
    "/api/v1/models/c_order?$top=30&$expand=C_OrderLine($select=Line,M_Product_ID;$filter=Line gt 10)",
    "/api/v1/models/c_order?$top=30&$expand=C_OrderLine,C_BPartner_ID",
    "/api/v1/models/m_warehouse?$expand=C_Order($top=3)",
]


def test_expanded_children_equal_the_encoder(  # type: ignore[no-untyped-def]
    client, python_client, login_as, databases, statements
) -> None:
    """Child collections come from the database as one array text per parent (parents keep the encoder)."""
    for update in AWKWARD:
        databases.data.connection.exec_driver_sql(update)
    databases.data.connection.exec_driver_sql(
        'DELETE FROM "C_OrderLine" WHERE "C_Order_ID" = (SELECT min("C_Order_ID") FROM "C_Order")'
    )  # an order without lines: []
    headers = login_as("SuperUser")
    _same_bytes(
        EXPANDED, client, python_client, headers, statements, lambda s: "string_agg" in s and "GROUP BY" in s
    )
    assert '"C_OrderLine":[]' in client.get(EXPANDED[0], headers=headers).get_data(as_text=True)


def test_expand_row_limit_holds_on_the_database_path(databases, login_as) -> None:  # type: ignore[no-untyped-def]
    small = _client(databases, rest_max_expand_rows=10)
    reply = small.get("/api/v1/models/c_order?$top=30&$expand=C_OrderLine", headers=login_as("GardenAdmin"))
    assert reply.status_code == 400 and reply.get_json()["type"] == "FILTER-TOO-COMPLEX", reply.get_json()


SCOPED = [
    "/api/v1/models/c_order?$top=50&$filter=C_BPartner_ID/Name ne 'x'&$orderby=C_BPartner_ID desc,Created",
    "/api/v1/models/c_order?$top=50&$filter=C_OrderLine/any(l: l/Line gt 10)&$select=DocumentNo,SalesRep_ID",
    "/api/v1/models/c_order?$top=20&$skip=7&$orderby=GrandTotal desc&$select=C_BPartner_ID,AD_User_ID",
    "/api/v1/models/c_orderline?$top=60&$orderby=M_Product_ID,Line&$filter=M_Product_ID ne null",
    "/api/v1/models/c_order?$top=10&$expand=C_OrderLine($select=M_Product_ID,C_Order_ID)",
]


def test_scoped_pages_with_navigation_equal_the_encoder(  # type: ignore[no-untyped-def]
    client, python_client, login_as, databases, statements
) -> None:
    """FK objects by lookup under a tenant-scoped role, with navigation filters and orderings, selections
    and paging: the same bytes as the encoder, including identifiers of rows outside the scope."""
    for update in AWKWARD:
        databases.data.connection.exec_driver_sql(update)
    databases.data.connection.exec_driver_sql(
        'UPDATE "C_Order" SET "AD_User_ID" = '
        '(SELECT max("AD_User_ID") FROM "AD_User" WHERE "AD_Client_ID" = 12)'
        ' WHERE "AD_Client_ID" = 11 AND "C_Order_ID" %% 3 = 0'
    )  # users of another tenant: identifier null for GardenAdmin
    headers = login_as("GardenAdmin")
    _same_bytes(SCOPED, client, python_client, headers, statements, lambda s: "LATERAL" in s)
    records = client.get(SCOPED[2], headers=headers).get_json()["records"]
    assert any(r["AD_User_ID"] and r["AD_User_ID"]["identifier"] is None for r in records)


def test_sessions_write_iso_dates_whatever_the_database_datestyle(backend) -> None:  # type: ignore[no-untyped-def]
    """A server, database or role DateStyle other than ISO (here the connection's startup options) is set
    back to ISO on connect: psycopg reads timestamptz text only in ISO, and the JSON statements write dates
    and times from their text form."""
    from gateway.db import Databases, SavepointSource, make_engine
    from gateway.testing import bearer, session_token

    url = sa.make_url(backend.url).update_query_dict({"options": "-c DateStyle=SQL,DMY"})
    engine = make_engine(url.render_as_string(hide_password=False))
    conn = engine.connect()
    outer = conn.begin()
    try:
        assert conn.exec_driver_sql("SHOW DateStyle").scalar() == "ISO, DMY"
        source = SavepointSource(conn)
        databases = Databases(data=source, meta=source)
        for update in AWKWARD[2:]:  # times with microseconds beside whole seconds, a date
            conn.exec_driver_sql(update)
        client, python_client = _client(databases), _client(databases, json_in_database=False)
        headers = bearer(session_token(client.application, "SuperUser", client_id=0, role="Admin", org=0))
        for url_path in ("/api/v1/models/c_order?$top=20", "/api/v1/models/m_product?$top=20"):
            expected = python_client.get(url_path, headers=headers)
            got = client.get(url_path, headers=headers)
            assert got.status_code == expected.status_code == 200, got.data[:300]
            assert got.data == expected.data, (url_path, got.data[:600], expected.data[:600])
            assert re.search(rb'"(DateOrdered|DiscontinuedAt)":"\d{4}-\d\d-\d\d"', got.data), url_path
    finally:
        outer.rollback()
        conn.close()
        engine.dispose()
