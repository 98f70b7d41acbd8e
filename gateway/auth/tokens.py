"""Signing keys, token creation and verification, and the public JWK set.

Tokens are made and decoded by flask-jwt-extended with exactly one accepted algorithm (security.md §6.2).
Every decoding failure becomes a gateway error here; flask-jwt-extended's own error bodies never reach a
client. No database access: revocation checks live in `service.py`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
from flask import Flask
from flask_jwt_extended import JWTManager, create_access_token, create_refresh_token, decode_token
from flask_jwt_extended.exceptions import JWTExtendedException

from gateway.errors import AuthenticationError, TokenExpired, Unauthorized
from gateway.settings import Settings

HMAC_KID = "gateway"
LEEWAY_SECONDS = 10
_ASYMMETRIC = {
    "RS256": jwt.algorithms.RSAAlgorithm(jwt.algorithms.RSAAlgorithm.SHA256),
    "EdDSA": jwt.algorithms.OKPAlgorithm(),
}


@dataclass(frozen=True, slots=True)
class SigningKeys:
    """The configured algorithm, the signing key and every public key accepted for verification."""

    algorithm: str
    signing_key: Any  # HMAC secret bytes or a private key PEM
    kid: str
    verify_keys: tuple[tuple[str, Any], ...]  # (kid, key): current first, then previous public keys
    jwks: tuple[dict[str, str], ...] = ()  # public keys only; empty with HMAC

    @property
    def is_hmac(self) -> bool:
        return self.algorithm.startswith("HS")


def load_keys(settings: Settings, secret: bytes) -> SigningKeys:
    """HMAC with the secret, or the key pair named by the settings (RS256 / EdDSA)."""
    algorithm = settings.jwt_algorithm
    if algorithm.startswith("HS"):
        return SigningKeys(algorithm, secret, HMAC_KID, ((HMAC_KID, secret),))
    if algorithm not in _ASYMMETRIC:
        raise ValueError(f"unsupported GATEWAY_JWT_ALGORITHM {algorithm!r}")
    private_pem = Path(settings.jwt_private_key_file).read_bytes()
    private = _ASYMMETRIC[algorithm].prepare_key(private_pem)
    public = (
        _ASYMMETRIC[algorithm].prepare_key(Path(settings.jwt_public_key_file).read_bytes())
        if settings.jwt_public_key_file
        else private.public_key()
    )
    publics = [public] + [
        _ASYMMETRIC[algorithm].prepare_key(Path(p).read_bytes())
        for p in settings.jwt_previous_public_key_files
    ]
    jwks = tuple(public_jwk(key, algorithm) for key in publics)
    verify = tuple((jwk["kid"], key) for jwk, key in zip(jwks, publics, strict=True))
    return SigningKeys(algorithm, private, jwks[0]["kid"], verify, jwks)


def public_jwk(key: Any, algorithm: str) -> dict[str, str]:
    """A public JWK with its RFC 7638 thumbprint as `kid`; private members are never included."""
    full = json.loads(_ASYMMETRIC[algorithm].to_jwk(key))
    required = ("e", "kty", "n") if full["kty"] == "RSA" else ("crv", "kty", "x")
    canonical = json.dumps({k: full[k] for k in required}, separators=(",", ":"), sort_keys=True)
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    return {k: full[k] for k in required} | {"alg": algorithm, "use": "sig", "kid": kid}


def configure_jwt(app: Flask, settings: Settings, keys: SigningKeys) -> JWTManager:
    """flask-jwt-extended settings: one algorithm, issuer, leeway; keys chosen by `kid`."""
    app.config.update(
        JWT_ALGORITHM=keys.algorithm,
        JWT_DECODE_ALGORITHMS=[keys.algorithm],
        JWT_SECRET_KEY=keys.signing_key if keys.is_hmac else None,
        JWT_PRIVATE_KEY=None if keys.is_hmac else keys.signing_key,
        JWT_PUBLIC_KEY=None if keys.is_hmac else keys.verify_keys[0][1],
        JWT_ENCODE_ISSUER=settings.jwt_issuer,
        JWT_DECODE_ISSUER=settings.jwt_issuer,
        JWT_DECODE_LEEWAY=LEEWAY_SECONDS,
        JWT_TOKEN_LOCATION=["headers"],
        JWT_IDENTITY_CLAIM="sub",
        JWT_ERROR_MESSAGE_KEY="detail",
    )
    manager = JWTManager(app, add_context_processor=False)
    by_kid = dict(keys.verify_keys)
    manager.decode_key_loader(lambda header, _claims: by_kid.get(header.get("kid"), keys.verify_keys[0][1]))
    manager.encode_key_loader(lambda _identity: keys.signing_key)
    return manager


def issue_access(subject: str, claims: dict[str, Any], lifetime: timedelta, kid: str) -> str:
    return create_access_token(
        identity=subject, additional_claims=claims, expires_delta=lifetime, additional_headers={"kid": kid}
    )


def issue_refresh(subject: str, claims: dict[str, Any], lifetime: timedelta, kid: str) -> str:
    return create_refresh_token(
        identity=subject, additional_claims=claims, expires_delta=lifetime, additional_headers={"kid": kid}
    )


def decode(
    token: str, *, allow_expired: bool = False, error: type[Unauthorized] = AuthenticationError
) -> dict[str, Any]:
    """Verified claims; expiry raises TokenExpired, any other failure `error`."""
    try:
        return dict(decode_token(token, allow_expired=allow_expired))
    except jwt.ExpiredSignatureError as exc:
        raise (TokenExpired if error is AuthenticationError else error)("Token expired") from exc
    except (jwt.InvalidTokenError, JWTExtendedException, ValueError, TypeError, KeyError) as exc:
        raise error("Invalid token") from exc


def token_hash(jti: str) -> str:
    """Only the SHA-256 of a token id is stored."""
    return hashlib.sha256(jti.encode()).hexdigest()
