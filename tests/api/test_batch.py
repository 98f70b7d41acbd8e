"""POST /api/v1/batch: both transaction modes, both request forms, item results and BATCH-ERROR."""

from __future__ import annotations

import pytest

from tests.api.test_writes import count, rows

BATCH = "/api/v1/batch"
NEW_PARTNER = {
    "method": "POST",
    "path": "/api/v1/models/c_bpartner",
    "body": {"Value": "NEW1", "Name": "New One"},
}


@pytest.fixture
def app_overrides() -> dict[str, object]:
    return {"secret_key": "k" * 80, "rest_max_batch_size": 3}


def test_transaction_runs_all_items_and_reads_its_writes(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    etag = client.get("/api/v1/models/c_order/1042", headers=headers).headers["ETag"]
    body = {"transaction": True, "requests": [
        NEW_PARTNER,
        {"method": "PUT", "path": "v1/models/c_order/1042", "body": {"Description": "moved"},
         "headers": {"If-Match": etag}},
        {"method": "GET", "path": "/api/v1/models/c_order/1042?$select=Description"},
    ]}  # fmt: skip
    reply = client.post(BATCH, json=body, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    results = reply.get_json()
    assert [r["statusCode"] for r in results] == [201, 200, 200]
    assert [r["status"] for r in results] == ["Created", "OK", "OK"]
    assert results[0]["headers"]["Location"].startswith("/api/v1/models/c_bpartner/")
    assert results[0]["body"]["Name"] == "New One" and "ETag" in results[1]["headers"]
    assert results[2]["body"]["Description"] == "moved"
    assert count(databases, "C_BPartner", Value="NEW1") == 1


def test_transaction_rolls_back_at_the_first_failure(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    body = {"requests": [
        NEW_PARTNER,
        {"method": "PUT", "path": "/api/v1/models/c_order/999999", "body": {"Description": "x"}},
        {"method": "DELETE", "path": "/api/v1/models/c_bpartner/118"},
    ]}  # fmt: skip
    reply = client.post(BATCH, json=body, headers=login_as("GardenAdmin"))
    assert reply.status_code == 400
    results = reply.get_json()
    assert len(results) == 2 and results[0]["rolledBack"] is True and "rolledBack" not in results[1]
    assert results[1]["statusCode"] == 404 and results[1]["body"]["type"] == "RECORD-NOT-FOUND"
    assert count(databases, "C_BPartner", Value="NEW1") == 0


def test_without_transaction_each_item_stands_alone(client, login_as, databases) -> None:  # type: ignore[no-untyped-def]
    items = [
        NEW_PARTNER,
        {"method": "PATCH", "path": "/api/v1/models/c_order/1042", "body": {"Nope": 1}},
        {"method": "PATCH", "path": "/api/v1/models/c_order/1042", "body": {"Description": "later"}},
    ]
    reply = client.post(f"{BATCH}?transaction=false", json=items, headers=login_as("GardenAdmin"))
    assert reply.status_code == 200
    results = reply.get_json()
    assert [r["statusCode"] for r in results] == [201, 400, 200]
    assert results[1]["body"]["type"] == "UNKNOWN-COLUMN" and results[1]["status"] == "Bad Request"
    assert count(databases, "C_BPartner", Value="NEW1") == 1
    assert rows(databases, "C_Order", "Description", C_Order_ID=1042) == [("later",)]


def test_items_keep_the_callers_permissions(client, login_as) -> None:  # type: ignore[no-untyped-def]
    items = [{"method": "POST", "path": "/api/v1/models/m_product", "body": {"Value": "P"}}]
    reply = client.post(f"{BATCH}?transaction=false", json=items, headers=login_as("GardenUser"))
    assert reply.status_code == 200 and reply.get_json()[0]["statusCode"] == 403


@pytest.mark.parametrize(
    "body",
    [
        {"requests": [{"method": "HEAD", "path": "/api/v1/models/c_order"}]},
        {"requests": [{"method": "GET", "path": "/api/v1/auth/roles"}]},
        {"requests": [{"method": "POST", "path": "/api/v1/batch", "body": {"requests": []}}]},
        {
            "requests": [
                {"method": "GET", "path": "/api/v1/models/c_order", "headers": {"Authorization": "x"}}
            ]
        },
        {"requests": [{"method": "GET", "path": "/api/v1/models/c_order"}] * 4},
        {"requests": []},
        {"transaction": "yes", "requests": [{"method": "GET", "path": "/api/v1/models/c_order"}]},
        [42],
        "text",
    ],
)
def test_malformed_batches_run_nothing(client, login_as, databases, body) -> None:  # type: ignore[no-untyped-def]
    if isinstance(body, dict) and body.get("requests"):
        body = {**body, "requests": [NEW_PARTNER, *body["requests"]][:4]}
    reply = client.post(BATCH, json=body, headers=login_as("GardenAdmin"))
    assert reply.status_code == 400 and reply.get_json()["type"] == "BATCH-ERROR"
    assert count(databases, "C_BPartner", Value="NEW1") == 0


def test_unknown_item_routes_are_item_errors(client, login_as) -> None:  # type: ignore[no-untyped-def]
    items = [
        {"method": "POST", "path": "/api/v1/models/c_order/1042"},
        {"method": "GET", "path": "/api/v1/models/c_order/1042/DocumentNo"},
        {"method": "GET", "path": "/api/v1/models"},
    ]
    reply = client.post(f"{BATCH}?transaction=false", json=items, headers=login_as("GardenAdmin"))
    results = reply.get_json()
    assert [r["statusCode"] for r in results] == [405, 200, 200]
    assert results[1]["body"] == {"DocumentNo": "SO-1042"} or "SO-1042" in str(results[1]["body"])
