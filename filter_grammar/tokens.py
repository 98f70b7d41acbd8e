"""Tokenizer for the query language: longest match, ties broken by the priority of filter-grammar.md §2.

It yields Lark tokens with 0-based `start_pos`; a character that starts no token is a FILTER-SYNTAX error
at its position, with a hint for the usual mistakes (`=`, `<>`, double quotes, a raw `+`). It must not
interpret tokens beyond their form: literal values are parsed in literals.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import MappingProxyType

from lark import Token

from filter_grammar.errors import FilterSyntaxError, expand_error

KEYWORDS = MappingProxyType(
    {
        **{op: "CMPOP" for op in ("eq", "ne", "neq", "gt", "ge", "lt", "le")},
        **{op: "ADDOP" for op in ("add", "sub")},
        **{op: "MULOP" for op in ("mul", "div", "divby", "mod")},
        **{kw: kw.upper() for kw in ("not", "any", "all", "asc", "desc")},
        **{kw: f"_{kw.upper()}" for kw in ("and", "or", "in", "has")},
        **{kw: "BOOL" for kw in ("true", "false")},
        "null": "NULL",
    }
)
OPTIONS = MappingProxyType(
    {
        f"${name}": f"OPT_{name.upper()}"
        for name in ("select", "filter", "orderby", "top", "skip", "count", "expand")
    }
)

_HEX = "[0-9a-fA-F]"
_CLOCK = r"\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?"
# Order is the tie-break priority for matches of equal length.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(rx))
    for name, rx in (
        ("GUID", f"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"),
        ("DATETIME", rf"\d{{4}}-\d{{2}}-\d{{2}}[Tt]{_CLOCK}(?:[Zz]|[+-]\d{{2}}:\d{{2}})?"),
        ("DATE", r"\d{4}-\d{2}-\d{2}"),
        ("TIME", _CLOCK),
        ("DECIMAL", r"-?\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)"),
        ("INT", r"-?\d+"),
        ("NAME", r"[^\W\d]\w*(?:-\w+)*"),
        ("PLACEHOLDER", r"@#?[^\W\d]\w*(?:-\w+)*@"),
        ("OPTION", r"\$[A-Za-z]+"),
    )
)
_STRING = re.compile(r"'(?:[^']|'')*'")
_PUNCT = MappingProxyType(
    {
        "(": "_LPAR",
        ")": "_RPAR",
        ",": "_COMMA",
        "/": "_SLASH",
        ":": "_COLON",
        ".": "_DOT",
        "-": "MINUS",
        "*": "STAR",
    }
)
_HINTS = MappingProxyType(
    {
        "=": "; use eq, ne, gt, ge, lt, le",
        "<": "; use lt, le, or ne instead of <>",
        ">": "; use gt or ge",
        "!": "; use ne",
        '"': ": strings use single quotes",
        "&": ": send '&' inside a value as %26",
    }
)
_SPACE = " \t\r\n"


def tokenize(text: str, *, expand: bool = False, separator: str = ";") -> Iterator[Token]:
    """Yield the tokens of `text`; in expand mode `$option`, `=` and the separator are tokens too."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _SPACE:
            i += 1
            continue
        token = _one_token(text, i, expand, separator)
        yield token
        i = token.end_pos if token.end_pos is not None else n


def _one_token(text: str, i: int, expand: bool, separator: str) -> Token:
    ch = text[i]
    if ch == "'":
        match = _STRING.match(text, i)
        if match is None:
            raise FilterSyntaxError(
                f"unterminated string starting at position {i + 1} (a quote inside a string is written '')",
                i + 1,
            )
        return _token("STRING", match.group()[1:-1].replace("''", "'"), i, match.end())
    if expand and text.startswith(separator, i):
        return _token("_SEP", separator, i)
    if expand and ch == "=":
        return _token("_EQUALS", "=", i)
    best = _longest(text, i)
    if best is not None:
        return _typed(best[0], best[1], i, expand)
    if ch in _PUNCT:
        return _token(_PUNCT[ch], ch, i)
    if ch == ";":
        return _token("SEMICOLON", ch, i)
    if ch == "=":
        return _token("EQUALS", ch, i)
    raise FilterSyntaxError(f"unexpected {ch!r} at position {i + 1}{_HINTS.get(ch, '')}", i + 1)


def _longest(text: str, i: int) -> tuple[str, str] | None:
    best: tuple[str, str] | None = None
    for name, pattern in _PATTERNS:
        match = pattern.match(text, i)
        if match and (best is None or len(match.group()) > len(best[1])):
            best = (name, match.group())
    return best


def _typed(kind: str, value: str, i: int, expand: bool) -> Token:
    if kind == "NAME":
        return _token(KEYWORDS.get(value.lower(), "NAME"), value, i)
    if kind == "OPTION":
        option = OPTIONS.get(value.lower())
        if not expand:
            raise FilterSyntaxError(f"unexpected '$' at position {i + 1}", i + 1)
        if option is None:
            raise expand_error(f"unknown option {value!r}", i + 1)
        return _token(option, value, i)
    return _token(kind, value, i)


def _token(kind: str, value: str, i: int, end: int | None = None) -> Token:
    stop = i + len(value) if end is None else end
    return Token(
        kind, value, start_pos=i, line=1, column=i + 1, end_pos=stop, end_line=1, end_column=stop + 1
    )
