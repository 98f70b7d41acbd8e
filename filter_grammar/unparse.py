"""AST -> canonical filter text, with the fewest parentheses that keep the tree (used in error details and
round-trip tests). It prints what parse_filter reads back as an equal AST; it never resolves names.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from filter_grammar import ast

_PREC = {"or": 1, "and": 2, "cmp": 3, "add": 4, "sub": 4, "mul": 5, "div": 5, "divby": 5, "mod": 5}
_UNARY, _PRIMARY = 6, 7


def unparse(expr: ast.Expr) -> str:
    """Canonical text of an expression."""
    return _text(expr)


def _prec(node: ast.Expr) -> int:
    match node:
        case ast.BoolOp(op=op) | ast.Arith(op=op):
            return _PREC[op]
        case ast.Compare() | ast.In() | ast.Has():
            return _PREC["cmp"]
        case ast.Not() | ast.Neg():
            return _UNARY
    return _PRIMARY


def _wrap(node: ast.Expr, minimum: int) -> str:
    text = _text(node)
    return f"({text})" if _prec(node) < minimum else text


def _text(node: ast.Expr) -> str:
    match node:
        case ast.Literal():
            return literal_text(node)
        case ast.Placeholder(name=name):
            return f"@{name}@"
        case ast.Member(segments=segments):
            return "/".join(s.name for s in segments)
        case ast.Lambda():
            return _lambda(node)
        case ast.Call(name=name, args=args):
            return f"{name}({', '.join(_text(a) for a in args)})"
        case ast.Compare(op=op, left=left, right=right):
            return f"{_wrap(left, 4)} {op} {_wrap(right, 4)}"
        case ast.In(operand=operand, items=items):
            return f"{_wrap(operand, 4)} in ({', '.join(_text(i) for i in items)})"
        case ast.Has(operand=operand, item=item):
            return f"{_wrap(operand, 4)} has {_text(item)}"
        case ast.BoolOp(op=op, operands=operands):
            return f" {op} ".join(_wrap(o, _PREC[op] + 1) for o in operands)
        case ast.Not(operand=operand):
            return f"not {_wrap(operand, _UNARY)}"
        case ast.Neg(operand=operand):
            return f"-{_negated(operand)}"
        case ast.Arith(op=op, left=left, right=right):
            return f"{_wrap(left, _PREC[op])} {op} {_wrap(right, _PREC[op] + 1)}"
    raise TypeError(f"not an expression node: {node!r}")


def _negated(operand: ast.Expr) -> str:
    # `-5` would read back as a negative literal and `--x` is not a token pair we want to rely on.
    if isinstance(operand, ast.Literal | ast.Neg):
        return f"({_text(operand)})"
    return _wrap(operand, _UNARY)


def _lambda(node: ast.Lambda) -> str:
    names = [s.name for s in node.path]
    collection = node.collection.name + ("" if node.via is None else f".{node.via.name}")
    body = "" if node.body is None else f"{node.var}: {_text(node.body)}"
    return "/".join([*names, collection, f"{node.op}({body})"])


def literal_text(node: ast.Literal) -> str:
    """A literal as it can be written in a filter."""
    value = node.value
    match node.kind:
        case ast.LitKind.STRING:
            return "'" + str(value).replace("'", "''") + "'"
        case ast.LitKind.BOOL:
            return "true" if value else "false"
        case ast.LitKind.NULL:
            return "null"
        case ast.LitKind.DECIMAL:
            return _decimal(value)
        case ast.LitKind.DATE | ast.LitKind.DATETIME | ast.LitKind.TIME:
            assert isinstance(value, date | datetime | time)
            return value.isoformat()
    return str(value)


def _decimal(value: object) -> str:
    assert isinstance(value, Decimal)
    text = str(value)
    return text if any(c in text for c in ".eE") else f"{text}.0"
