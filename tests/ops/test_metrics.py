"""/metrics exposure and content, and the JSON log format with request ids."""

from __future__ import annotations

import logging

import orjson
import pytest

from gateway.observability import REQUEST_ID, JsonFormatter


def test_metrics_needs_permission(client, login_as) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=login_as("Reader")).status_code == 403
    client.get("/api/v1/models/c_order?$top=1", headers=login_as("GardenAdmin"))
    reply = client.get("/metrics", headers=login_as("GardenAdmin"))
    assert reply.status_code == 200 and reply.mimetype == "text/plain"
    text = reply.get_data(as_text=True)
    assert (
        'gateway_http_requests_total{endpoint="/api/v1/models/<table>",method="GET",status="200"} 1.0' in text
    )
    assert (
        'gateway_http_request_duration_seconds_count{endpoint="/api/v1/models/<table>",method="GET"}' in text
    )
    assert "gateway_statement_cache_lookups" in text and "gateway_jobs" in text


@pytest.mark.parametrize("app_overrides", [{"metrics_public": True}])
def test_metrics_public_setting(client) -> None:  # type: ignore[no-untyped-def]
    client.get("/api/v1/nothing-here")
    reply = client.get("/metrics")
    assert reply.status_code == 200
    assert 'endpoint="unmatched",method="GET",status="404"' in reply.get_data(as_text=True)


@pytest.mark.parametrize("app_overrides", [{"server_timing": True}])
def test_metrics_server_timing_header(client) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/api/v1/health?db=false")
    assert reply.headers["Server-Timing"].startswith("app;dur=")


def test_json_log_lines_carry_the_request_id() -> None:
    token = REQUEST_ID.set("req-42")
    try:
        record = logging.LogRecord("gateway.x", logging.ERROR, __file__, 1, "boom %s", ("now",), None)
        line = orjson.loads(JsonFormatter().format(record))
    finally:
        REQUEST_ID.reset(token)
    assert line["message"] == "boom now" and line["request_id"] == "req-42" and line["level"] == "ERROR"
    atoms = {"m": "GET", "U": "/x", "s": "200", "L": "0.01", "{x-request-id}o": "abc"}
    access = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(m)s", (atoms,), None)
    entry = orjson.loads(JsonFormatter().format(access))
    assert entry["method"] == "GET" and entry["status"] == "200" and entry["request_id"] == "abc"
