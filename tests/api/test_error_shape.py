"""Every rule of the URL map answers garbage with a 4xx in the one error shape, never a 500."""

from __future__ import annotations

import re

import pytest

SHAPE_KEYS = {"type", "title", "status", "detail"}
GARBAGE_QUERIES = ["", "?$filter=((((", "?$top=abc", "?$expand=x(", "?%ZZ=1", "?$select=" + "a," * 50]
GARBAGE_BODIES = [b"", b"{", b"[]", b'"x"', b"\xff\xfe", b'{"a": ' * 100]


def _concrete(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: "1" if "id" in m.group(1) else "c_order", rule)


def _check(reply) -> None:  # type: ignore[no-untyped-def]
    assert reply.status_code < 500, (reply.status_code, reply.get_data()[:300])
    if reply.status_code >= 400 and reply.mimetype == "application/json":
        body = reply.get_json(silent=True)
        if isinstance(body, dict) and "status" in body and body.get("status") not in ("UP", "DOWN"):
            assert set(body) >= SHAPE_KEYS, body
            assert body["status"] == reply.status_code


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_no_rule_answers_garbage_with_500(app, client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("SuperUser")
    rules = sorted({_concrete(r.rule) for r in app.url_map.iter_rules() if not r.rule.startswith("/static")})
    assert "/api/v1/models/c_order" in rules
    for path in rules:
        for query in GARBAGE_QUERIES:
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                for body in GARBAGE_BODIES[:2] if method != "GET" else [b""]:
                    _check(client.open(path + query, method=method, headers=headers, data=body,
                                       content_type="application/json"))  # fmt: skip


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_unknown_paths_and_methods(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("SuperUser")
    missing = client.get("/api/v1/nothing-here", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["type"] == "NOT-FOUND"
    wrong = client.open("/api/v1/health", method="DELETE")
    assert wrong.status_code == 405 and wrong.get_json()["type"] == "METHOD-NOT-ALLOWED"
    assert "GET" in wrong.headers["Allow"]
