"""The OData v4 service at /odata on SQLite, PostgreSQL and MariaDB: documents, feeds, paging, auth, scope."""

from __future__ import annotations

import base64
from xml.etree import ElementTree as ET

import pytest
import sqlalchemy as sa

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
SO_1042 = "$filter=DocumentNo eq 'SO-1042'"
PASSWORDS = {"GardenAdmin": "GardenAdmin", "SeedAdmin": "SeedAdmin", "Reader": "Reader"}


def basic(user: str, password: str | None = None) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password or PASSWORDS[user]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _visible_orders(databases) -> int:  # type: ignore[no-untyped-def]
    q = databases.data.dialect.identifier_preparer.quote
    with databases.data.connect() as conn:
        sql = f"SELECT COUNT(*) FROM {q('C_Order')} WHERE {q('AD_Client_ID')} IN (0, 11)"
        return int(conn.execute(sa.text(sql)).scalar_one())


def test_odata_service_document_lists_readable_sets(client) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/odata/", headers=basic("Reader"))
    assert reply.status_code == 200, reply.get_json()
    assert reply.headers["OData-Version"] == "4.0"
    body = reply.get_json()
    assert body["@odata.context"] == "http://localhost/odata/$metadata"
    assert sorted(s["name"] for s in body["value"]) == ["C_BPartner", "C_Order"]
    assert all(s["kind"] == "EntitySet" and s["url"] == s["name"] for s in body["value"])


def test_odata_root_without_slash_redirects_absolutely(client) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/odata")
    assert reply.status_code == 301
    assert reply.headers["Location"] == "http://localhost/odata/"


def test_odata_metadata_xml_describes_types_keys_and_navigation(client) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/odata/$metadata", headers=basic("GardenAdmin"))
    assert reply.status_code == 200
    assert reply.mimetype == "application/xml"
    root = ET.fromstring(reply.get_data())
    schema = root.find("{http://docs.oasis-open.org/odata/ns/edmx}DataServices/" + EDM + "Schema")
    assert schema is not None and schema.get("Namespace") == "Gateway"
    order = schema.find(f"{EDM}EntityType[@Name='C_Order']")
    assert order is not None
    assert [r.get("Name") for r in order.findall(f"{EDM}Key/{EDM}PropertyRef")] == ["C_Order_ID"]
    props = {p.get("Name"): p for p in order.findall(f"{EDM}Property")}
    assert props["C_Order_ID"].get("Nullable") == "false"
    assert props["C_Order_ID"].get("Type") in ("Edm.Int32", "Edm.Int64")
    assert props["DocumentNo"].get("Type") == "Edm.String"
    assert props["GrandTotal"].get("Type") == "Edm.Decimal" and props["GrandTotal"].get("Scale") == "2"
    assert props["IsSOTrx"].get("Type") == "Edm.Boolean"
    assert props["DateOrdered"].get("Type") in ("Edm.Date", "Edm.DateTimeOffset")
    navs = {n.get("Name"): n for n in order.findall(f"{EDM}NavigationProperty")}
    assert navs["C_BPartner"].get("Type") == "Gateway.C_BPartner"
    constraint = navs["C_BPartner"].find(f"{EDM}ReferentialConstraint")
    assert constraint is not None and constraint.get("Property") == "C_BPartner_ID"
    assert navs["C_OrderLine"].get("Type") == "Collection(Gateway.C_OrderLine)"
    entity_set = schema.find(f"{EDM}EntityContainer/{EDM}EntitySet[@Name='C_Order']")
    assert entity_set is not None and entity_set.get("EntityType") == "Gateway.C_Order"
    bindings = {b.get("Path"): b.get("Target") for b in entity_set.findall(f"{EDM}NavigationPropertyBinding")}
    assert bindings["C_OrderLine"] == "C_OrderLine" and bindings["C_BPartner"] == "C_BPartner"


def test_odata_metadata_json_matches_xml(client) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/odata/$metadata?$format=json", headers=basic("GardenAdmin"))
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["$Version"] == "4.0" and body["$EntityContainer"] == "Gateway.Container"
    order = body["Gateway"]["C_Order"]
    assert order["$Kind"] == "EntityType" and order["$Key"] == ["C_Order_ID"]
    assert order["DocumentNo"]["$Type"] == "Edm.String"
    lines = {"$Kind": "NavigationProperty", "$Type": "Gateway.C_OrderLine", "$Collection": True}
    assert order["C_OrderLine"] == lines
    assert body["Gateway"]["Container"]["C_Order"]["$Type"] == "Gateway.C_Order"


