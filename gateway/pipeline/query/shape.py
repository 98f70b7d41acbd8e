"""The bounded per-app statement cache (LRU) and the request-shape key of reads.

A key holds the catalog version, dialect, action, table, policy fingerprint and the shapes of the options,
never a literal value: literals, tenant and org values, the key and the page are bound per request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from filter_grammar import shape_of
from gateway.pipeline.plan.values import is_uuid

if TYPE_CHECKING:
    from gateway.pipeline.plan.context import PlanContext
    from gateway.pipeline.types import ApiRequest


class StatementCache:
    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._entries:
                self.hits += 1
                self._entries.move_to_end(key)
                return self._entries[key]
            self.misses += 1
        value = build()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_size > 0:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            return count

    def __len__(self) -> int:
        return len(self._entries)


def read_shape(req: ApiRequest, ctx: PlanContext) -> Hashable:
    """Everything that shapes the statements of a read, and no literal value (architecture.md §2)."""
    o = req.options
    s = ctx.settings
    return (
        ctx.catalog.version,
        ctx.traits.name,
        req.action,
        req.table.lower(),
        None if req.key is None else is_uuid(req.key),
        (req.column or "").lower(),
        ctx.actor.policy.fingerprint,
        ctx.actor.is_system,
        shape_of(o.filter) if o.filter is not None else None,
        None if o.select is None else (o.select.star, tuple(sorted(i.name.lower() for i in o.select.items))),
        shape_of(o.orderby) if o.orderby else None,
        shape_of(o.expand) if o.expand else None,
        o.count,
        o.estimate,
        bool(o.top) or s.rest_max_records_size > 0,
        o.skip > 0,
        (s.rest_max_records_size, s.rest_columnname_tolowercase, s.rest_default_active_only, s.db_timezone,
         s.rest_filter_regex, s.rest_max_expand_depth, s.rest_max_expand_items),
    )  # fmt: skip


def locate(options: Any, locator: tuple[Any, ...]) -> Any:
    """The AST a binding came from: expand indexes, then `filter` or `orderby`."""
    for index in locator[:-1]:
        options = options.expand[index].options
    return getattr(options, locator[-1])
