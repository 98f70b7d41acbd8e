"""RowEncoder: turns the raw tuples of one plan level into records, built once per plan.

A record is `id`, `uid`, the columns in ordinal order (FK objects built from the identifier join), then
`model-name` and the expanded arrays (api.md §4.3). Per row it only indexes tuples and calls the
per-kind converters chosen up front.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from gateway.pipeline.execute import Level
from gateway.pipeline.render.values import Converter, converter_for
from gateway.pipeline.types import ReadPlan

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RenderOptions:
    db_timezone: str = "UTC"
    omit_nulls: bool = False


@dataclass(frozen=True, slots=True)
class _Field:
    prop: str
    index: int
    convert: Converter
    fk: tuple[str, str, tuple[int, ...]] | None  # (label, model-name, identifier indexes: key first)
    master: str | None  # expand key replacing this FK object


class RowEncoder:
    """Encodes rows of one ReadPlan level (and, recursively, its expands)."""

    def __init__(self, plan: ReadPlan, level: Level, options: RenderOptions) -> None:
        self.plan = plan
        self.options = options
        masters = {e.link: e.key for e in plan.expands if not e.is_child}
        self.fields = tuple(
            _Field(
                out.prop,
                i,
                converter_for(out.info, options.db_timezone),
                _fk_spec(out, level.layout.ident_at[i]) if out.role == "fk" else None,
                masters.get(out.info.name),
            )
            for i, out in enumerate(plan.outputs)
        )
        self.model_name = plan.entity.model_name
        self.children = tuple(e for e in plan.expands if e.is_child)
        self.key_index = next((i for i, o in enumerate(plan.outputs) if o.role == "key"), None)
        self._sub_encoders: dict[str, RowEncoder] = {}
        self.level = level

    def encode(self, row: tuple[Any, ...]) -> Record:
        record: Record = {}
        omit = self.options.omit_nulls
        for f in self.fields:
            raw = row[f.index]
            if f.master is not None:
                value = self._master(f.master, raw)
            elif f.fk is not None:
                value = None if raw is None else _fk_object(f.fk, row, raw)
            else:
                value = f.convert(raw)
            if value is None and omit and f.prop not in ("id", "uid"):
                continue
            record[f.prop] = value
        record["model-name"] = self.model_name
        for child in self.children:
            key = row[self.key_index] if self.key_index is not None else None
            sub = self.level.subs[child.key]
            encoder = self._encoder_for(child.key, child.target, sub)
            record[child.key] = [encoder.encode(r) for r in sub.by_link.get(key, ())]
        return record

    def _master(self, expand_key: str, raw: Any) -> Any:
        if raw is None:
            return None
        sub = self.level.subs[expand_key]
        rows = sub.by_link.get(raw)
        if not rows:
            return None
        target = next(e.target for e in self.plan.expands if e.key == expand_key)
        return self._encoder_for(expand_key, target, sub).encode(rows[0])

    def _encoder_for(self, key: str, plan: ReadPlan, level: Level) -> RowEncoder:
        encoder = self._sub_encoders.get(key)
        if encoder is None:
            encoder = self._sub_encoders[key] = RowEncoder(plan, level, self.options)
        return encoder

    def etag(self, row: tuple[Any, ...]) -> str:
        """Strong ETag: base64url of 16 bytes of SHA-256 over the row's canonical values (all columns)."""
        values = [
            converter_for(info, self.options.db_timezone)(row[i])
            for info, i in zip(self.plan.entity.columns, self.level.layout.etag_at, strict=True)
        ]
        digest = hashlib.sha256(orjson.dumps(values, default=str)).digest()[:16]
        return '"' + base64.urlsafe_b64encode(digest).decode().rstrip("=") + '"'


def _fk_spec(out: Any, ident_at: tuple[int, ...]) -> tuple[str, str, tuple[int, ...]]:
    parent = out.info.parent
    return (out.info.label, parent.parent.lower() if parent else "", ident_at)


def _fk_object(spec: tuple[str, str, tuple[int, ...]], row: tuple[Any, ...], raw: Any) -> Record:
    label, model_name, ident_at = spec
    return {
        "propertyLabel": label,
        "id": raw,
        "identifier": _identifier(row, ident_at, raw),
        "model-name": model_name,
    }


def _identifier(row: tuple[Any, ...], ident_at: tuple[int, ...], raw: Any) -> str | None:
    """Identifier text of the referenced row; null when that row is missing or invisible."""
    if not ident_at or row[ident_at[0]] is None:
        return None
    if len(ident_at) == 2:  # the usual single identifier column: no list, no join
        value = row[ident_at[1]]
        return _text(raw) if value is None or value == "" else _text(value)
    parts = [_text(row[i]) for i in ident_at[1:] if row[i] is not None]
    text = "_".join(p for p in parts if p != "")
    return text if text else _text(raw)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


EncodeFn = Callable[[tuple[Any, ...]], Record]
