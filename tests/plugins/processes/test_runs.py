"""Acceptance scenarios of processes.md §15 about runs: reports, exports, document actions, failures."""

from __future__ import annotations

import base64
import csv
import io
import json
from typing import Any

import pytest

RUN = "/api/v1/processes"


def _run(client: Any, headers: Any, slug: str, body: dict[str, Any]) -> Any:
    return client.post(f"{RUN}/{slug}", json=body, headers=headers)


def _decoded(body: dict[str, Any], kind: str = "report") -> bytes:
    content = base64.b64decode(body[f"{kind}File"])
    assert len(content) == body[f"{kind}FileLength"]
    return content


def test_p6_clerk_csv_report_is_tenant_scoped(client: Any, as_role: Any) -> None:
    body = {"TableName": "C_BPartner", "report-type": "CSV", "Filter": "IsCustomer eq true"}
    reply = _run(client, as_role("ClerkA"), "modelreport", body)
    assert reply.status_code == 200, reply.get_json()
    result = reply.get_json()
    assert isinstance(result["AD_PInstance_ID"], int) and result["process"] == "modelreport"
    assert result["isError"] is False and result["reportFileName"].endswith(".csv")
    rows = list(csv.reader(io.StringIO(_decoded(result).decode())))
    assert len(rows) - 1 == 20  # customers of client 11 (15) and of client 0 (5), none of client 12
    assert result["summary"] == "20 rows"


@pytest.mark.parametrize(
    ("kind", "check", "suffix"),
    [
        ("PDF", lambda b: b.startswith(b"%PDF-"), ".pdf"),
        ("HTML", lambda b: b"<table" in b, ".html"),
        ("XLS", lambda b: b.startswith(b"PK"), ".xlsx"),
        (None, lambda b: b.startswith(b"%PDF-"), ".pdf"),
    ],
)
def test_p7_p8_report_formats(client: Any, as_role: Any, kind: Any, check: Any, suffix: str) -> None:
    body = {"TableName": "C_BPartner", "MaxRows": 5, **({"report-type": kind} if kind else {})}
    reply = _run(client, as_role("ClerkA"), "modelreport", body)
    result = reply.get_json()
    assert reply.status_code == 200 and result["isError"] is False, result
    assert check(_decoded(result)) and result["reportFileName"].endswith(suffix)
    assert "truncated" in result["summary"]


def test_p12_p13_query_parameter_errors(client: Any, as_role: Any) -> None:
    headers = as_role("ClerkA")
    bad = _run(client, headers, "modelreport", {"TableName": "C_BPartner", "Filter": "Name eq"})
    assert bad.status_code == 400 and bad.get_json()["type"] == "PARAMETER-ERROR"
    error = bad.get_json()["errors"][0]
    assert error["field"] == "Filter" and any(ch.isdigit() for ch in error["message"])
    missing = _run(client, headers, "modelreport", {"TableName": "No_Such_Table"})
    hidden = _run(client, headers, "modelreport", {"TableName": "AD_User"})
    assert missing.status_code == 400 and missing.get_json()["type"] == "PARAMETER-ERROR"
    assert missing.get_json()["errors"][0]["field"] == "TableName"
    if hidden.status_code == 400:  # AD_User is readable through read=("*",) unless the core hides it
        assert hidden.get_json()["errors"] == missing.get_json()["errors"]


def test_p14_summary_report(client: Any, as_role: Any) -> None:
    body = {"TableName": "C_BPartner", "is-summary": True, "report-type": "CSV"}
    result = _run(client, as_role("ClerkA"), "modelreport", body).get_json()
    rows = list(csv.reader(io.StringIO(_decoded(result).decode())))
    assert rows[0] == ["column", "count", "sum", "min", "max"]
    assert rows[1][0] == "(rows)" and int(rows[1][1]) == 37  # 27 partners of client 11, 10 of client 0


def test_p15_p16_cachereset_rules(client: Any, as_role: Any) -> None:
    denied = _run(client, as_role("ClerkA"), "cachereset", {})
    assert denied.status_code == 403 and denied.get_json()["type"] == "AUTHORIZATION-ERROR"
    ok = _run(client, as_role("Admin"), "cachereset", {})
    assert ok.status_code == 200 and ok.get_json()["isError"] is False, ok.get_json()
    assert ok.get_json()["data"]["entriesReset"] >= 1


