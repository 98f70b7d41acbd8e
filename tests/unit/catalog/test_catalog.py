"""Catalog.from_metadata on the demo schema: kinds, keys, uid, tenant/org, identifiers, FK graph, names."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from gateway.catalog import Catalog, CatalogHolder, ColumnKind, Relation, Source, child_relations
from gateway.demo.erp import demo_metadata
from gateway.errors import AmbiguousName, SettingError, TableNotFound
from gateway.settings import Settings, load_settings


@pytest.fixture()
def settings() -> Settings:
    return load_settings(environ={})


def catalog_of(settings: Settings, md: sa.MetaData | None = None, **changes: Any) -> Catalog:
    return Catalog.from_metadata(md if md is not None else demo_metadata(), settings.replace(**changes))


@pytest.fixture()
def catalog(settings: Settings) -> Catalog:
    return catalog_of(settings, extra_foreign_keys={"C_Invoice.C_Order_ID": "C_Order"})


def kinds(catalog: Catalog, table: str) -> dict[str, ColumnKind]:
    return {c.name: c.kind for c in catalog.get(table).columns}


def test_catalog_column_kinds(catalog: Catalog) -> None:
    bp, product, order = kinds(catalog, "C_BPartner"), kinds(catalog, "M_Product"), kinds(catalog, "C_Order")
    assert bp["C_BPartner_ID"] is ColumnKind.INTEGER
    assert bp["SO_CreditLimit"] is ColumnKind.DECIMAL
    assert bp["Logo"] is ColumnKind.BINARY
    assert bp["Attributes"] is ColumnKind.JSON
    assert bp["Name"] is ColumnKind.STRING
    assert product["Weight"] is ColumnKind.FLOAT
    assert product["DiscontinuedAt"] is ColumnKind.DATE
    assert order["DatePromised"] is ColumnKind.DATETIME
    assert order["Created"] is ColumnKind.DATETIME


def test_catalog_native_types_map_to_their_kinds(settings: Settings) -> None:
    md = sa.MetaData()
    sa.Table(
        "T",
        md,
        sa.Column("T_ID", sa.BigInteger, primary_key=True),
        sa.Column("Flag", sa.Boolean),
        sa.Column("At", sa.DateTime(timezone=True)),
        sa.Column("Clock", sa.Time),
        sa.Column("Ref", sa.Uuid),
        sa.Column("Raw", sa.VARBINARY(16)),
    )
    found = kinds(catalog_of(settings, md), "T")
    assert found == {
        "T_ID": ColumnKind.INTEGER,
        "Flag": ColumnKind.BOOLEAN,
        "At": ColumnKind.DATETIME_TZ,
        "Clock": ColumnKind.TIME,
        "Ref": ColumnKind.GUID,
        "Raw": ColumnKind.BINARY,
    }


def test_catalog_yesno_detection(catalog: Catalog, settings: Settings) -> None:
    order, product = kinds(catalog, "C_Order"), kinds(catalog, "M_Product")
    assert order["IsActive"] is ColumnKind.YESNO
    assert order["IsSOTrx"] is ColumnKind.YESNO
    assert order["DocStatus"] is ColumnKind.STRING  # CHAR(2)
    assert product["ProductType"] is ColumnKind.STRING  # CHAR(1), name does not match
    custom = catalog_of(settings, yesno_pattern="^product")
    assert kinds(custom, "M_Product")["ProductType"] is ColumnKind.YESNO
    assert kinds(custom, "M_Product")["IsStocked"] is ColumnKind.STRING


def test_catalog_sizes_and_defaults(catalog: Catalog) -> None:
    order = catalog.get("C_Order")
    total = order.column_named("GrandTotal")
    assert (total.precision, total.scale, total.has_default, total.nullable) == (14, 2, True, False)
    assert order.column_named("DocumentNo").length == 30
    assert order.column_named("DocumentNo").has_default is False
    assert order.column_named("C_Order_ID").has_default is True  # autoincrement key
    assert order.column_named("Created").has_default is True
    assert catalog.get("M_ProductPrice").column_named("M_Product_ID").has_default is False


def test_catalog_keys_uid_tenant_org(catalog: Catalog) -> None:
    order = catalog.get("C_Order")
    assert (order.key, order.uid, order.tenant, order.org) == (
        "C_Order_ID",
        "C_Order_UU",
        "AD_Client_ID",
        "AD_Org_ID",
    )
    assert order.model_name == "c_order"
    line = catalog.get("C_OrderLine")
    assert (line.key, line.uid, line.tenant, line.org) == ("C_OrderLine_ID", "C_OrderLine_UU", None, None)
    assert catalog.get("C_UOM").org is None
    assert catalog.get("M_ProductPrice").key is None  # composite key
    assert catalog.get("M_ProductPrice").uid == "M_ProductPrice_UU"
    changes = catalog.get("AD_ChangeLog")
    assert (changes.key, changes.uid, changes.tenant) == (None, None, "AD_Client_ID")


def test_catalog_settings_maps_are_case_insensitive(settings: Settings) -> None:
    custom = catalog_of(
        settings,
        uid_columns={"c_order": "documentno"},
        tenant_column="ad_client_id",
        org_column="AD_ORG_ID",
        view_keys={"C_ORDER_SUMMARY_V": "c_order_id"},
    )
    order = custom.get("C_Order")
    assert (order.uid, order.tenant, order.org) == ("DocumentNo", "AD_Client_ID", "AD_Org_ID")
    assert custom.get("C_Order_Summary_v").key == "C_Order_ID"


def test_catalog_identifier_choice(catalog: Catalog, settings: Settings) -> None:
    assert catalog.get("C_Order").identifier == ("DocumentNo",)
    assert catalog.get("C_BPartner").identifier == ("Name",)
    assert catalog.get("C_UOM").identifier == ("Name",)
    assert catalog.get("C_OrderLine").identifier == ()
    assert catalog.get("AD_ChangeLog").identifier == ()
    custom = catalog_of(settings, identifier_columns={"c_bpartner": "value+NAME"})
    assert custom.get("C_BPartner").identifier == ("Value", "Name")


def test_catalog_view_is_marked_and_keyless(catalog: Catalog) -> None:
    view = catalog.get("c_order_summary_v")
    assert view.is_view and view.key is None
    assert kinds(catalog, "C_Order_Summary_v")["LineCount"] is ColumnKind.INTEGER
    assert not catalog.get("C_Order").is_view


def test_catalog_fk_graph(catalog: Catalog) -> None:
    order = catalog.get("C_Order")
    partner = order.column_named("C_BPartner_ID")
    assert partner.parent == Relation("C_Order", "C_BPartner_ID", "C_BPartner", "C_BPartner_ID", True)
    assert partner.label == "Business Partner"
    assert order.column_named("DocumentNo").parent is None
    assert order.column_named("SalesRep_ID").parent == Relation(
        "C_Order", "SalesRep_ID", "AD_User", "AD_User_ID", False
    )
    assert partner.parent in catalog.get("C_BPartner").children
    assert partner.parent in order.parents
    assert catalog.get("M_ProductPrice").column_named("M_Product_ID").parent is not None


def test_catalog_child_with_two_fks(catalog: Catalog) -> None:
    user = catalog.get("AD_User")
    both = child_relations(catalog, user, "c_order", None)
    assert {r.child_column for r in both} == {"SalesRep_ID", "AD_User_ID"}
    assert [r.child_column for r in child_relations(catalog, user, "C_Order", "salesrep_id")] == [
        "SalesRep_ID"
    ]
    assert [r.child_column for r in child_relations(catalog, user, "C_Order.AD_User_ID", None)] == [
        "AD_User_ID"
    ]
    assert child_relations(catalog, user, "C_Order", "Nope") == ()
    assert child_relations(catalog, user, "C_OrderLine", None) == ()
    assert child_relations(catalog, user, "Unknown", None) == ()


def test_catalog_extra_foreign_keys(catalog: Catalog, settings: Settings) -> None:
    relation = catalog.get("C_Invoice").column_named("C_Order_ID").parent
    assert relation == Relation("C_Invoice", "C_Order_ID", "C_Order", "C_Order_ID", False)
    assert relation in catalog.get("C_Order").children
    plain = catalog_of(settings)
    assert plain.get("C_Invoice").column_named("C_Order_ID").parent is None
    lower = catalog_of(settings, extra_foreign_keys={"c_invoice.c_order_id": "c_order"})
    assert lower.get("C_Invoice").column_named("C_Order_ID").parent == relation
    dangling = catalog_of(settings, extra_foreign_keys={"C_Invoice.C_Order_ID": "Missing", "X.Y": "C_Order"})
    assert dangling.get("C_Invoice").column_named("C_Order_ID").parent is None


def test_catalog_tenant_path_of_order_line(catalog: Catalog) -> None:
    line = catalog.get("C_OrderLine")
    assert catalog.tenant_path(line) == (
        Relation("C_OrderLine", "C_Order_ID", "C_Order", "C_Order_ID", True),
    )
    assert catalog.tenant_path(catalog.get("C_Order")) == ()  # has its own tenant column


def test_catalog_tenant_path_hops_and_settings(settings: Settings) -> None:
    md = sa.MetaData()
    sa.Table("A", md, sa.Column("A_ID", sa.Integer, primary_key=True), sa.Column("AD_Client_ID", sa.Integer))
    previous = "A"
    for name in ("B", "C", "D", "E"):
        sa.Table(
            name,
            md,
            sa.Column(f"{name}_ID", sa.Integer, primary_key=True),
            sa.Column(f"{previous}_ID", sa.ForeignKey(f"{previous}.{previous}_ID"), nullable=False),
            sa.Column("Loose_ID", sa.ForeignKey("A.A_ID"), nullable=True),
        )
        previous = name
    derived = catalog_of(settings, md)
    assert [r.parent for r in derived.tenant_path(derived.get("D"))] == ["C"]
    assert derived.tenant_path(derived.get("E")) == ()  # four hops away: global
    configured = catalog_of(settings, md, tenant_paths={"e": "loose_id"})
    assert [r.child_column for r in configured.tenant_path(configured.get("E"))] == ["Loose_ID"]
    with pytest.raises(SettingError):
        catalog_of(settings, md, tenant_paths={"E": "NotAnFk"})


def test_catalog_excludes_gw_and_configured_tables(settings: Settings) -> None:
    md = demo_metadata()
    sa.Table("gw_user", md, sa.Column("id", sa.Integer, primary_key=True))
    assert catalog_of(settings, md).find("gw_user") is None
    cut = catalog_of(settings, md, exclude_tables=("AD_*",))
    assert cut.find("AD_Client") is None and cut.find("ad_changelog") is None
    assert cut.get("C_Order").column_named("AD_Client_ID").parent is None  # FK to an excluded table
    assert cut.get("C_Order").column_named("C_BPartner_ID").parent is not None
    only = catalog_of(settings, md, tables=("c_order*",))
    assert {es.name for es in only.listed()} == {"C_Order", "C_OrderLine", "C_Order_Summary_v"}


def test_catalog_find_is_case_insensitive_and_exact_first(catalog: Catalog, settings: Settings) -> None:
    assert catalog.find("c_order") is catalog.get("C_ORDER") is catalog.entity_sets["C_Order"]
    assert catalog.find("nothing") is None
    with pytest.raises(TableNotFound, match="Table nothing not found"):
        catalog.get("nothing")
    md = sa.MetaData()
    for name in ("Foo", "FOO"):
        sa.Table(name, md, sa.Column("id", sa.Integer, primary_key=True))
    twins = catalog_of(settings, md)
    assert twins.get("FOO").name == "FOO"
    with pytest.raises(AmbiguousName):
        twins.find("foo")


def test_catalog_column_lookup_is_case_insensitive(catalog: Catalog) -> None:
    order = catalog.get("C_Order")
    assert order.column("documentno") is order.column_named("DocumentNo")
    assert order.column("nope") is None


def test_catalog_listed_orders_by_model_name_without_meta(catalog: Catalog) -> None:
    listed = [es.model_name for es in catalog.listed()]
    assert listed == sorted(listed)
    assert "c_order" in listed and "c_order_summary_v" in listed
    meta = catalog.get("C_UOM")
    extended = catalog.extended([_as_meta(meta)])
    assert extended.find("gw_meta_uom") is not None
    assert "gw_meta_uom" not in [es.model_name for es in extended.listed()]
    assert extended.version == catalog.version


def _as_meta(es: Any) -> Any:
    import dataclasses

    return dataclasses.replace(es, name="gw_meta_uom", model_name="gw_meta_uom", source=Source.META)


def test_catalog_holder_builds_once_and_swaps_on_reload(settings: Settings) -> None:
    built: list[int] = []

    def build(version: int) -> Catalog:
        built.append(version)
        return Catalog.from_metadata(demo_metadata(), settings, version=version)

    holder = CatalogHolder(build)
    first = holder.current()
    assert holder.current() is first and first.version == 1
    second = holder.reload()
    assert second.version == 2 and holder.current() is second
    assert built == [1, 2]
