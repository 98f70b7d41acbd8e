"""filter_grammar: the query language of model-gateway ($filter, $orderby, $select, $expand).

A pure library: text -> AST (parser), AST -> SQLAlchemy Core (compiler, orderby), cache shapes (shape),
canonical text (unparse). It imports lark, SQLAlchemy's expression layer and the standard library only.
"""

from __future__ import annotations

from filter_grammar import ast
from filter_grammar.binding import CompileOptions, Slot, bind_values
from filter_grammar.compiler import CompiledFilter, compile_filter
from filter_grammar.errors import (
    ArityError,
    FilterError,
    FilterPathError,
    FilterSyntaxError,
    FilterTypeError,
    TooComplexError,
    UnknownFunctionError,
)
from filter_grammar.functions import FUNCTIONS, FunctionSpec, with_functions
from filter_grammar.orderby import CompiledOrder, compile_orderby
from filter_grammar.parser import Limits, parse_expand, parse_filter, parse_orderby, parse_select
from filter_grammar.shape import literals_of, shape_of
from filter_grammar.sqlite import register_sqlite_functions
from filter_grammar.unparse import unparse

__all__ = [
    "FUNCTIONS",
    "ArityError",
    "CompileOptions",
    "CompiledFilter",
    "CompiledOrder",
    "FilterError",
    "FilterPathError",
    "FilterSyntaxError",
    "FilterTypeError",
    "FunctionSpec",
    "Limits",
    "Slot",
    "TooComplexError",
    "UnknownFunctionError",
    "ast",
    "bind_values",
    "compile_filter",
    "compile_orderby",
    "literals_of",
    "parse_expand",
    "parse_filter",
    "parse_orderby",
    "parse_select",
    "register_sqlite_functions",
    "shape_of",
    "unparse",
    "with_functions",
]
