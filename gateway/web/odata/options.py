"""OData query options -> the pipeline's options: navigation names in `$expand` become FK columns or child
tables, `$count` defaults to false, `$format` is checked, and server-driven paging gets its next link.

Only text is rewritten here; every name is still resolved (and permission-checked) by the planner.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from gateway.errors import ExpandError, InvalidOption, NotAcceptable
from gateway.web.odata.edm import ODataModel, ODataSet

_JSON_FORMATS = frozenset({"json", "application/json"})
_DROPPED = frozenset({"$format", "showsql"})
_SAFE = "$,()';:/"
_PATH_OR_LITERAL = re.compile(r"('(?:[^']|'')*'|(?<![\w.])[A-Za-z_]\w*(?:/[A-Za-z_]\w*)+)")


@dataclass(frozen=True, slots=True)
class FeedArgs:
    args: tuple[tuple[str, str], ...]  # what the pipeline receives
    top: int | None  # the client's $top (the total it wants over all pages)
    skip: int
    count: bool


def translate(
    raw: Iterable[tuple[str, str]], oset: ODataSet, model: ODataModel, *, keyset: bool = False
) -> FeedArgs:
    """`keyset`: page by position (`$skiptoken` next links) unless the request already holds a token."""
    out: list[tuple[str, str]] = []
    count, top, skip = False, None, 0
    for name, value in raw:
        lowered = name.lower()
        if lowered == "$format":
            check_format(value)
        if lowered in _DROPPED:
            continue
        if lowered == "$count":
            count = value.strip().lower() == "true"
            if value.strip().lower() not in ("true", "false"):
                out.append((name, value))  # the pipeline reports the bad value
            continue
        if lowered == "$expand" and value.strip():
            value = rewrite_expand(value, oset, model)
        if lowered in ("$filter", "$orderby"):
            value = rewrite_paths(value, oset, model)
        if lowered == "$top" and value.strip().isdigit():
            top = int(value.strip())
        if lowered == "$skip" and value.strip().isdigit():
            skip = int(value.strip())
        out.append((name, value))
    out.append(("$count", "true" if count else "false"))
    if keyset and not any(k.lower() == "$skiptoken" for k, _ in out):
        out.append(("$skiptoken", "start"))
    return FeedArgs(tuple(out), top, skip, count)


def check_format(value: str) -> None:
    if value.split(";")[0].strip().lower() not in _JSON_FORMATS:
        raise NotAcceptable("This service answers $format=json only")


def next_link(
    base: str, feed: FeedArgs, page_size: int, fetched: int, total: int, token: str | None = None
) -> str | None:
    """Server-driven paging: the URL of the next page, or None when this page is the last. With a skip
    token (keyset paging) the next page starts after this one's last row, else at an offset."""
    if page_size == 0 or fetched < page_size:
        return None
    served = feed.skip + fetched
    if (total >= 0 and token is None and served >= total) or (feed.top is not None and fetched >= feed.top):
        return None
    kept = [(k, v) for k, v in feed.args if k.lower() not in ("$skip", "$top", "$count", "$skiptoken")]
    if feed.count:
        kept.append(("$count", "true"))
    kept.append(("$skiptoken", token) if token is not None else ("$skip", str(served)))
    if feed.top is not None:
        kept.append(("$top", str(feed.top - fetched)))
    return f"{base}?{urlencode(kept, safe=_SAFE)}"


def rewrite_expand(text: str, oset: ODataSet, model: ODataModel) -> str:
    """Replace each navigation property name of an `$expand` tree by the pipeline's item name."""
    return ",".join(_rewrite_item(item, oset, model) for item in _split(text, ","))


def _rewrite_item(item: str, oset: ODataSet, model: ODataModel) -> str:
    stripped = item.strip()
    name, paren, rest = stripped.partition("(")
    nav = oset.nav(name.strip())
    if nav is None:
        raise ExpandError(f"{name.strip()} is not a navigation property of {oset.name}")
    if not paren:
        return nav.expand_token
    if not rest.endswith(")"):
        raise InvalidOption("unbalanced parentheses in $expand", parameter="$expand")
    target = model.sets[nav.target]
    options = [_rewrite_option(opt, target, model) for opt in _split(rest[:-1], ";")]
    return f"{nav.expand_token}({';'.join(options)})"


def _rewrite_option(option: str, target: ODataSet, model: ODataModel) -> str:
    name, eq, value = option.partition("=")
    if eq and name.strip().lower() == "$expand":
        return f"{name}={rewrite_expand(value, target, model)}"
    return option


def rewrite_paths(text: str, oset: ODataSet, model: ODataModel) -> str:
    """`C_BPartner/Name` (navigation property) -> `C_BPartner_ID/Name` (the FK path the grammar knows).

    Only master hops are renamed; a child navigation ends the walk (its lambda variable starts a new
    scope). String literals are left alone.
    """
    pieces = _PATH_OR_LITERAL.split(text)
    return "".join(_rewrite_path(p, oset, model) if i % 2 else p for i, p in enumerate(pieces))


def _rewrite_path(token: str, oset: ODataSet, model: ODataModel) -> str:
    if token.startswith("'") or "/" not in token:
        return token
    segments = token.split("/")
    current: ODataSet | None = oset
    for i, segment in enumerate(segments[:-1]):
        nav = current.nav(segment) if current is not None else None
        if nav is None or nav.is_child:
            break
        segments[i] = nav.expand_token
        current = model.sets.get(nav.target)
    return "/".join(segments)


def _split(text: str, separator: str) -> list[str]:
    """Split at `separator` outside parentheses and quoted literals ('' escapes a quote)."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and char == separator:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts
