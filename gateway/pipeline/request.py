"""Stage 1: query options and body of a RawRequest, parsed (syntax only; no catalog).

Option names are case-insensitive and need their `$`; unknown or repeated `$options` are 400
INVALID-OPTION; an empty value counts as absent (api.md §2.2, §4.2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from filter_grammar import FilterError, Limits, parse_expand, parse_filter, parse_orderby, parse_select
from gateway.errors import InvalidOption, PagingError
from gateway.pipeline.query.shape import StatementCache
from gateway.pipeline.types import Action, ApiRequest, QueryOptions, RawRequest

_LIST_OPTIONS = frozenset(
    {
        "$filter",
        "$select",
        "$orderby",
        "$top",
        "$skip",
        "$expand",
        "$count",
        "$valrule",
        "$context",
        "$skiptoken",
    }
)
_RECORD_OPTIONS = frozenset({"$select", "$expand"})
_MAX_PAGING = 2**31


def parse_request(
    raw: RawRequest,
    action: Action,
    table: str,
    *,
    key: str | None = None,
    column: str | None = None,
    limits: Limits = Limits(),
    separator: str = ";",
    cache: StatementCache | None = None,
) -> ApiRequest:
    """`cache`: parsed options by their query arguments, and option texts by text, both with the limits
    (QueryOptions and the ASTs are immutable, so entries are shared)."""
    allowed = _LIST_OPTIONS if action is Action.LIST else _RECORD_OPTIONS

    def parsed() -> QueryOptions:
        return parse_options(collect_options(raw.args, allowed), limits, separator, cache)

    texts = (raw.args, allowed, limits, separator)
    options = parsed() if cache is None else cache.get_or_build(texts, parsed)
    return ApiRequest(
        action=action,
        table=table,
        key=key,
        column=column,
        options=options,
        if_match=raw.header("If-Match"),
        if_none_match=raw.header("If-None-Match"),
        raw=raw,
    )


def collect_options(args: tuple[tuple[str, str], ...], allowed: frozenset[str]) -> dict[str, str]:
    """`$name -> value` for the allowed options, plus `showsql`; other plain parameters are ignored."""
    values: dict[str, str] = {}
    seen: set[str] = set()
    for name, value in args:
        lowered = name.lower()
        if lowered == "showsql":
            values["showsql"] = value
            continue
        if not lowered.startswith("$"):
            continue
        if lowered not in allowed:
            raise InvalidOption(f"unknown or not applicable query option '{name}'", parameter=name)
        if lowered in seen:
            raise InvalidOption(f"query option '{name}' given more than once", parameter=name)
        seen.add(lowered)
        if value.strip():
            values[lowered] = value
    return values


def parse_options(
    values: dict[str, str], limits: Limits, separator: str, cache: StatementCache | None = None
) -> QueryOptions:
    def parsed(name: str, parse: Callable[[str], Any]) -> Any:
        text = values.get(name)
        if text is None or cache is None:
            return _parsed(values, name, parse)
        return cache.get_or_build((name, text, limits, separator), lambda: _parsed(values, name, parse))

    return QueryOptions(
        filter=parsed("$filter", lambda t: parse_filter(t, limits)),
        select=parsed("$select", lambda t: parse_select(t, limits)),
        orderby=parsed("$orderby", lambda t: parse_orderby(t, limits)),
        expand=parsed("$expand", lambda t: parse_expand(t, limits, separator=separator)),
        top=_paging(values, "$top"),
        skip=_paging(values, "$skip") or 0,
        count=_count(values.get("$count")) != "false",
        estimate=_count(values.get("$count")) == "estimate",
        valrule=values.get("$valrule"),
        context=values.get("$context"),
        showsql=values.get("showsql"),
        skiptoken=values.get("$skiptoken"),
        present=frozenset(values),
    )


def _parsed(values: dict[str, str], name: str, parse: Callable[[str], Any]) -> Any:
    text = values.get(name)
    if text is None:
        return None
    try:
        return parse(text)
    except FilterError as exc:
        exc.parameter = name  # type: ignore[attr-defined]
        raise


def _paging(values: dict[str, str], name: str) -> int | None:
    text = values.get(name)
    if text is None:
        return None
    stripped = text.strip()
    if not stripped.isdigit() or int(stripped) > _MAX_PAGING:
        raise PagingError(f"{name} must be an integer between 0 and {_MAX_PAGING}", parameter=name)
    return int(stripped)


def _count(text: str | None) -> str:
    if text is None:
        return "true"
    lowered = text.strip().lower()
    if lowered not in ("true", "false", "estimate"):
        raise PagingError("$count must be true, false or estimate", parameter="$count")
    return lowered
