"""Keyset paging (`$skiptoken`): following the next links visits exactly the records of the offset pages,
in the same order, for orders over NULLs, mixed directions, navigation paths and functions; tokens are
signed and bound to their table and order; the page statement seeks instead of skipping."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

ORDERS = [
    None,
    "DateOrdered desc",
    "Description",
    "Description desc,DatePromised",
    "DatePromised desc,Description",
    "SalesRep_ID/Name,DatePromised desc",
    "C_BPartner_ID/Name desc",
    "tolower(DocumentNo) desc",
]
BASE = "/api/v1/models/c_order?$select=DocumentNo&$filter=C_Order_ID lt 1060"


def _next(reply: Any) -> str | None:
    link = reply.headers.get("Link")
    return link[1 : link.index(">")] if link else None


def _walk(client: Any, headers: dict[str, str], url: str) -> tuple[list[int], list[dict[str, Any]]]:
    """Every record id along the next links, and every page's envelope."""
    ids: list[int] = []
    pages: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url is not None:
        reply = client.get(next_url, headers=headers)
        assert reply.status_code == 200, reply.get_json()
        body = reply.get_json()
        ids.extend(r["id"] for r in body["records"])
        pages.append(body)
        next_url = _next(reply)
        assert len(pages) < 50
    return ids, pages


def _offset_ids(client: Any, headers: dict[str, str], order: str | None) -> list[int]:
    url = BASE + (f"&$orderby={order}" if order else "")
    return [r["id"] for r in client.get(url + "&$top=100", headers=headers).get_json()["records"]]


@pytest.mark.parametrize("order", ORDERS)
def test_next_links_visit_the_offset_order(client, login_as, order) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    url = BASE + "&$top=6&$skiptoken=start" + (f"&$orderby={order}" if order else "")
    ids, pages = _walk(client, headers, url)
    expected = _offset_ids(client, headers, order)
    assert 30 < len(expected) < 100 and ids == expected
    assert all(p["row-count"] == len(expected) for p in pages)  # counted on every page, not inferred
    assert [p["array-count"] for p in pages[:-1]] == [6] * (len(pages) - 1)


def test_next_link_carries_the_token_and_keeps_the_other_options(client, login_as) -> None:  # type: ignore[no-untyped-def]
    reply = client.get(
        BASE + "&$top=5&$skiptoken=start&$orderby=DateOrdered desc", headers=login_as("GardenAdmin")
    )
    link = reply.headers["Link"]
    assert link.endswith('; rel="next"') and 'rel="prev"' not in link
    query = parse_qs(urlsplit(_next(reply) or "").query)
    assert query["$top"] == ["5"] and query["$orderby"] == ["DateOrdered desc"] and "$skip" not in query
    assert query["$filter"] == ["C_Order_ID lt 1060"] and query["$skiptoken"][0].count(".") == 1


def test_the_last_page_has_no_next_link(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    reply = client.get(BASE + "&$top=100&$skiptoken=start", headers=headers)
    assert reply.status_code == 200 and "Link" not in reply.headers


def test_skip_counts_from_the_token_position(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    first = client.get(BASE + "&$top=4&$skiptoken=start", headers=headers)
    after = client.get(f"{_next(first)}&$skip=3", headers=headers).get_json()
    expected = _offset_ids(client, headers, None)
    assert [r["id"] for r in after["records"]] == expected[7:11]


def test_keyset_page_seeks_instead_of_skipping(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("SuperUser")
    first = client.get(BASE + "&$top=4&$skiptoken=start&$orderby=DateOrdered desc", headers=headers)
    body = client.get(f"{_next(first)}&showsql", headers=headers).get_json()
    sql = body["sql-command"].upper()
    assert "GW_OFFSET" not in sql and body["skip-records"] == 0  # (SQLite always writes OFFSET 0)
    assert re.search(r"DATEORDERED.? <= ", sql) and re.search(r"DATEORDERED.? < ", sql)


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "not a token issued"),
        (lambda t: "garbage", "not a token issued"),
        (lambda t: "x" * 5000, "not a token issued"),
    ],
)
def test_forged_tokens_are_paging_errors(client, login_as, change, detail) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    first = client.get(BASE + "&$top=4&$skiptoken=start", headers=headers)
    token = parse_qs(urlsplit(_next(first) or "").query)["$skiptoken"][0]
    reply = client.get(f"{BASE}&$top=4&$skiptoken={change(token)}", headers=headers)
    body = reply.get_json()
    assert reply.status_code == 400 and body["type"] == "PAGING-ERROR" and detail in body["detail"]


def test_a_token_only_continues_its_own_order_and_table(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    first = client.get(BASE + "&$top=4&$skiptoken=start&$orderby=DateOrdered", headers=headers)
    token = parse_qs(urlsplit(_next(first) or "").query)["$skiptoken"][0]
    for url in (
        f"{BASE}&$top=4&$skiptoken={token}&$orderby=DateOrdered desc",
        f"/api/v1/models/c_orderline?$top=4&$skiptoken={token}&$orderby=DateOrdered",
    ):
        reply = client.get(url, headers=headers)
        assert reply.status_code == 400 and reply.get_json()["type"] == "PAGING-ERROR"


def test_a_table_without_a_key_cannot_keyset_page(client, login_as) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/api/v1/models/c_order_summary_v?$skiptoken=start", headers=login_as("SuperUser"))
    body = reply.get_json()
    assert reply.status_code == 400 and body["type"] == "PAGING-ERROR" and body["parameter"] == "$skiptoken"


def test_csv_pages_follow_the_same_positions(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    first = client.get(BASE + "&$top=4&$skiptoken=start", headers=headers)
    page = client.get(f"{_next(first)}&$format=csv", headers=headers)
    assert page.status_code == 200
    lines = page.get_data(as_text=True).strip().splitlines()
    assert [int(line.split(",")[0]) for line in lines[1:]] == _offset_ids(client, headers, None)[4:8]


def test_a_token_grants_no_rows_outside_the_session_scope(client, login_as) -> None:  # type: ignore[no-untyped-def]
    garden = client.get("/api/v1/models/c_order?$top=3&$skiptoken=start", headers=login_as("GardenAdmin"))
    url = _next(garden) or ""
    seed = client.get(url, headers=login_as("SeedAdmin")).get_json()
    assert seed["records"] and {r["AD_Client_ID"]["id"] for r in seed["records"]} <= {
        0,
        12,
    }  # System rows are shared
