"""A per-app cache of verified access-token claims, so a token's signature is checked once, not per request.

Keyed by the exact token text (a different byte is a different key and is verified in full); an entry is used
only while the token's `exp` (plus the decode leeway) lies ahead, so expiry still answers TOKEN-EXPIRED.
Revocation is not decided here: the session check runs on every request as before. An entry also keeps
what the caller derived from its claims (`derived`, `keep`): the Actor, so that it is not rebuilt from the
claims on every request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

_MAX_ENTRIES = 4096
_LEEWAY_SECONDS = 10  # the same leeway the decoder grants


class _Entry:
    __slots__ = ("claims", "derived")

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims
        self.derived: Any = None


class VerifiedTokens:
    def __init__(self, max_entries: int = _MAX_ENTRIES) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def claims(self, token: str, decode: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        """The claims of `token`: from the cache while unexpired, else `decode(token)` (which may raise)."""
        with self._lock:
            hit = self._entries.get(token)
            if hit is not None:
                self._entries.move_to_end(token)
        if hit is not None and _unexpired(hit.claims):
            return hit.claims
        claims = decode(token)
        with self._lock:
            self._entries[token] = _Entry(claims)
            self._entries.move_to_end(token)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return claims

    def derived(self, token: str) -> Any:
        """What `keep` stored for `token` since its claims were cached, or None."""
        entry = self._entries.get(token)
        return None if entry is None else entry.derived

    def keep(self, token: str, value: Any) -> None:
        """Store `value` with `token`'s cached claims (dropped with them)."""
        entry = self._entries.get(token)
        if entry is not None:
            entry.derived = value

    def forget(self, token: str) -> None:
        with self._lock:
            self._entries.pop(token, None)

    def __len__(self) -> int:
        return len(self._entries)


def _unexpired(claims: dict[str, Any]) -> bool:
    # wall-clock time, like the JWT library's own `exp` check that admitted the token
    exp = claims.get("exp")
    return isinstance(exp, int | float) and time.time() <= exp + _LEEWAY_SECONDS
