"""The page size is written into the SQL (so PostgreSQL can reuse a generic plan that knows only a few rows
are wanted): the statement cache keeps one entry per size, and every size gets its own page."""

from __future__ import annotations


def test_each_page_size_gets_its_page(app, client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    cache = app.extensions["gateway"].statements
    sizes = [3, 5, 3, 7, 5]
    for size in sizes:
        url = f"/api/v1/models/c_order?$orderby=DocumentNo&$top={size}&$skip=2"
        body = client.get(url, headers=headers).get_json()
        assert body["array-count"] == size == body["records-size"], url
    full = client.get("/api/v1/models/c_order?$orderby=DocumentNo&$top=20", headers=headers).get_json()
    again = client.get(
        "/api/v1/models/c_order?$orderby=DocumentNo&$top=7&$skip=2", headers=headers
    ).get_json()
    assert [r["id"] for r in again["records"]] == [r["id"] for r in full["records"][2:9]]
    assert cache.misses >= len(set(sizes))


def test_page_size_appears_in_showsql(client, login_as) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/api/v1/models/c_order?$top=13&showsql=nodata", headers=login_as("SuperUser"))
    assert reply.status_code == 200
    assert "13" in reply.get_json()["sql-command"]
