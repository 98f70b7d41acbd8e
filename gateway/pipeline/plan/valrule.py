"""The $valrule pass: a saved filter with @Name@ placeholders, bound from $context and built-in values.

Placeholders become typed bind parameters (never text); a missing or unconvertible value is CONTEXT-ERROR,
a rule for another table or that does not compile is VALRULE-ERROR (positions in the rule text).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from filter_grammar import FilterError, ast, compile_filter, parse_filter
from gateway.actor import Actor
from gateway.errors import ContextError, GatewayError, ValruleError
from gateway.meta.valrules import ValRule
from gateway.pipeline.plan.context import PlanContext

_NAME = re.compile(r"[A-Za-z_#][A-Za-z0-9_]*")
_MAX_PAIRS = 50
_MAX_VALUE = 1000


def builtin_context(actor: Actor, now: datetime, db_timezone: str) -> dict[str, object]:
    today = now.astimezone(ZoneInfo(db_timezone)).date().isoformat()
    return {
        "#AD_Client_ID": actor.client_id,
        "#AD_Org_ID": actor.org_id,
        "#AD_Role_ID": actor.role_id,
        "#AD_User_ID": actor.user_id,
        "#M_Warehouse_ID": actor.warehouse_id,
        "#AD_Language": actor.language,
        "#Date": today,
    }


def parse_context(text: str | None) -> dict[str, object]:
    """`Name:Value,...` (values may be quoted 'a,b' with '' for a quote) or a JSON object."""
    if not text:
        return {}
    pairs: dict[str, object] = _json_pairs(text) if text.lstrip().startswith("{") else dict(_text_pairs(text))
    if len(pairs) > _MAX_PAIRS:
        raise ContextError(f"$context holds more than {_MAX_PAIRS} values", parameter="$context")
    for name, value in pairs.items():
        if not _NAME.fullmatch(name):
            raise ContextError(f"invalid $context name '{name}'", parameter="$context")
        if name.startswith("#"):
            raise ContextError(f"built-in context value {name} cannot be overridden", parameter="$context")
        if len(str(value)) > _MAX_VALUE:
            raise ContextError(f"$context value of {name} is too long", parameter="$context")
    return pairs


def _json_pairs(text: str) -> dict[str, object]:
    try:
        value = json.loads(text)
    except ValueError:
        raise ContextError("$context is not valid JSON", parameter="$context") from None
    if not isinstance(value, dict) or any(isinstance(v, dict | list) for v in value.values()):
        raise ContextError("$context JSON must be an object of scalar values", parameter="$context")
    return {str(k): v for k, v in value.items()}


def _text_pairs(text: str) -> Iterator[tuple[str, str]]:
    i, n = 0, len(text)
    while i < n:
        colon = text.find(":", i)
        if colon < 0:
            raise ContextError(
                f"expected Name:Value at position {i + 1}", parameter="$context", position=i + 1
            )
        name = text[i:colon].strip()
        value, i = _value(text, colon + 1)
        yield name, value
        if i < n and text[i] != ",":
            raise ContextError(f"expected ',' at position {i + 1}", parameter="$context", position=i + 1)
        i += 1


def _value(text: str, start: int) -> tuple[str, int]:
    if start < len(text) and text[start] == "'":
        out, i = [], start + 1
        while i < len(text):
            if text[i] == "'":
                if text[i + 1 : i + 2] == "'":
                    out.append("'")
                    i += 2
                    continue
                return "".join(out), i + 1
            out.append(text[i])
            i += 1
        raise ContextError(
            f"unterminated quote at position {start + 1}", parameter="$context", position=start + 1
        )
    end = text.find(",", start)
    end = len(text) if end < 0 else end
    return text[start:end].strip(), end


def placeholders_of(node: object) -> Iterator[ast.Placeholder]:
    if isinstance(node, ast.Placeholder):
        yield node
    elif isinstance(node, tuple):
        for item in node:
            yield from placeholders_of(item)
    elif dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            yield from placeholders_of(getattr(node, f.name))


def compile_rule(ctx: PlanContext, resolver: Any, rule: ValRule, context_text: str | None) -> Any:
    """The rule's compiled filter for this request's table, with every placeholder bound."""
    entity = ctx.catalog.find(rule.table_name) if rule.table_name else None
    root = resolver.root().entity
    if rule.table_name and (entity is None or entity.name != root.name):
        raise ValruleError(
            f"validation rule {rule.name} is for table {rule.table_name}", parameter="$valrule"
        )
    context = {**parse_context(context_text), **builtin_context(ctx.actor, ctx.now, ctx.settings.db_timezone)}
    try:
        expr = parse_filter(rule.filter, ctx.limits, placeholders=True)
    except FilterError as exc:
        raise ValruleError(
            f"validation rule {rule.name}: {exc.detail}", position=exc.position, parameter="$valrule"
        ) from None
    missing = sorted({p.name for p in placeholders_of(expr) if context.get(p.name) is None})
    if missing:
        raise ContextError(f"missing $context values: {', '.join(missing)}", parameter="$context")
    try:
        return compile_filter(expr, resolver, ctx.compile_options(ctx.next_name("v"), context))
    except FilterError as exc:
        if exc.type == "CONTEXT-ERROR" or exc.type == "FILTER-TYPE" and _at_placeholder(expr, exc.position):
            raise ContextError(f"$context value does not fit: {exc.detail}", parameter="$context") from None
        raise ValruleError(
            f"validation rule {rule.name}: {exc.detail}", position=exc.position, parameter="$valrule"
        ) from None
    except GatewayError as exc:
        raise ValruleError(
            f"validation rule {rule.name}: {exc.detail}", position=exc.position, parameter="$valrule"
        ) from None


def _at_placeholder(expr: ast.Expr, position: int | None) -> bool:
    return any(p.position == position for p in placeholders_of(expr))
