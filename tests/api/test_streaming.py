"""Unlimited pages (REST_MAX_RECORDS_SIZE=0, no $top) are streamed and equal the buffered body."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_overrides() -> dict[str, object]:
    return {"rest_max_records_size": 0, "stream_chunk_rows": 7}


def test_streamed_list_equals_buffered(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    query = "/api/v1/models/c_order?$filter=GrandTotal gt 10"
    query += "&$expand=C_OrderLine($select=Line)&$orderby=DocumentNo"
    streamed = client.get(query, headers=headers)
    assert streamed.status_code == 200 and streamed.is_streamed
    body = streamed.get_json()
    buffered = client.get(query + "&$top=100000", headers=headers).get_json()
    assert body["records-size"] == 0 and body["page-count"] == 1
    assert body["records"] == buffered["records"] and body["row-count"] == buffered["row-count"]
    assert body["array-count"] == len(body["records"]) == int(streamed.headers["X-Array-Count"])
    assert list(body) == ["page-count", "records-size", "skip-records", "row-count", "records", "array-count"]


def test_streamed_without_count(client, login_as) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/api/v1/models/c_bpartner?$count=false&$skip=5", headers=login_as("GardenAdmin"))
    body = reply.get_json()
    assert body["row-count"] == -1 and "X-Array-Count" not in reply.headers
    assert body["skip-records"] == 5 and body["array-count"] == len(body["records"]) > 0


def test_streamed_csv(client, login_as) -> None:  # type: ignore[no-untyped-def]
    reply = client.get(
        "/api/v1/models/c_order?$format=csv&$select=DocumentNo", headers=login_as("GardenAdmin")
    )
    assert reply.status_code == 200 and reply.mimetype == "text/csv" and reply.is_streamed
    lines = reply.get_data(as_text=True).strip().splitlines()
    total = client.get("/api/v1/models/c_order?$count=true&$top=1", headers=login_as("GardenAdmin"))
    assert len(lines) - 1 == total.get_json()["row-count"] and "DocumentNo" in lines[0]
