"""Pure rules of the processes plugin: identity, run-body validation, schedule timing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from gateway.plugins.processes.api import Param
from gateway.plugins.processes.body import validate_body
from gateway.plugins.processes.naming import (
    code_uid,
    is_reserved,
    parse_ref,
    slugify,
    suffixed,
    value_problem,
)
from gateway.plugins.processes.params import Effective
from gateway.plugins.processes.timing import Timing, next_due, timing_problems

REPORT = Effective(
    params=(
        Param("TableName", "String", mandatory=True),
        Param("Filter", "Text"),
        Param("MaxRows", "Integer", default=10000),
        Param("Amount", "Number", is_range=True),
        Param("When", "DateTime"),
        Param("Day", "Date"),
        Param("Flag", "YesNo"),
        Param("Action", "List", values=({"value": "CO", "name": "Complete"},)),
    ),
    is_report=True,
)


class FakeLookups:
    def model_name_of(self, table_id: int) -> str | None:
        return {259: "c_order", 291: "c_bpartner"}.get(table_id)

    def readable(self, model_name: str) -> str | None:
        return model_name.lower() if model_name.lower() in ("c_order", "c_bpartner") else None

    def record_key(self, model_name: str, record_id: Any) -> Any:
        if record_id != 200000:
            raise ValueError("record not found")
        return record_id

    def table_key(self, reference: str, value: Any) -> Any:
        return value


def test_slugify_follows_the_rule() -> None:
    assert slugify("ModelReport") == "modelreport"
    assert slugify("Cache Reset!") == "cache-reset"
    assert slugify("--A__b--") == "a-b"
    assert is_reserved("Jobs") and is_reserved("batch export")
    assert value_problem("123") is not None and value_problem("X1") is None
    assert value_problem("x" * 61) is not None


def test_code_uid_is_stable_across_installations() -> None:
    assert code_uid("ModelReport") == code_uid("ModelReport") != code_uid("ModelExport")
    assert code_uid("ModelReport") == "{}".format(
        __import__("uuid").uuid5(__import__("uuid").NAMESPACE_URL, "gateway-process:ModelReport")
    )


def test_parse_ref_by_digits_uuid_or_slug() -> None:
    assert parse_ref("42").column == "id"
    assert parse_ref(code_uid("A").upper()).column == "uid"
    assert parse_ref("ModelReport").value == "modelreport"


def test_suffixed_value_takes_the_first_free_number() -> None:
    assert suffixed("OpenOrders", {"openorders", "openorders_2", "openorders-2"}) == "OpenOrders_3"


def test_body_types_coerced_and_defaults_applied() -> None:
    body = {
        "TableName": "C_Order", "amount": "1.50", "Amount_to": 3, "When": "2026-01-15T13:00:00+01:00",
        "Day": "2026-01-02", "Flag": "Y", "Action": "CO", "report-type": "xlsx", "is-summary": True,
    }  # fmt: skip
    run, problems = validate_body(body, REPORT, FakeLookups(), background=False)
    assert problems == [] and run is not None
    assert run.values["Amount"] == Decimal("1.50") and run.values["Amount_to"] == Decimal(3)
    assert run.values["When"] == datetime(2026, 1, 15, 12, tzinfo=UTC)
    assert run.values["Day"] == date(2026, 1, 2) and run.values["Flag"] is True
    assert run.values["MaxRows"] == 10000 and run.values["Filter"] is None
    assert run.report_type == "XLS" and run.is_summary is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "TableName"),
        ({"TableName": "C_Order", "Foo": 1}, "Foo"),
        ({"TableName": "C_Order", "report-type": "DOCX"}, "report-type"),
        ({"TableName": "C_Order", "MaxRows": "ten"}, "MaxRows"),
        ({"TableName": "C_Order", "Action": "co"}, "Action"),
        ({"TableName": "C_Order", "When": "2026-01-15T13:00:00"}, "When"),
        ({"TableName": "C_Order", "Filter_to": "x"}, "Filter_to"),
        ({"TableName": "C_Order", "notification-type": "N"}, "notification-type"),
        ({"TableName": "C_Order", "record-id": 1}, "record-id"),
        ({"TableName": "C_Order", "model-name": "no_such"}, "model-name"),
        ({"TableName": "C_Order", "table-id": 259, "model-name": "c_bpartner"}, "model-name"),
        ({"TableName": "C_Order", "model-name": "c_order", "record-id": 1}, "record-id"),
    ],
)
def test_body_problems_name_the_field(body: dict[str, Any], field: str) -> None:
    run, problems = validate_body(body, REPORT, FakeLookups(), background=False)
    assert run is None
    assert field in [p.field for p in problems]


def test_report_keys_refused_on_plain_processes() -> None:
    plain = Effective(params=(Param("TableName", "String"),))
    _, problems = validate_body({"report-type": "CSV"}, plain, FakeLookups(), background=False)
    assert [p.field for p in problems] == ["report-type"]


def test_fixed_parameters_cannot_be_sent_and_satisfy_mandatory() -> None:
    eff = Effective(
        params=REPORT.params, fixed={"TableName": "C_Order"}, defaults={"Filter": "DocStatus eq 'IP'"}
    )
    run, problems = validate_body({}, eff, FakeLookups(), background=True)
    assert problems == [] and run is not None
    assert run.values["TableName"] == "C_Order" and run.values["Filter"] == "DocStatus eq 'IP'"
    assert run.notification_type == "B" and "TableName" not in run.stored
    _, problems = validate_body({"TableName": "C_BPartner"}, eff, FakeLookups(), background=True)
    assert [p.field for p in problems] == ["TableName"]


def test_notification_type_outside_the_list_is_stored_as_b() -> None:
    for given in ("X", None, "N"):
        body = {"TableName": "C_Order", **({"notification-type": given} if given else {})}
        run, _ = validate_body(body, REPORT, FakeLookups(), background=True)
        assert run is not None and run.notification_type == ("N" if given == "N" else "B")


def test_record_required_needs_button_context() -> None:
    eff = Effective(params=(), record_required=True)
    _, problems = validate_body({}, eff, FakeLookups(), background=False)
    assert [p.field for p in problems] == ["record-id"]
    run, problems = validate_body(
        {"model-name": "C_Order", "record-id": 200000}, eff, FakeLookups(), background=False
    )
    assert problems == [] and run is not None and (run.table, run.record_id) == ("c_order", 200000)


def test_concurrency_key_equal_for_equal_bodies() -> None:
    a, _ = validate_body({"TableName": "A"}, REPORT, FakeLookups(), background=True)
    b, _ = validate_body({"TableName": "A", "MaxRows": 10000}, REPORT, FakeLookups(), background=True)
    c, _ = validate_body({"TableName": "B"}, REPORT, FakeLookups(), background=True)
    assert a and b and c
    assert a.concurrency_key() == b.concurrency_key() != c.concurrency_key()


@pytest.mark.parametrize(
    "timing",
    [
        Timing("0 * * * *", 60),
        Timing(None, None),
        Timing(None, 10_000_000),
        Timing("61 * * * *", None),
        Timing("0 0 * * * *", None),
        Timing("@daily", None, "Mars/Olympus"),
        Timing(None, 5, "UTC", datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_timing_problems(timing: Timing) -> None:
    assert timing_problems(timing)


def test_interval_next_run_coalesces_missed_runs() -> None:
    created = datetime(2026, 1, 15, 12, tzinfo=UTC)
    t = Timing(None, 60)
    assert next_due(t, created, created).next_run == datetime(2026, 1, 15, 12, 1, tzinfo=UTC)
    assert next_due(t, datetime(2026, 1, 15, 12, 1, 1, tzinfo=UTC), created).next_run == datetime(
        2026, 1, 15, 12, 2, tzinfo=UTC
    )
    assert next_due(t, datetime(2026, 1, 15, 12, 10, tzinfo=UTC), created).next_run == datetime(
        2026, 1, 15, 12, 11, tzinfo=UTC
    )


def test_cron_dst_gap_and_repeated_hour() -> None:
    gap = Timing("0 2 * * *", None, "Europe/Zurich")
    start = datetime(2026, 3, 28, 12, tzinfo=UTC)
    first = next_due(gap, start, start)
    assert first.next_run == datetime(2026, 3, 29, 1, tzinfo=UTC)
    assert first.next_run is not None
    second = next_due(gap, first.next_run, start, first.local)
    assert second.next_run == datetime(2026, 3, 30, 0, tzinfo=UTC)
    back = Timing("30 2 * * *", None, "Europe/Zurich")
    created = datetime(2026, 10, 24, 12, tzinfo=UTC)
    fired = next_due(back, created, created)
    assert fired.next_run == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    after = next_due(back, datetime(2026, 10, 25, 0, 30, 5, tzinfo=UTC), created, fired.local)
    assert after.next_run == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_expired_schedule_has_no_next_run() -> None:
    now = datetime(2026, 1, 15, 12, tzinfo=UTC)
    t = Timing(None, 3600, "UTC", None, datetime(2026, 1, 15, 12, 30, tzinfo=UTC))
    assert next_due(t, now, now).next_run is None
