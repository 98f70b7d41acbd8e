"""The 50,000-row export (time, peak worker RSS, streaming), the statements of an expanded page, and page
latency over 10k, 100k and 1M rows. Figures are recorded in results.json and printed, never asserted.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import orjson
import pytest
import requests
import sqlalchemy as sa
from perf_dataset import EXPORT, SCALE_PAGE, SCALE_TABLES, SCENARIOS, Dataset
from perf_servers import SECRET, Server, peak_rss_mb, reset_peak_rss, url_of
from perf_wrk import WrkSettings, knob, run_wrk

pytestmark = pytest.mark.perf


def _export_once(server: Server) -> dict[str, Any]:
    """One export request read in 64 KiB pieces; the worker's peak RSS is reset before it starts."""
    pids = server.worker_pids()
    exact = reset_peak_rss(pids)
    started = time.perf_counter()
    first_byte = None
    size = 0
    url = url_of(server, EXPORT)
    with requests.get(url, headers=dict(server.headers), stream=True, timeout=300) as reply:
        assert reply.status_code == 200, reply.text[:500]
        chunked = reply.headers.get("Transfer-Encoding") == "chunked"
        for piece in reply.iter_content(65536):
            first_byte = first_byte or time.perf_counter() - started
            size += len(piece)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 3),
        "first_byte_s": round(first_byte or seconds, 3),
        "bytes": size,
        "peak_rss_mb": round(peak_rss_mb(pids), 1),
        "rss_exact": exact,
        "chunked": chunked,
    }


def test_perf_export(servers: dict[str, Server], results: dict[str, Any]) -> None:
    gateway, floor = servers["gateway"], servers["floor"]
    bodies = [requests.get(url_of(s, EXPORT), headers=dict(s.headers), timeout=300) for s in (gateway, floor)]
    left, right = (orjson.loads(b.content) for b in bodies)
    assert left["array-count"] == right["array-count"] == 50_000
    assert left == right, "the floor must export exactly what the gateway exports"
    runs: dict[str, list[dict[str, Any]]] = {"gateway": [], "floor": []}
    for round_no in range(knob("PERF_ROUNDS", 2) + 1):
        for server in (gateway, floor) if round_no % 2 == 0 else (floor, gateway):
            runs[server.name].append(_export_once(server))
    measured: dict[str, Any] = {"url": EXPORT, "rows": 50_000, "target_peak_rss_mb": 150}
    for name, found in runs.items():
        measured[name] = {
            "seconds": round(statistics.median(r["seconds"] for r in found), 3),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in found),
            "chunked": all(r["chunked"] for r in found),
            "runs": found,
        }
    measured["time_ratio_floor_over_gateway"] = round(
        measured["floor"]["seconds"] / measured["gateway"]["seconds"], 3
    )
    results["export"] = measured
    print(
        f"\nexport 50k     gateway {measured['gateway']['seconds']:.2f} s, peak RSS "
        f"{measured['gateway']['peak_rss_mb']:.0f} MB, chunked {measured['gateway']['chunked']} | floor "
        f"{measured['floor']['seconds']:.2f} s, {measured['floor']['peak_rss_mb']:.0f} MB | speed ratio "
        f"{measured['time_ratio_floor_over_gateway']:.2f}"
    )


def test_perf_expand_statements(dataset: Dataset, results: dict[str, Any]) -> None:
    """Statements one expanded-page request sends, counted in-process on every SQLAlchemy engine."""
    from gateway.app import create_app
    from gateway.testing import bearer, session_token

    app = create_app({"database_url": dataset.url, "secret_key": SECRET})
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split())[:160])

    client = app.test_client()
    headers = bearer(session_token(app, "GardenAdmin", client_id=11, role="GardenWorld Admin"))
    assert client.get(SCENARIOS["expanded_page"], headers=headers).status_code == 200  # warm caches
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        reply = client.get(SCENARIOS["expanded_page"], headers=headers)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    assert reply.status_code == 200
    data = [s for s in seen if s.upper().startswith(("SELECT", "WITH"))]
    results["expanded_page_statements"] = {
        "total": len(seen), "selects": len(data), "target_max": 3, "statements": seen,
    }  # fmt: skip
    listing = " | ".join(s[:50] for s in seen)
    print(f"\nexpanded page  {len(seen)} statements ({len(data)} SELECT): {listing}")
    assert len(data) <= 3, "one statement per expand level, never one per row"


