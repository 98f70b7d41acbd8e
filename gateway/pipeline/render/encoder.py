"""RowEncoder: turns the raw tuples of one plan level into records, built once per plan.

A record is `id`, `uid`, the columns in ordinal order (FK objects built from the identifier join), then
`model-name` and the expanded arrays (api.md §4.3). Per row it runs one generated function that builds
the record as a single dict display, indexing the tuple and calling the per-kind converters chosen up
front.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

from gateway.catalog.model import ColumnInfo, ColumnKind
from gateway.pipeline.execute import Level
from gateway.pipeline.query.select import Layout
from gateway.pipeline.render import values
from gateway.pipeline.render.values import Converter, converter_for, identity
from gateway.pipeline.types import ReadPlan

Record = dict[str, Any]


# How bodies holding records with native times are written: naive datetimes as UTC with `Z`, which is
# byte for byte what the datetime converter writes (`isoformat()` + "Z", microseconds only when present).
NATIVE_TIMES_JSON = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z


@dataclass(frozen=True, slots=True)
class RenderOptions:
    db_timezone: str = "UTC"
    omit_nulls: bool = False
    # Dates and naive UTC datetimes stay Python objects, for orjson to write with NATIVE_TIMES_JSON
    # (a third of a record's build time, measured on a 100-row page). Only for bodies written that way.
    native_times: bool = False


@dataclass(frozen=True, slots=True)
class _Field:
    prop: str
    index: int
    convert: Converter
    native: str | None  # source of the value when the driver's own object is what orjson writes
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
                _native(out.info, options) if out.role != "fk" else None,
                _fk_spec(out, layout.ident_at[i]) if out.role == "fk" else None,
                masters.get(out.info.name),
            )
            for i, out in enumerate(plan.outputs)
        )
        self.model_name = plan.entity.model_name
        self.children = tuple(e for e in plan.expands if e.is_child)
        self.key_index = next((i for i, o in enumerate(plan.outputs) if o.role == "key"), None)
        self.build = _record_builder(fields)
        self.masters = tuple((f.prop, f.master) for f in fields if f.master is not None)
        etag_at = layout.etag_at  # single-record layouts only
        columns = plan.entity.columns if etag_at else ()
        self.etag_values = _values_builder(
            [
                (converter_for(info, options.db_timezone), i, _native(info, options))
                for info, i in zip(columns, etag_at, strict=True)
            ]
        )
        self.etag_option = NATIVE_TIMES_JSON if options.native_times else None
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
        record = spec.build(row)
        for prop, master in spec.masters:
            record[prop] = self._master(master, record[prop])
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
        values = orjson.dumps(self.spec.etag_values(row), default=str, option=self.spec.etag_option)
        digest = hashlib.sha256(values).digest()[:16]
        return '"' + base64.urlsafe_b64encode(digest).decode().rstrip("=") + '"'


# Converters whose common case is cheaper written out than called: the same results, value for value.
_INLINE: dict[Converter, str] = {
    values.string: "(row[{i}] if row[{i}].__class__ is str else convert{j}(row[{i}]))",
    values.yesno: '(True if row[{i}] == "Y" else False if row[{i}] == "N" else row[{i}])',
}


def _record_builder(fields: tuple[_Field, ...]) -> Callable[[tuple[Any, ...]], Record]:
    """One function per plan level that builds a record from a row as a single dict display.

    Generated source, as dataclasses and attrs do for their methods: the loops over the fields it replaces
    cost about 30 % more per row. Only reflected property names (written with repr) and tuple indexes go into
    the source; converters and FK builders are bound by name, so no row value ever becomes code."""
    bound: dict[str, Any] = {}
    items = []
    for j, f in enumerate(fields):
        value = f"row[{f.index}]"
        if f.fk is not None and f.master is None:
            bound[f"fk{j}"] = _fk_builder(f.fk)
            value = f"(None if row[{f.index}] is None else fk{j}(row, row[{f.index}]))"
        elif f.master is None:
            value = _converted(f.convert, f.index, j, bound, f.native)
        items.append(f"{f.prop!r}: {value}")
    return _compiled("def build(row):\n    return {" + ", ".join(items) + "}\n", bound)  # type: ignore[no-any-return]


def _values_builder(
    fields: list[tuple[Converter, int, str | None]],
) -> Callable[[tuple[Any, ...]], list[Any]]:
    """A generated function listing the converted values at the given row indexes (the ETag's input);
    where `native` allows, the driver's time objects, which orjson writes as their converters would."""
    bound: dict[str, Any] = {}
    items = [_converted(convert, i, j, bound, native) for j, (convert, i, native) in enumerate(fields)]
    return _compiled("def build(row):\n    return [" + ", ".join(items) + "]\n", bound)  # type: ignore[no-any-return]


def _converted(
    convert: Converter, index: int, j: int, bound: dict[str, Any], native: str | None = None
) -> str:
    """The source of `convert(row[index])`: nothing for identity, written out for the _INLINE ones, the
    driver's object itself where `native` allows."""
    if convert is identity:
        return f"row[{index}]"
    bound[f"convert{j}"] = convert
    return (native or _INLINE.get(convert, "convert{j}(row[{i}])")).format(i=index, j=j)


_NATIVE_DATE = "(row[{i}] if row[{i}].__class__ is _date else convert{j}(row[{i}]))"
_NATIVE_DATETIME = (
    "(row[{i}] if row[{i}].__class__ is _datetime and row[{i}].tzinfo is None else convert{j}(row[{i}]))"
)


def _native(info: ColumnInfo, options: RenderOptions) -> str | None:
    """Where orjson writes the driver's value exactly as its converter would: plain dates, and naive
    datetimes of a UTC database (other values of the column still go through the converter)."""
    if not options.native_times:
        return None
    if info.kind is ColumnKind.DATE:
        return _NATIVE_DATE
    if info.kind is ColumnKind.DATETIME and options.db_timezone.upper() == "UTC":
        return _NATIVE_DATETIME
    return None


def _compiled(source: str, bound: dict[str, Any]) -> Any:
    bound.update(_date=date, _datetime=datetime)  # the classes the native sources test for
    exec(compile(source, "<record builder>", "exec"), bound)  # noqa: S102 - see _record_builder
    return bound["build"]


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
