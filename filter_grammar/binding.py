"""Compile options, slots and bind values: how literals and placeholders become typed bind parameters.

`Binder.bind` is used while compiling; `bind_values` re-derives the same values for a cached statement
from new literals. Both go through `literals.coerce` + `apply_transform`, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import DateTime, String, TypeEngine

from filter_grammar import ast
from filter_grammar.errors import FilterError, FilterTypeError
from filter_grammar.literals import apply_transform, coerce
from filter_grammar.parser import Limits
from filter_grammar.resolve import Kind
from filter_grammar.shape import literal_index, literals_of


@dataclass(frozen=True, slots=True)
class CompileOptions:
    db_timezone: str = "UTC"
    regex_enabled: bool = True
    param_prefix: str = "f"
    now: datetime | None = None
    context: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    limits: Limits = Limits()


@dataclass(frozen=True, slots=True)
class Slot:
    """One bound literal or placeholder; an `in` list is one slot whose `items` are the element slots."""

    name: str
    kind: Kind
    transform: str
    position: int
    placeholder: str | None
    literal_index: int | None
    items: tuple[Slot, ...] = ()


def now_value(options: CompileOptions) -> datetime:
    """The request time as a naive timestamp of the database zone (what naive columns hold)."""
    moment = options.now or datetime.now(UTC)
    return moment.astimezone(ZoneInfo(options.db_timezone)).replace(tzinfo=None)


def raw_value(slot: Slot, literals: tuple[object, ...], options: CompileOptions) -> object:
    if slot.placeholder is not None:
        if slot.placeholder not in options.context:
            raise FilterError(
                f"missing context variable {slot.placeholder}", slot.position, type="CONTEXT-ERROR"
            )
        return options.context[slot.placeholder]
    assert slot.literal_index is not None
    return literals[slot.literal_index]


def slot_value(slot: Slot, literals: tuple[object, ...], options: CompileOptions) -> Any:
    """The bind value of one slot."""
    if slot.transform == "now":
        return now_value(options)
    if slot.transform == "list":
        return [slot_value(item, literals, options) for item in slot.items]
    raw = raw_value(slot, literals, options)
    try:
        return apply_transform(
            coerce(raw, slot.kind, slot.position, options.db_timezone), slot.transform, slot.position
        )
    except FilterTypeError as exc:
        if slot.placeholder is None:
            raise
        raise FilterError(
            f"{exc.detail} for {slot.placeholder}", slot.position, type="CONTEXT-ERROR"
        ) from None


def bind_values(
    slots: tuple[Slot, ...], literals: tuple[object, ...], options: CompileOptions
) -> dict[str, Any]:
    """Bind values for a cached statement: each literal/placeholder coerced through its slot."""
    return {slot.name: slot_value(slot, literals, options) for slot in slots}


class Binder:
    """Per-compile slot allocator; every value it binds is recorded in `slots` and `params`."""

    def __init__(self, options: CompileOptions, root: Any) -> None:
        self.options = options
        self.literals = literals_of(root)
        self.literal_index = literal_index(root)
        self.slots: list[Slot] = []
        self.params: dict[str, Any] = {}

    def name(self) -> str:
        return f"{self.options.param_prefix}_{len(self.params) + 1}"

    def slot_for(self, node: ast.Item, kind: Kind, transform: str, name: str | None = None) -> Slot:
        name = name or self.name()
        if isinstance(node, ast.Placeholder):
            return Slot(name, kind, transform, node.position, node.name, None)
        return Slot(name, kind, transform, node.position, None, self.literal_index[id(node)])

    def add(self, slot: Slot, type_: TypeEngine[Any], *, expanding: bool = False) -> BindParameter[Any]:
        value = slot_value(slot, self.literals, self.options)
        self.slots.append(slot)
        self.params[slot.name] = value
        return bindparam(slot.name, value, type_=type_, expanding=expanding)

    def bind(
        self, node: ast.Item, kind: Kind, type_: TypeEngine[Any], transform: str = "identity"
    ) -> BindParameter[Any]:
        return self.add(self.slot_for(node, kind, transform), type_)

    def bind_text(self, node: ast.Expr, transform: str) -> BindParameter[Any]:
        assert isinstance(node, ast.Literal | ast.Placeholder)
        return self.bind(node, Kind.STRING, String(), transform)

    def bind_list(
        self, nodes: tuple[ast.Item, ...], kind: Kind, type_: TypeEngine[Any]
    ) -> BindParameter[Any]:
        name = self.name()
        items = tuple(self.slot_for(node, kind, "identity", f"{name}_{i}") for i, node in enumerate(nodes))
        return self.add(Slot(name, kind, "list", nodes[0].position, None, None, items), type_, expanding=True)

    def bind_now(self) -> BindParameter[Any]:
        return self.add(Slot(self.name(), Kind.DATETIME, "now", 1, None, None), DateTime())
