"""AST of the query language: frozen, slotted nodes, each with a 1-based `position` into the option text.

Nodes hold what the user wrote (names as typed, literal values already parsed); they know nothing about
tables, columns or SQL. Equality ignores nothing: use `strip_positions` to compare texts that differ only
in layout.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import TypeAlias, TypeVar


class LitKind(enum.Enum):
    """Literal form as written (filter-grammar.md §2)."""

    STRING = "string"
    INT = "int"
    DECIMAL = "decimal"
    BOOL = "bool"
    NULL = "null"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    GUID = "guid"


@dataclass(frozen=True, slots=True)
class Literal:
    kind: LitKind
    value: (
        object  # str, int, Decimal, bool, None, date, datetime (aware when an offset was given), time, UUID
    )
    position: int


@dataclass(frozen=True, slots=True)
class Placeholder:
    name: str  # without the surrounding @, may start with '#'
    position: int


@dataclass(frozen=True, slots=True)
class Segment:
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class Member:
    """`A/B/Col`: leading segments are FK hops (or a lambda variable), the last one a column."""

    segments: tuple[Segment, ...]
    position: int


@dataclass(frozen=True, slots=True)
class Lambda:
    """`A/Coll[.Via]/any(v: body)`: `path` are the hops (or a variable) before the collection."""

    path: tuple[Segment, ...]
    collection: Segment
    via: Segment | None
    op: str  # "any" | "all"
    var: str | None
    body: Expr | None
    position: int


@dataclass(frozen=True, slots=True)
class Call:
    name: str  # lower case
    args: tuple[Expr, ...]
    position: int


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # eq ne gt ge lt le  (`neq` is normalised to `ne`)
    left: Expr
    right: Expr
    position: int


@dataclass(frozen=True, slots=True)
class In:
    operand: Expr
    items: tuple[Item, ...]
    position: int


@dataclass(frozen=True, slots=True)
class Has:
    operand: Expr
    item: Item
    position: int


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple[Expr, ...]
    position: int


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    position: int


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Expr
    position: int


@dataclass(frozen=True, slots=True)
class Arith:
    op: str  # add sub mul div divby mod
    left: Expr
    right: Expr
    position: int


Item: TypeAlias = Literal | Placeholder
Expr: TypeAlias = (
    Literal | Placeholder | Member | Lambda | Call | Compare | In | Has | BoolOp | Not | Neg | Arith
)


@dataclass(frozen=True, slots=True)
class OrderItem:
    expr: Expr
    descending: bool
    position: int


@dataclass(frozen=True, slots=True)
class SelectName:
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class SelectList:
    star: bool
    items: tuple[SelectName, ...]


@dataclass(frozen=True, slots=True)
class ExpandOptions:
    select: SelectList | None = None
    filter: Expr | None = None
    orderby: tuple[OrderItem, ...] | None = None
    top: int | None = None
    skip: int | None = None
    count: bool | None = None
    expand: tuple[ExpandItem, ...] | None = None


@dataclass(frozen=True, slots=True)
class ExpandItem:
    name: str
    via: str | None
    position: int
    options: ExpandOptions


N = TypeVar("N")


def strip_positions(node: N) -> N:
    """The same tree with every `position` set to 0, for comparing parses of differently laid-out text."""
    if isinstance(node, tuple):
        return tuple(strip_positions(n) for n in node)  # type: ignore[return-value]
    if not dataclasses.is_dataclass(node) or isinstance(node, type):
        return node
    changes = {f.name: strip_positions(getattr(node, f.name)) for f in dataclasses.fields(node)}
    if "position" in changes:
        changes["position"] = 0
    return dataclasses.replace(node, **changes)  # type: ignore[type-var, unused-ignore]


def children(node: Expr) -> tuple[Expr, ...]:
    """Direct sub-expressions in source order (the order literals_of and the compiler agree on)."""
    match node:
        case Compare(left=left, right=right) | Arith(left=left, right=right):
            return (left, right)
        case In(operand=operand, items=items):
            return (operand, *items)
        case Has(operand=operand, item=item):
            return (operand, item)
        case BoolOp(operands=operands):
            return operands
        case Not(operand=operand) | Neg(operand=operand):
            return (operand,)
        case Call(args=args):
            return args
        case Lambda(body=body):
            return () if body is None else (body,)
    return ()
