"""`$count=estimate`: PostgreSQL's planner estimate replaces the COUNT of a large result; small results, a
page that reveals its total, and the other databases keep the exact count."""

from __future__ import annotations

import pytest
from dbtools import postgresql_only

PAGE = "/api/v1/models/c_order?$top=5&$count=estimate"


def _client(databases, **overrides: object):  # type: ignore[no-untyped-def]
    from gateway.app import create_app
    from gateway.jobs.clock import FixedClock

    settings = {"secret_key": "test-secret-key-" + "0123456789abcdef" * 4, **overrides}
    return create_app(settings, databases=databases, clock=FixedClock()).test_client()


def test_estimate_keeps_exact_counts_below_the_threshold(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    exact = client.get(PAGE.replace("estimate", "true"), headers=headers)
    estimated = client.get(PAGE, headers=headers)
    assert exact.status_code == estimated.status_code == 200
    assert estimated.get_json() == exact.get_json()
    assert "X-Row-Count-Estimated" not in estimated.headers
    url = "/api/v1/models/c_order?$top=100&$count=estimate&$filter=C_Order_ID lt 1010"
    partial = client.get(url, headers=headers).get_json()
    assert 0 < partial["row-count"] == partial["array-count"] < 100  # the page reveals its total


def test_unknown_count_value_is_a_paging_error(client, login_as) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/api/v1/models/c_order?$count=maybe", headers=login_as("GardenAdmin"))
    assert reply.status_code == 400 and reply.get_json()["type"] == "PAGING-ERROR"


@pytest.mark.parametrize(
    "backend",
    [pytest.param("sqlite", marks=pytest.mark.sqlite), pytest.param("mariadb", marks=pytest.mark.mariadb)],
    indirect=True,
)
def test_databases_without_estimates_count_exactly(databases, login_as) -> None:  # type: ignore[no-untyped-def]
    client = _client(databases, count_estimate_min_rows=1)
    headers = login_as("GardenAdmin")
    estimated = client.get(PAGE, headers=headers)
    assert estimated.get_json() == client.get(PAGE.replace("estimate", "true"), headers=headers).get_json()
    assert "X-Row-Count-Estimated" not in estimated.headers


@postgresql_only
def test_postgresql_large_result_gets_the_planner_estimate(databases, login_as) -> None:  # type: ignore[no-untyped-def]
    databases.data.connection.exec_driver_sql('ANALYZE "C_Order"')
    client = _client(databases, count_estimate_min_rows=10)
    headers = login_as("GardenAdmin")
    exact = client.get(PAGE.replace("estimate", "true"), headers=headers).get_json()
    reply = client.get(PAGE, headers=headers)
    body = reply.get_json()
    assert reply.status_code == 200 and reply.headers["X-Row-Count-Estimated"] == "true"
    assert body["row-count-estimated"] is True and body["row-count"] >= 10
    assert reply.headers["X-Row-Count"] == str(body["row-count"])
    assert body["row-count"] <= 3 * exact["row-count"]  # an estimate of the same (scoped) rows
    assert body["records"] == exact["records"]  # the page itself is unchanged
    filtered = client.get(PAGE + "&$filter=DocumentNo eq 'none'", headers=headers)
    assert filtered.get_json()["row-count"] == 0 and "X-Row-Count-Estimated" not in filtered.headers


@postgresql_only
def test_streamed_page_with_estimate(databases, login_as) -> None:  # type: ignore[no-untyped-def]
    databases.data.connection.exec_driver_sql('ANALYZE "C_Order"')
    client = _client(databases, count_estimate_min_rows=10, rest_max_records_size=0)
    reply = client.get("/api/v1/models/c_order?$count=estimate", headers=login_as("GardenAdmin"))
    assert reply.status_code == 200 and reply.is_streamed
    assert reply.headers["X-Row-Count-Estimated"] == "true" and "X-Array-Count" not in reply.headers
    body = reply.get_json()
    assert body["row-count-estimated"] is True and body["array-count"] == len(body["records"]) > 10
