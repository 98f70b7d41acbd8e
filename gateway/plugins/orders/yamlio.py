"""YAML variants of order data (orders.md §10.2): safe parsing with size and alias limits, JSON-safe values.

PyYAML `safe_load` only; timestamps and dates become ISO 8601 strings, mapping keys strings. No I/O.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from gateway.plugins.orders.errors import YamlParserError

MAX_ALIASES = 100


class _CountingLoader(yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader that refuses documents with more than MAX_ALIASES aliases (billion-laughs guard)."""

    aliases_seen = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases_seen += 1
            if self.aliases_seen > MAX_ALIASES:
                raise YamlParserError(f"the document has more than {MAX_ALIASES} aliases")
        return super().compose_node(parent, index)


def parse(text: str, max_bytes: int) -> Any:
    if len(text.encode()) > max_bytes:
        raise YamlParserError(f"the document is larger than {max_bytes} bytes")
    loader = _CountingLoader(text)
    try:
        value = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise YamlParserError(f"invalid YAML: {str(exc).splitlines()[0]}") from None
    finally:
        loader.dispose()
    return _jsonable(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise YamlParserError(f"YAML value of type {type(value).__name__} has no JSON form")


def dump(value: Any) -> str | None:
    if value is None:
        return None
    return str(yaml.safe_dump(value, sort_keys=False, allow_unicode=True, default_flow_style=False))
