"""Activities of human steps: opening, access, answers and their record writes, exactly-one-wins, tenant
isolation and forward/choice argument errors (A-5, A-7 … A-18, A-20, A-26, A-27)."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.errors import NotFound
from gateway.plugins.workflows.activities import Answer
from gateway.plugins.workflows.errors import (
    ActivityAccessError,
    ForwardError,
    NodeRecordError,
    NodeStateError,
    NodeTypeError,
    ValueError_,
)
from gateway.plugins.workflows.stepapi import StepError


class Engine:
    def __init__(self) -> None:
        self.answers: list[tuple[Any, ...]] = []

    def answer_step(self, order: int, stepid: int, ind: int, outcome: dict[str, Any], **kw: Any) -> None:
        self.answers.append((order, stepid, ind, outcome))


@pytest.fixture
def flow(bundle, gw, doc_approval):  # type: ignore[no-untyped-def]
    wf = bundle.definitions.create(doc_approval)
    gw.records[("acc_doc", 1)] = {
        "id": 1,
        "uid": "u-1",
        "DocumentNo": "D-1",
        "IsApproved": False,
        "DocStatus": "DR",
    }
    gw.records[("acc_doc", 3)] = {"id": 3, "DocumentNo": "D-3", "SalesRep_ID": None}
    gw.services["orders.engine"] = Engine()
    steps = {s["name"]: s["stepid"] for s in wf["steps"]}

    def open_step(name: str, order: int = 500, client: int = 11, record: int = 1) -> int:
        data = {"workflow_instanceid": order, "client_id": client, "creator_user_id": 104,
                "staticdata": {"model-name": "acc_doc", "record-id": record}}  # fmt: skip
        with gw.unit_of_work() as uow:
            return bundle.activities.open(uow, data, steps[name])

    return open_step


def test_open_fills_the_seed_fields(bundle, gw, flow, make_actor) -> None:  # type: ignore[no-untyped-def]
    node = flow("approve")
    with gw.unit_of_work() as uow:
        row = bundle.activities.load(uow, make_actor("ann"), node)
    assert (row.summary, row.ad_table_id, row.record_id, row.priority) == ("acc_doc D-1", 42, 1, 80)
    assert (row.wf_state, row.node_type, row.responsible_text, row.node_column) == (
        "OS",
        "approval",
        "role:Approver",
        "IsApproved",
    )


def test_approve_writes_record_and_answers_step(bundle, gw, flow, make_actor) -> None:  # type: ignore[no-untyped-def]
    node = flow("approve")
    reply = bundle.activities.answer(make_actor("ann"), node, Answer("approve", "ok"))
    assert (reply["msg"], reply["wfState"], reply["outcome"]) == ("Approved", "CC", "approved")
    assert [h["action"] for h in reply["history-records"]] == ["created", "approved"]
    assert reply["history-records"][-1]["message"] == "ok"
    assert gw.updates == [("acc_doc", 1, {"DocStatus": "CO", "IsApproved": True})]
    (answer,) = gw.services["orders.engine"].answers
    assert answer[0] == 500 and answer[3]["outcome"] == "approved" and answer[3]["action"] == "approve"
    with pytest.raises(NodeStateError):
        bundle.activities.answer(make_actor("bob"), node, Answer("reject"))
    assert len(gw.updates) == 1


def test_reject_writes_false_only(bundle, gw, flow, make_actor) -> None:  # type: ignore[no-untyped-def]
    node = flow("approve")
    assert bundle.activities.answer(make_actor("bob"), node, Answer("reject"))["msg"] == "Rejected"
    assert gw.updates == [("acc_doc", 1, {"IsApproved": False})]


def test_access_type_and_tenant(bundle, gw, flow, make_actor) -> None:  # type: ignore[no-untyped-def]
    node = flow("approve")
    with pytest.raises(ActivityAccessError):
        bundle.activities.answer(make_actor("cli"), node, Answer("approve"))
    with pytest.raises(NodeTypeError):
        bundle.activities.answer(make_actor("ann"), node, Answer("acknowledge"))
    with pytest.raises(NotFound):
        bundle.activities.answer(make_actor("zed", client_id=12), node, Answer("approve"))
    supervisor = make_actor("sue", permissions=("activities.supervise",))
    assert bundle.activities.answer(supervisor, node, Answer("approve"))["wfState"] == "CC"


def test_blocked_order_is_not_pending(bundle, gw, flow, make_actor) -> None:  # type: ignore[no-untyped-def]
    node = flow("approve", order=501)
    with gw.unit_of_work() as uow:
        bundle.activities.hold(uow, 501, False)
    with pytest.raises(NodeStateError):
        bundle.activities.answer(make_actor("ann"), node, Answer("approve"))
    with gw.unit_of_work() as uow:
        bundle.activities.hold(uow, 501, True)
    assert bundle.activities.answer(make_actor("ann"), node, Answer("approve"))["msg"] == "Approved"


def test_abort_on_retry(bundle, gw, flow, make_actor) -> None:  # type: ignore[no-untyped-def]
    node = flow("approve", order=502)
    with gw.unit_of_work() as uow:
        assert bundle.activities.abort(uow, 502) == [node]
        row = bundle.activities.load(uow, make_actor("ann"), node)
    assert row.wf_state == "CA"


def test_record_write_failure_keeps_activity_open(bundle, gw, flow, make_actor) -> None:  # type: ignore[no-untyped-def]
    node = flow("approve")
    del gw.records[("acc_doc", 1)]
    with pytest.raises(NodeRecordError):
        bundle.activities.answer(make_actor("ann"), node, Answer("approve"))
    with gw.unit_of_work() as uow:
        assert bundle.activities.load(uow, make_actor("ann"), node).wf_state == "OS"


def test_forward_rules(bundle, gw, flow, make_actor) -> None:  # type: ignore[no-untyped-def]
    node = flow("approve")
    for target in ("ann", "zed", "ghost"):
        with pytest.raises(ForwardError):
            bundle.activities.answer(make_actor("ann"), node, Answer("forward", user_to=target))
    reply = bundle.activities.answer(make_actor("ann"), node, Answer("forward", user_to="sue"))
    assert (reply["msg"], reply["wfState"], reply["owner"]) == ("Forwarded", "OS", "sue")
    with pytest.raises(ActivityAccessError):
        bundle.activities.answer(make_actor("ann"), node, Answer("approve"))
    assert bundle.activities.answer(make_actor("sue"), node, Answer("approve"))["msg"] == "Approved"


def test_userchoice_values(bundle, gw, flow, make_actor) -> None:  # type: ignore[no-untyped-def]
    node = flow("choose")
    with pytest.raises(ValueError_):
        bundle.activities.answer(make_actor("cli"), node, Answer("setuserchoice", value="7"))
    with pytest.raises(ActivityAccessError):
        bundle.activities.answer(make_actor("ann"), node, Answer("setuserchoice", value="1"))
    with pytest.raises(NodeTypeError):
        bundle.activities.answer(make_actor("cli"), node, Answer("forward", user_to="ann"))
    reply = bundle.activities.answer(make_actor("cli"), node, Answer("setuserchoice", "rush", value="1"))
    assert (reply["msg"], reply["value"]) == ("Updated", "1")
    assert gw.updates[-1] == ("acc_doc", 1, {"PriorityRule": "1"})


def test_notify_acknowledge_writes_nothing(bundle, gw, flow, make_actor) -> None:  # type: ignore[no-untyped-def]
    node = flow("tell")
    with pytest.raises(NodeTypeError):
        bundle.activities.answer(make_actor("ann"), node, Answer("approve"))
    assert bundle.activities.answer(make_actor("ann"), node, Answer("acknowledge"))["msg"] == "Acknowledged"
    assert gw.updates == []


def test_unresolvable_responsible_is_a_step_error(bundle, gw, doc_approval) -> None:  # type: ignore[no-untyped-def]
    doc_approval["name"] = "REP"
    doc_approval["steps"] = [{"name": "a", "type": "approval", "responsible": {"column": "SalesRep_ID"}}]
    wf = bundle.definitions.create(doc_approval)
    gw.records[("acc_doc", 3)] = {"id": 3, "SalesRep_ID": None}
    data = {
        "workflow_instanceid": 9,
        "client_id": 12,
        "staticdata": {"model-name": "acc_doc", "record-id": 3},
    }
    with gw.unit_of_work() as uow, pytest.raises(StepError) as caught:
        bundle.activities.open(uow, data, wf["steps"][0]["stepid"])
    assert caught.value.code == "WORKFLOW-RESPONSIBLE-ERROR"
