"""The generated record builder of the encoder: the same records as the field-by-field rules, property
names that are awkward in Python source stay plain dict keys, and native dates and times are written as
their converters write them (in records and in the ETag's input, so an ETag does not depend on the path)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import orjson
import sqlalchemy as sa

from gateway.catalog.model import ColumnInfo, ColumnKind
from gateway.pipeline.render.encoder import (
    NATIVE_TIMES_JSON,
    RenderOptions,
    _Field,
    _native,
    _record_builder,
    _values_builder,
)
from gateway.pipeline.render.values import converter_for, decimal_converter, identity, string, yesno

AWKWARD = "a'b\"c\\d\n}{é"
FK = ("Business Partner", "c_bpartner", (4, 5))  # (label, model-name, (referenced row present, identifier))


def _builder() -> object:
    return _record_builder(
        (
            _Field("id", 0, identity, None, None, None),
            _Field(AWKWARD, 1, string, None, None, None),
            _Field("IsActive", 2, yesno, None, None, None),
            _Field("C_BPartner_ID", 3, identity, None, FK, None),
            _Field("GrandTotal", 6, decimal_converter(2), None, None, None),
            _Field("M_Product_ID", 7, identity, None, None, "M_Product_ID"),  # an expanded master: raw here
        )
    )


def test_values_follow_the_converters_and_fk_rules() -> None:
    build = _builder()
    guid = uuid.UUID("6f1a0e4e-0000-4000-8000-000000000001")
    cases = [
        (
            (1, "text", "Y", 118, 118, "Joe's Garden", Decimal("2.5"), 7),
            {
                "IsActive": True,
                "C_BPartner_ID": {
                    "propertyLabel": "Business Partner",
                    "id": 118,
                    "identifier": "Joe's Garden",
                    "model-name": "c_bpartner",
                },
            },
        ),
        (
            (2, guid, "N", 119, 119, "", None, None),
            {"IsActive": False, "C_BPartner_ID": {"identifier": "119"}},
        ),
        (
            (3, None, "X", 120, None, None, None, None),
            {"IsActive": "X", "C_BPartner_ID": {"identifier": None}},
        ),
        ((4, None, None, None, None, None, None, None), {"IsActive": None, "C_BPartner_ID": None}),
    ]
    for row, expected in cases:
        record = build(row)  # type: ignore[operator]
        assert list(record) == ["id", AWKWARD, "IsActive", "C_BPartner_ID", "GrandTotal", "M_Product_ID"]
        assert record[AWKWARD] == (str(row[1]) if row[1] is not None else None)
        assert record["IsActive"] == expected["IsActive"]
        assert record["M_Product_ID"] == row[7]
        fk = expected["C_BPartner_ID"]
        if fk is None:
            assert record["C_BPartner_ID"] is None
        else:
            assert record["C_BPartner_ID"]["id"] == row[3]
            assert {k: record["C_BPartner_ID"][k] for k in fk} == fk
    assert orjson.dumps(build(cases[0][0])["GrandTotal"]) == b"2.50"  # type: ignore[operator]


def _time_columns() -> list[ColumnInfo]:
    kinds = (ColumnKind.DATE, ColumnKind.DATETIME, ColumnKind.DATETIME_TZ)
    return [
        ColumnInfo(f"c{i}", kind, sa.Column(f"c{i}", sa.String), True, False, f"c{i}")
        for i, kind in enumerate(kinds)
    ]


def _time_builder(native: bool, zone: str = "UTC") -> object:
    options = RenderOptions(zone, native_times=native)
    fields = [
        _Field(f"c{i}", i, converter_for(info, zone), _native(info, options), None, None)
        for i, info in enumerate(_time_columns())
    ]
    return _record_builder(tuple(fields))


def _etag_input(native: bool, zone: str) -> object:
    options = RenderOptions(zone, native_times=native)
    return _values_builder(
        [(converter_for(c, zone), i, _native(c, options)) for i, c in enumerate(_time_columns())]
    )


def test_native_times_are_written_as_their_converters_write_them() -> None:
    plus_two = timezone(timedelta(hours=2))
    rows = [
        (date(2024, 2, 29), datetime(2024, 5, 1, 10, 0), datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
        (date(1, 1, 1), datetime(1, 1, 1), datetime(2024, 5, 1, 10, 0, 0, 120000, tzinfo=plus_two)),
        (date(9999, 12, 31), datetime(9999, 12, 31, 23, 59, 59, 999999), None),
        (datetime(2024, 5, 1, 10, 0), datetime(2024, 5, 1, 10, 0, 0, 120000, tzinfo=plus_two), None),
        ("2024-05-01", "2024-05-01 10:00:00.000001", "2024-05-01 10:00:00+02:00"),  # SQLite's text
        (None, datetime(999, 1, 2, 3, 4, 5, 1), None),
    ]
    for zone in ("UTC", "Europe/Berlin"):
        converted, native = _time_builder(False, zone), _time_builder(True, zone)
        etag_converted, etag_native = _etag_input(False, zone), _etag_input(True, zone)
        for row in rows:
            expected = orjson.dumps(converted(row))  # type: ignore[operator]
            assert orjson.dumps(native(row), option=NATIVE_TIMES_JSON) == expected, (zone, row)
            expected = orjson.dumps(etag_converted(row))  # type: ignore[operator]
            assert orjson.dumps(etag_native(row), option=NATIVE_TIMES_JSON) == expected, (zone, row)
    assert orjson.dumps(_time_builder(False)(rows[1])) == (  # type: ignore[operator]
        b'{"c0":"0001-01-01","c1":"0001-01-01T00:00:00Z","c2":"2024-05-01T08:00:00.120000Z"}'
    )
    assert isinstance(_time_builder(True)(rows[0])["c1"], datetime)  # type: ignore[operator]
    assert isinstance(_etag_input(True, "UTC")(rows[0])[1], datetime)  # type: ignore[operator]
    assert isinstance(_time_builder(True, "Europe/Berlin")(rows[0])["c1"], str)  # type: ignore[operator]
