"""Background execution of process instances (processes.md §6): the `processes.run` and
`processes.notify` job kinds and the `processes.recover` periodic task.

Runs on runner threads or `gateway worker` processes through the core job queue; never touches Flask.
"""

from __future__ import annotations

from typing import Any

from gateway.plugins.processes import runs, store
from gateway.plugins.processes.service import ProcessService


def run_job(svc: ProcessService, job: Any, ctx: Any) -> None:
    """Claim the queued instance (compare-and-set), rebuild the submitter and execute it."""
    iid = int(job.ref)
    node = runs.node_id(svc)
    with svc.uow() as uow:
        started = {
            "status": "running",
            "started": svc.now(),
            "node_id": node,
            "engine_session_id": ctx.session_id,
        }
        if not store.set_instance(uow, svc.tables, iid, started, status_in=("queued",)):
            return  # canceled meanwhile
        inst = store.get_instance(uow, svc.tables, iid)
    assert inst is not None
    actor = _submitter(svc, inst)
    if actor is None:
        _fail(svc, iid, "PROCESS-ACCESS-ERROR: the submitting user or role no longer exists or lost access")
        return
    runs.execute(svc, actor, iid)


def _submitter(svc: ProcessService, inst: dict[str, Any]) -> Any:
    rebuild = getattr(svc.gateway, "actor_for", None)  # core facade: Actor from stored ids (None when gone)
    if rebuild is None:
        return None
    c = inst["context"] or {}
    try:
        return rebuild(c.get("userId"), c.get("roleId"), c.get("clientId"), c.get("orgId"))
    except Exception:
        return None


def _fail(svc: ProcessService, iid: int, summary: str) -> None:
    values = {"status": "error", "is_error": True, "summary": summary, "finished": svc.now()}
    with svc.uow() as uow:
        store.set_instance(uow, svc.tables, iid, values, status_in=("queued", "running"))


def on_dead(svc: ProcessService, job: Any, ctx: Any, reason: str) -> None:
    _fail(svc, int(job.ref), runs.INTERRUPTED)


def recover(svc: ProcessService, ctx: Any) -> None:
    """End `running` instances whose engine session is dead (plugins.md §9.5)."""
    alive = getattr(svc.gateway, "session_alive", None)  # core facade: is engine session N alive?
    if alive is None:
        return
    with svc.uow() as uow:
        candidates = store.running_instances(uow, svc.tables)
    for row in candidates:
        if row["engine_session_id"] is not None and not alive(row["engine_session_id"]):
            _fail(svc, row["id"], runs.INTERRUPTED)


def notify(svc: ProcessService, job: Any, ctx: Any) -> None:
    """Deliver the completion notification through every registered notifier."""
    iid = int(job.ref)
    record = runs.instance_json(svc, iid, detail=False)
    status = dict(record.get("notificationStatus") or {})
    for notifier in svc.notifiers:
        status.update(notifier(svc, record))
    with svc.uow() as uow:
        store.set_instance(uow, svc.tables, iid, {"notification_status": status})


def purge(svc: ProcessService, ctx: Any) -> None:
    with svc.uow() as uow:
        store.purge_expired(uow, svc.tables, svc.now())
