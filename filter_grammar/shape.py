"""Shapes and literal lists of ASTs, for the statement cache (architecture.md §2).

`shape_of` keeps structure, names and literal kinds but drops literal values (boolean literals keep theirs:
`p eq true` and `p eq false` compile differently). `literals_of` lists the dropped values in the order the
compiler numbers them, so a cached statement can be re-bound.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from filter_grammar import ast


class _ByIdentity:
    """The results of a pure function of immutable ASTs, by object identity. The parse cache hands the
    same AST to every request with the same option text, and these walks run on each of those requests
    (5 to 12 us for a filter and its ordering). An entry holds its AST, so no id is reused while it is
    cached; bounded, emptied when full."""

    def __init__(self, fn: Callable[[Any], Any], limit: int = 4096) -> None:
        self._fn = fn
        self._limit = limit
        self._entries: dict[int, tuple[Any, Any]] = {}

    def __call__(self, node: Any) -> Any:
        entry = self._entries.get(id(node))
        if entry is not None and entry[0] is node:
            return entry[1]
        value = self._fn(node)
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[id(node)] = (node, value)
        return value


def shape_of(node: Any) -> Hashable:
    """Hashable structure of an AST node (or tuple of nodes) without literal values or positions."""
    return _shapes(node)  # type: ignore[no-any-return]


def _shape(node: Any) -> Hashable:
    if isinstance(node, tuple):
        return tuple(_shape(n) for n in node)
    if isinstance(node, ast.Literal):
        return ("Literal", node.kind.value, node.value if node.kind is ast.LitKind.BOOL else None)
    names = _shaping_fields(node.__class__)
    if names is None:
        return node  # type: ignore[no-any-return]
    return (type(node).__name__, *(_shape(getattr(node, name)) for name in names))


_shapes = _ByIdentity(_shape)


def literal_nodes(node: Any) -> Iterator[ast.Literal]:
    """Literal nodes in slot order (depth first, fields in declaration order)."""
    if isinstance(node, tuple):
        for item in node:
            yield from literal_nodes(item)
    elif isinstance(node, ast.Literal):
        yield node
    else:
        for name in _fields(node.__class__) or ():
            yield from literal_nodes(getattr(node, name))


@functools.cache
def _fields(cls: Hashable) -> tuple[str, ...] | None:
    """The field names of a dataclass type in declaration order, None for other types. Per type, once:
    these walks run on every request (statement-cache keys and binds), and `dataclasses.fields` per node
    cost more than the walk itself."""
    if not dataclasses.is_dataclass(cls):
        return None
    return tuple(f.name for f in dataclasses.fields(cls))


@functools.cache
def _shaping_fields(cls: Hashable) -> tuple[str, ...] | None:
    names = _fields(cls)
    return None if names is None else tuple(n for n in names if n != "position")


def literals_of(node: Any) -> tuple[object, ...]:
    """The literal values of an AST node (or tuple of nodes), in slot order."""
    return _literals(node)  # type: ignore[no-any-return]


_literals = _ByIdentity(lambda node: tuple(lit.value for lit in literal_nodes(node)))


def literal_index(node: Any) -> dict[int, int]:
    """id(Literal node) -> its index in literals_of(node)."""
    return {id(lit): i for i, lit in reversed(list(enumerate(literal_nodes(node))))}
