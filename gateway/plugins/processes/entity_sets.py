"""List resources of the plugin over the query core (plugins.md §4): processes and process instances.

Declarations only: public field name -> column. Processes are global (tenantless; the access scope is an
extra condition of the view); instances are tenant-owned through `client_id`.
"""

from __future__ import annotations

from gateway import core
from gateway.plugins.processes.tables import ProcessTables


def entity_sets(t: ProcessTables) -> list[core.EntitySetSpec]:
    p, i = t.process, t.instance
    processes = core.EntitySetSpec(
        name="processes", table=p, key="id", tenantless=True, default_orderby="value", aliases="page",
        fields={
            "id": "id", "uid": "uid", "value": "value", "slug": "slug", "name": "name",
            "description": "description", "help": "help", "isReport": "is_report", "isActive": "is_active",
            "source": "source", "handler": "handler", "handlerMissing": "handler_missing",
            "allowConcurrent": "allow_concurrent", "recordRequired": "record_required", "version": "version",
            "created": "created", "updated": "updated", "modifier": "modifier",
        },
    )  # fmt: skip
    instances = core.EntitySetSpec(
        name="process-instances", table=i, key="id", tenant_column="client_id", default_orderby="id desc",
        fields={
            "AD_PInstance_ID": "id", "id": "id", "uid": "uid", "process": "process", "processUid": "process_uid",
            "processVersion": "process_version", "status": "status", "isRunAsJob": "is_run_as_job",
            "isError": "is_error", "summary": "summary", "nodeId": "node_id", "scheduleId": "schedule_id",
            "notificationType": "notification_type", "modelName": "model_name", "recordId": "record_id",
            "reportType": "report_type", "user": "user_name", "userId": "user_id", "clientId": "client_id",
            "roleId": "role_id", "orgId": "org_id", "since": "since", "started": "started",
            "finished": "finished", "reportFileId": "report_file_id", "exportFileId": "export_file_id",
        },
    )  # fmt: skip
    return [processes, instances]
