"""SQLite connection functions the compiled SQL relies on (registered by the gateway on connect).

Unicode case mapping, Python regular expressions, and floor/ceiling/mod that work on builds without
SQLite's math functions. All are deterministic; NULL in gives NULL out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=256)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def _nullsafe(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        return None if any(a is None for a in args) else fn(*args)

    return call


def _regexp(pattern: str, value: Any) -> int:
    return int(_pattern(pattern).search(str(value)) is not None)


def _mod(a: Any, b: Any) -> Any:
    if b == 0:
        return None
    # math.fmod keeps the sign of the dividend, as SQL's MOD does.
    result = Decimal(str(a)) % Decimal(str(b))
    return float(result) if isinstance(a, float) or isinstance(b, float) else int(result)


def _whole(fn: Callable[[float], int]) -> Callable[[Any], Any]:
    def call(x: Any) -> Any:
        return fn(x) if isinstance(x, int | float) else fn(float(x))

    return call


FUNCTIONS: tuple[tuple[str, int, Callable[..., Any]], ...] = (
    ("gw_lower", 1, _nullsafe(lambda s: str(s).lower())),
    ("gw_upper", 1, _nullsafe(lambda s: str(s).upper())),
    ("regexp", 2, _nullsafe(_regexp)),
    ("gw_floor", 1, _nullsafe(_whole(math.floor))),
    ("gw_ceiling", 1, _nullsafe(_whole(math.ceil))),
    ("gw_mod", 2, _nullsafe(_mod)),
)


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """Register gw_lower, gw_upper, regexp, gw_floor, gw_ceiling and gw_mod on a sqlite3 connection."""
    for name, arity, fn in FUNCTIONS:
        dbapi_connection.create_function(name, arity, fn, deterministic=True)
