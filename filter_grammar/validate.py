"""Structural limits and lambda-variable rules checked on a parsed tree, before anything recurses deeply.

The parse-tree depth is measured iteratively; every later walk (here, compiler, shape, unparse) may then
recurse safely. No names are resolved here.
"""

from __future__ import annotations

from typing import Any

from lark import Tree

from filter_grammar import ast
from filter_grammar.errors import FilterSyntaxError, TooComplexError


def check_tree_depth(tree: Tree[Any], max_depth: int) -> None:
    """FILTER-TOO-COMPLEX when rule nodes nest deeper than `max_depth` (unary chains, calls, lambdas)."""
    stack: list[tuple[Any, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise TooComplexError(f"the expression nests deeper than {max_depth}", 1)
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))


def check_filter(expr: ast.Expr, limits: Any) -> None:
    """Node count, path and lambda depth, and lambda variables distinct from enclosing ones."""
    count = _count_nodes(expr)
    if count > limits.max_nodes:
        raise TooComplexError(f"the expression has {count} nodes, more than {limits.max_nodes}", 1)
    _walk(expr, (), limits)


def _count_nodes(expr: ast.Expr) -> int:
    count, stack = 0, [expr]
    while stack:
        node = stack.pop()
        count += 1
        # An `in` list is one bound parameter: its items do not count as nodes (REST_MAX_IN_ITEMS caps them).
        stack.extend(ast.children(node) if not isinstance(node, ast.In) else (node.operand,))
    return count


def _walk(node: ast.Expr, scope: tuple[str, ...], limits: Any) -> None:
    if isinstance(node, ast.Member):
        _check_path(node.segments[:-1], scope, limits)
    elif isinstance(node, ast.Lambda):
        _check_path(node.path, scope, limits)
        if node.var is not None and node.var in scope:
            raise FilterSyntaxError(
                f"lambda variable {node.var!r} is already in use", node.collection.position
            )
        if len(scope) + 1 > limits.max_lambda_depth:
            raise TooComplexError(
                f"lambdas nest deeper than {limits.max_lambda_depth}", node.collection.position
            )
        scope = (*scope, node.var or "")
    for child in ast.children(node):
        _walk(child, scope, limits)


def _check_path(hops: tuple[ast.Segment, ...], scope: tuple[str, ...], limits: Any) -> None:
    if hops and hops[0].name in scope:
        hops = hops[1:]
    if len(hops) > limits.max_path_depth:
        extra = hops[limits.max_path_depth]
        raise TooComplexError(f"a path has more than {limits.max_path_depth} hops", extra.position)


def check_expand(items: tuple[ast.ExpandItem, ...], limits: Any, depth: int = 1) -> None:
    """Expand depth and the limits of every nested $filter/$orderby."""
    for item in items:
        if depth > limits.max_expand_depth:
            raise TooComplexError(f"$expand nests deeper than {limits.max_expand_depth}", item.position)
        options = item.options
        if options.filter is not None:
            check_filter(options.filter, limits)
        for order in options.orderby or ():
            check_filter(order.expr, limits)
        if options.expand:
            check_expand(options.expand, limits, depth + 1)
