"""CPU per request of 100-row pages through the Flask test client on SQLite (no network, no server).

pytest-benchmark times the in-process request; the medians go to results.json. Nothing is asserted about
the timings, only that each benchmarked request really returned its 100 records.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [
    pytest.mark.perf,
    pytest.mark.sqlite,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]

PAGES = {
    "page_by_key": "/api/v1/models/c_order?$top=100",
    "filtered_ordered_page": "/api/v1/models/c_order?$filter=GrandTotal ge 0"
    "&$orderby=DateOrdered desc&$top=100",
    "expanded_page": "/api/v1/models/c_order?$top=100&$expand=C_OrderLine",
}


@pytest.mark.parametrize("page", list(PAGES))
def test_perf_cpu_per_page(page: str, client, login_as, benchmark, results: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")

    def request() -> Any:
        return client.get(PAGES[page], headers=headers)

    reply = benchmark(request)
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json()["array-count"] == 100
    stats = benchmark.stats.stats
    results.setdefault("cpu_sqlite_ms", {})[page] = {
        "url": PAGES[page], "median": round(stats.median * 1000, 3), "min": round(stats.min * 1000, 3),
        "rounds": stats.rounds,
    }  # fmt: skip
