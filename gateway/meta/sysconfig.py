"""RuntimeConfig: the iDempiere-style REST_* keys overlaid from gw_sysconfig per client, cached with a TTL.

Order of sources (api.md §9.1): environment, config file, the client's row, client 0's row, the default.
A stored value that does not parse is ignored with a warning. Reads only; the settings endpoints write.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

import sqlalchemy as sa

from gateway.errors import SettingError
from gateway.meta.tables import CoreTables
from gateway.settings import Settings, coerce, setting_specs

if TYPE_CHECKING:
    from gateway.db import ConnectionSource
    from gateway.jobs.clock import Clock

log = logging.getLogger(__name__)
TTL_SECONDS = 60.0


class RuntimeConfig:
    """Per-app accessor of the effective settings of one client."""

    def __init__(
        self, settings: Settings, source: ConnectionSource, tables: CoreTables, clock: Clock
    ) -> None:
        self.settings = settings
        self._source = source
        self._tables = tables
        self._clock = clock
        self._cache: dict[int, tuple[float, Settings]] = {}
        self._lock = threading.Lock()

    def for_client(self, client_id: int) -> Settings:
        """The process settings with this client's runtime keys applied (cached for 60 s)."""
        now = self._clock.monotonic()
        with self._lock:
            hit = self._cache.get(client_id)
        if hit is not None and now - hit[0] < TTL_SECONDS:
            return hit[1]
        effective = self._load(client_id)
        with self._lock:
            self._cache[client_id] = (now, effective)
        return effective

    def clear(self) -> None:
        """Forget every cached client (DELETE /api/v1/caches, a sysconfig write)."""
        with self._lock:
            self._cache.clear()

    def _load(self, client_id: int) -> Settings:
        sc = self._tables.sysconfig
        stmt = sa.select(sc.c.name, sc.c.value, sc.c.client_id).where(sc.c.client_id.in_({0, client_id}))
        with self._source.read() as conn:  # one statement; read() ends in no ROLLBACK (see check_session)
            rows = conn.execute(stmt.order_by(sc.c.client_id)).all()
        # client 0 first, so the client's own row overwrites it
        stored = {str(name).lower(): str(value) for name, value, _ in rows}
        effective = dataclasses.replace(self.settings, **overlay(self.settings, stored))
        # replace() builds a new object: keep the record of which layer set each key (source_of)
        object.__setattr__(effective, "_sources", self.settings.__dict__.get("_sources", {}))
        return effective


def overlay(settings: Settings, stored: Mapping[str, str]) -> dict[str, object]:
    """Parsed stored values for runtime keys that neither the environment nor the config file set."""
    changes: dict[str, object] = {}
    for name, spec in setting_specs().items():
        if not spec.sysconfig or name not in stored or settings.source_of(name) in ("env", "config"):
            continue
        try:
            changes[name] = coerce(spec, stored[name])
        except SettingError:
            log.warning("ignoring unparsable gw_sysconfig value", extra={"setting": name.upper()})
    return changes
