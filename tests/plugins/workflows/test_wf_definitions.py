"""Definition documents: validation problems (W-3, A-29, A-30), version resolution (W-2), creation and
the code sync."""

from __future__ import annotations

import copy

import pytest

from gateway.plugins.workflows.definition import parse_ref, version_sort
from gateway.plugins.workflows.errors import WorkflowDefinitionError, WorkflowExists


def test_version_sort_orders_numerically() -> None:
    assert sorted(["1.10", "1.2", "1.0", "2"], key=version_sort) == ["1.0", "1.2", "1.10", "2"]


def test_parse_ref_forms() -> None:
    assert parse_ref("12").workflowid == 12
    assert (parse_ref("SYNC:1.0").name, parse_ref("SYNC:1.0").version) == ("SYNC", "1.0")
    assert parse_ref("SYNC").version is None


def test_definition_valid_document_adds_record_key(bundle, doc_approval) -> None:  # type: ignore[no-untyped-def]
    doc, problems = bundle.definitions.parse(doc_approval)
    assert problems == ()
    assert doc is not None and doc.keylist == ("docno", "record")


@pytest.mark.parametrize(
    ("change", "field_part"),
    [
        (lambda d: d["steps"][0].update(column="Note"), "steps[0].column"),
        (lambda d: d["steps"][0].update(responsible={"user": "ghost"}), "steps[0].responsible"),
        (lambda d: d["steps"][3].update(function="acme.none"), "steps[3].function"),
        (lambda d: d["steps"][1].update(name="approve"), "steps[1].name"),
        (lambda d: d.pop("record_table"), "steps[0]"),
        (lambda d: d["steps"][1]["values"].append({"value": "10"}), "steps[1].values[3]"),
        (lambda d: d.update(autostart=9), "autostart"),
        (lambda d: d.update(options={"zzz": 1}), "options"),
    ],
)
def test_definition_problems_name_the_field(bundle, doc_approval, change, field_part) -> None:  # type: ignore[no-untyped-def]
    doc = doc_approval
    change(doc)
    parsed, problems = bundle.definitions.parse(doc)
    assert parsed is None
    assert any(f == field_part for f, _ in problems), problems


def test_create_duplicate_and_invalid(bundle, doc_approval) -> None:  # type: ignore[no-untyped-def]
    record = bundle.definitions.create(doc_approval)
    assert record["exec_count"] == 1 and [s["name"] for s in record["steps"]] == [
        "approve",
        "choose",
        "tell",
        "post",
    ]
    with pytest.raises(WorkflowExists):
        bundle.definitions.create(doc_approval)
    bad = copy.deepcopy(doc_approval)
    bad["version"] = "2.0"
    bad["steps"][3]["function"] = "acme.none"
    with pytest.raises(WorkflowDefinitionError) as caught:
        bundle.definitions.create(bad)
    assert "acme.none" in caught.value.detail


def test_find_highest_version_and_exact(bundle, make_sync) -> None:  # type: ignore[no-untyped-def]
    first = bundle.definitions.create(make_sync("1.0"))["workflowid"]
    bundle.definitions.create(make_sync("1.2"))
    assert bundle.registry.find("SYNC").version == "1.2"
    assert bundle.registry.find("SYNC:1.0").workflowid == first
    assert bundle.registry.find(str(first)).version == "1.0"
    assert bundle.registry.find("NOPE") is None


def test_sync_inserts_once_and_keeps_runtime_state(bundle, gw, make_sync) -> None:  # type: ignore[no-untyped-def]
    assert len(bundle.definitions.sync([make_sync("3.0", name="CODE")])) == 1
    wf = bundle.registry.find("CODE")
    with gw.unit_of_work() as uow:
        bundle.control.set_enabled(uow, wf, False)
    changed = make_sync("3.0", name="CODE")
    changed["steps"][0]["name"] = "other"
    assert bundle.definitions.sync([changed]) == []
    again = bundle.registry.find("CODE")
    assert again.source == "code" and again.enabled is False
    assert [s.name for s in bundle.registry.steps(again.workflowid)] == ["s1"]
