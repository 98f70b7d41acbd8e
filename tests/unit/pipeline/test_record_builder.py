"""The generated record builder of the encoder: the same records as the field-by-field rules, and property
names that are awkward in Python source stay plain dict keys."""

from __future__ import annotations

import uuid
from decimal import Decimal

import orjson

from gateway.pipeline.render.encoder import _Field, _record_builder
from gateway.pipeline.render.values import decimal_converter, identity, string, yesno

AWKWARD = "a'b\"c\\d\n}{é"
FK = ("Business Partner", "c_bpartner", (4, 5))  # (label, model-name, (referenced row present, identifier))


def _builder() -> object:
    return _record_builder(
        (
            _Field("id", 0, identity, None, None),
            _Field(AWKWARD, 1, string, None, None),
            _Field("IsActive", 2, yesno, None, None),
            _Field("C_BPartner_ID", 3, identity, FK, None),
            _Field("GrandTotal", 6, decimal_converter(2), None, None),
            _Field("M_Product_ID", 7, identity, None, "M_Product_ID"),  # an expanded master: raw here
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
