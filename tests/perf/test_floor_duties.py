"""The benchmark's floor with the gateway's duties (runs in the default suite: no servers needed)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from perf_floor_duties import FloorWithDuties

SECRET = "duties-secret-" + "0" * 64
ENDPOINT = "/api/v1/models/<table>/<key>"


def _token(expires_in: float) -> str:
    return jwt.encode({"sub": "u", "exp": int(time.time() + expires_in)}, SECRET, algorithm="HS512")


def _served(app: FloorWithDuties, headers: dict[str, str]) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, sent: list[tuple[str, str]]) -> None:
        seen.update(status=status, headers=dict(sent))

    environ = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def _floor(calls: list[int]) -> Callable[..., list[bytes]]:
    def inner(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        calls.append(1)
        start_response("200 OK", [("Content-Type", "application/json"), ("Cache-Control", "private")])
        return [b"{}"]

    return inner


def test_an_authenticated_request_reaches_the_floor_with_the_edge_headers_and_is_counted() -> None:
    calls: list[int] = []
    app = FloorWithDuties(_floor(calls), SECRET)
    bearer = {"Authorization": f"Bearer {_token(60)}"}
    status, headers, body = _served(app, bearer | {"X-Request-Id": "trace-1"})
    assert (status, body, calls) == ("200 OK", b"{}", [1])
    assert headers["X-Request-Id"] == "trace-1"
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["Cache-Control"] == "private"  # the floor's own choice is kept
    _, headers, _ = _served(app, bearer | {"X-Request-Id": "bad id"})
    assert len(headers["X-Request-Id"]) == 36 and headers["X-Request-Id"][14] == "4"
    sample = app.metrics.registry.get_sample_value
    requests = {"method": "GET", "endpoint": ENDPOINT, "status": "200"}
    assert sample("gateway_http_requests_total", requests) == 2
    assert sample("gateway_http_request_duration_seconds_count", {"method": "GET", "endpoint": ENDPOINT}) == 2


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer not-a-jwt",
        f"Bearer {_token(-60)}",
        "Bearer " + jwt.encode({"sub": "u"}, SECRET, algorithm="HS512"),  # no expiry
        "Bearer " + jwt.encode({"sub": "u", "exp": time.time() + 60}, "other" * 13, algorithm="HS512"),
    ],
)
def test_without_a_valid_token_the_floor_is_not_reached(authorization: str) -> None:
    calls: list[int] = []
    app = FloorWithDuties(_floor(calls), SECRET)
    status, headers, _ = _served(app, {"Authorization": authorization})
    assert status.startswith("401") and calls == []
    assert headers.get("Cache-Control") == ("no-store" if authorization else None)  # as the gateway's edge
    assert (
        app.metrics.registry.get_sample_value(
            "gateway_http_requests_total", {"method": "GET", "endpoint": ENDPOINT, "status": "401"}
        )
        == 1
    )


def test_the_token_rate_is_counted_per_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("perf_floor_duties.RATE_PER_MINUTE", 2)
    calls: list[int] = []
    app = FloorWithDuties(_floor(calls), SECRET)
    first, second = {"Authorization": f"Bearer {_token(60)}"}, {"Authorization": f"Bearer {_token(61)}"}
    statuses = [_served(app, first)[0][:3] for _ in range(3)] + [_served(app, second)[0][:3]]
    assert statuses == ["200", "200", "429", "200"] and len(calls) == 3
