"""Plain values the workflows plugin passes between its modules: what it knows about a record table, a user
and a role, and the small protocols through which it learns them.

No I/O and no gateway imports here; adapters over `gateway.core` fill these in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

HUMAN_TYPES = ("approval", "userchoice", "notify")
STEP_TYPES = ("normal", "async", "event", "subworkflow", *HUMAN_TYPES)
SEVERITIES = ("FATAL", "MAJOR", "MINOR", "WARNING", "INFO", "NONE")
NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"


@dataclass(frozen=True, slots=True)
class ColumnFacts:
    name: str  # reflected spelling
    yesno: bool  # a Yes/No column (CHAR(1) Is…/Has… or a native boolean)
    length: int | None = None


@dataclass(frozen=True, slots=True)
class TableFacts:
    """A reflected table as far as workflow definitions and activities need it."""

    model_name: str
    key: str | None  # single-column key, None for composite or keyless tables
    columns: Mapping[str, ColumnFacts] = field(default_factory=dict)  # lower-case name -> facts
    model_id: int | None = None
    uid: str | None = None
    identifier: tuple[str, ...] = ()  # display columns in order of preference (empty: the key)

    def column(self, name: str) -> ColumnFacts | None:
        return self.columns.get(name.lower())


@dataclass(frozen=True, slots=True)
class UserRef:
    user_id: int
    name: str
    active: bool = True
    client_ids: frozenset[int] = frozenset()  # clients the user holds a role in
    role_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class RoleRef:
    role_id: int
    name: str
    client_id: int = 0


class Directory(Protocol):
    """Users, roles and record tables, looked up by the plugin (adapted from `gateway.core`)."""

    def user(self, name_or_id: str | int) -> UserRef | None: ...

    def role(self, name_or_id: str | int) -> RoleRef | None: ...

    def table(self, model_name: str) -> TableFacts | None: ...


@dataclass(frozen=True, slots=True)
class StepFacts:
    """A registered step function as validation needs it."""

    name: str
    types: tuple[str, ...]
    array: bool = False


JsonObject = dict[str, Any]
