"""Skip tokens of keyset paging: the sort values of a page's last row, signed so that they come back as
they left.

A token is `base64url(JSON payload) "." base64url(HMAC-SHA256)`; the payload holds a fingerprint of the
table and `$orderby` (a token only continues the order it was issued for) and the values, each tagged
with its Python type so that the driver receives exactly the value it produced. The signature is why
those values may be bound without a column type: a client can only return what the gateway issued.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson

from filter_grammar import ast, unparse
from gateway.errors import PagingError
from gateway.pipeline.types import ApiRequest, Position, ReadPlan

if TYPE_CHECKING:
    from gateway.pipeline.execute import Level

START = "start"
_MAX_TOKEN = 4096

# tag -> (type, to JSON, from JSON); bool before int (a bool is an int), datetime before date
_CODECS: tuple[tuple[str, type | tuple[type, ...], Callable[[Any], Any], Callable[[Any], Any]], ...] = (
    ("b", bool, bool, bool),
    ("i", int, int, int),
    ("f", float, repr, float),
    ("n", Decimal, str, Decimal),
    ("s", str, str, str),
    ("t", datetime, datetime.isoformat, datetime.fromisoformat),
    ("d", date, date.isoformat, date.fromisoformat),
    ("h", time, time.isoformat, time.fromisoformat),
    ("u", UUID, str, UUID),
    ("r", timedelta, lambda v: [v.days, v.seconds, v.microseconds], lambda v: timedelta(*v)),
    ("x", (bytes, memoryview), lambda v: base64.b64encode(bytes(v)).decode(), base64.b64decode),
)
_DECODERS = {tag: decode for tag, _, _, decode in _CODECS}


def fingerprint(table: str, orderby: tuple[ast.OrderItem, ...] | None) -> str:
    """What a token is bound to: the table and the canonical text of its `$orderby`."""
    items = ",".join(f"{unparse(i.expr)} {'desc' if i.descending else 'asc'}" for i in orderby or ())
    return hashlib.sha256(f"{table.lower()}|{items}".encode()).hexdigest()[:16]


class SkipTokens:
    """Issues and reads skip tokens with one app's signing key."""

    def __init__(self, key: bytes) -> None:
        self._key = hashlib.sha256(b"gateway.skiptoken:" + key).digest()

    def issue(self, fingerprint: str, values: Sequence[Any]) -> str | None:
        """The token after a row with these sort values (None when a value has no token form)."""
        try:
            encoded = [None if v is None else _encode(v) for v in values]
        except TypeError:
            return None
        payload = _b64(orjson.dumps([fingerprint, encoded]))
        return f"{payload}.{self._sign(payload)}"

    def after_page(self, req: ApiRequest, plan: ReadPlan, level: Level) -> str | None:
        """The next link's token: after the last row of a full keyset page (None on the last page)."""
        if not plan.keyset or not plan.page.size or len(level.rows) < plan.page.size:
            return None
        last = level.rows[-1]
        values = [last[i] for i in level.layout.sort_at]
        return self.issue(fingerprint(req.table, req.options.orderby), values)

    def for_request(self, req: ApiRequest) -> Position | None:
        """The position of the request's `$skiptoken` (None without one)."""
        if req.options.skiptoken is None:
            return None
        return self.position(req.options.skiptoken, fingerprint(req.table, req.options.orderby))

    def position(self, text: str, fingerprint: str) -> Position:
        """The position a `$skiptoken` value stands for; 400 PAGING-ERROR for anything not issued here
        for this table and order."""
        if text.strip().lower() == START:
            return Position()
        payload, _, signature = text.strip().partition(".")
        expected = self._sign(payload).encode()  # bytes: compare_digest refuses non-ASCII str
        if len(text) > _MAX_TOKEN or not hmac.compare_digest(expected, signature.encode()):
            raise PagingError("$skiptoken is not a token issued by this service", parameter="$skiptoken")
        try:
            issued_for, encoded = orjson.loads(_unb64(payload))
            values = tuple(None if v is None else _DECODERS[v[0]](v[1]) for v in encoded)
        except (ValueError, KeyError, TypeError, IndexError, binascii.Error):
            raise PagingError("$skiptoken cannot be read", parameter="$skiptoken") from None
        if issued_for != fingerprint:
            raise PagingError(
                "$skiptoken belongs to another table or $orderby; keep the next link's options",
                parameter="$skiptoken",
            )
        return Position(values)

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest()[:16])


def _encode(value: Any) -> list[Any]:
    for tag, kind, encode, _ in _CODECS:
        if isinstance(value, kind):
            return [tag, encode(value)]
    raise TypeError(type(value).__name__)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
