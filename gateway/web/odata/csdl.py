"""CSDL documents of the OData service: `$metadata` as XML (OData 4.0 CSDL) and as JSON, and the service
document. Pure functions of an ODataModel; they know nothing of requests or the database.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from gateway.web.odata.edm import CONTAINER, NAMESPACE, Nav, ODataModel, ODataSet, Prop

EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
EDM = "http://docs.oasis-open.org/odata/ns/edm"


def metadata_xml(model: ODataModel) -> bytes:
    root = ET.Element("edmx:Edmx", {"xmlns:edmx": EDMX, "Version": "4.0"})
    services = ET.SubElement(root, "edmx:DataServices")
    schema = ET.SubElement(services, "Schema", {"xmlns": EDM, "Namespace": NAMESPACE})
    for oset in model.sets.values():
        _entity_type_xml(schema, oset)
    container = ET.SubElement(schema, "EntityContainer", {"Name": CONTAINER})
    for oset in model.sets.values():
        entity_set = ET.SubElement(
            container, "EntitySet", {"Name": oset.name, "EntityType": f"{NAMESPACE}.{oset.name}"}
        )
        for nav in oset.navs:
            ET.SubElement(entity_set, "NavigationPropertyBinding", {"Path": nav.name, "Target": nav.target})
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _entity_type_xml(schema: ET.Element, oset: ODataSet) -> None:
    entity_type = ET.SubElement(schema, "EntityType", {"Name": oset.name})
    key = ET.SubElement(entity_type, "Key")
    for name in oset.key:
        ET.SubElement(key, "PropertyRef", {"Name": name})
    for prop in oset.props:
        ET.SubElement(entity_type, "Property", {k: str(v) for k, v in _prop_facets(oset, prop).items()})
    for nav in oset.navs:
        element = ET.SubElement(entity_type, "NavigationProperty", _nav_attributes(nav))
        if nav.referenced is not None:
            ET.SubElement(
                element,
                "ReferentialConstraint",
                {"Property": nav.column, "ReferencedProperty": nav.referenced},
            )


def _prop_facets(oset: ODataSet, prop: Prop) -> dict[str, object]:
    info = prop.info
    facets: dict[str, object] = {"Name": prop.name, "Type": prop.edm}
    if not _nullable(oset, prop):
        facets["Nullable"] = "false"
    if prop.edm == "Edm.String" and info.length:
        facets["MaxLength"] = info.length
    if prop.edm == "Edm.Decimal":
        if info.precision:
            facets["Precision"] = info.precision
        facets["Scale"] = info.scale if info.scale is not None else "variable"
    return facets


def _nullable(oset: ODataSet, prop: Prop) -> bool:
    return prop.info.nullable and prop.name not in oset.key


def _nav_attributes(nav: Nav) -> dict[str, str]:
    target = f"{NAMESPACE}.{nav.target}"
    if nav.is_child:
        return {"Name": nav.name, "Type": f"Collection({target})"}
    attributes = {"Name": nav.name, "Type": target}
    if not nav.nullable:
        attributes["Nullable"] = "false"
    return attributes


def metadata_json(model: ODataModel) -> dict[str, Any]:
    """CSDL JSON (OData 4.01 format; the service itself speaks 4.0)."""
    schema: dict[str, Any] = {oset.name: _entity_type_json(oset) for oset in model.sets.values()}
    schema[CONTAINER] = {
        "$Kind": "EntityContainer",
        **{oset.name: _entity_set_json(oset) for oset in model.sets.values()},
    }
    return {"$Version": "4.0", "$EntityContainer": f"{NAMESPACE}.{CONTAINER}", NAMESPACE: schema}


def _entity_type_json(oset: ODataSet) -> dict[str, Any]:
    body: dict[str, Any] = {"$Kind": "EntityType", "$Key": list(oset.key)}
    for prop in oset.props:
        facets = _prop_facets(oset, prop)
        entry: dict[str, Any] = {"$Type": prop.edm}
        if _nullable(oset, prop):
            entry["$Nullable"] = True
        for xml_name, json_name in (
            ("MaxLength", "$MaxLength"),
            ("Precision", "$Precision"),
            ("Scale", "$Scale"),
        ):
            if xml_name in facets:
                entry[json_name] = facets[xml_name]
        body[prop.name] = entry
    for nav in oset.navs:
        entry = {"$Kind": "NavigationProperty", "$Type": f"{NAMESPACE}.{nav.target}"}
        if nav.is_child:
            entry["$Collection"] = True
        elif nav.nullable:
            entry["$Nullable"] = True
        if nav.referenced is not None:
            entry["$ReferentialConstraint"] = {nav.column: nav.referenced}
        body[nav.name] = entry
    return body


def _entity_set_json(oset: ODataSet) -> dict[str, Any]:
    entry: dict[str, Any] = {"$Collection": True, "$Type": f"{NAMESPACE}.{oset.name}"}
    if oset.navs:
        entry["$NavigationPropertyBinding"] = {nav.name: nav.target for nav in oset.navs}
    return entry


def service_document(model: ODataModel, root: str) -> dict[str, Any]:
    return {
        "@odata.context": f"{root}$metadata",
        "value": [{"name": name, "kind": "EntitySet", "url": name} for name in model.sets],
    }