def test_cachereset_is_the_reset_of_the_caches_endpoint(app: Any, client: Any, as_role: Any) -> None:
    """The process and DELETE /api/v1/caches share one reset: parsed options and kept tokens go too; an
    unknown table resets nothing."""
    headers = as_role("Admin")
    st = app.extensions["gateway"]
    assert client.get("/api/v1/models/c_order?$orderby=DocumentNo&$top=1", headers=headers).status_code == 200
    filled = (len(st.options), len(st.statements), len(st.extras["auth.verified"]))
    assert all(filled)
    missing = _run(client, headers, "cachereset", {"TableName": "No_Such_Table"})
    assert missing.get_json()["isError"] is True, missing.get_json()
    assert (len(st.options), len(st.statements)) == filled[:2]
    ok = _run(client, headers, "cachereset", {})
    assert ok.get_json()["data"]["entriesReset"] >= sum(filled), ok.get_json()
    assert (len(st.options), len(st.statements), "auth.verified" in st.extras) == (0, 0, False)


def test_p17_model_export_json(client: Any, as_role: Any) -> None:
    body = {"TableName": "C_Order", "Format": "JSON", "MaxRows": 5}
    result = _run(client, as_role("Admin"), "modelexport", body).get_json()
    assert result["isError"] is False, result
    assert result["exportFileName"] == "c_order.json" and "reportFile" not in result
    records = json.loads(_decoded(result, "export"))
    assert len(records) == 5 and all("id" in r for r in records)


def test_p18_to_p22_document_action(client: Any, as_role: Any) -> None:
    headers = as_role("ClerkA")
    body = {"model-name": "c_order", "record-id": 1002, "DocAction": "CO"}
    first = _run(client, headers, "documentaction", body)
    assert first.status_code == 200 and first.get_json()["isError"] is False, first.get_json()
    order = client.get("/api/v1/models/c_order/1002", headers=headers).get_json()
    assert order["DocStatus"] in ("CO", {"id": "CO"}) or order["DocStatus"].get("id") == "CO"
    audit = client.get(
        "/api/v1/audit?$filter=resource eq 'record' and action eq 'update'", headers=as_role("Admin")
    )
    assert any("1002" in r["resource_id"] for r in audit.get_json()["records"])
    again = _run(client, headers, "documentaction", body).get_json()
    assert again["isError"] is True and again["summary"] == "Cannot CO a document in status CO"
    for bad in (
        {"model-name": "c_order", "record-id": 999999999, "DocAction": "CO"},
        {"DocAction": "CO"},
        {"model-name": "c_bpartner", "record-id": 114, "DocAction": "CO"},
    ):
        reply = _run(client, headers, "documentaction", bad)
        assert reply.status_code == 400 and reply.get_json()["type"] == "PARAMETER-ERROR", reply.get_json()


def test_p23_p24_failures_are_data(client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    boom = _run(client, headers, "testboom", {}).get_json()
    assert boom["isError"] is True and boom["summary"] == "boom"
    status = client.get(f"{RUN}/instances/{boom['AD_PInstance_ID']}/status", headers=headers).get_json()
    assert status == {"id": boom["AD_PInstance_ID"], "status": "error", "isError": True, "processing": False}
    crash = _run(client, headers, "testcrash", {})
    text = crash.get_data(as_text=True)
    assert crash.get_json()["summary"].startswith("Internal error; reference")
    assert "Traceback" not in text and "KeyError" not in text


def test_p25_handler_writes_roll_back(client: Any, as_role: Any) -> None:
    headers = as_role("Admin")
    failed = _run(client, headers, "testwritefail", {"Value": "P25-ROLLBACK"}).get_json()
    assert failed["isError"] is True and failed["summary"] == "written then failed"
    found = client.get("/api/v1/models/c_bpartner?$filter=Value eq 'P25-ROLLBACK'", headers=headers)
    assert found.get_json()["row-count"] == 0
    kept = _run(client, headers, "testwrite", {"Value": "P25-KEPT"}).get_json()
    assert kept["isError"] is False, kept
    found = client.get("/api/v1/models/c_bpartner?$filter=Value eq 'P25-KEPT'", headers=headers)
    assert found.get_json()["row-count"] == 1


def test_p29_notification_type_on_sync_run(client: Any, as_role: Any) -> None:
    reply = _run(client, as_role("Admin"), "modelreport", {"TableName": "C_Order", "notification-type": "N"})
    assert reply.status_code == 400 and reply.get_json()["type"] == "PARAMETER-ERROR"


def test_p62_access_scope(client: Any, as_role: Any) -> None:
    headers = as_role("ExporterU")
    listed = client.get(RUN, headers=headers).get_json()
    assert [r["slug"] for r in listed["records"]] == ["modelexport"]
    denied = _run(client, headers, "modelreport", {"TableName": "C_Order"})
    assert denied.status_code == 403 and denied.get_json()["type"] == "PROCESS-ACCESS-ERROR"


def test_p5_code_uid_is_stable(client: Any, as_role: Any) -> None:
    from gateway.plugins.processes.naming import code_uid

    body = client.get(f"{RUN}/modelreport", headers=as_role("Admin")).get_json()
    assert body["uid"] == code_uid("ModelReport") == "{}".format(code_uid("ModelReport"))