def test_odata_feed_filter_select_count(client) -> None:  # type: ignore[no-untyped-def]
    url = f"/odata/C_Order?{SO_1042}&$select=DocumentNo,GrandTotal,C_BPartner_ID&$count=true&$format=json"
    reply = client.get(url, headers=basic("GardenAdmin"))
    assert reply.status_code == 200, reply.get_json()
    assert reply.headers["Content-Type"].startswith("application/json;odata.metadata=minimal")
    body = reply.get_json()
    assert body["@odata.context"] == "http://localhost/odata/$metadata#C_Order"
    assert body["@odata.count"] == 1 and "@odata.nextLink" not in body
    assert list(body) == ["@odata.context", "@odata.count", "value"]
    record = body["value"][0]
    assert record["C_Order_ID"] == 1042 and record["DocumentNo"] == "SO-1042"
    assert record["C_BPartner_ID"] == 117  # FKs are plain values in OData
    assert '"GrandTotal":240.75' in reply.get_data(as_text=True)
    assert "model-name" not in record and "id" not in record


def test_odata_expand_navigation_properties(client) -> None:  # type: ignore[no-untyped-def]
    url = f"/odata/C_Order?{SO_1042}&$expand=C_OrderLine($orderby=Line;$select=Line),C_BPartner($select=Name)"
    reply = client.get(url, headers=basic("GardenAdmin"))
    assert reply.status_code == 200, reply.get_json()
    order = reply.get_json()["value"][0]
    assert order["C_BPartner"]["Name"] == "C&W Construction"
    assert order["C_BPartner_ID"] == 117
    assert [line["C_OrderLine_ID"] for line in order["C_OrderLine"]] == [2081, 2082, 2083]


def test_odata_unknown_navigation_property_is_400(client) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/odata/C_Order?$expand=M_Product", headers=basic("GardenAdmin"))
    assert reply.status_code == 400 and reply.get_json()["type"] == "EXPAND-ERROR"


def test_odata_server_driven_paging_walks_every_row(client, databases) -> None:  # type: ignore[no-untyped-def]
    url = "/odata/C_Order?$orderby=C_Order_ID desc&$count=true&$select=DocumentNo"
    seen: list[int] = []
    pages = 0
    while url:
        reply = client.get(url, headers=basic("GardenAdmin"))
        assert reply.status_code == 200, reply.get_json()
        body = reply.get_json()
        assert body["@odata.count"] == _visible_orders(databases)
        seen.extend(r["C_Order_ID"] for r in body["value"])
        url = body.get("@odata.nextLink", "").removeprefix("http://localhost")
        pages += 1
    assert pages > 1
    assert len(seen) == len(set(seen)) == _visible_orders(databases)
    assert seen == sorted(seen, reverse=True)


def test_odata_client_top_spans_pages(client) -> None:  # type: ignore[no-untyped-def]
    url = "/odata/C_Order?$top=150&$orderby=C_Order_ID"
    first = client.get(url, headers=basic("GardenAdmin")).get_json()
    assert len(first["value"]) == 100
    link = first["@odata.nextLink"]
    assert "$top=50" in link and "$skiptoken=" in link and "$skip=" not in link  # keyset paging
    second = client.get(link.removeprefix("http://localhost"), headers=basic("GardenAdmin")).get_json()
    assert len(second["value"]) == 50 and "@odata.nextLink" not in second
    ids = [r["C_Order_ID"] for r in first["value"] + second["value"]]
    assert len(set(ids)) == 150


def test_odata_next_links_after_a_client_skip_continue_by_position(client) -> None:  # type: ignore[no-untyped-def]
    url = "/odata/C_Order?$orderby=DateOrdered desc&$skip=30&$select=DocumentNo"
    headers = basic("GardenAdmin")
    first = client.get(url, headers=headers).get_json()
    second = client.get(first["@odata.nextLink"].removeprefix("http://localhost"), headers=headers).get_json()
    offset = client.get(url.replace("$skip=30", "$skip=130"), headers=headers).get_json()
    assert [r["C_Order_ID"] for r in second["value"]] == [r["C_Order_ID"] for r in offset["value"]]


