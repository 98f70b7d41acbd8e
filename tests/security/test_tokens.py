"""Token attacks (security.md §11 threats 11–15, 18): forgery, expiry, revocation, replay, API tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from sec_helpers import SECRET, problem

from gateway.testing import bearer

pytestmark = pytest.mark.usefixtures("cheap_passwords")
AUTH = "/api/v1/auth"
MODELS = "/api/v1/models/C_BPartner"


def _session(
    client: Any, user: str = "GardenAdmin", role: str = "GardenWorld Admin", cid: int = 11
) -> dict[str, Any]:
    params = {"clientId": cid, "roleId": role, "organizationId": 0}
    reply = client.post(AUTH, json={"userName": user, "password": user, "parameters": params})
    assert reply.status_code == 200, reply.get_json()
    return dict(reply.get_json())


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sign(claims: dict[str, Any], key: Any, algorithm: str = "HS512", **headers: Any) -> str:
    """A token signed by the attacker (short HMAC keys warn in PyJWT; that is the point here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jwt.encode(claims, key, algorithm=algorithm, headers=headers or None)


def _unsigned(claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def test_jwt_forgery(client: Any) -> None:
    token = _session(client)["token"]
    claims = _claims(token)
    assert client.get(MODELS, headers=bearer(token)).status_code == 200
    forged = [
        _unsigned(claims),
        _sign(claims, "wrong-secret-wrong-secret-wrong-secret-wrong!!", "HS512", kid="gateway"),
        _sign(claims, SECRET, "HS256", kid="gateway"),
        _sign(claims | {"iss": "someone-else"}, SECRET, "HS512", kid="gateway"),
        _sign(claims | {"AD_Client_ID": 12}, "x" * 64, "HS512", kid="gateway"),
        token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
        ".".join(
            [token.split(".")[0], _b64(json.dumps(claims | {"AD_Role_ID": 1}).encode()), token.split(".")[2]]
        ),
        "not-a-jwt",
        "",
    ]
    for index, bad in enumerate(forged):
        reply = client.get(MODELS, headers={"Authorization": f"Bearer {bad}"})
        assert reply.status_code == 401, (index, bad, reply.status_code)
        assert reply.headers["WWW-Authenticate"].startswith("Bearer")


def test_jwt_expired_beyond_leeway(client: Any) -> None:
    claims = _claims(_session(client)["token"])
    now = int(time.time())
    expired = _sign(claims | {"iat": now - 100, "nbf": now - 100, "exp": now - 11}, SECRET, kid="gateway")
    problem(client.get(MODELS, headers=bearer(expired)), 401, "TOKEN-EXPIRED")
    within = _sign(claims | {"exp": now - 2}, SECRET, "HS512", kid="gateway")
    assert client.get(MODELS, headers=bearer(within)).status_code == 200  # leeway 10 s


def test_step1_scope(client: Any) -> None:
    step1 = client.post(AUTH, json={"userName": "GardenAdmin", "password": "GardenAdmin"}).get_json()["token"]
    problem(client.get(MODELS, headers=bearer(step1)), 401, "AUTH-SCOPE-ERROR")
    problem(client.get("/api/v1/caches", headers=bearer(step1)), 401, "AUTH-SCOPE-ERROR")
    session = _session(client)
    problem(client.put(AUTH, json={"clientId": 11, "roleId": 1}, headers=bearer(session["token"])), 401)
    problem(client.get(MODELS, headers=bearer(session["refresh_token"])), 401)


def test_logout_revokes_everywhere(app: Any, client: Any, databases: Any) -> None:
    from gateway.app import create_app
    from gateway.jobs.clock import FixedClock

    session = _session(client)
    token = bearer(session["token"])
    clock = FixedClock()
    other = create_app({"secret_key": SECRET}, databases=databases, clock=clock).test_client()
    assert other.get(MODELS, headers=token).status_code == 200
    assert client.post(f"{AUTH}/logout", headers=token).get_json() == {"summary": "OK"}
    problem(client.get(MODELS, headers=token), 401, "TOKEN-REVOKED")
    clock.advance(3)  # the other worker's positive check is reused for at most 2 s
    problem(other.get(MODELS, headers=token), 401, "TOKEN-REVOKED")
    refresh = {"refresh_token": session["refresh_token"], "clientId": 11, "userId": session["userId"]}
    assert client.post(f"{AUTH}/refresh", json=refresh).status_code == 401
    assert client.post(f"{AUTH}/logout", headers=token).status_code == 200  # idempotent


def _deactivate(databases: Any, app: Any, table: str, **where: Any) -> None:
    meta = app.extensions["gateway"].meta
    t = getattr(meta, table)
    with databases.meta.begin() as conn:
        conn.execute(t.update().where(*(t.c[k] == v for k, v in where.items())).values(is_active=False))


def test_disabled_user_or_role_is_revoked(app: Any, client: Any, databases: Any) -> None:
    state = app.extensions["gateway"]
    user_token = bearer(_session(client)["token"])
    seed_token = bearer(_session(client, "SeedAdmin", "Seed Farm Admin", 12)["token"])
    _deactivate(databases, app, "user", name="GardenAdmin")
    _deactivate(databases, app, "role", name="Seed Farm Admin")
    state.clock.advance(3)
    problem(client.get(MODELS, headers=user_token), 401, "TOKEN-REVOKED")
    problem(client.get(MODELS, headers=seed_token), 401, "TOKEN-REVOKED")


def test_refresh_replay_revokes_chain(client: Any) -> None:
    session = _session(client)
    ids = {"clientId": 11, "userId": session["userId"]}
    first = client.post(f"{AUTH}/refresh", json={"refresh_token": session["refresh_token"], **ids})
    assert first.status_code == 200, first.get_json()
    pair = first.get_json()
    assert client.get(MODELS, headers=bearer(pair["token"])).status_code == 200
    problem(
        client.post(f"{AUTH}/refresh", json={"refresh_token": session["refresh_token"], **ids}),
        401,
        "REFRESH-REUSED",
    )
    assert (
        client.post(f"{AUTH}/refresh", json={"refresh_token": pair["refresh_token"], **ids}).status_code
        == 401
    )
    problem(client.get(MODELS, headers=bearer(pair["token"])), 401, "TOKEN-REVOKED")
    other = _session(client)
    for body in ({"clientId": 12, "userId": other["userId"]}, {"clientId": 11, "userId": 999}, {}):
        problem(client.post(f"{AUTH}/refresh", json={"refresh_token": other["refresh_token"], **body}), 401)


def _key_files(tmp_path: Path, algorithm: str) -> tuple[Path, Any]:
    if algorithm == "RS256":
        key: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        key = ed25519.Ed25519PrivateKey.generate()
    path = tmp_path / f"{algorithm}.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return path, key


@pytest.mark.parametrize("algorithm", ["RS256", "EdDSA"])
def test_asymmetric_signing_and_jwk(databases: Any, tmp_path: Path, algorithm: str) -> None:
    from gateway.app import create_app
    from gateway.jobs.clock import FixedClock

    path, key = _key_files(tmp_path, algorithm)
    overrides = {
        "jwt_algorithm": algorithm,
        "jwt_private_key_file": str(path),
        "idempiere_rest_expose_jwk": True,
    }
    client = create_app(overrides, databases=databases, clock=FixedClock()).test_client()
    token = _session(client)["token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == algorithm
    assert client.get(MODELS, headers=bearer(token)).status_code == 200
    keys = client.get(f"{AUTH}/jwk").get_json()["keys"]
    assert len(keys) == 1 and keys[0]["kid"] == header["kid"] and keys[0]["alg"] == algorithm
    allowed = (
        {"kty", "n", "e", "alg", "kid", "use"}
        if algorithm == "RS256"
        else {"kty", "crv", "x", "alg", "kid", "use"}
    )
    assert set(keys[0]) == allowed
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = _claims(token)
    json.dumps(claims).encode()
    forged = [
        _unsigned(claims),
        _confused(json.dumps(claims).encode(), public_pem, header["kid"]),
        _sign(claims, SECRET, "HS512", kid="gateway"),
    ]
    for bad in forged:
        assert client.get(MODELS, headers=bearer(bad)).status_code == 401, bad


def test_jwk_never_returns_an_hmac_secret(databases: Any) -> None:
    from gateway.app import create_app
    from gateway.jobs.clock import FixedClock

    overrides = {"secret_key": SECRET, "idempiere_rest_expose_jwk": True}
    client = create_app(overrides, databases=databases, clock=FixedClock()).test_client()
    reply = client.get(f"{AUTH}/jwk")
    assert reply.get_json() == {} and SECRET not in reply.get_data(as_text=True)


def _issue(client: Any, headers: dict[str, str], **body: Any) -> Any:
    return client.post("/api/v1/apitokens", json=body, headers=headers)


def test_api_tokens(app: Any, client: Any, databases: Any, login_as: Callable[..., dict[str, str]]) -> None:
    admin = login_as("GardenAdmin")
    issued = _issue(client, admin, userName="Reader", roleId="GardenWorld Reader", name="ci", expiresInDays=2)
    assert issued.status_code == 201, issued.get_json()
    body = issued.get_json()
    token = body["token"]
    assert token.startswith("gwt_") and len(token) == 47 and set(body) == {"id", "name", "token", "expiresAt"}
    meta = app.extensions["gateway"].meta
    with databases.meta.connect() as conn:
        stored = [tuple(str(v) for v in row) for row in conn.execute(sa.select(meta.api_token))]
    assert stored and not any(token in value or token[4:] in value for row in stored for value in row)
    assert client.get(MODELS, headers=bearer(token)).status_code == 200
    problem(client.post(MODELS, json={"Value": "X", "Name": "X"}, headers=bearer(token)), 403)
    problem(client.get("/api/v1/models/M_Product", headers=bearer(token)), 403)
    assert client.get(f"{AUTH}/roles?client=11", headers=bearer(token)).status_code == 401
    listing = client.get("/api/v1/apitokens", headers=admin)
    assert listing.status_code == 200 and token not in listing.get_data(as_text=True)
    assert listing.get_json()["records"][0]["prefix"] == token[:12]
    assert client.delete(f"/api/v1/apitokens/{body['id']}", headers=admin).get_json() == {"msg": "Revoked"}
    problem(client.get(MODELS, headers=bearer(token)), 401, "TOKEN-REVOKED")


def test_api_token_expiry_permissions_and_tenants(
    app: Any, client: Any, login_as: Callable[..., dict[str, str]]
) -> None:
    state = app.extensions["gateway"]
    admin, seed = login_as("GardenAdmin"), login_as("SeedAdmin")
    token = _issue(client, admin, userName="Reader", roleId="GardenWorld Reader", expiresInDays=1).get_json()[
        "token"
    ]
    assert client.get(MODELS, headers=bearer(token)).status_code == 200
    state.clock.advance(86400 + 1)
    problem(client.get(MODELS, headers=bearer(token)), 401)
    problem(_issue(client, login_as("GardenUser"), userName="Reader", roleId="GardenWorld Reader"), 403)
    problem(_issue(client, seed, userName="Reader", roleId="GardenWorld Reader"), 400)
    problem(_issue(client, seed, userName="Reader", roleId="GardenWorld Reader", clientId=11), 403)
    assert client.get("/api/v1/apitokens", headers=seed).get_json()["records"] == []
    own = _issue(client, admin, userName="Reader", roleId="GardenWorld Reader").get_json()["id"]
    problem(client.delete(f"/api/v1/apitokens/{own}", headers=seed), 404)


def _confused(payload: bytes, public_pem: bytes, kid: str) -> str:
    """HS256 keyed with the public key PEM: the classic RS/HS confusion (PyJWT refuses to make it)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    signing_input = f"{header}.{_b64(payload)}".encode()
    return f"{signing_input.decode()}.{_b64(hmac.new(public_pem, signing_input, hashlib.sha256).digest())}"
