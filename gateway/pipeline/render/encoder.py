"""RowEncoder: turns the raw tuples of one plan level into records, built once per plan.

A record is `id`, `uid`, the columns in ordinal order (FK objects built from the identifier join), then
`model-name` and the expanded arrays (api.md §4.3). Per row it only indexes tuples and calls the
per-kind converters chosen up front.
"""

from __future__ import annotations

import base64
import hashlib
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from gateway.pipeline.execute import Level
from gateway.pipeline.query.select import Layout
from gateway.pipeline.render.values import Converter, converter_for, identity
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


class EncoderSpec:
    """What encoding one plan level needs that does not depend on its rows: converters, FK builders and
    value positions. Built once per cached statement (it costs more than encoding a single record) and
    shared by the requests that reuse it; expand levels' specs are added on first use."""

    def __init__(self, plan: ReadPlan, layout: Layout, options: RenderOptions) -> None:
        masters = {e.link: e.key for e in plan.expands if not e.is_child}
        fields = tuple(
            _Field(
                out.prop,
                i,
                converter_for(out.info, options.db_timezone),
                _fk_spec(out, layout.ident_at[i]) if out.role == "fk" else None,
                masters.get(out.info.name),
            )
            for i, out in enumerate(plan.outputs)
        )
        self.model_name = plan.entity.model_name
        self.children = tuple(e for e in plan.expands if e.is_child)
        self.key_index = next((i for i, o in enumerate(plan.outputs) if o.role == "key"), None)
        # Per row: one C-level itemgetter picks the output values, then only the fields that need it
        # are converted; a loop over every field with its branches cost as much as the query.
        self.props = tuple(f.prop for f in fields)
        self.take = _picker(tuple(f.index for f in fields))
        self.masters = tuple((j, f.master) for j, f in enumerate(fields) if f.master is not None)
        self.fks = tuple(
            (j, _fk_builder(f.fk)) for j, f in enumerate(fields) if f.fk is not None and f.master is None
        )
        self.converts = tuple(
            (j, f.convert)
            for j, f in enumerate(fields)
            if f.fk is None and f.master is None and f.convert is not identity
        )
        etag_at = layout.etag_at  # single-record layouts only
        columns = plan.entity.columns if etag_at else ()
        self.etag_values = tuple(
            (converter_for(info, options.db_timezone), i) for info, i in zip(columns, etag_at, strict=True)
        )
        self.subs: dict[str, EncoderSpec] = {}


class RowEncoder:
    """Encodes rows of one ReadPlan level (and, recursively, its expands). `spec` is the level's cached
    EncoderSpec when the caller has one (else it is built here)."""

    def __init__(
        self, plan: ReadPlan, level: Level, options: RenderOptions, spec: EncoderSpec | None = None
    ) -> None:
        self.plan = plan
        self.options = options
        self.level = level
        self.spec = spec if spec is not None else EncoderSpec(plan, level.layout, options)
        self._sub_encoders: dict[str, RowEncoder] = {}

    def encode(self, row: tuple[Any, ...]) -> Record:
        spec = self.spec
        values = spec.take(row)
        for j, convert in spec.converts:
            values[j] = convert(values[j])
        for j, build in spec.fks:
            raw = values[j]
            if raw is not None:
                values[j] = build(row, raw)
        for j, master in spec.masters:
            values[j] = self._master(master, values[j])
        record: Record = dict(zip(spec.props, values, strict=True))
        if self.options.omit_nulls:
            record = {k: v for k, v in record.items() if v is not None or k in ("id", "uid")}
        record["model-name"] = spec.model_name
        for child in spec.children:
            key = row[spec.key_index] if spec.key_index is not None else None
            sub = self.level.subs[child.key]
            if sub.texts is not None:  # built by the database (json_sql.py)
                record[child.key] = orjson.Fragment(sub.texts.get(key, "[]"))
                continue
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
            spec = self.spec.subs.get(key)
            if spec is None:
                spec = self.spec.subs.setdefault(key, EncoderSpec(plan, level.layout, self.options))
            encoder = self._sub_encoders[key] = RowEncoder(plan, level, self.options, spec)
        return encoder

    def etag(self, row: tuple[Any, ...]) -> str:
        """Strong ETag: base64url of 16 bytes of SHA-256 over the row's canonical values (all columns)."""
        values = [convert(row[i]) for convert, i in self.spec.etag_values]
        digest = hashlib.sha256(orjson.dumps(values, default=str)).digest()[:16]
        return '"' + base64.urlsafe_b64encode(digest).decode().rstrip("=") + '"'


def _picker(indexes: tuple[int, ...]) -> Callable[[tuple[Any, ...]], list[Any]]:
    """A function returning the values at `indexes` of a row as a new list (itemgetter returns a bare
    value for one index and fails for none)."""
    if not indexes:
        return lambda _row: []
    if len(indexes) == 1:
        only = indexes[0]
        return lambda row: [row[only]]
    take = operator.itemgetter(*indexes)
    return lambda row: list(take(row))


def _fk_spec(out: Any, ident_at: tuple[int, ...]) -> tuple[str, str, tuple[int, ...]]:
    parent = out.info.parent
    return (out.info.label, parent.parent.lower() if parent else "", ident_at)


FkBuilder = Callable[[tuple[Any, ...], Any], Record]


def _fk_builder(spec: tuple[str, str, tuple[int, ...]]) -> FkBuilder:
    """The FK object `{propertyLabel, id, identifier, model-name}` of one column; identifier null when
    the referenced row is missing or invisible, the key as text when its identifier is empty."""
    label, model_name, ident_at = spec
    if len(ident_at) == 2:  # the usual single identifier column: no list, no join
        present, name_at = ident_at

        def single(row: tuple[Any, ...], raw: Any) -> Record:
            ident = None
            if row[present] is not None:
                value = row[name_at]
                ident = _text(raw) if value is None or value == "" else _text(value)
            return {"propertyLabel": label, "id": raw, "identifier": ident, "model-name": model_name}

        return single

    def composite(row: tuple[Any, ...], raw: Any) -> Record:
        return {
            "propertyLabel": label,
            "id": raw,
            "identifier": _identifier(row, ident_at, raw),
            "model-name": model_name,
        }

    return composite


def _identifier(row: tuple[Any, ...], ident_at: tuple[int, ...], raw: Any) -> str | None:
    if not ident_at or row[ident_at[0]] is None:
        return None
    parts = [_text(row[i]) for i in ident_at[1:] if row[i] is not None]
    text = "_".join(p for p in parts if p != "")
    return text if text else _text(raw)


def _text(value: Any) -> str:
    return value if value.__class__ is str else str(value)


EncodeFn = Callable[[tuple[Any, ...]], Record]
