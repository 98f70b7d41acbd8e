"""Entity sets completed on first use, for schemas above `reflect_eager_max_tables`.

Startup still reads everything in a few bulk inspector calls (names, columns, keys, FKs, comments), but
builds SQLAlchemy tables only from the columns the FK graph needs (keys, FK columns, referenced columns):
building every `Column` of thousands of tables is what made startup slow, not the queries. The facts,
relations and tenant paths of every table are decided up front from those; a table's full `sa.Table` and
`EntitySet` are built the first time a request names it, under a lock, and published in one assignment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from gateway.catalog.model import EntitySet, Relation

__all__ = ["LazyEntitySets", "Skeleton"]


class LazyEntitySets(Mapping[str, EntitySet]):
    """A mapping whose names are known at once and whose values are built by their builders on first use."""

    def __init__(self, builders: Mapping[str, Callable[[], EntitySet]], built: Mapping[str, EntitySet] = {}):
        self._builders = dict(builders)
        self._built: dict[str, EntitySet] = dict(built)
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> EntitySet:
        found = self._built.get(name)
        if found is not None:
            return found
        build = self._builders[name]  # KeyError for an unknown name, like a dict
        with self._lock:  # one build per table, even when many requests want it at once
            found = self._built.get(name)
            if found is None:
                found = build()
                self._built[name] = found
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)

    def __contains__(self, name: object) -> bool:
        return name in self._builders

    def completed(self) -> frozenset[str]:
        """The names whose entity sets have been built so far."""
        return frozenset(self._built)

    def merged(self, extra: Iterable[EntitySet]) -> LazyEntitySets:
        """These entity sets plus ready-made ones (which replace same-named tables)."""
        ready = {es.name: es for es in extra}
        builders = {**self._builders, **{name: _constant(es) for name, es in ready.items()}}
        return LazyEntitySets(builders, {**self._built, **ready})


def _constant(es: EntitySet) -> Callable[[], EntitySet]:
    return lambda: es


@dataclass(frozen=True, slots=True)
class Skeleton:
    """What tenant paths need of a table, known before its entity set is built."""

    name: str
    tenant: str | None
    parents: tuple[Relation, ...]
