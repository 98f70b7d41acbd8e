"""Brute force, proxies, CORS, size limits and response headers (security.md §11 threats 16, 19–20, 25–28)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from sec_helpers import SECRET, problem

from gateway.testing import bearer

AUTH = "/api/v1/auth"
MODELS = "/api/v1/models/C_BPartner"


def _app(databases: Any, **overrides: Any) -> Any:
    from gateway.app import create_app
    from gateway.jobs.clock import FixedClock

    return create_app({"secret_key": SECRET, **overrides}, databases=databases, clock=FixedClock())


def _login(client: Any, user: str, password: str, **environ: Any) -> Any:
    return client.post(AUTH, json={"userName": user, "password": password}, environ_base=environ)


@pytest.mark.usefixtures("cheap_passwords")
def test_lockout(app: Any, client: Any) -> None:
    state = app.extensions["gateway"]
    for _ in range(5):
        problem(_login(client, "GardenUser", "wrong"), 401, "AUTHENTICATION-ERROR")
    locked = problem(_login(client, "GardenUser", "GardenUser"), 429, "ACCOUNT-LOCKED")
    assert locked["retryAfter"] == 900
    ghost = [_login(client, "NoSuchUser", "x") for _ in range(5)]
    assert [g.status_code for g in ghost] == [401] * 5
    unknown = problem(_login(client, "NoSuchUser", "x"), 429, "ACCOUNT-LOCKED")
    assert {k: v for k, v in unknown.items()} == locked
    state.clock.advance(15 * 60 + 1)
    assert _login(client, "GardenUser", "GardenUser").status_code == 200


@pytest.mark.usefixtures("cheap_passwords")
def test_address_rate_limit(client: Any) -> None:
    for i in range(30):
        assert _login(client, f"nobody{i}", "x", REMOTE_ADDR="10.0.0.7").status_code == 401
    limited = _login(client, "GardenAdmin", "GardenAdmin", REMOTE_ADDR="10.0.0.7")
    problem(limited, 429, "RATE-LIMITED")
    assert int(limited.headers["Retry-After"]) >= 1
    assert _login(client, "GardenAdmin", "GardenAdmin", REMOTE_ADDR="10.0.0.8").status_code == 200


@pytest.mark.usefixtures("cheap_passwords")
def test_successful_logins_are_not_throttled(client: Any) -> None:
    for _ in range(100):  # security.md §11 #16: a hundred good logins a minute are never throttled
        assert _login(client, "GardenAdmin", "GardenAdmin").status_code == 200


def test_unknown_user_and_wrong_password_look_alike(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every refused login performs exactly one argon2id verification with the same cost parameters, so the
    time does not tell whether the name exists (counted, not timed: wall clocks are noisy on shared CI)."""
    from argon2 import PasswordHasher

    verified: list[str] = []
    original = PasswordHasher.verify

    def counting(self: PasswordHasher, stored: str, password: str) -> bool:
        verified.append(stored.rsplit("$", 2)[0])  # algorithm, version and cost parameters only
        return original(self, stored, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    bodies = {}
    for user in ("GardenAdmin", "Nobody", "gardenadmin "):
        verified.clear()
        reply = _login(client, user, "definitely-wrong")
        assert len(verified) == 1 and verified[0].startswith("$argon2id$"), (user, verified)
        bodies[user] = (reply.status_code, reply.get_data(), verified[0])
    assert len(set(bodies.values())) == 1, bodies


@pytest.mark.usefixtures("cheap_passwords")
def test_proxyfix(databases: Any) -> None:
    direct = _app(databases, hsts=True).test_client()
    for i in range(31):
        _login(direct, f"x{i}", "x", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert _login(direct, "GardenAdmin", "GardenAdmin", REMOTE_ADDR="10.1.1.1").status_code == 429
    proxied = _app(databases, trusted_proxy_hops=1, hsts=True).test_client()
    for i in range(31):
        _login(proxied, f"y{i}", "x", REMOTE_ADDR="10.2.2.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    ok = _login(
        proxied, "GardenAdmin", "GardenAdmin", REMOTE_ADDR="10.2.2.2", HTTP_X_FORWARDED_FOR="198.51.100.2"
    )
    assert ok.status_code == 200
    secure = proxied.get("/api/v1/health", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers.get("Strict-Transport-Security") == "max-age=31536000"
    plain = direct.get("/api/v1/health", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in plain.headers


def test_cors(databases: Any) -> None:
    listed = _app(databases, cors_origins="https://app.example.com").test_client()
    reply = listed.get("/api/v1/health", headers={"Origin": "https://app.example.com"})
    assert reply.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "Origin" in reply.headers["Vary"] and "Access-Control-Allow-Credentials" not in reply.headers
    assert "X-Row-Count" in reply.headers["Access-Control-Expose-Headers"]
    other = listed.get("/api/v1/health", headers={"Origin": "https://evil.example.com"})
    assert not [h for h, _ in other.headers.items() if h.startswith("Access-Control")]
    preflight = listed.options(
        MODELS,
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "Authorization, If-Match",
        },
    )
    assert preflight.status_code == 204 and preflight.get_data() == b""
    assert preflight.headers["Access-Control-Max-Age"] == "600"
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]
    wildcard = _app(databases, cors_origins="*").test_client()
    reply = wildcard.get("/api/v1/health", headers={"Origin": "https://any.example.org"})
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in reply.headers
    none = _app(databases).test_client().get("/api/v1/health", headers={"Origin": "https://app.example.com"})
    assert "Access-Control-Allow-Origin" not in none.headers


def test_limits(client: Any, login_as: Callable[..., dict[str, str]]) -> None:
    admin = login_as("GardenAdmin")
    start = time.perf_counter()
    huge = client.post(
        MODELS, data=b"{" + b" " * (11 * 1024 * 1024) + b"}", headers=admin, content_type="application/json"
    )
    problem(huge, 413, "PAYLOAD-TOO-LARGE")
    problem(
        client.get(MODELS, query_string={"$filter": "Name eq '" + "x" * 4000 + "'"}, headers=admin),
        400,
        "FILTER-TOO-COMPLEX",
    )
    items = ",".join(str(i) for i in range(1001))
    problem(client.get(MODELS, query_string={"$filter": f"C_BPartner_ID in ({items})"}, headers=admin), 400)
    deep = "(" * 10000 + "Name eq 'x'" + ")" * 10000
    problem(client.get(MODELS, query_string={"$filter": deep}, headers=admin), 400)
    nested: Any = 1
    for _ in range(65):
        nested = [nested]
    body = json.dumps({"Name": "x", "Value": "y", "Description": nested})
    problem(client.post(MODELS, data=body, headers=admin, content_type="application/json"), 400, "BODY-ERROR")
    assert time.perf_counter() - start < 5


def test_expand_limits(client: Any, login_as: Callable[..., dict[str, str]]) -> None:
    admin = login_as("GardenAdmin")
    orders = "/api/v1/models/C_Order"
    deep = "C_OrderLine($expand=M_Product_ID($expand=C_UOM_ID($expand=AD_Client_ID)))"
    problem(client.get(orders, query_string={"$expand": deep}, headers=admin), 400, "FILTER-TOO-COMPLEX")
    many = ",".join(
        ["C_OrderLine", "C_BPartner_ID"] + [f"C_OrderLine.C_Order_ID($top={i})" for i in range(20)]
    )
    assert client.get(orders, query_string={"$expand": many}, headers=admin).status_code == 400


@pytest.mark.usefixtures("cheap_passwords")
def test_api_rate_limit(databases: Any) -> None:
    client = _app(databases, rest_rate_limit_per_minute=5).test_client()
    step = client.post(
        AUTH,
        json={
            "userName": "GardenAdmin",
            "password": "GardenAdmin",
            "parameters": {"clientId": 11, "roleId": "GardenWorld Admin"},
        },
    )
    headers = bearer(step.get_json()["token"])
    assert [client.get(MODELS, headers=headers).status_code for _ in range(5)] == [200] * 5
    problem(client.get(MODELS, headers=headers), 429, "RATE-LIMITED")


@pytest.mark.usefixtures("cheap_passwords")
def test_headers_and_no_cookies(client: Any, login_as: Callable[..., dict[str, str]]) -> None:
    admin = login_as("GardenAdmin")
    for reply in (
        client.get(MODELS, headers=admin),
        client.get("/api/v1/health"),
        client.get(MODELS),
        _login(client, "GardenAdmin", "GardenAdmin"),
        client.get(f"{MODELS}/117", headers=admin),
    ):
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["Referrer-Policy"] == "no-referrer"
        assert "Set-Cookie" not in reply.headers
    cache = client.get(MODELS, headers=admin).headers["Cache-Control"]
    assert cache == "no-store" or {"private", "no-cache"} <= {p.strip() for p in cache.split(",")}
    assert _login(client, "GardenAdmin", "GardenAdmin").headers["Cache-Control"] == "no-store"