def test_perf_scale(servers: dict[str, Server], results: dict[str, Any]) -> None:
    """Latency of one client (-t1 -c1) on the same indexed page over tables of 10k, 100k and 1M rows,
    with the total count (the default) and without it ($count=false)."""
    settings = WrkSettings(1, 1, knob("PERF_SCALE_SECONDS", 5))
    measured: dict[str, Any] = {"wrk": f"-t1 -c1 -d{settings.seconds}s", "target_growth": 0.2}
    for variant, suffix in (("with_count", ""), ("count_false", "&$count=false")):
        rows: dict[str, Any] = {}
        for table, size in SCALE_TABLES.items():
            path = SCALE_PAGE.format(table=table.lower()) + suffix
            for server in servers.values():
                run_wrk(url_of(server, path), server.headers, WrkSettings(1, 1, 1))  # warm-up, not recorded
            rows[str(size)] = {
                name: run_wrk(url_of(server, path), server.headers, settings).as_dict()
                for name, server in servers.items()
            }
        small, large = rows[str(min(SCALE_TABLES.values()))], rows[str(max(SCALE_TABLES.values()))]
        growth = {
            name: round(large[name]["p50_ms"] / small[name]["p50_ms"] - 1, 3) for name in ("gateway", "floor")
        }
        measured[variant] = {"by_rows": rows, "p50_growth_10k_to_1m": growth}
        cells = ", ".join(f"{n} rows {r['gateway']['p50_ms']:.2f} ms" for n, r in rows.items())
        trend = f"growth {growth['gateway']:+.0%} (floor {growth['floor']:+.0%})"
        print(f"\nscale {variant:<12} gateway p50: {cells}; {trend}")
    results["scale"] = measured


DEEP_BASE = "/api/v1/models/perf_order_1m?$select=DocumentNo,GrandTotal&$count=false&$top=100"


def test_perf_deep_page(servers: dict[str, Server], results: dict[str, Any]) -> None:
    """A page 700,000 rows deep into the 1M-row table: `$skip` against the keyset next link that starts
    at the same row (gateway only; one client)."""
    gateway = servers["gateway"]
    depth = 700_000
    first = requests.get(
        url_of(gateway, f"{DEEP_BASE}&$skip={depth - 100}&$skiptoken=start"), headers=dict(gateway.headers)
    )
    assert first.status_code == 200, first.text[:300]
    link = first.headers["Link"]
    keyset = link[link.index("/api/") : link.index(">")]
    offset = f"{DEEP_BASE}&$skip={depth}"
    pages = [requests.get(gateway.base + keyset, headers=dict(gateway.headers)).json()]
    pages.append(requests.get(url_of(gateway, offset), headers=dict(gateway.headers)).json())
    assert pages[0]["records"] == pages[1]["records"], "keyset and offset must reach the same page"
    settings = WrkSettings(1, 1, knob("PERF_SCALE_SECONDS", 5))
    measured: dict[str, Any] = {"depth": depth, "wrk": f"-t1 -c1 -d{settings.seconds}s"}
    for name, path in (("first_page", DEEP_BASE), ("offset", offset), ("keyset", keyset)):
        url = url_of(gateway, path) if name != "keyset" else gateway.base + path
        run_wrk(url, gateway.headers, WrkSettings(1, 1, 1))  # warm-up, not recorded
        measured[name] = run_wrk(url, gateway.headers, settings).as_dict()
    measured["offset_over_keyset_p50"] = round(measured["offset"]["p50_ms"] / measured["keyset"]["p50_ms"], 1)
    results["deep_page"] = measured
    print(
        f"\ndeep page {depth:,}  p50: first page {measured['first_page']['p50_ms']:.2f} ms, $skip "
        f"{measured['offset']['p50_ms']:.2f} ms, $skiptoken {measured['keyset']['p50_ms']:.2f} ms"
    )
