"""Lark parse tree -> AST nodes: one short method per grammar rule, positions taken from tokens.

Only shape checks that need the raw tokens live here (function arity, `in` list size, expand option
duplicates); names and types are left to the compiler.
"""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer

from filter_grammar import ast
from filter_grammar.errors import ArityError, FilterError, TooComplexError, UnknownFunctionError, expand_error
from filter_grammar.functions import FUNCTIONS
from filter_grammar.literals import literal_from_token


def _pos(token: Token) -> int:
    return (token.start_pos or 0) + 1


def _position(node: Any) -> int:
    return _pos(node) if isinstance(node, Token) else int(node.position)


class ToAst(Transformer[Token, Any]):
    """Builds AST nodes bottom-up; every method is a constructor call."""

    def __init__(self, limits: Any) -> None:
        super().__init__()
        self.limits = limits

    def filter(self, c: list[Any]) -> ast.Expr:
        return c[0]  # type: ignore[no-any-return]

    def or_expr(self, c: list[Any]) -> ast.Expr:
        return ast.BoolOp("or", tuple(c), c[0].position)

    def and_expr(self, c: list[Any]) -> ast.Expr:
        return ast.BoolOp("and", tuple(c), c[0].position)

    def compare(self, c: list[Any]) -> ast.Expr:
        op = c[1].value.lower()
        return ast.Compare("ne" if op == "neq" else op, c[0], c[2], c[0].position)

    def in_list(self, c: list[Any]) -> ast.Expr:
        if len(c) - 1 > self.limits.max_in_items:
            extra = c[self.limits.max_in_items + 1]
            raise TooComplexError(f"more than {self.limits.max_in_items} items in an in list", extra.position)
        return ast.In(c[0], tuple(c[1:]), c[0].position)

    def has(self, c: list[Any]) -> ast.Expr:
        return ast.Has(c[0], c[1], c[0].position)

    def add_expr(self, c: list[Any]) -> ast.Expr:
        return self._fold(c)

    def mul_expr(self, c: list[Any]) -> ast.Expr:
        return self._fold(c)

    def _fold(self, c: list[Any]) -> ast.Expr:
        result: ast.Expr = c[0]
        for op, right in zip(c[1::2], c[2::2], strict=True):
            result = ast.Arith(op.value.lower(), result, right, result.position)
        return result

    def not_(self, c: list[Any]) -> ast.Expr:
        return ast.Not(c[1], _pos(c[0]))

    def neg(self, c: list[Any]) -> ast.Expr:
        return ast.Neg(c[1], _pos(c[0]))

    def literal(self, c: list[Token]) -> ast.Literal:
        return literal_from_token(c[0].type, str(c[0].value), _pos(c[0]))

    def placeholder(self, c: list[Token]) -> ast.Placeholder:
        return ast.Placeholder(str(c[0].value)[1:-1], _pos(c[0]))

    def call(self, c: list[Any]) -> ast.Expr:
        name, args = c[0], tuple(a for a in c[1:] if a is not None)
        spec = FUNCTIONS.get(name.value.lower())
        if spec is None:
            raise UnknownFunctionError(f"unknown function {name.value!r}", _pos(name))
        if not spec.min_args <= len(args) <= spec.max_args:
            expected = spec.min_args if spec.min_args == spec.max_args else f"{spec.min_args}-{spec.max_args}"
            raise ArityError(f"{spec.name} expects {expected} arguments, got {len(args)}", _pos(name))
        return ast.Call(spec.name, args, _pos(name))

    def member(self, c: list[Token]) -> ast.Expr:
        return ast.Member(tuple(ast.Segment(str(t.value), _pos(t)) for t in c), _pos(c[0]))

    def lambda_plain(self, c: list[Any]) -> ast.Expr:
        return self._lambda(c[:-2], c[-2], None, c[-1])

    def lambda_via(self, c: list[Any]) -> ast.Expr:
        return self._lambda(c[:-3], c[-3], c[-2], c[-1])

    def _lambda(self, path: list[Token], coll: Token, via: Token | None, call: tuple[Any, ...]) -> ast.Expr:
        op, var, body = call
        segments = tuple(ast.Segment(str(t.value), _pos(t)) for t in path)
        first = path[0] if path else coll
        via_segment = None if via is None else ast.Segment(str(via.value), _pos(via))
        return ast.Lambda(
            segments, ast.Segment(str(coll.value), _pos(coll)), via_segment, op, var, body, _pos(first)
        )

    def lambda_call(self, c: list[Any]) -> tuple[str, str | None, ast.Expr | None]:
        var = None if c[1] is None else str(c[1].value)
        return (c[0].value.lower(), var, c[2])

    def orderby(self, c: list[ast.OrderItem]) -> tuple[ast.OrderItem, ...]:
        return tuple(c)

    def order_item(self, c: list[Any]) -> ast.OrderItem:
        descending = c[1] is not None and c[1].type == "DESC"
        return ast.OrderItem(c[0], descending, c[0].position)

    def select_star(self, c: list[Token]) -> ast.SelectList:
        return ast.SelectList(True, ())

    def select_names(self, c: list[Token]) -> ast.SelectList:
        seen: dict[str, ast.SelectName] = {}
        for token in c:
            seen.setdefault(str(token.value).casefold(), ast.SelectName(str(token.value), _pos(token)))
        return ast.SelectList(False, tuple(seen.values()))

    def expand(self, c: list[ast.ExpandItem]) -> tuple[ast.ExpandItem, ...]:
        seen: set[tuple[str, str | None]] = set()
        for item in c:
            key = (item.name.casefold(), None if item.via is None else item.via.casefold())
            if key in seen:
                raise expand_error(f"{item.name} is expanded twice", item.position)
            seen.add(key)
        return tuple(c)

    def expand_item(self, c: list[Any]) -> ast.ExpandItem:
        name, via, options = c[0], c[1], [o for o in c[2:] if o is not None]
        chosen: dict[str, Any] = {}
        for key, value, position in options:
            if key in chosen:
                raise expand_error(f"option ${key} given twice", position)
            chosen[key] = value
        via_name = None if via is None else str(via.value)
        return ast.ExpandItem(str(name.value), via_name, _pos(name), ast.ExpandOptions(**chosen))

    def opt_select(self, c: list[Any]) -> tuple[str, Any, int]:
        return ("select", c[1], _pos(c[0]))

    def opt_filter(self, c: list[Any]) -> tuple[str, Any, int]:
        return ("filter", c[1], _pos(c[0]))

    def opt_orderby(self, c: list[Any]) -> tuple[str, Any, int]:
        return ("orderby", c[1], _pos(c[0]))

    def opt_top(self, c: list[Token]) -> tuple[str, Any, int]:
        return ("top", _paging(c[1], "$top"), _pos(c[0]))

    def opt_skip(self, c: list[Token]) -> tuple[str, Any, int]:
        return ("skip", _paging(c[1], "$skip"), _pos(c[0]))

    def opt_count(self, c: list[Token]) -> tuple[str, Any, int]:
        return ("count", str(c[1].value).lower() == "true", _pos(c[0]))

    def opt_expand(self, c: list[Any]) -> tuple[str, Any, int]:
        return ("expand", c[1], _pos(c[0]))


def _paging(token: Token, option: str) -> int:
    value = int(token.value)
    if value < 0:
        raise FilterError(f"{option} must be >= 0", _pos(token), type="PAGING-ERROR")
    return value
