"""On PostgreSQL, statements the Python encoder reads (formats, ETags, keyset pages, `$expand` levels) take
FK identifiers from lateral lookups behind `OFFSET 0`, made after the LIMIT (query/apart.py). They answer
byte for byte what the plain identifier joins answer: two apps on one database, one with the lookups off."""

from __future__ import annotations

import dataclasses

import pytest
from dbtools import postgresql_only

from gateway import dialects

pytestmark = postgresql_only

URLS = [
    "/api/v1/models/c_order?$top=7&$skip=3&$orderby=Created desc",
    "/api/v1/models/c_order?$top=5&$orderby=C_BPartner_ID/Name desc,DocumentNo",
    "/api/v1/models/c_order?$top=6&$filter=C_BPartner_ID/Name ne 'x' and GrandTotal ge 10",
    "/api/v1/models/c_order?$top=4&$select=DocumentNo,C_BPartner_ID,SalesRep_ID",
    "/api/v1/models/c_order?$top=3&$expand=C_OrderLine($top=2;$orderby=Line desc;$expand=M_Product_ID)",
    "/api/v1/models/c_order?$top=5&$expand=C_BPartner_ID,M_Warehouse_ID",
    "/api/v1/models/c_order?$top=8&$orderby=DateOrdered desc&$format=csv",
    "/api/v1/models/c_orderline?$top=6&$skiptoken=start&$orderby=LineNetAmt desc",
    "/api/v1/models/c_orderline?$top=20&$orderby=LineNetAmt desc&$filter=C_Order_ID/DocumentNo ne 'x'",
    "/api/v1/models/m_product?$top=9&$orderby=Name",
    "/api/v1/models/c_order?$top=5&$filter=GrandTotal lt -1",
    "/api/v1/models/c_order?$top=3&$orderby=C_Order_ID&$format=csv",  # the rows of UPDATES
    "/api/v1/models/c_order?$top=3&$orderby=C_Order_ID desc&$filter=AD_Client_ID eq 11&$format=csv",
    "/api/v1/models/c_order/1001",
]
UPDATES = [  # a null FK, and a referenced row outside the tenant's scope: identifier null, as with the joins
    """UPDATE "C_Order" SET "SalesRep_ID" = NULL
       WHERE "C_Order_ID" = (SELECT min("C_Order_ID") FROM "C_Order")""",
    """UPDATE "C_Order" SET "AD_User_ID" = (SELECT min("AD_User_ID") FROM "AD_User" WHERE "AD_Client_ID" > 11)
       WHERE "C_Order_ID" = (SELECT max("C_Order_ID") FROM "C_Order" WHERE "AD_Client_ID" = 11)""",
]


def _client(databases, **overrides: object):  # type: ignore[no-untyped-def]
    from gateway.app import create_app
    from gateway.jobs.clock import FixedClock

    settings = {"secret_key": "test-secret-key-" + "0123456789abcdef" * 4, "json_in_database": False}
    return create_app({**settings, **overrides}, databases=databases, clock=FixedClock()).test_client()


def _joined(monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL's traits with plain identifier joins."""
    plain = dataclasses.replace(dialects._TRAITS["postgresql"], lookups_apart=False)
    monkeypatch.setitem(dialects._TRAITS, "postgresql", plain)


def test_lookups_answer_what_the_joins_answer(  # type: ignore[no-untyped-def]
    databases, login_as, statements, monkeypatch
) -> None:
    for update in UPDATES:
        databases.data.connection.exec_driver_sql(update)
    apart, joined = _client(databases), _client(databases)
    for user, url in [(u, url) for u in ("SuperUser", "GardenAdmin") for url in URLS]:
        headers = login_as(user)
        before = len(statements)
        got = apart.get(url, headers=headers)
        assert got.status_code == 200, (url, got.get_json())
        assert any("OFFSET 0) AS gw_l" in s for s in statements[before:]), url
        with monkeypatch.context() as patched:
            _joined(patched)
            before = len(statements)
            expected = joined.get(url, headers=headers)
            assert not any("LATERAL" in s for s in statements[before:]), url
        assert got.data == expected.data, (url, got.data[:600], expected.data[:600])
        for header in ("ETag", "X-Row-Count", "Link", "Content-Type"):
            assert got.headers.get(header) == expected.headers.get(header), (url, header)


def test_unlimited_pages_keep_the_joins(databases, login_as, statements) -> None:  # type: ignore[no-untyped-def]
    """Over a whole table a hash join beats a lookup per distinct key; expand levels still look up."""
    unlimited = _client(databases, rest_max_records_size=0)
    before = len(statements)
    url = "/api/v1/models/c_order?$filter=C_Order_ID lt 1020&$expand=C_OrderLine($select=Line,M_Product_ID)"
    reply = unlimited.get(url, headers=login_as("GardenAdmin"))
    assert reply.status_code == 200 and reply.data.count(b'"Line"') > 20  # streamed: read it all
    page, lines = [s for s in statements[before:] if '"C_Order"' in s and "count(" not in s][:2]
    assert "LATERAL" not in page and 'LEFT OUTER JOIN "C_BPartner"' in page
    assert "OFFSET 0) AS gw_l" in lines and '"C_OrderLine"' in lines


def test_a_page_is_limited_before_its_lookups(client, login_as, statements) -> None:  # type: ignore[no-untyped-def]
    """The lookups run for the page's rows, not for every row the filter matches before the sort."""
    url = "/api/v1/models/c_order?$top=5&$orderby=DateOrdered desc&$filter=GrandTotal ge 10&$format=csv"
    before = len(statements)
    assert client.get(url, headers=login_as("GardenAdmin")).status_code == 200
    page = next(s for s in statements[before:] if "gw_page" in s)
    limited = page.index("LIMIT 5) AS gw_page")
    lookups = [i for i in range(len(page)) if page.startswith("LEFT OUTER JOIN LATERAL", i)]
    assert len(lookups) >= 5 and all(i > limited for i in lookups)  # client, org, partner, users, warehouse
    assert page.rstrip().endswith("ORDER BY gw_page.s0 DESC NULLS LAST, gw_page.s1 ASC")
