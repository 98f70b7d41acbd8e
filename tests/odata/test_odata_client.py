"""A real OData v4 client library (python-odata) reads $metadata and pages through a filtered feed."""

from __future__ import annotations

import sqlalchemy as sa
from odata import ODataService
from requests.auth import HTTPBasicAuth

BASE = "http://gateway.test"


def _count(databases, where: str) -> int:  # type: ignore[no-untyped-def]
    q = databases.data.dialect.identifier_preparer.quote
    with databases.data.connect() as conn:
        sql = f"SELECT COUNT(*) FROM {q('C_Order')} WHERE {q('AD_Client_ID')} IN (0, 11) AND {where}"
        return int(conn.execute(sa.text(sql)).scalar_one())


def _service(http_session) -> ODataService:  # type: ignore[no-untyped-def]
    return ODataService(
        f"{BASE}/odata/",
        reflect_entities=True,
        session=http_session,
        auth=HTTPBasicAuth("GardenAdmin", "GardenAdmin"),
        quiet_progress=True,
    )


def test_odata_client_reads_metadata(http_session) -> None:  # type: ignore[no-untyped-def]
    service = _service(http_session)
    assert {"C_Order", "C_OrderLine", "C_BPartner"} <= set(service.entities)
    order = service.entities["C_Order"]
    assert order.__odata_schema__["type"] == "Gateway.C_Order"
    names = {p["name"] for p in order.__odata_schema__["properties"]}
    assert {"C_Order_ID", "DocumentNo", "GrandTotal"} <= names
    navs = {n["name"] for n in order.__odata_schema__["navigation_properties"]}
    assert navs >= {"C_BPartner", "C_OrderLine"}


def test_odata_client_pages_through_a_filtered_feed(http_session, databases) -> None:  # type: ignore[no-untyped-def]
    service = _service(http_session)
    Order = service.entities["C_Order"]
    query = service.query(Order).filter(Order.IsSOTrx == True).order_by(Order.C_Order_ID.asc())  # noqa: E712
    orders = list(query)
    expected = _count(databases, _quoted(databases))
    assert len(orders) == expected > 100  # more than one server page: the client followed nextLink
    ids = [o.C_Order_ID for o in orders]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(o.IsSOTrx is True for o in orders)


def test_odata_client_gets_one_entity(http_session) -> None:  # type: ignore[no-untyped-def]
    service = _service(http_session)
    Order = service.entities["C_Order"]
    order = service.query(Order).get(1042)
    assert order.DocumentNo == "SO-1042"


def _quoted(databases) -> str:  # type: ignore[no-untyped-def]
    q = databases.data.dialect.identifier_preparer.quote
    return f"{q('IsSOTrx')} = 'Y'"
