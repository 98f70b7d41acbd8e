"""Case-insensitive name lookup: an exact spelling wins, else a unique case-insensitive match.

Used for entity sets, columns and the table/column names inside settings. Two or more case-insensitive
matches without an exact one raise `AmbiguousName`. Pure: no I/O, no SQL.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import TypeVar

from gateway.errors import AmbiguousName

__all__ = ["fold_index", "lookup", "matches_any", "pick_name", "served", "setting_for", "split_qualified"]

T = TypeVar("T")

META_PREFIX = "gw_"


def fold_index(items: Iterable[tuple[str, T]]) -> dict[str, tuple[T, ...]]:
    """Group values by the lower-case form of their name, keeping the input order."""
    folded: dict[str, tuple[T, ...]] = {}
    for name, value in items:
        folded[name.lower()] = (*folded.get(name.lower(), ()), value)
    return folded


def lookup(exact: Mapping[str, T], folded: Mapping[str, tuple[T, ...]], name: str, what: str) -> T | None:
    """The value named `name`: exact key first, then a unique case-insensitive one; None when unknown."""
    found = exact.get(name)
    if found is not None:
        return found
    matches = folded.get(name.lower(), ())
    if len(matches) > 1:
        raise AmbiguousName(f"'{name}' matches several {what}")
    return matches[0] if matches else None


def pick_name(names: Iterable[str], wanted: str) -> str | None:
    """The spelling in `names` of `wanted` (exact first, then unique case-insensitive); None when absent."""
    spelled = tuple(names)
    return lookup({n: n for n in spelled}, fold_index((n, n) for n in spelled), wanted, "names")


def setting_for(mapping: Mapping[str, str], name: str) -> str | None:
    """The value a settings map gives `name`, its keys matched case-insensitively."""
    return lookup(mapping, fold_index(mapping.items()), name, "settings entries")


def split_qualified(text: str) -> tuple[str, str]:
    """`Table.Column` -> ("Table", "Column"); a text without a dot gives ("", text)."""
    table, _, column = text.strip().rpartition(".")
    return table.strip(), column.strip()


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    """Whether `name` matches one of the glob patterns, ignoring case."""
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, pattern.strip().lower()) for pattern in patterns)


def served(name: str, tables: Iterable[str], exclude_tables: Iterable[str]) -> bool:
    """Whether a data table belongs in the catalog: never gw_*, never excluded, listed when a list is set."""
    if name.lower().startswith(META_PREFIX) or matches_any(name, exclude_tables):
        return False
    wanted = tuple(tables)
    return not wanted or matches_any(name, wanted)
