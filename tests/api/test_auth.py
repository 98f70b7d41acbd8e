"""Login flow of api.md §3: two-step and one-step login, lookups, every 401 case, refresh, logout, jwk."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.testing import bearer

AUTH = "/api/v1/auth"


def _post(client: Any, user: str, password: str, **extra: Any) -> Any:
    return client.post(AUTH, json={"userName": user, "password": password, **extra})


def _step1(client: Any, user: str = "GardenAdmin", password: str = "GardenAdmin") -> str:
    reply = _post(client, user, password)
    assert reply.status_code == 200, reply.get_json()
    return str(reply.get_json()["token"])


def _session(client: Any, user: str = "GardenAdmin", **params: Any) -> dict[str, Any]:
    params = {"clientId": 11, "roleId": "GardenWorld Admin", "organizationId": 0} | params
    reply = _post(client, user, user, parameters=params)
    assert reply.status_code == 200, reply.get_json()
    return dict(reply.get_json())


def _problem(reply: Any, status: int, code: str) -> dict[str, Any]:
    body = reply.get_json()
    assert reply.status_code == status, body
    assert body["type"] == code, body
    assert body["status"] == status
    return dict(body)


def test_auth_two_step_login(client: Any) -> None:
    reply = _post(client, "GardenAdmin", "GardenAdmin")
    assert reply.status_code == 200
    assert reply.headers["Cache-Control"] == "no-store"
    body = reply.get_json()
    assert body["clients"] == [{"id": 11, "name": "GardenWorld"}]
    roles = client.get(f"{AUTH}/roles?client=11", headers=bearer(body["token"]))
    assert roles.get_json() == {
        "roles": [{"id": roles.get_json()["roles"][0]["id"], "name": "GardenWorld Admin"}]
    }
    role_id = roles.get_json()["roles"][0]["id"]
    step2 = client.put(AUTH, headers=bearer(body["token"]), json={"clientId": 11, "roleId": role_id})
    assert step2.status_code == 200, step2.get_json()
    session = step2.get_json()
    assert set(session) == {
        "userId",
        "clientId",
        "roleId",
        "organizationId",
        "language",
        "token",
        "refresh_token",
    }
    assert (session["clientId"], session["roleId"], session["organizationId"]) == (11, role_id, 0)
    assert client.get("/api/v1/models", headers=bearer(session["token"])).status_code == 200


def test_auth_one_step_with_names(client: Any) -> None:
    by_name = _session(client, clientId="GardenWorld", roleId="GardenWorld Admin", organizationId="*")
    assert by_name["clientId"] == 11 and by_name["organizationId"] == 0
    assert client.get("/api/v1/models", headers=bearer(by_name["token"])).status_code == 200


def test_auth_admin_role_offers_system_and_every_tenant(client: Any) -> None:
    clients = _post(client, "SuperUser", "System").get_json()["clients"]
    ids = {c["id"] for c in clients}
    assert {0, 11, 12} <= ids
    assert {"id": 0, "name": "System"} in clients
    assert [c["name"].lower() for c in clients] == sorted(c["name"].lower() for c in clients)


def test_auth_lookups(client: Any) -> None:
    token = _step1(client, "GardenUser", "GardenUser")
    role = client.get(f"{AUTH}/roles?client=11", headers=bearer(token)).get_json()["roles"][0]
    assert role["name"] == "GardenWorld User"
    orgs = client.get(f"{AUTH}/organizations?client=11&role={role['id']}", headers=bearer(token)).get_json()
    assert [o["id"] for o in orgs["organizations"]] == [0, 50001]
    assert orgs["organizations"][0] == {"id": 0, "name": "*"}
    houses = client.get(
        f"{AUTH}/warehouses?client=11&role={role['id']}&organization=50001", headers=bearer(token)
    )
    assert houses.status_code == 200 and isinstance(houses.get_json()["warehouses"], list)
    language = client.get(f"{AUTH}/language?client=11", headers=bearer(token)).get_json()
    assert set(language) == {"AD_Language"} and language["AD_Language"]


def test_auth_lookup_errors(client: Any) -> None:
    token = _step1(client)
    _problem(client.get(f"{AUTH}/roles", headers=bearer(token)), 400, "INVALID-OPTION")
    _problem(client.get(f"{AUTH}/roles?client=12", headers=bearer(token)), 401, "AUTHENTICATION-ERROR")
    reply = client.get(f"{AUTH}/organizations?client=11&role=999999", headers=bearer(token))
    assert _problem(reply, 401, "AUTHENTICATION-ERROR")["detail"] == "Invalid role"


@pytest.mark.parametrize(
    ("user", "password"),
    [("GardenAdmin", "wrong"), ("NoSuchUser", "whatever"), ("gardenadmin", "gardenadmin")],
)
def test_auth_bad_credentials_same_answer(client: Any, user: str, password: str) -> None:
    body = _problem(_post(client, user, password), 401, "AUTHENTICATION-ERROR")
    assert body["detail"] == "Invalid user name or password"


def test_auth_body_errors(client: Any) -> None:
    _problem(client.post(AUTH, json={"userName": "GardenAdmin"}), 400, "BODY-ERROR")
    _problem(client.post(AUTH, json={"userName": 1, "password": "x"}), 400, "BODY-ERROR")
    _problem(client.post(AUTH, json=[1]), 400, "BODY-ERROR")


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"clientId": 12}, "Invalid clientId"),
        ({"roleId": None}, "Missing roleId parameter"),
        ({"roleId": "No Such Role"}, "Role name not found"),
        ({"roleId": 999999}, "Invalid roleId"),
        ({"organizationId": 424242}, "Invalid organizationId"),
        ({"warehouseId": 424242}, "Invalid warehouseId"),
        ({"language": "english"}, "Invalid language"),
    ],
)
def test_auth_invalid_parameters(client: Any, params: dict[str, Any], detail: str) -> None:
    base = {"clientId": 11, "roleId": "GardenWorld Admin", "organizationId": 0}
    reply = _post(client, "GardenAdmin", "GardenAdmin", parameters=base | params)
    assert _problem(reply, 401, "AUTHENTICATION-ERROR")["detail"] == detail
    assert reply.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_auth_org_outside_role(client: Any) -> None:
    token = _step1(client, "GardenUser", "GardenUser")
    reply = client.put(
        AUTH,
        headers=bearer(token),
        json={"clientId": 11, "roleId": "GardenWorld User", "organizationId": 50000},
    )
    _problem(reply, 401, "AUTHENTICATION-ERROR")


def test_auth_token_failures(client: Any) -> None:
    _problem(client.get("/api/v1/models"), 401, "AUTHENTICATION-ERROR")
    _problem(
        client.get("/api/v1/models", headers={"Authorization": "Basic abc"}), 401, "AUTHENTICATION-ERROR"
    )
    _problem(client.get("/api/v1/models", headers=bearer("not.a.jwt")), 401, "AUTHENTICATION-ERROR")
    token = _session(client)["token"]
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[::-1]}"
    _problem(client.get("/api/v1/models", headers=bearer(forged)), 401, "AUTHENTICATION-ERROR")


def test_auth_step1_token_scope(client: Any) -> None:
    step1 = _step1(client)
    _problem(client.get("/api/v1/models", headers=bearer(step1)), 401, "AUTH-SCOPE-ERROR")
    session = _session(client)["token"]
    reply = client.put(AUTH, headers=bearer(session), json={"clientId": 11, "roleId": "GardenWorld Admin"})
    _problem(reply, 401, "AUTH-SCOPE-ERROR")


def test_auth_step1_token_opens_several_sessions(client: Any) -> None:
    step1 = _step1(client)
    first = client.put(AUTH, headers=bearer(step1), json={"clientId": 11, "roleId": "GardenWorld Admin"})
    second = client.put(AUTH, headers=bearer(step1), json={"clientId": 11, "roleId": "GardenWorld Admin"})
    assert first.status_code == second.status_code == 200
    assert first.get_json()["token"] != second.get_json()["token"]


def test_auth_refresh_rotation_and_replay(client: Any) -> None:
    session = _session(client)
    ids = {"clientId": 11, "userId": session["userId"]}
    first = client.post(f"{AUTH}/refresh", json={"refresh_token": session["refresh_token"], **ids})
    assert first.status_code == 200, first.get_json()
    pair = first.get_json()
    assert set(pair) == {"token", "refresh_token"} and pair["refresh_token"] != session["refresh_token"]
    assert client.get("/api/v1/models", headers=bearer(pair["token"])).status_code == 200
    replay = client.post(f"{AUTH}/refresh", json={"refresh_token": session["refresh_token"], **ids})
    _problem(replay, 401, "REFRESH-REUSED")
    _problem(client.get("/api/v1/models", headers=bearer(pair["token"])), 401, "TOKEN-REVOKED")
    again = client.post(f"{AUTH}/refresh", json={"refresh_token": pair["refresh_token"], **ids})
    assert again.status_code == 401


def test_auth_refresh_errors(client: Any) -> None:
    session = _session(client)
    token = session["refresh_token"]
    _problem(client.post(f"{AUTH}/refresh", json={"refresh_token": token}), 401, "REFRESH-ERROR")
    wrong = {"refresh_token": token, "clientId": 12, "userId": session["userId"]}
    _problem(client.post(f"{AUTH}/refresh", json=wrong), 401, "REFRESH-ERROR")
    _problem(client.post(f"{AUTH}/refresh", json={"refresh_token": "x.y.z"}), 401, "REFRESH-ERROR")
    as_access = {"refresh_token": session["token"], "clientId": 11, "userId": session["userId"]}
    _problem(client.post(f"{AUTH}/refresh", json=as_access), 401, "REFRESH-ERROR")
    assert client.get("/api/v1/models", headers=bearer(token)).status_code == 401


def test_auth_logout(client: Any) -> None:
    token = _session(client)["token"]
    assert client.get("/api/v1/models", headers=bearer(token)).status_code == 200
    reply = client.post(f"{AUTH}/logout", json={"token": token})
    assert reply.status_code == 200 and reply.get_json() == {"summary": "OK"}
    assert reply.headers["Cache-Control"] == "no-store"
    _problem(client.get("/api/v1/models", headers=bearer(token)), 401, "TOKEN-REVOKED")
    assert client.post(f"{AUTH}/logout", headers=bearer(token)).status_code == 200
    _problem(client.post(f"{AUTH}/logout", json={"token": "garbage"}), 401, "AUTHENTICATION-ERROR")


def test_auth_logout_revokes_refresh_chain(client: Any) -> None:
    session = _session(client)
    client.post(f"{AUTH}/logout", json={"token": session["token"]})
    body = {"refresh_token": session["refresh_token"], "clientId": 11, "userId": session["userId"]}
    assert client.post(f"{AUTH}/refresh", json=body).status_code == 401


def test_auth_jwk_hmac_is_empty(client: Any) -> None:
    reply = client.get(f"{AUTH}/jwk")
    assert reply.status_code == 200 and reply.get_json() == {}


def test_auth_tokens_mount_is_identical(client: Any) -> None:
    reply = client.post(f"{AUTH}/tokens", json={"userName": "GardenAdmin", "password": "GardenAdmin"})
    assert reply.status_code == 200 and reply.get_json()["clients"] == [{"id": 11, "name": "GardenWorld"}]


def test_auth_lockout_after_failures(client: Any) -> None:
    for _ in range(5):
        _problem(_post(client, "SeedAdmin", "wrong"), 401, "AUTHENTICATION-ERROR")
    locked = _post(client, "SeedAdmin", "SeedAdmin")
    _problem(locked, 429, "ACCOUNT-LOCKED")
    assert int(locked.headers["Retry-After"]) > 0
