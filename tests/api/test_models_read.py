"""GET /api/v1/models/{table}[/{id}[/{column}]] end to end on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

SO_1042 = "/api/v1/models/c_order?$filter=DocumentNo eq 'SO-1042'&$expand=C_OrderLine($orderby=Line)"


def _count(databases, sql: str) -> int:  # type: ignore[no-untyped-def]
    with databases.data.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def _q(databases, name: str) -> str:  # type: ignore[no-untyped-def]
    return databases.data.dialect.identifier_preparer.quote(name)


def test_worked_example_matches_the_contract(client, login_as) -> None:  # type: ignore[no-untyped-def]
    reply = client.get(SO_1042, headers=login_as("GardenAdmin"))
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert list(body) == ["page-count", "records-size", "skip-records", "row-count", "records", "array-count"]
    assert (body["page-count"], body["records-size"], body["skip-records"], body["row-count"]) == (
        1,
        100,
        0,
        1,
    )
    assert reply.headers["X-Row-Count"] == "1" and reply.headers["X-Array-Count"] == "1"
    order = body["records"][0]
    assert order["id"] == 1042
    assert list(order)[:2] == ["id", "uid"] and list(order)[-2:] == ["model-name", "C_OrderLine"]
    assert order["DocumentNo"] == "SO-1042" and order["DocStatus"] == "CO"
    assert order["IsSOTrx"] is True and order["Description"] is None
    assert order["C_BPartner_ID"]["id"] == 117
    assert order["C_BPartner_ID"]["identifier"] == "C&W Construction"
    assert order["C_BPartner_ID"]["model-name"] == "c_bpartner"
    lines = order["C_OrderLine"]
    assert [line["id"] for line in lines] == [2081, 2082, 2083]
    assert lines[0]["C_Order_ID"]["identifier"] == "SO-1042"
    assert lines[0]["M_Product_ID"]["identifier"] == "Azalea Bush"
    assert lines[2]["M_Product_ID"] is None
    assert all(line["model-name"] == "c_orderline" for line in lines)
    text = reply.get_data(as_text=True)
    assert '"GrandTotal":240.75' in text and '"QtyOrdered":5.00' in text and '"LineNetAmt":0.00' in text


def test_list_paging_headers_and_links(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    q = _q(databases, "AD_Client_ID")
    total = _count(databases, f"SELECT COUNT(*) FROM {_q(databases, 'C_Order')} WHERE {q} IN (0, 11)")
    reply = client.get("/api/v1/models/c_order?$top=10&$skip=20", headers=headers)
    body = reply.get_json()
    assert reply.status_code == 200
    assert body["row-count"] == total and body["array-count"] == 10 and body["skip-records"] == 20
    assert body["page-count"] == -(-total // 10)
    assert 'rel="next"' in reply.headers["Link"] and 'rel="prev"' in reply.headers["Link"]
    ids = [r["id"] for r in body["records"]]
    assert ids == sorted(ids)


def test_count_false_skips_the_count(client, login_as) -> None:  # type: ignore[no-untyped-def]
    body = client.get(
        "/api/v1/models/c_order?$count=false&$top=5", headers=login_as("GardenAdmin")
    ).get_json()
    assert body["row-count"] == -1 and body["page-count"] == -1 and body["array-count"] == 5


def test_select_keeps_ordinal_order_and_always_id_uid(client, login_as) -> None:  # type: ignore[no-untyped-def]
    reply = client.get(
        "/api/v1/models/c_order/1042?$select=grandtotal,DocumentNo", headers=login_as("GardenAdmin")
    )
    assert reply.status_code == 200
    assert list(reply.get_json()) == ["id", "uid", "DocumentNo", "GrandTotal", "model-name"]


def test_orderby_desc_and_tie_breaker(client, login_as) -> None:  # type: ignore[no-untyped-def]
    body = client.get(
        "/api/v1/models/c_bpartner?$orderby=IsCustomer desc&$select=IsCustomer&$top=100",
        headers=login_as("SuperUser"),
    ).get_json()
    values = [r["IsCustomer"] for r in body["records"]]
    assert values == sorted(values, key=lambda v: (v is None, v), reverse=False) or values == sorted(
        values, key=lambda v: (v is not None, v), reverse=True
    )


def test_get_by_uid_and_column(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    record = client.get("/api/v1/models/c_order/1042", headers=headers).get_json()
    by_uid = client.get(f"/api/v1/models/C_ORDER/{record['uid'].upper()}", headers=headers)
    assert by_uid.status_code == 200 and by_uid.get_json()["id"] == 1042
    column = client.get("/api/v1/models/c_order/1042/docstatus", headers=headers).get_json()
    assert column == {"id": 1042, "uid": record["uid"], "DocStatus": "CO", "model-name": "c_order"}


def test_etag_and_if_none_match(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    first = client.get("/api/v1/models/c_order/1042", headers=headers)
    etag = first.headers["ETag"]
    assert (
        etag.startswith('"')
        and etag
        == client.get("/api/v1/models/c_order/1042?$select=DocStatus", headers=headers).headers["ETag"]
    )
    again = client.get("/api/v1/models/c_order/1042", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/models/no_such_table", 404, "TABLE-NOT-FOUND"),
        ("/api/v1/models/gw_user", 404, "TABLE-NOT-FOUND"),
        ("/api/v1/models/c_order/99999999", 404, "RECORD-NOT-FOUND"),
        ("/api/v1/models/c_order/abc", 400, "INVALID-ID"),
        ("/api/v1/models/c_order/1042/NoSuchColumn", 404, "COLUMN-NOT-FOUND"),
        ("/api/v1/models/c_order?$select=Nope", 400, "UNKNOWN-COLUMN"),
        ("/api/v1/models/c_order?$filter=DocStatus = 'CO'", 400, "FILTER-SYNTAX"),
        ("/api/v1/models/c_order?$filter=Nope eq 1", 400, "UNKNOWN-COLUMN"),
        ("/api/v1/models/c_order?$orderby=Nope", 400, "UNKNOWN-COLUMN"),
        ("/api/v1/models/c_order?$top=-1", 400, "PAGING-ERROR"),
        ("/api/v1/models/c_order?$skip=x", 400, "PAGING-ERROR"),
        ("/api/v1/models/c_order?$count=maybe", 400, "PAGING-ERROR"),
        ("/api/v1/models/c_order?$bogus=1", 400, "INVALID-OPTION"),
        ("/api/v1/models/c_order?$top=1&$TOP=2", 400, "INVALID-OPTION"),
        ("/api/v1/models/c_order/1042?$filter=true", 400, "INVALID-OPTION"),
        ("/api/v1/models/c_order?$expand=Nope", 400, "EXPAND-ERROR"),
        ("/api/v1/models/c_order?$expand=C_BPartner_ID($top=1)", 400, "EXPAND-ERROR"),
        ("/api/v1/models/c_order?$expand=AD_User", 400, "EXPAND-ERROR"),
        ("/api/v1/models/c_order?$filter=DocumentNo eq 5", 400, "FILTER-TYPE"),
        ("/api/v1/models/c_order?$filter=C_OrderLine eq 1", 400, "FILTER-PATH"),
    ],
)
def test_client_mistakes_are_4xx_in_the_error_shape(client, login_as, path, status, code) -> None:  # type: ignore[no-untyped-def]
    reply = client.get(path, headers=login_as("GardenAdmin"))
    body = reply.get_json()
    assert reply.status_code == status, body
    assert body["type"] == code and body["status"] == status and body["title"] and body["detail"]
    assert "SELECT" not in json.dumps(body).upper()


def test_error_positions_and_parameter(client, login_as) -> None:  # type: ignore[no-untyped-def]
    body = client.get(
        "/api/v1/models/c_order?$filter=DocStatus = 'CO'", headers=login_as("GardenAdmin")
    ).get_json()
    assert body["parameter"] == "$filter" and body["position"] == 11


def test_tenant_scoping_lists_only_own_and_system_rows(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    q = _q(databases, "AD_Client_ID")
    table = _q(databases, "C_BPartner")
    seen = {
        c: client.get(
            f"/api/v1/models/c_bpartner?$top=1&$filter=AD_Client_ID eq {c}", headers=login_as("GardenAdmin")
        ).get_json()["row-count"]
        for c in (0, 11, 12)
    }
    assert seen[12] == 0
    assert seen[11] == _count(databases, f"SELECT COUNT(*) FROM {table} WHERE {q} = 11") > 0
    everything = client.get("/api/v1/models/c_bpartner?$top=1", headers=login_as("SuperUser")).get_json()
    assert everything["row-count"] == _count(databases, f"SELECT COUNT(*) FROM {table}")


def test_hidden_rows_look_missing(client, login_as) -> None:  # type: ignore[no-untyped-def]
    seed = login_as("SeedAdmin")
    for path in (
        "/api/v1/models/c_order/1042",
        "/api/v1/models/c_orderline/2081",
        "/api/v1/models/c_order/1042/DocStatus",
    ):
        reply = client.get(path, headers=seed)
        assert reply.status_code == 404 and reply.get_json()["type"] == "RECORD-NOT-FOUND", path
    missing = client.get("/api/v1/models/c_order/99999999", headers=seed).get_json()
    hidden = client.get("/api/v1/models/c_order/1042", headers=seed).get_json()
    assert missing["detail"].replace("99999999", "X") == hidden["detail"].replace("1042", "X")


def test_scope_applies_to_navigation_and_any(client, login_as) -> None:  # type: ignore[no-untyped-def]
    seed = login_as("SeedAdmin")
    nav = client.get("/api/v1/models/c_orderline?$filter=C_Order_ID/DocumentNo eq 'SO-1042'", headers=seed)
    assert nav.get_json()["row-count"] == 0
    garden = login_as("GardenAdmin")
    anyq = client.get(
        "/api/v1/models/c_order?$filter=C_OrderLine/any(l: l/Line eq 30) and id eq 1042", headers=garden
    )
    assert anyq.get_json()["row-count"] == 1
    allq = client.get(
        "/api/v1/models/c_order?$filter=C_OrderLine/all(l: l/Line lt 30) and id eq 1042", headers=garden
    )
    assert allq.get_json()["row-count"] == 0


def test_read_grants(client, login_as) -> None:  # type: ignore[no-untyped-def]
    reader = login_as("Reader")
    assert client.get("/api/v1/models/m_product", headers=reader).status_code == 403
    assert client.get("/api/v1/models/c_order?$expand=C_OrderLine", headers=reader).status_code == 403
    assert client.get("/api/v1/models/c_order?$filter=C_OrderLine/any()", headers=reader).status_code == 403
    names = {m["model-name"] for m in client.get("/api/v1/models", headers=reader).get_json()["models"]}
    assert names == {"c_bpartner", "c_order"}


def test_denied_and_hidden_columns(client, login_as) -> None:  # type: ignore[no-untyped-def]
    user = login_as("GardenUser")
    partners = client.get("/api/v1/models/c_bpartner?$top=3", headers=user).get_json()["records"]
    assert partners and all("SO_CreditLimit" not in p for p in partners)
    assert (
        client.get("/api/v1/models/c_bpartner?$select=SO_CreditLimit", headers=user).get_json()["type"]
        == "UNKNOWN-COLUMN"
    )
    assert (
        client.get("/api/v1/models/c_bpartner?$filter=SO_CreditLimit gt 0", headers=user).status_code == 400
    )
    users = client.get("/api/v1/models/ad_user", headers=login_as("SuperUser")).get_json()["records"]
    assert users and all("Password" not in u for u in users)


def test_master_expand_replaces_the_fk_object(client, login_as) -> None:  # type: ignore[no-untyped-def]
    reply = client.get(
        "/api/v1/models/c_order/1042?$select=DocumentNo&$expand=C_BPartner_ID($select=Name)",
        headers=login_as("GardenAdmin"),
    )
    record = reply.get_json()
    assert reply.status_code == 200, record
    assert record["C_BPartner_ID"]["id"] == 117 and record["C_BPartner_ID"]["Name"] == "C&W Construction"
    assert record["C_BPartner_ID"]["model-name"] == "c_bpartner"


def test_expand_uses_one_statement_per_level(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    statements: list[str] = []
    conn = databases.data.connection  # the test's shared connection

    def count(*args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        statements.append(args[2])

    sa.event.listen(conn, "before_cursor_execute", count)
    try:
        reply = client.get(
            "/api/v1/models/c_order?$top=50&$expand=C_OrderLine($expand=M_Product_ID)", headers=headers
        )
    finally:
        sa.event.remove(conn, "before_cursor_execute", count)
    assert reply.status_code == 200
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "gw_" not in s]
    assert len(selects) <= 4, selects  # page, lines, products, count


def test_injection_attempts_change_nothing(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    before = _count(databases, f"SELECT COUNT(*) FROM {_q(databases, 'C_Order')}")
    attacks = [
        "/api/v1/models/c_order?$filter=DocumentNo eq 'x'' OR 1=1 --'",
        "/api/v1/models/c_order?$filter=DocumentNo eq 'x'; DROP TABLE C_Order; --'",
        "/api/v1/models/c_order?$orderby=DocumentNo; DROP TABLE C_Order",
        "/api/v1/models/c_order?$select=DocumentNo FROM C_Order --",
        "/api/v1/models/c_order%27%20OR%201=1",
        "/api/v1/models/c_order/1042%20OR%201=1",
        "/api/v1/models/c_order?$filter=contains(DocumentNo, '%') ",
    ]
    for path in attacks:
        reply = client.get(path, headers=headers)
        assert reply.status_code < 500, path
        if reply.status_code == 200:
            assert reply.get_json()["row-count"] in (0, before) or "contains" in path
    assert _count(databases, f"SELECT COUNT(*) FROM {_q(databases, 'C_Order')}") == before
    quoted = client.get("/api/v1/models/c_order?$filter=DocumentNo eq 'x'' OR 1=1 --'", headers=headers)
    assert quoted.get_json()["row-count"] == 0


def test_showsql_needs_the_permission(client, login_as) -> None:  # type: ignore[no-untyped-def]
    denied = client.get(
        "/api/v1/models/c_order?showsql&$filter=DocumentNo eq 'SO-1042'", headers=login_as("GardenUser")
    )
    assert denied.status_code == 403
    shown = client.get(
        "/api/v1/models/c_order?showsql=nodata&$filter=DocumentNo eq 'SO-1042'", headers=login_as("SuperUser")
    )
    sql = shown.get_json()["sql-command"]
    assert "SELECT" in sql.upper() and "SO-1042" not in sql


def test_requires_a_session_token(client) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/api/v1/models/c_order")
    assert reply.status_code == 401 and reply.get_json()["type"] == "AUTHENTICATION-ERROR"
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


def test_models_index_lists_readable_tables_with_stable_ids(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    first = client.get("/api/v1/models", headers=headers).get_json()["models"]
    names = [m["model-name"] for m in first]
    assert names == sorted(names) and "c_order" in names and not any(n.startswith("gw_") for n in names)
    again = client.get("/api/v1/models", headers=headers).get_json()["models"]
    assert first == again
    filtered = client.get(
        "/api/v1/models?$filter=startswith(model-name,'c_order')", headers=headers
    ).get_json()
    assert {m["model-name"] for m in filtered["models"]} >= {"c_order", "c_orderline"}
    assert all(m["model-name"].startswith("c_order") for m in filtered["models"])


def test_statement_cache_serves_every_tenant_and_literal(app, client, login_as) -> None:  # type: ignore[no-untyped-def]
    cache = app.extensions["gateway"].statements
    garden, seed = login_as("GardenAdmin"), login_as("SeedAdmin")
    path = "/api/v1/models/c_bpartner?$filter=AD_Client_ID eq {}&$top=1&$skip={}"
    before = (cache.hits, cache.misses)
    assert client.get(path.format(11, 0), headers=garden).get_json()["row-count"] > 0
    assert (
        client.get(path.format(11, 0), headers=seed).get_json()["row-count"] == 0
    )  # same shape, other tenant
    assert client.get(path.format(12, 0), headers=seed).get_json()["row-count"] > 0  # other literal
    page2 = client.get(path.format(12, 1), headers=seed).get_json()
    assert page2["skip-records"] == 1
    assert (cache.misses - before[1], cache.hits - before[0]) == (2, 2)  # skip 0 and skip > 0 shapes
    one = client.get("/api/v1/models/c_order/1042", headers=garden)
    other = client.get("/api/v1/models/c_order/1043", headers=garden)
    assert one.get_json()["id"] == 1042 and other.status_code in (200, 404)
    assert client.get("/api/v1/models/c_order/1042", headers=seed).status_code == 404