def test_odata_sets_without_a_single_key_page_by_offset(databases) -> None:  # type: ignore[no-untyped-def]
    from gateway.app import create_app

    settings = {"secret_key": "odata-offset-" + "0123456789abcdef" * 4, "rest_max_records_size": 20}
    client = create_app(settings, databases=databases).test_client()
    first = client.get("/odata/M_ProductPrice?$orderby=PriceStd", headers=basic("GardenAdmin"))
    assert first.status_code == 200, first.get_json()
    link = first.get_json()["@odata.nextLink"]
    assert "$skip=20" in link and "$skiptoken" not in link


def test_odata_single_entity_by_key(client) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/odata/C_Order(1042)?$select=DocumentNo", headers=basic("GardenAdmin"))
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert body["@odata.context"] == "http://localhost/odata/$metadata#C_Order/$entity"
    assert body["DocumentNo"] == "SO-1042" and body["C_Order_ID"] == 1042
    assert client.get("/odata/C_Order(999999)", headers=basic("GardenAdmin")).status_code == 404
    assert client.get("/odata/C_Order(C_Order_ID=1042)", headers=basic("GardenAdmin")).status_code == 200


def test_odata_count_segment(client, databases) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/odata/C_Order/$count", headers=basic("GardenAdmin"))
    assert reply.status_code == 200 and reply.mimetype == "text/plain"
    assert int(reply.get_data(as_text=True)) == _visible_orders(databases)


def test_odata_scope_hides_other_tenants(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/odata/C_Order(1042)", headers=basic("SeedAdmin")).status_code == 404
    reply = client.get(f"/odata/C_Order?{SO_1042}", headers=basic("SeedAdmin"))
    assert reply.status_code == 200 and reply.get_json()["value"] == []


def test_odata_unreadable_set_is_not_served(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/odata/C_OrderLine", headers=basic("Reader")).status_code == 404
    reply = client.get("/odata/C_Order?$expand=C_OrderLine", headers=basic("Reader"))
    assert reply.status_code == 400


def test_odata_bearer_and_basic_agree(client, login_as) -> None:  # type: ignore[no-untyped-def]
    url = f"/odata/C_Order?{SO_1042}"
    with_bearer = client.get(url, headers=login_as("GardenAdmin"))
    with_basic = client.get(url, headers=basic("GardenAdmin"))
    assert with_bearer.status_code == with_basic.status_code == 200
    assert with_bearer.get_json() == with_basic.get_json()


@pytest.mark.parametrize(
    "headers",
    [{}, basic("GardenAdmin", "wrong"), {"Authorization": "Basic !!!"}, {"Authorization": "Digest x"}],
)
def test_odata_needs_credentials_and_challenges_basic(client, headers) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/odata/C_Order", headers=headers)
    assert reply.status_code == 401
    assert reply.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert reply.get_json()["type"] == "AUTHENTICATION-ERROR"


def test_odata_rejects_other_formats(client) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/odata/C_Order?$format=xml", headers=basic("GardenAdmin"))
    assert reply.status_code == 406


def test_odata_filter_errors_keep_their_codes(client) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/odata/C_Order?$filter=Nope eq 1", headers=basic("GardenAdmin"))
    assert reply.status_code == 400 and reply.get_json()["type"] == "UNKNOWN-COLUMN"


def test_odata_navigation_paths_in_filter_and_orderby(client) -> None:  # type: ignore[no-untyped-def]
    url = (
        "/odata/C_Order?$filter=C_BPartner/Name eq 'C&W Construction' and DocumentNo eq 'SO-1042'"
        "&$orderby=C_BPartner/Name,DocumentNo&$select=DocumentNo"
    ).replace("&W", "%26W")
    reply = client.get(url, headers=basic("GardenAdmin"))
    assert reply.status_code == 200, reply.get_json()
    assert [r["DocumentNo"] for r in reply.get_json()["value"]] == ["SO-1042"]
    literal = client.get(
        "/odata/C_Order?$filter=DocumentNo eq 'C_BPartner/Name'", headers=basic("GardenAdmin")
    )
    assert literal.status_code == 200 and literal.get_json()["value"] == []


def test_odata_top_zero_returns_only_the_count(client, databases) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/odata/C_Order?$top=0&$count=true", headers=basic("GardenAdmin"))
    body = reply.get_json()
    assert reply.status_code == 200 and body["value"] == [] and "@odata.nextLink" not in body
    assert body["@odata.count"] == _visible_orders(databases)
