"""Login flow of api.md §3: two-step and one-step login, lookups, every 401 case, refresh, logout, jwk."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from werkzeug.security import generate_password_hash

from gateway.testing import bearer

AUTH = "/api/v1/auth"
MODELS = "/api/v1/models/c_bpartner"
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_passwords(request: pytest.FixtureRequest, databases: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Demo users re-hashed with a one-pass 1 MiB argon2id: these tests are about the login flow, and the
    real cost (kept for tests asking for the `real_hashes` fixture) makes logins slow on a busy runner."""
    if "real_hashes" in request.fixturenames:
        return
    from gateway.auth import passwords

    dummy = CHEAP.hash("dummy password for unknown users")
    monkeypatch.setattr(passwords, "_HASHER", CHEAP)
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: dummy)
    users = _users()
    with databases.meta.begin() as conn:
        for name, stored in conn.execute(sa.select(users.c.name, users.c.password_hash)).all():
            if stored:
                password = "System" if name == "SuperUser" else name
                conn.execute(
                    users.update().where(users.c.name == name).values(password_hash=CHEAP.hash(password))
                )


@pytest.fixture
def real_hashes() -> None:
    """Marker fixture: keep the demo users' real argon2id hashes."""


def _users() -> sa.Table:
    from gateway.meta.tables import core_tables

    return core_tables(sa.MetaData()).user


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


def test_auth_actor_is_kept_per_token_with_the_role_policy_of_the_moment(client: Any) -> None:
    """The Actor is built once per verified token; the session is checked and the role's policy looked up on
    every request, so a reloaded policy reaches the kept Actor and a closed session ends it."""
    from gateway.auth import authenticate
    from gateway.auth.service import POLICY_TTL

    state, token = _state(client), _session(client)["token"]
    with client.application.app_context():
        first = authenticate(state, token)
        assert authenticate(state, token) is first
        state.clock.advance(POLICY_TTL + 1)
        reloaded = authenticate(state, token)
        assert reloaded.policy is not first.policy and reloaded.policy == first.policy
        assert reloaded == first and authenticate(state, token) is reloaded
    assert client.post(f"{AUTH}/logout", json={"token": token}).status_code == 200
    _problem(client.get(MODELS, headers=bearer(token)), 401, "TOKEN-REVOKED")


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


def _state(client: Any) -> Any:
    return client.application.extensions["gateway"]


def _refresh(client: Any, session: dict[str, Any], token: str | None = None) -> Any:
    body = {"refresh_token": token or session["refresh_token"], "clientId": session["clientId"]}
    return client.post(f"{AUTH}/refresh", json=body | {"userId": session["userId"]})


def test_auth_refresh_idle_lifetime(client: Any) -> None:
    clock = _state(client).clock
    session = _session(client)
    clock.advance(1439 * 60)  # REST_REFRESH_TOKEN_EXPIRE_IN_MINUTES = 1440
    pair = _refresh(client, session)
    assert pair.status_code == 200, pair.get_json()
    clock.advance(1441 * 60)
    _problem(_refresh(client, session, pair.get_json()["refresh_token"]), 401, "REFRESH-ERROR")


