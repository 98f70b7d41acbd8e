"""Text -> AST for $filter, $orderby, $select and $expand: one LALR parser built at import.

Limits (length, parenthesis and tree depth, nodes, `in` items, path and lambda depth) are checked before
any recursive processing, so hostile input fails with FILTER-TOO-COMPLEX instead of exhausting the stack.
Names are not resolved here; Lark's exceptions never escape this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedInput, UnexpectedToken, VisitError
from lark.lexer import Lexer

from filter_grammar import ast
from filter_grammar.errors import FilterError, FilterSyntaxError, TooComplexError
from filter_grammar.tokens import tokenize
from filter_grammar.transform import ToAst
from filter_grammar.validate import check_expand, check_filter, check_tree_depth


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits of one option value (filter-grammar.md §14)."""

    max_length: int = 4000
    max_nodes: int = 500
    max_depth: int = 32
    max_in_items: int = 1000
    max_path_depth: int = 4
    max_lambda_depth: int = 3
    max_expand_depth: int = 3


class _TokenFeed(Lexer):
    """Lark's lexer slot: tokens are made by tokens.py and handed over as a list."""

    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, data: Any) -> Iterator[Token]:  # type: ignore[override]
        return iter(data)


_LARK = Lark(
    files("filter_grammar").joinpath("odata.lark").read_text(encoding="utf-8"),
    parser="lalr",
    lexer=_TokenFeed,
    start=["filter", "orderby", "select", "expand"],
    maybe_placeholders=True,
)


def parse_filter(text: str, limits: Limits = Limits(), *, placeholders: bool = False) -> ast.Expr:
    """Parse a `$filter` (or a validation rule when `placeholders` is true)."""
    tokens = _tokens(text, limits, placeholders=placeholders)
    expr: ast.Expr = _parse(tokens, "filter", text, limits)
    check_filter(expr, limits)
    return expr


def parse_orderby(text: str, limits: Limits = Limits()) -> tuple[ast.OrderItem, ...]:
    """Parse an `$orderby` list of value expressions with asc/desc."""
    items: tuple[ast.OrderItem, ...] = _parse(_tokens(text, limits), "orderby", text, limits)
    for item in items:
        check_filter(item.expr, limits)
    return items


def parse_select(text: str, limits: Limits = Limits()) -> ast.SelectList:
    """Parse a `$select` list: `*` or column names (duplicates collapse, case-insensitively)."""
    result: ast.SelectList = _parse(_tokens(text, limits), "select", text, limits)
    return result


def parse_expand(text: str, limits: Limits = Limits(), *, separator: str = ";") -> tuple[ast.ExpandItem, ...]:
    """Parse an `$expand` value, nested options included; positions count from the start of `text`."""
    tokens = _tokens(text, limits, expand=True, separator=separator)
    items: tuple[ast.ExpandItem, ...] = _parse(tokens, "expand", text, limits)
    check_expand(items, limits)
    return items


def _tokens(
    text: str, limits: Limits, *, placeholders: bool = False, expand: bool = False, separator: str = ";"
) -> list[Token]:
    """A lazily filled token list: syntax errors are reported in text order, lexical ones included."""
    if len(text) > limits.max_length:
        raise TooComplexError(f"the option is longer than {limits.max_length} characters", 1)
    if not text.strip():
        raise FilterSyntaxError("empty expression", 1)
    return _Feed(tokenize(text, expand=expand, separator=separator), limits, placeholders)


class _Feed(list[Token]):
    """Tokens seen so far (for error hints) while checking placeholders and parenthesis depth."""

    def __init__(self, source: Iterator[Token], limits: Limits, placeholders: bool) -> None:
        super().__init__()
        self.source, self.limits, self.placeholders, self.depth = source, limits, placeholders, 0

    def __iter__(self) -> Iterator[Token]:
        for token in self.source:
            if token.type == "PLACEHOLDER" and not self.placeholders:
                raise FilterSyntaxError(
                    "placeholders (@Name@) are only allowed in validation rules", _pos(token)
                )
            self.depth += (token.type == "_LPAR") - (token.type == "_RPAR")
            if self.depth > self.limits.max_depth:
                raise TooComplexError(f"parentheses nest deeper than {self.limits.max_depth}", _pos(token))
            self.append(token)
            yield token


def _parse(tokens: list[Token], start: str, text: str, limits: Limits) -> Any:
    try:
        tree = _LARK.parse(tokens, start=start)
    except UnexpectedToken as exc:
        raise _syntax_error(exc, list(tokens[:-1]), text) from None
    except UnexpectedInput as exc:  # pragma: no cover - the token feed cannot produce other kinds
        raise FilterSyntaxError(f"syntax error: {exc}", 1) from None
    check_tree_depth(tree, limits.max_depth)
    try:
        return ToAst(limits).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, FilterError):
            raise exc.orig_exc from None
        raise


def _pos(token: Token) -> int:
    return (token.start_pos or 0) + 1


def _syntax_error(exc: UnexpectedToken, tokens: Sequence[Token], text: str) -> FilterSyntaxError:
    token = exc.token
    if token.type == "$END":
        return FilterSyntaxError(f"unexpected end of input at position {len(text) + 1}", len(text) + 1)
    position = _pos(token)
    return FilterSyntaxError(_unexpected(token, position, tokens), position)


def _unexpected(token: Token, position: int, tokens: Sequence[Token]) -> str:
    detail = f"unexpected {str(token.value)!r} at position {position}"
    if token.type in ("EQUALS", "_EQUALS"):
        return f"{detail}; use eq, ne, gt, ge, lt, le"
    if token.type == "CMPOP":
        return f"{detail}: comparisons do not chain and are not sort keys (use parentheses)"
    before = tokens[-1] if tokens else None
    if before is not None and before.type == "DATETIME" and token.type in ("TIME", "INT"):
        return f"a space inside a date-time literal at position {position}: send '+' as %2B"
    if (
        token.type == "NAME"
        and before is not None
        and before.type == "STRING"
        and before.end_pos == token.start_pos
    ):
        return f"{detail}: a quote inside a string must be doubled ('')"
    if token.type == "NAME" and before is not None and before.type not in ("_LPAR", "_COMMA"):
        return f"{detail}; expected an operator, asc or desc"
    return detail
