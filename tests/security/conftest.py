"""Fixtures of the adversarial suite: timed requests checked for 5xx, slowness and leaked driver text."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sec_helpers import SECRET, assert_safe


@pytest.fixture
def app_overrides() -> dict[str, object]:
    """A 64-byte HS512 secret, so that tokens forged by the tests can share it without key warnings."""
    return {"secret_key": SECRET}


@pytest.fixture
def timed(client: Any) -> Callable[..., Any]:
    """timed("get", url, **kw) -> the reply, after checking it with `assert_safe`."""

    def _call(method: str, url: str, **kwargs: Any) -> Any:
        start = time.perf_counter()
        reply = getattr(client, method)(url, **kwargs)
        assert_safe(reply, time.perf_counter() - start, f"{method.upper()} {url!r}")
        return reply

    return _call


DEMO_PASSWORDS = {"SuperUser": "System"}  # every other demo user's password is its name


@pytest.fixture
def cheap_passwords(databases: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Demo users re-hashed with a 1 MiB, one-pass argon2id, for tests about throttling and tokens rather
    than hashing (the real cost makes a login take a second on a busy two-core runner)."""
    from argon2 import PasswordHasher

    from gateway.auth import passwords
    from gateway.meta.tables import core_tables

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    dummy = cheap.hash("dummy password for unknown users")
    monkeypatch.setattr(passwords, "_HASHER", cheap)
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: dummy)
    users = core_tables(sa.MetaData()).user
    with databases.meta.begin() as conn:
        for name, password_hash in conn.execute(sa.select(users.c.name, users.c.password_hash)).all():
            if password_hash:
                new = cheap.hash(DEMO_PASSWORDS.get(name, name))
                conn.execute(users.update().where(users.c.name == name).values(password_hash=new))