@pytest.mark.parametrize(
    "app_overrides", [{"secret_key": "s" * 64, "rest_token_absolute_expire_in_minutes": 100}]
)
def test_auth_absolute_lifetime(client: Any) -> None:
    clock = _state(client).clock
    session = _session(client)
    clock.advance(90 * 60)
    pair = _refresh(client, session).get_json()
    claims = jwt.decode(pair["refresh_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] <= 10 * 60 + 1  # never beyond the session's absolute end
    assert client.get(MODELS, headers=bearer(pair["token"])).status_code == 200
    clock.advance(11 * 60)
    _problem(client.get(MODELS, headers=bearer(pair["token"])), 401, "TOKEN-REVOKED")
    _problem(_refresh(client, session, pair["refresh_token"]), 401, "REFRESH-ERROR")


def _close_sessions(client: Any, databases: Any, user: str, reason: str, **values: Any) -> None:
    """What `gateway users passwd|disable` do: change the user row and close its sessions."""
    from gateway.meta import sessions

    state, users = _state(client), _users()
    with databases.meta.begin() as conn:
        user_id = conn.execute(sa.select(users.c.id).where(users.c.name == user)).scalar_one()
        conn.execute(users.update().where(users.c.id == user_id).values(**values))
        sessions.close_sessions_of(conn, state.meta, state.clock.now(), reason, user_id=user_id)


@pytest.mark.parametrize(
    ("reason", "values"),
    [("P", {"password_hash": CHEAP.hash("new password 123")}), ("D", {"is_active": False})],
)
def test_auth_password_change_and_deactivation_close_sessions(
    client: Any, databases: Any, reason: str, values: dict[str, Any]
) -> None:
    session, other = _session(client), _session(client, "SeedAdmin", clientId=12, roleId="Seed Farm Admin")
    _close_sessions(client, databases, "GardenAdmin", reason, **values)
    _state(client).clock.advance(3)  # past the short per-worker reuse of a positive session check
    _problem(client.get(MODELS, headers=bearer(session["token"])), 401, "TOKEN-REVOKED")
    assert _refresh(client, session).status_code == 401
    assert client.get(MODELS, headers=bearer(other["token"])).status_code == 200
    _problem(_post(client, "GardenAdmin", "GardenAdmin"), 401, "AUTHENTICATION-ERROR")
    if reason == "P":
        assert _post(client, "GardenAdmin", "new password 123").status_code == 200


def test_auth_role_removed_closes_access(client: Any, databases: Any) -> None:
    state = _state(client)
    session = _session(client, "SeedAdmin", clientId=12, roleId="Seed Farm Admin")
    link = state.meta.user_role
    with databases.meta.begin() as conn:
        conn.execute(link.delete().where(link.c.role_id == session["roleId"]))
    state.clock.advance(3)
    _problem(client.get(MODELS, headers=bearer(session["token"])), 401, "TOKEN-REVOKED")
    _problem(_refresh(client, session), 401, "TOKEN-REVOKED")


def test_auth_lockout_retry_after_and_unlock(client: Any) -> None:
    clock = _state(client).clock
    for _ in range(5):
        _problem(_post(client, "GardenUser", "wrong"), 401, "AUTHENTICATION-ERROR")
    locked = _post(client, "GardenUser", "GardenUser")
    body = _problem(locked, 429, "ACCOUNT-LOCKED")
    assert locked.headers["Retry-After"] == "900" and body["retryAfter"] == 900
    clock.advance(600)
    later = _post(client, "GardenUser", "GardenUser")
    assert later.status_code == 429 and later.headers["Retry-After"] == "300"
    for _ in range(5):
        _post(client, "Ghost", "x")
    ghost = _post(client, "Ghost", "x")
    assert ghost.status_code == 429 and ghost.get_json()["type"] == "ACCOUNT-LOCKED"
    clock.advance(301)
    assert _post(client, "GardenUser", "GardenUser").status_code == 200
    for _ in range(4):
        _post(client, "GardenUser", "wrong")
    assert _post(client, "GardenUser", "GardenUser").status_code == 200  # success resets the count
    assert _post(client, "GardenUser", "wrong").status_code == 401


def test_auth_rate_limit_per_address(client: Any) -> None:
    def attempt(user: str, password: str, address: str) -> Any:
        return client.post(
            AUTH, json={"userName": user, "password": password}, environ_base={"REMOTE_ADDR": address}
        )

    for i in range(30):
        assert attempt(f"nobody{i}", "x", "192.0.2.9").status_code == 401
    limited = attempt("GardenAdmin", "GardenAdmin", "192.0.2.9")
    body = _problem(limited, 429, "RATE-LIMITED")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60 and body["retryAfter"] == int(
        limited.headers["Retry-After"]
    )
    assert attempt("GardenAdmin", "GardenAdmin", "192.0.2.10").status_code == 200
    _state(client).clock.advance(60)
    assert attempt("GardenAdmin", "GardenAdmin", "192.0.2.9").status_code == 200


def _key_file(tmp_path: Path, algorithm: str) -> tuple[Path, Any]:
    key: Any = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if algorithm == "RS256"
        else ed25519.Ed25519PrivateKey.generate()
    )
    path = tmp_path / "signing.pem"
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    return path, key


def _keyed_app(databases: Any, path: Path, algorithm: str, expose: bool) -> Any:
    from gateway.testing import make_test_app

    overrides = {
        "jwt_algorithm": algorithm,
        "jwt_private_key_file": str(path),
        "idempiere_rest_expose_jwk": expose,
    }
    return make_test_app(overrides, databases=databases).test_client()


@pytest.mark.parametrize(("algorithm", "kty"), [("RS256", "RSA"), ("EdDSA", "OKP")])
def test_auth_asymmetric_signing(databases: Any, tmp_path: Path, algorithm: str, kty: str) -> None:
    path, key = _key_file(tmp_path, algorithm)
    client = _keyed_app(databases, path, algorithm, True)
    session = _session(client)
    header = jwt.get_unverified_header(session["token"])
    assert header["alg"] == algorithm and header["kid"] != "gateway"
    public = key.public_key()
    claims = jwt.decode(session["token"], public, algorithms=[algorithm], options={"verify_aud": False})
    assert claims["scope"] == "session" and claims["AD_Client_ID"] == 11
    assert client.get(MODELS, headers=bearer(session["token"])).status_code == 200
    pair = _refresh(client, session)
    assert pair.status_code == 200 and jwt.get_unverified_header(pair.get_json()["token"])["alg"] == algorithm
    published = client.get(f"{AUTH}/jwk").get_json()["keys"]
    assert len(published) == 1 and published[0]["kid"] == header["kid"]
    assert published[0]["kty"] == kty and published[0]["alg"] == algorithm and published[0]["use"] == "sig"
    assert not {"d", "p", "q", "dp", "dq", "qi", "k"} & set(published[0])
    rebuilt = jwt.PyJWK(published[0]).key
    assert jwt.decode(session["token"], rebuilt, algorithms=[algorithm])["sub"] == "GardenAdmin"
    hidden = _keyed_app(databases, path, algorithm, False)
    assert hidden.get(f"{AUTH}/jwk").get_json() == {}


def _log_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)


def test_auth_password_storage(
    client: Any, databases: Any, real_hashes: None, caplog: pytest.LogCaptureFixture
) -> None:
    users = _users()
    with databases.meta.connect() as conn:
        stored = conn.execute(
            sa.select(users.c.password_hash).where(users.c.name == "GardenAdmin")
        ).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    for old in (generate_password_hash("Reader", method="pbkdf2:sha256"), CHEAP.hash("Reader")):
        with databases.meta.begin() as conn:
            conn.execute(users.update().where(users.c.name == "Reader").values(password_hash=old))
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            reply = _post(client, "Reader", "Reader")
            _post(client, "Reader", "not-the-password")
        assert reply.status_code == 200
        with databases.meta.connect() as conn:
            new = conn.execute(sa.select(users.c.password_hash).where(users.c.name == "Reader")).scalar_one()
        assert new != old and new.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        text = _log_text(caplog)
        assert "not-the-password" not in text and reply.get_json()["token"] not in text
