"""Locks, notes, data, YAML, sensitive data and keys (orders.md §16.5–§16.6)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
import yaml


def _put(api: Any, order_id: int, action: str, body: Any = None, user: str = "opA", **kw: Any) -> Any:
    return api.put(f"/orders/{order_id}?action={action}", body, user=user, **kw)


def _code(reply: Any) -> tuple[int, str]:
    return reply.status_code, (reply.get_json() or {}).get("type", "")


def test_o79_to_o81_lock(api: Any) -> None:
    order_id = api.recipe("ERROR")
    assert _put(api, order_id, "lock", {"note": "investigating"}).get_json() == "OK"
    doc = api.detail(order_id)
    assert doc["operator_lock"] == "opA" and doc["note_count"] == 1 and doc["notes"][0]["type"] == "lock"
    refused = _put(api, order_id, "retry", user="opB")
    assert _code(refused) == (409, "LOCK-ERROR") and "opA" in refused.get_json()["detail"]
    assert _code(_put(api, order_id, "unlock", {}, user="opB")) == (409, "LOCK-ERROR")
    assert _code(_put(api, order_id, "breakLock", {"note": "x"}, user="opB")) == (403, "AUTHORIZATION-ERROR")
    assert _put(api, order_id, "breakLock", {"note": "opA on holiday"}, user="sup").get_json() == "OK"
    assert api.detail(order_id)["operator_lock"] is None
    assert _put(api, order_id, "retry", user="opB").status_code == 200


def test_o82_o83_lock_notes(api: Any) -> None:
    order_id = api.recipe("READY")
    assert _code(_put(api, order_id, "lock", {})) == (400, "NOTE-REQUIRED")
    _put(api, order_id, "lock", {"note": "n"})
    assert _code(_put(api, order_id, "breakLock", {}, user="sup")) == (400, "NOTE-REQUIRED")
    assert _code(_put(api, order_id, "lock", {"note": "again"})) == (409, "LOCK-ERROR")
    assert _put(api, order_id, "unlock", {}).get_json() == "OK"
    assert api.detail(order_id)["notes"][0]["note"] == "Lock released by opA"
    assert _code(_put(api, order_id, "unlock", {})) == (409, "LOCK-ERROR")


def test_o84_engine_ignores_locks(api: Any) -> None:
    order_id = api.recipe("READY")
    _put(api, order_id, "lock", {"note": "n"})
    api.drain()
    assert api.status(order_id) == "COMPLETE"


def test_o85_o86_notes(api: Any) -> None:
    order_id = api.recipe("READY")
    _put(api, order_id, "lock", {"note": "n"})
    reply = api.post(f"/orders/{order_id}?action=notes", {"note": "fyi"}, user="opB")
    assert reply.status_code == 201 and reply.get_json() == "OK"
    notes = api.get(f"/orders/{order_id}?action=notes&limit=1").get_json()
    assert notes["array-count"] == 1 and notes["records"][0]["username"] == "opB"
    assert _code(api.post(f"/orders/{order_id}?action=notes", {})) == (400, "NOTE-REQUIRED")


def test_o87_o88_data(api: Any) -> None:
    order_id = api.recipe("READY")
    assert _code(_put(api, order_id, "staticData", {"newdata": {}})) == (400, "ORDER-DATA-ERROR")
    assert _code(_put(api, order_id, "staticData", {})) == (400, "ORDER-DATA-ERROR")
    assert _put(api, order_id, "staticData", {"newdata": {"k": 1}}).get_json() == "OK"
    assert api.detail(order_id)["staticdata"] == {"k": 1}
    _put(api, order_id, "dynamicData", {"newdata": {"d": 2}})
    assert api.detail(order_id)["dynamicdata"] == {"d": 2}
    _put(api, order_id, "dynamicData", {"newdata": None})
    assert api.detail(order_id)["dynamicdata"] is None


def test_o89_in_progress_edits(api: Any) -> None:
    order_id = api.recipe("IN-PROGRESS")
    assert _code(_put(api, order_id, "staticData", {"newdata": {"k": 1}})) == (409, "WORKFLOW-STATUS-ERROR")
    body = {"skey": "tax_id", "svalue": "1", "data": {}}
    assert _code(_put(api, order_id, "sensitiveData", body, user="keeper")) == (409, "WORKFLOW-STATUS-ERROR")


def test_o90_to_o94_yaml(api: Any) -> None:
    order_id = api.create({"staticdata": {"a": 1, "b": [1, 2]}})
    text = api.get(f"/orders/{order_id}?action=yamlStaticData").get_json()
    assert isinstance(text, str) and yaml.safe_load(text) == {"a": 1, "b": [1, 2]}
    expected = ["YAML-PARSER-ERROR", "STATIC-DATA-ERROR", "STATIC-DATA-ERROR", "STATIC-DATA-ERROR"]
    for body, code in zip(["k: [1", 5, "- 1\n- 2", "{}"], expected, strict=True):
        assert _code(_put(api, order_id, "yamlStaticData", {"newdata": body})) == (409, code)
    assert _put(api, order_id, "yamlStaticData", {"newdata": "a: 1\nb: 2020-01-01"}).get_json() == "OK"
    assert api.detail(order_id)["staticdata"] == {"a": 1, "b": "2020-01-01"}
    _put(api, order_id, "dynamicData", {"newdata": {"x": 1}})
    assert _put(api, order_id, "yamlDynamicData", {"newdata": "~"}).get_json() == "OK"
    assert api.get(f"/orders/{order_id}?action=yamlDynamicData").get_json() is None
    bomb = "a: &a [1]\n" + "".join(f"k{i}: *a\n" for i in range(200))
    assert _code(_put(api, order_id, "yamlDynamicData", {"newdata": bomb})) == (409, "YAML-PARSER-ERROR")
    assert _code(_put(api, order_id, "yamlDynamicData", {"newdata": "7"})) == (409, "DYNAMIC-DATA-ERROR")


SENSITIVE = {
    "skey": "tax_id",
    "svalue": "Q7X123TAX",
    "data": {"n": "x"},
    "aliases": ["alias-ZQW"],
    "meta": {"PURPOSE": "billing"},
}


def test_o95_to_o99_sensitive(api: Any, app: Any) -> None:
    order_id = api.recipe("READY")
    assert _put(api, order_id, "sensitiveData", SENSITIVE, user="keeper").get_json() == "OK"
    assert _code(_put(api, order_id, "sensitiveData", SENSITIVE, user="keeper", secure=False)) == (
        409,
        "SENSITIVE-DATA-ERROR",
    )
    no_skey = {k: v for k, v in SENSITIVE.items() if k != "skey"}
    assert _code(_put(api, order_id, "sensitiveData", no_skey, user="keeper")) == (400, "VALIDATION-ERROR")
    assert _put(api, order_id, "sensitiveData", SENSITIVE, user="opA").status_code == 403
    doc = api.detail(order_id, user="keeper")
    assert doc["sensitive_data"]["tax_id"]["Q7X123TAX"] == {
        "aliases": ["alias-ZQW"],
        "data": {"n": "x"},
        "meta": {"PURPOSE": "billing"},
    }
    insecure = api.detail(order_id, user="keeper", secure=False)
    assert "sensitive_data" not in insecure and insecure["has_sensitive_data"] is True
    assert "sensitive_data" not in api.detail(order_id, user="opA")
    base = f"/orders/{order_id}?action=yamlSensitiveData&skey=tax_id"
    found = api.get(f"{base}&svalue=Q7X123TAX", user="keeper").get_json()
    assert found == {"aliases": ["alias-ZQW"], "data": "n: x\n", "meta": {"PURPOSE": "billing"}}
    assert api.get(f"{base}&svalue=999", user="keeper").get_json() is None
    assert _code(api.get(base, user="keeper")) == (400, "VALIDATION-ERROR")
    assert _code(api.get(f"{base}&svalue=Q7X123TAX", user="keeper", secure=False)) == (
        409,
        "SENSITIVE-DATA-ERROR",
    )
    _assert_no_clear_text(app)
    body = {"skey": "tax_id", "svalue": "Q7X123TAX", "data": "n: y"}
    assert _put(api, order_id, "yamlSensitiveData", body, user="keeper").get_json() == "OK"
    assert api.detail(order_id, user="keeper")["sensitive_data"]["tax_id"]["Q7X123TAX"]["data"] == {"n": "y"}
    _put(api, order_id, "yamlSensitiveData", {"skey": "tax_id", "svalue": "Q7X123TAX"}, user="keeper")
    assert api.detail(order_id, user="keeper")["has_sensitive_data"] is False


def _assert_no_clear_text(app: Any) -> None:
    state = app.extensions["gateway"]
    with state.databases.meta.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM gw_order_sensitive")).all()
        rows += conn.execute(sa.text("SELECT * FROM gw_audit WHERE resource = 'order'")).all()
    text = " ".join(str(v) for row in rows for v in row)
    assert rows and "Q7X123TAX" not in text and "alias-ZQW" not in text and '"x"' not in text


def test_o100_o101_update_keys(api: Any) -> None:
    order_id = api.create({"staticdata": {"a": 1}, "orderkeys": {"customer": "C"}})
    reply = _put(api, order_id, "updateKeys", {"orderkeys": {"invoice": ["B1", "B2"]}})
    assert reply.status_code == 200 and reply.get_json() == {"invoice": ["B1", "B2"]}
    found = api.get("/orders?keyname=invoice&keyvalue=B2").get_json()["records"]
    assert [r["workflow_instanceid"] for r in found] == [order_id]
    assert api.detail(order_id)["keys"] == {"invoice": ["B1", "B2"]}
    assert _code(_put(api, order_id, "updateKeys", {"orderkeys": {"nope": "x"}})) == (400, "ORDER-KEY-ERROR")
    long = {"orderkeys": {"invoice": "v" * 4001}}
    assert _code(_put(api, order_id, "updateKeys", long)) == (400, "ORDER-KEY-ERROR")
    cut = _put(api, order_id, "updateKeys", {**long, "truncate": True}).get_json()
    assert len(cut["invoice"][0]) == 4000


@pytest.mark.parametrize("app_overrides", [{"secret_key": ""}])
def test_sensitive_key_derives_from_the_generated_secret(api: Any, app: Any) -> None:
    """Without `secret_key` and `sensitive_data_key` the Fernet key comes from the secret `gateway init`
    generated, so no two installs share it (never from a constant)."""
    import base64
    import hashlib
    import json

    from cryptography.fernet import Fernet, InvalidToken

    order_id = api.recipe("READY")
    assert _put(api, order_id, "sensitiveData", SENSITIVE, user="keeper").get_json() == "OK"
    state = app.extensions["gateway"]
    with state.databases.meta.begin() as conn:
        secret = conn.execute(sa.text("SELECT value FROM gw_secret")).scalar_one()
        stored = conn.execute(sa.text("SELECT data_enc FROM gw_order_sensitive")).scalar_one()
    expected = Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"orders.sensitive:" + bytes(secret)).digest()))
    assert json.loads(expected.decrypt(stored.encode())) == {"n": "x"}
    constant = Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"orders.sensitive:gateway").digest()))
    with pytest.raises(InvalidToken):
        constant.decrypt(stored.encode())
