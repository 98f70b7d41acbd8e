"""AST -> SQLAlchemy Core condition: names through the Resolver, literals as typed bind parameters.

A dispatch table keyed by node class maps each node to a short handler. Literals are typed by what they
meet (filter-grammar.md §6.1); dialect differences are left to the constructs of sqlfuncs/sqlvalues/sqlmath.
Nothing from the request text is placed in SQL, and the dialect is never tested here.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, false, func, literal_column, not_, null, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from filter_grammar import ast
from filter_grammar.binding import Binder, CompileOptions, Slot
from filter_grammar.errors import FilterTypeError, UnknownFunctionError
from filter_grammar.functions import FUNCTIONS, FunctionSpec
from filter_grammar.literals import own_kind
from filter_grammar.resolve import Kind, Resolver
from filter_grammar.sqlfuncs import gw_has_text, gw_str_eq, gw_str_in, gw_str_ne
from filter_grammar.sqlmath import gw_div_int, gw_divby, gw_instant, gw_mod_int, gw_mod_num
from filter_grammar.typed import (
    KIND_TYPES,
    NUMERIC,
    OPAQUE,
    TIMESTAMPS,
    Typed,
    as_predicate,
    family,
    result_kind,
    same_family,
)
from filter_grammar.unparse import unparse

Col = ColumnElement[Any]
_CMP: Mapping[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt,
    "ge": operator.ge, "lt": operator.lt, "le": operator.le,
}  # fmt: skip
_SYMBOLS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_ARITH: Mapping[str, Callable[[Col, Col], Col]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
}


@dataclass(frozen=True, slots=True)
class CompiledFilter:
    clause: ColumnElement[bool]
    slots: tuple[Slot, ...]
    params: Mapping[str, Any]


def compile_filter(
    expr: ast.Expr, resolver: Resolver, options: CompileOptions = CompileOptions()
) -> CompiledFilter:
    """Compile a boolean expression; errors are FilterError subclasses (or the resolver's own)."""
    compiler = Compiler(resolver, options, expr)
    clause = as_predicate(compiler.value(expr), "a filter must be a boolean expression")
    return CompiledFilter(clause, tuple(compiler.binder.slots), dict(compiler.binder.params))


def _is_item(node: ast.Expr) -> bool:
    return isinstance(node, ast.Literal | ast.Placeholder)


def _is_null(node: ast.Expr) -> bool:
    return isinstance(node, ast.Literal) and node.kind is ast.LitKind.NULL


def _is_bool(node: ast.Expr) -> bool:
    return isinstance(node, ast.Literal) and node.kind is ast.LitKind.BOOL


class Compiler:
    """One compile call: resolver, options, slot allocation and lambda variables in scope."""

    def __init__(self, resolver: Resolver, options: CompileOptions, root: Any) -> None:
        self.resolver = resolver
        self.options = options
        self.binder = Binder(options, root)
        self.scope: dict[str, object] = {}

    def value(self, node: ast.Expr, hint: Typed | None = None) -> Typed:
        """Compile any node; a literal or placeholder is typed by `hint` (else by itself)."""
        if _is_item(node):
            return self.item(node, hint)  # type: ignore[arg-type]
        return _HANDLERS[type(node)](self, node)

    def predicate(self, node: ast.Expr, message: str) -> Col:
        return as_predicate(self.value(node), message)

    # --- literals ---------------------------------------------------------------------------------

    def item(self, node: ast.Item, hint: Typed | None) -> Typed:
        if (
            isinstance(node, ast.Literal)
            and node.kind is ast.LitKind.BOOL
            and (hint is None or hint.predicate)
        ):
            return Typed(
                true() if node.value else false(), Kind.BOOLEAN, KIND_TYPES[Kind.BOOLEAN], node.position, True
            )
        if _is_null(node):
            return Typed(null(), hint.kind if hint else Kind.STRING, KIND_TYPES[Kind.STRING], node.position)
        kind, type_ = self.target(node, hint)
        return Typed(self.binder.bind(node, kind, type_), kind, type_, node.position)

    def target(self, node: ast.Item, hint: Typed | None) -> tuple[Kind, Any]:
        """Kind and bind type for an item meeting `hint`; an integer side met by a decimal stays numeric."""
        if hint is None:
            kind = own_kind(node.value) if isinstance(node, ast.Literal) else Kind.STRING
            return kind, KIND_TYPES[kind]
        if hint.kind is Kind.INTEGER and isinstance(node, ast.Literal) and node.kind is ast.LitKind.DECIMAL:
            return Kind.DECIMAL, KIND_TYPES[Kind.DECIMAL]
        if hint.kind in OPAQUE:
            raise FilterTypeError(f"{hint.kind.value} values can only be compared with null", node.position)
        return hint.kind, hint.type_

    def pair(self, left: ast.Expr, right: ast.Expr) -> tuple[Typed, Typed]:
        """Compile two operands so that a literal side is typed by the other side."""
        if _is_item(left) and not _is_item(right):
            r = self.value(right)
            return self.value(left, r), r
        if (
            _is_item(left)
            and _is_item(right)
            and isinstance(left, ast.Literal)
            and left.kind is ast.LitKind.STRING
        ):
            r = self.value(right)
            return self.value(left, r), r
        lhs = self.value(left)
        return lhs, self.value(right, lhs)

    # --- handlers ---------------------------------------------------------------------------------

    def compare(self, node: ast.Compare) -> Typed:
        return Typed(self.compare_clause(node), Kind.BOOLEAN, KIND_TYPES[Kind.BOOLEAN], node.position, True)

    def compare_clause(self, node: ast.Compare) -> Col:
        op, left, right = node.op, node.left, node.right
        if _is_null(left) or _is_null(right):
            return self.null_compare(op, right if _is_null(left) else left)
        if _is_bool(right) or _is_bool(left):
            flag, other = (right, left) if _is_bool(right) else (left, right)
            typed = self.value(other)
            if typed.predicate and op in ("eq", "ne"):
                assert isinstance(flag, ast.Literal)
                return typed.clause if (flag.value is True) == (op == "eq") else not_(typed.clause)
            bound = self.value(flag, typed)
            lhs, rhs = (typed, bound) if flag is right else (bound, typed)
        else:
            lhs, rhs = self.pair(left, right)
        self.check_comparable(lhs, rhs)
        return self.comparison(op, lhs, rhs)

    def null_compare(self, op: str, other: ast.Expr) -> Col:
        if _is_null(other):
            return true() if op == "eq" else false()
        typed = self.value(other)
        if op == "eq":
            return typed.clause.is_(null())
        if op == "ne":
            return typed.clause.is_not(null())
        # SQLAlchemy refuses `x > None`; the comparison is kept (and is unknown, so it matches nothing).
        return typed.clause.op(_SYMBOLS[op], is_comparison=True)(literal_column("NULL"))

    def check_comparable(self, lhs: Typed, rhs: Typed) -> None:
        if lhs.kind in OPAQUE or rhs.kind in OPAQUE:
            raise FilterTypeError("binary and JSON values can only be compared with null", rhs.position)
        if not same_family(lhs.kind, rhs.kind) and not (lhs.predicate and rhs.kind in family(Kind.BOOLEAN)):
            raise FilterTypeError(f"cannot compare {lhs.kind.value} with {rhs.kind.value}", rhs.position)

    def comparison(self, op: str, lhs: Typed, rhs: Typed) -> Col:
        if Kind.STRING in (lhs.kind, rhs.kind) and op in ("eq", "ne"):
            return (gw_str_eq if op == "eq" else gw_str_ne)(lhs.clause, rhs.clause)
        if lhs.kind in TIMESTAMPS or rhs.kind in TIMESTAMPS:
            return _CMP[op](gw_instant(lhs.clause, type_=lhs.type_), gw_instant(rhs.clause, type_=rhs.type_))  # type: ignore[no-any-return]
        if lhs.predicate or rhs.predicate:
            lc, rc = as_predicate(lhs, "not a boolean"), as_predicate(rhs, "not a boolean")
            return _CMP[op](lc, rc)  # type: ignore[no-any-return]
        return _CMP[op](lhs.clause, rhs.clause)  # type: ignore[no-any-return]

    def in_list(self, node: ast.In) -> Typed:
        operand = self.value(node.operand)
        values = tuple(i for i in node.items if not _is_null(i))
        clauses: list[Col] = []
        if values:
            kind, type_ = self.target(values[0], operand)
            param = self.binder.bind_list(values, kind, type_)
            clauses.append(
                gw_str_in(operand.clause, param) if operand.kind is Kind.STRING else operand.clause.in_(param)
            )
        if len(values) < len(node.items):
            clauses.append(operand.clause.is_(null()))
        return Typed(or_(*clauses), Kind.BOOLEAN, KIND_TYPES[Kind.BOOLEAN], node.position, True)

    def has(self, node: ast.Has) -> Typed:
        operand = self.value(node.operand)
        if operand.kind is Kind.INTEGER:
            flag = self.binder.bind(node.item, Kind.INTEGER, operand.type_)
            clause: Col = operand.clause.op("&")(flag) == flag
        elif operand.kind is Kind.STRING:
            like = self.binder.bind(node.item, Kind.STRING, operand.type_, "like_has")
            glob = self.binder.bind(node.item, Kind.STRING, operand.type_, "glob_has")
            clause = gw_has_text(operand.clause, like, glob)
        else:
            raise FilterTypeError("has needs an integer or string column", operand.position)
        return Typed(clause, Kind.BOOLEAN, KIND_TYPES[Kind.BOOLEAN], node.position, True)

    def bool_op(self, node: ast.BoolOp) -> Typed:
        parts = [self.predicate(o, f"{node.op} expects boolean operands") for o in node.operands]
        clause = and_(*parts) if node.op == "and" else or_(*parts)
        return Typed(clause, Kind.BOOLEAN, KIND_TYPES[Kind.BOOLEAN], node.position, True)

    def not_(self, node: ast.Not) -> Typed:
        hint = f"not expects a boolean; did you mean not ({unparse(node.operand)} ...)?"
        clause = not_(self.predicate(node.operand, hint))
        return Typed(clause, Kind.BOOLEAN, KIND_TYPES[Kind.BOOLEAN], node.position, True)

    def neg(self, node: ast.Neg) -> Typed:
        operand = self.value(node.operand)
        if operand.kind not in NUMERIC:
            raise FilterTypeError("unary minus needs a number", operand.position)
        return Typed(-operand.clause, operand.kind, operand.type_, node.position)

    def arith(self, node: ast.Arith) -> Typed:
        # Non-literal sides first: `DocumentNo add 1` is reported at DocumentNo, not at the literal.
        lhs = None if _is_item(node.left) else self.numeric(self.value(node.left), node.op)
        rhs = None if _is_item(node.right) else self.numeric(self.value(node.right), node.op)
        rhs = rhs or self.numeric(self.value(node.right, lhs), node.op)
        lhs = lhs or self.numeric(self.value(node.left, rhs), node.op)
        kind = result_kind(node.op, lhs.kind, rhs.kind)
        type_ = KIND_TYPES[kind]
        if node.op in _ARITH:
            return Typed(_ARITH[node.op](lhs.clause, rhs.clause), kind, type_, node.position)
        integers = lhs.kind is rhs.kind is Kind.INTEGER
        constructs: dict[str, Any] = {
            "div": gw_div_int if integers else gw_divby,
            "divby": gw_divby,
            "mod": gw_mod_int if integers else gw_mod_num,
        }
        construct = constructs[node.op]
        return Typed(construct(lhs.clause, rhs.clause, type_=type_), kind, type_, node.position)

    def numeric(self, typed: Typed, op: str) -> Typed:
        if typed.kind not in NUMERIC:
            raise FilterTypeError(f"{op} needs numbers, not {typed.kind.value}", typed.position)
        return typed

    def member(self, node: ast.Member) -> Typed:
        source, segments = self.start(node.segments)
        for hop in segments[:-1]:
            source = self.resolver.navigate(source, hop.name, hop.position)
        column = self.resolver.column(source, segments[-1].name, segments[-1].position)
        return Typed(column.clause, column.kind, column.type_, node.position)

    def start(self, segments: tuple[ast.Segment, ...]) -> tuple[object, tuple[ast.Segment, ...]]:
        """A path's first segment names a lambda variable in scope, else the path starts at the root."""
        if len(segments) > 1 and segments[0].name in self.scope:
            return self.scope[segments[0].name], segments[1:]
        return self.resolver.root(), segments

    def lambda_(self, node: ast.Lambda) -> Typed:
        source, hops = self.start((*node.path, node.collection))
        for hop in hops[:-1]:
            source = self.resolver.navigate(source, hop.name, hop.position)
        via = None if node.via is None else node.via.name
        coll = self.resolver.collection(source, node.collection.name, via, node.collection.position)
        conditions: list[Col] = [coll.where]
        if node.body is not None and node.var is not None:
            self.scope[node.var] = coll.source
            try:
                body = self.predicate(node.body, "the lambda body must be a boolean expression")
            finally:
                del self.scope[node.var]
            conditions.append(body if node.op == "any" else not_(_coalesce_false(body)))
        subquery = exists(select(literal_column("1")).select_from(coll.from_clause).where(and_(*conditions)))
        clause = subquery if node.op == "any" else not_(subquery)
        return Typed(clause, Kind.BOOLEAN, KIND_TYPES[Kind.BOOLEAN], node.position, True)

    def call(self, node: ast.Call) -> Typed:
        spec = FUNCTIONS[node.name.lower()]
        if spec.name == "matchesPattern" and not self.options.regex_enabled:
            raise UnknownFunctionError(
                f"unknown function {node.name!r} (regular expressions are disabled)", node.position
            )
        args = tuple(self.argument(spec, i, arg) for i, arg in enumerate(node.args))
        clause = spec.build(self.binder, node.args, args)
        first = args[0] if args else None
        kind = spec.result or (first.kind if first else Kind.STRING)
        type_ = first.type_ if spec.result is None and first else KIND_TYPES[kind]
        return Typed(clause, kind, type_, node.position, kind is Kind.BOOLEAN)

    def argument(self, spec: FunctionSpec, i: int, arg: ast.Expr) -> Typed | None:
        accepted = spec.params[i]
        if i in spec.literal_only and not _is_item(arg):
            raise FilterTypeError(f"argument {i + 1} of {spec.name} must be a string literal", _position(arg))
        if i in spec.deferred and _is_item(arg):
            return None
        hint_kind = next(iter(sorted(accepted, key=lambda k: k.value))) if len(accepted) == 1 else None
        hint = None if hint_kind is None else Typed(null(), hint_kind, KIND_TYPES[hint_kind], 0)
        typed = self.value(arg, hint)
        if typed.kind not in accepted:
            names = "/".join(sorted(k.value for k in accepted))
            raise FilterTypeError(
                f"{spec.name} expects {names} for argument {i + 1}, not {typed.kind.value}", _position(arg)
            )
        return typed


def _position(node: ast.Expr) -> int:
    return node.position


def _coalesce_false(clause: Col) -> Col:
    return func.coalesce(clause, false())


_HANDLERS: Mapping[type, Callable[[Compiler, Any], Typed]] = {
    ast.Compare: Compiler.compare,
    ast.In: Compiler.in_list,
    ast.Has: Compiler.has,
    ast.BoolOp: Compiler.bool_op,
    ast.Not: Compiler.not_,
    ast.Neg: Compiler.neg,
    ast.Arith: Compiler.arith,
    ast.Member: Compiler.member,
    ast.Lambda: Compiler.lambda_,
    ast.Call: Compiler.call,
}
