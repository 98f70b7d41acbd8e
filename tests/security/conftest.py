"""Fixtures of the adversarial suite: timed requests checked for 5xx, slowness and leaked driver text."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
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
