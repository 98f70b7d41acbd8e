"""Password hashing (argon2id) and verification, including werkzeug hashes of imported users.

No I/O and no logging: callers store the hashes and never log passwords.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

_HASHER = PasswordHasher()  # RFC 9106 low-memory profile: time cost 3, 64 MiB, parallelism 4
_WERKZEUG_PREFIXES = ("scrypt:", "pbkdf2:")


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    new_hash: str | None = None  # set when the stored hash should be replaced (rehash on login)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> Verdict:
    """Check `password` against `stored`; None (unknown user, service account) burns the same time."""
    if not stored:
        _verify_argon2(_dummy_hash(), password)
        return Verdict(False)
    if stored.startswith(_WERKZEUG_PREFIXES):
        ok = check_password_hash(stored, password)
        return Verdict(ok, hash_password(password) if ok else None)
    if not _verify_argon2(stored, password):
        return Verdict(False)
    return Verdict(True, hash_password(password) if _HASHER.check_needs_rehash(stored) else None)


def _verify_argon2(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """Verified for unknown users so that the response time does not tell whether a name exists."""
    return _HASHER.hash("dummy password for unknown users")
