"""The FilterError family: what the query language reports, with a 1-based position.

The gateway maps these to 400 responses keeping `type` and `position`. This module must not import Lark:
parser.py translates Lark's exceptions so that they never escape the package.
"""

from __future__ import annotations

from typing import ClassVar


class FilterError(Exception):
    """A problem in a query option; `position` is 1-based in the option text (None when unknown)."""

    default_type: ClassVar[str] = "FILTER-SYNTAX"

    def __init__(self, detail: str, position: int | None = None, *, type: str | None = None) -> None:
        super().__init__(detail)
        self.type: str = type or self.default_type
        self.detail: str = detail
        self.position: int | None = position

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.type} @{self.position}: {self.detail})"


class FilterSyntaxError(FilterError):
    default_type = "FILTER-SYNTAX"


class UnknownFunctionError(FilterError):
    default_type = "FILTER-UNKNOWN-FUNCTION"


class ArityError(FilterError):
    default_type = "FILTER-ARITY"


class FilterTypeError(FilterError):
    default_type = "FILTER-TYPE"


class FilterPathError(FilterError):
    default_type = "FILTER-PATH"


class TooComplexError(FilterError):
    default_type = "FILTER-TOO-COMPLEX"


def expand_error(detail: str, position: int | None) -> FilterError:
    """A structural problem in `$expand` (duplicate or unknown option, duplicate item)."""
    return FilterError(detail, position, type="EXPAND-ERROR")
