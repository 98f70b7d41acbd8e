"""Entity sets completed on first use, for schemas above `reflect_eager_max_tables`.

The names, facts, FK graph and tenant paths of every table are known at startup (from the outline, see
outline.py); a table's `sa.Table` and `EntitySet` are reflected and built the first time a request needs
it, under that table's lock, and published in one assignment: concurrent first requests wait for the one
build and all get the same EntitySet. Walking every value (model listing, OpenAPI, `$metadata`) first
completes all missing tables in one bulk build instead of one round trip per table.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView
from dataclasses import dataclass

from gateway.catalog.model import EntitySet, Relation
from gateway.errors import TableNotFound

__all__ = ["Builder", "LazyEntitySets", "Skeleton"]

# Builds the entity sets of the given names; a name missing from the result has gone from the database.
Builder = Callable[[Sequence[str]], Mapping[str, EntitySet]]


class LazyEntitySets(Mapping[str, EntitySet]):
    """A mapping whose names are known at once and whose values are built by `build` on first use."""

    def __init__(self, names: Iterable[str], build: Builder, ready: Mapping[str, EntitySet] | None = None):
        self._build = build
        self._built: dict[str, EntitySet] = dict(ready or {})
        self._names = tuple(dict.fromkeys((*names, *self._built)))
        self._locks = {name: threading.Lock() for name in self._names}
        self._batch = threading.Lock()

    def __getitem__(self, name: str) -> EntitySet:
        found = self._built.get(name)
        if found is not None:
            return found
        with self._locks[name]:  # KeyError for an unknown name, like a dict
            found = self._built.get(name)
            if found is None:
                found = self._build((name,)).get(name)
                if found is None:
                    raise TableNotFound(f"Table {name} is no longer in the database (reload the catalog)")
                self._built[name] = found  # published in one assignment, complete
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._locks

    def values(self) -> ValuesView[EntitySet]:
        self.complete()
        return super().values()

    def items(self) -> ItemsView[str, EntitySet]:
        self.complete()
        return super().items()

    def complete(self) -> None:
        """Build every missing entity set in one batch (a table built meanwhile keeps its first build)."""
        with self._batch:
            missing = [name for name in self._names if name not in self._built]
            if not missing:
                return
            for name, es in self._build(missing).items():
                with self._locks[name]:
                    self._built.setdefault(name, es)

    def completed(self) -> frozenset[str]:
        """The names whose entity sets have been built so far."""
        return frozenset(self._built)

    def merged(self, extra: Iterable[EntitySet]) -> LazyEntitySets:
        """These entity sets plus ready-made ones (which replace same-named tables)."""
        return LazyEntitySets(self._names, self._build, {**self._built, **{es.name: es for es in extra}})


@dataclass(frozen=True, slots=True)
class Skeleton:
    """What tenant paths need of a table, known before its entity set is built."""

    name: str
    tenant: str | None
    parents: tuple[Relation, ...]
