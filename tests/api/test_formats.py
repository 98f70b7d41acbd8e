"""CSV and XLSX output of /api/v1/models/{table} lists ($format or Accept), streamed."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
URL = (
    "/api/v1/models/c_order?$filter=DocumentNo eq 'SO-1042'"
    "&$select=DocumentNo,GrandTotal,IsSOTrx,C_BPartner_ID"
)


def test_formats_csv_by_format_option(client, login_as) -> None:  # type: ignore[no-untyped-def]
    reply = client.get(URL + "&$format=csv", headers=login_as("GardenAdmin"))
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert reply.is_streamed
    text = reply.get_data(as_text=True)
    assert text.endswith("\r\n") and not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["id", "uid"]
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["id"] == "1042" and record["DocumentNo"] == "SO-1042"
    assert record["GrandTotal"] == "240.75" and record["IsSOTrx"] == "true"
    assert record["C_BPartner_ID"] == "117"
    assert reply.headers["X-Row-Count"] == "1"


def test_formats_csv_by_accept_matches_json(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    url = "/api/v1/models/c_bpartner?$orderby=C_BPartner_ID&$top=20"
    as_json = client.get(url, headers=headers).get_json()["records"]
    reply = client.get(url, headers={**headers, "Accept": "text/csv"})
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(reply.get_data(as_text=True))))
    assert [int(r["id"]) for r in rows] == [r["id"] for r in as_json]
    assert [r["Name"] for r in rows] == [r["Name"] for r in as_json]


def test_formats_xlsx_is_a_workbook_with_native_cells(client, login_as) -> None:  # type: ignore[no-untyped-def]
    for query, headers in ((URL + "&$format=xlsx", {}), (URL, {"Accept": XLSX})):
        reply = client.get(query, headers={**login_as("GardenAdmin"), **headers})
        assert reply.status_code == 200, reply.get_data(as_text=True)
        assert reply.mimetype == XLSX and reply.get_data()[:2] == b"PK"
        assert 'filename="c_order.xlsx"' in reply.headers["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(reply.get_data())).active
        rows = list(sheet.iter_rows(values_only=True))
        assert sheet.title == "c_order" and sheet.freeze_panes == "A2"
        record = dict(zip(rows[0], rows[1], strict=True))
        assert record["id"] == 1042 and record["DocumentNo"] == "SO-1042"
        assert float(record["GrandTotal"]) == 240.75 and record["IsSOTrx"] is True


def test_formats_json_stays_default(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    for extra in ({}, {"Accept": "application/json, text/csv;q=0.5"}, {"Accept": "*/*"}):
        reply = client.get(URL, headers={**headers, **extra})
        assert reply.mimetype == "application/json" and reply.get_json()["row-count"] == 1
    assert client.get(URL + "&$format=json", headers=headers).get_json()["row-count"] == 1


def test_formats_errors(client, login_as) -> None:  # type: ignore[no-untyped-def]
    headers = login_as("GardenAdmin")
    assert client.get(URL + "&$format=pdf", headers=headers).status_code == 406
    reply = client.get("/api/v1/models/c_order?$format=csv&$expand=C_OrderLine", headers=headers)
    assert reply.status_code == 400 and reply.get_json()["parameter"] == "$expand"
    assert client.get("/api/v1/models/c_order/1042?$format=csv", headers=headers).status_code == 400
    assert client.get(URL + "&$format=csv").status_code == 401
