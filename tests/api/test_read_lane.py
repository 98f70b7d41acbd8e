"""The read lane (gateway.web.readlane) answers models reads as Flask does, and steps aside when it must.

Each case is sent to two apps over the same database, one with the lane and one without; status, headers
(but the random request id and the timing value) and body bytes must be equal, and Flask must not have
seen the request on the lane's side.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Blueprint, request_started

from gateway.core import hookimpl
from gateway.testing import bearer, session_token
from gateway.web.readlane import ReadLane, lane_obstacle

SECRET = "test-secret-key-" + "0123456789abcdef" * 4
PARTNERS = "/api/v1/models/C_BPartner"
Case = tuple[str, dict[str, str]]


def _apps(databases: Any, **overrides: Any) -> tuple[Any, Any]:
    from gateway.app import create_app
    from gateway.jobs.clock import FixedClock

    settings = {"secret_key": SECRET, **overrides}
    lane = create_app({**settings, "read_lane": True}, databases=databases, clock=FixedClock())
    flask = create_app({**settings, "read_lane": False}, databases=databases, clock=FixedClock())
    assert _lane_of(lane) is not None and _lane_of(flask) is None
    return lane, flask


def _lane_of(app: Any) -> ReadLane | None:
    layer = app.wsgi_app
    while layer is not None and not isinstance(layer, ReadLane):
        layer = getattr(layer, "app", None)  # ProxyFix keeps the layer it wraps as .app
    return layer


def _token(app: Any, user: str = "GardenAdmin", client: int = 11, role: str = "GardenWorld Admin") -> str:
    return bearer(session_token(app, user, client_id=client, role=role))["Authorization"]


def _comparable(reply: Any, *, keep_request_id: bool) -> tuple[int, bool, list[tuple[str, str]], bytes]:
    streamed = reply.is_streamed  # before get_data() buffers it
    headers = []
    for name, value in reply.headers.items():
        if name == "X-Request-Id" and not keep_request_id:
            assert re.fullmatch(r"[0-9a-f-]{36}", value)
            continue
        headers.append((name.lower(), re.sub(r"dur=[0-9.]+", "dur=*", value)))
    return reply.status_code, streamed, sorted(headers), reply.get_data()


@pytest.fixture
def flask_requests() -> Iterator[list[str]]:
    """Paths of the requests Flask itself dispatched, in every app of the test."""
    seen: list[str] = []

    def record(_sender: Any, **_extra: Any) -> None:
        from flask import request

        seen.append(request.path)

    request_started.connect(record)
    yield seen
    request_started.disconnect(record)


def _assert_alike(lane: Any, flask: Any, cases: list[Case], flask_requests: list[str]) -> list[Any]:
    replies = []
    for url, headers in cases:
        before = len(flask_requests)
        ours = lane.test_client().get(url, headers=headers)
        theirs = flask.test_client().get(url, headers=headers)
        keep = "X-Request-Id" in headers
        alike = _comparable(ours, keep_request_id=keep)
        assert alike == _comparable(theirs, keep_request_id=keep), url
        assert len(flask_requests) == before + 1, f"{url} did not take the lane"
        replies.append(ours)
    return replies


def test_reads_and_their_errors_alike(databases: Any, flask_requests: list[str]) -> None:
    lane, flask = _apps(databases)
    admin = {"Authorization": _token(lane)}
    reader = {"Authorization": _token(lane, "Reader", role="GardenWorld Reader")}
    issued = flask.test_client().post(
        "/api/v1/apitokens",
        json={"userName": "Reader", "roleId": "GardenWorld Reader", "name": "lane", "expiresInDays": 2},
        headers=admin,
    )
    api_token = {"Authorization": f"Bearer {issued.get_json()['token']}"}
    replies = _assert_alike(
        lane,
        flask,
        [
            (f"{PARTNERS}/117", admin),
            (f"{PARTNERS}?$filter=IsCustomer eq true&$orderby=Name desc&$top=3&$select=Name,Value", admin),
            ("/api/v1/models/c_order?$expand=C_OrderLine($select=Line)&$top=2&$count=true", admin),
            (f"{PARTNERS}?$filter=Name eq", admin),
            (f"{PARTNERS}?$top=-1", admin),
            ("/api/v1/models/no_such_table", admin),
            (f"{PARTNERS}/999999", admin),
            (f"{PARTNERS}/not-a-key", admin),
            (f"{PARTNERS}/117", {}),
            (f"{PARTNERS}/117", {"Authorization": "Bearer nonsense"}),
            (f"{PARTNERS}/117", {"Authorization": "Basic Zm9vOmJhcg=="}),
            ("/api/v1/models/m_product", reader),
            (f"{PARTNERS}/117", {**admin, "X-Request-Id": "trace-42"}),
            (f"{PARTNERS}?$format=csv&$top=2", admin),
            (f"{PARTNERS}?$top=2&$select=Name", api_token),
            (f"{PARTNERS}/117", {"Authorization": "Bearer gwt_" + "0" * 43}),
            ("/api/v1/models/%C3%A9t%C3%A9/1", admin),
            (f"{PARTNERS}?$filter=Name eq '%ZZ%C3'&$top=1", admin),
            (f"{PARTNERS}?$top=1&$top=2", admin),
            ("/api/v1/models/c_order?$top=5&$skiptoken=start&$orderby=DateOrdered desc", admin),
        ],
        flask_requests,
    )
    statuses = " ".join(str(r.status_code) for r in replies)
    assert statuses == "200 200 200 400 400 404 404 400 401 401 401 403 200 200 200 401 404 200 400 200"
    single, page = replies[0], replies[1]
    assert page.get_json()["array-count"] == 3
    etag = single.headers["ETag"]
    next_link = re.search(r"<([^>]+)>; rel=\"next\"", replies[-1].headers["Link"])
    assert next_link is not None and "$skiptoken=" in next_link[1]
    cases: list[Case] = [(f"{PARTNERS}/117", {**admin, "If-None-Match": etag}), (next_link[1], admin)]
    not_modified, following = _assert_alike(lane, flask, cases, flask_requests)
    assert not_modified.status_code == 304 and not_modified.get_data() == b""
    assert following.status_code == 200 and following.get_json()["array-count"] == 5


def test_streamed_pages_rate_limits_and_proxies_alike(databases: Any, flask_requests: list[str]) -> None:
    lane, flask = _apps(
        databases,
        rest_max_records_size=0,
        stream_chunk_rows=7,
        rest_rate_limit_per_minute=3,
        trusted_proxy_hops=1,
        hsts=True,
        server_timing=True,
    )
    admin = {"Authorization": _token(lane)}
    https = {**admin, "X-Forwarded-Proto": "https", "X-Forwarded-Prefix": "/erp"}
    streamed, _, secure, limited = _assert_alike(
        lane,
        flask,
        [
            ("/api/v1/models/c_order?$orderby=DocumentNo&$skip=2", admin),
            (f"{PARTNERS}?$filter=Name eq", admin),
            (f"{PARTNERS}?$top=2&$skip=1", https),
            (f"{PARTNERS}/117", admin),
        ],
        flask_requests,
    )
    assert streamed.headers.get("Content-Length") is None and len(streamed.get_json()["records"]) > 7
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "</erp/api/v1/models/C_BPartner?" in secure.headers["Link"]
    assert limited.status_code == 429 and limited.headers["Retry-After"]


def test_metrics_count_lane_requests_by_rule(databases: Any) -> None:
    lane, flask = _apps(databases, metrics_public=True)
    admin = {"Authorization": _token(lane)}
    for app in (lane, flask):
        client = app.test_client()
        client.get(f"{PARTNERS}/117", headers=admin)
        client.get(f"{PARTNERS}?$top=1", headers=admin)
        client.get(f"{PARTNERS}/117")

    def counts(app: Any) -> list[str]:
        text = app.test_client().get("/metrics").get_data(as_text=True)
        return sorted(
            line for line in text.splitlines() if "/api/v1/models/<table>" in line and "_total" in line
        )

    assert counts(lane) == counts(flask) and any('status="401"' in line for line in counts(lane))


def test_other_requests_pass_to_flask(databases: Any, flask_requests: list[str]) -> None:
    lane, _ = _apps(databases)
    client = lane.test_client()
    admin = {"Authorization": _token(lane)}
    for reply in (
        client.head(f"{PARTNERS}/117", headers=admin),
        client.get(f"{PARTNERS}/", headers=admin),
        client.get("/api/v1/models", headers=admin),
        client.get(f"{PARTNERS}/117/Name", headers=admin),
        client.get(f"{PARTNERS}/117", headers=admin, data=b"{}", content_type="application/json"),
    ):
        assert reply.status_code < 500
    assert len(flask_requests) == 5


class _HookPlugin:
    """A plugin whose blueprint installs an app-wide hook the lane knows nothing of."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def register_blueprints(self) -> list[Blueprint]:
        bp = Blueprint("lane_probe", __name__)
        bp.before_app_request(lambda: self.seen.append("hook"))
        return [bp]


@pytest.mark.parametrize("cors", [True, False], ids=["cors", "plugin-hook"])
def test_lane_steps_aside_for_hooks_it_does_not_mirror(databases: Any, cors: bool) -> None:
    from gateway.app import create_app

    plugin = _HookPlugin()
    overrides = {"cors_origins": ["https://app.example"]} if cors else {}
    app = create_app(
        {"secret_key": SECRET, **overrides}, databases=databases, plugins=[] if cors else [plugin]
    )
    assert _lane_of(app) is None and lane_obstacle(app) is not None
    reply = app.test_client().get(f"{PARTNERS}/117", headers={"Authorization": _token(app)})
    assert reply.status_code == 200
    assert plugin.seen == ([] if cors else ["hook"])


def test_lane_is_on_by_default(app: Any) -> None:
    assert app.extensions["gateway"].settings.read_lane
    assert _lane_of(app) is not None and lane_obstacle(app) is None
