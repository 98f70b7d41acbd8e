"""The verified-token cache: one decode per token while unexpired; expiry goes back to the decoder; what a
caller derived from a token's claims lives and goes with them."""

from __future__ import annotations

import time

import pytest

from gateway.auth.verified import VerifiedTokens
from gateway.errors import TokenExpired


def test_a_token_is_decoded_once_while_unexpired() -> None:
    calls: list[str] = []

    def decode(token: str) -> dict[str, object]:
        calls.append(token)
        return {"exp": time.time() + 60, "sub": token}

    cache = VerifiedTokens()
    assert cache.claims("a", decode)["sub"] == "a"
    assert cache.claims("a", decode)["sub"] == "a"
    assert cache.claims("b", decode)["sub"] == "b"
    assert calls == ["a", "b"]


def test_an_expired_entry_is_decoded_again_and_its_error_surfaces() -> None:
    def first(token: str) -> dict[str, object]:
        return {"exp": time.time() - 3600}

    def expired(token: str) -> dict[str, object]:
        raise TokenExpired("Token expired")

    cache = VerifiedTokens()
    cache.claims("t", first)
    with pytest.raises(TokenExpired):
        cache.claims("t", expired)


def test_the_cache_is_bounded() -> None:
    cache = VerifiedTokens(max_entries=3)
    for name in "abcde":
        cache.claims(name, lambda t: {"exp": time.time() + 60})
    assert len(cache) == 3


def test_what_is_derived_from_a_token_goes_with_its_claims() -> None:
    cache = VerifiedTokens(max_entries=2)
    cache.keep("a", "not cached yet")  # nothing to keep it with
    assert cache.derived("a") is None
    cache.claims("a", lambda t: {"exp": time.time() + 60})
    cache.keep("a", "actor of a")
    assert cache.derived("a") == "actor of a" and cache.derived("b") is None
    for name in "bc":
        cache.claims(name, lambda t: {"exp": time.time() + 60})
    assert cache.derived("a") is None  # evicted with its claims
    cache.claims("d", lambda t: {"exp": time.time() - 3600})  # as decoded (the decoder judges expiry)
    cache.keep("d", "actor of d")
    assert cache.derived("d") == "actor of d"
    cache.claims("d", lambda t: {"exp": time.time() + 60})  # the cached claims expired: decoded again
    assert cache.derived("d") is None
