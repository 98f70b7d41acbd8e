"""Process identity rules (processes.md §1): slugs, reserved words, code uids and `{ref}` resolution.

Pure functions; no I/O. The store turns a `Ref` into a WHERE clause.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

RESERVED = frozenset(
    {"jobs", "instances", "schedules", "notices", "validate", "batch-export", "batch-import"}
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def slugify(value: str) -> str:
    """`ModelReport` -> `modelreport`, `Cache Reset!` -> `cache-reset`."""
    return _NON_ALNUM.sub("-", value.lower()).strip("-")


def code_uid(value: str) -> str:
    """The same uid on every installation for a code-defined process."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "gateway-process:" + value))


def value_problem(value: object) -> str | None:
    """Why `value` cannot be a process value (None when it can); reserved words are checked apart."""
    if not isinstance(value, str) or not 1 <= len(value) <= 60:
        return "must be a string of 1 to 60 characters"
    slug = slugify(value)
    if not slug or not re.search(r"[a-z]", slug):
        return "the slug derived from the value must contain a letter"
    return None


def is_reserved(value: str) -> bool:
    return slugify(value) in RESERVED


@dataclass(frozen=True, slots=True)
class Ref:
    """A `{ref}` path segment resolved to the column it addresses."""

    column: str  # "id" | "uid" | "slug"
    value: int | str


def parse_ref(text: str) -> Ref:
    if text.isdigit():
        return Ref("id", int(text))
    if _UUID.match(text):
        return Ref("uid", text.lower())
    return Ref("slug", text.lower())


def is_uuid(text: str) -> bool:
    return bool(_UUID.match(text))


def suffixed(value: str, taken: set[str]) -> str:
    """First free `value_2`, `value_3`, … whose value and slug are free (`taken`: both, lower-case)."""
    n = 2
    while True:
        candidate = f"{value[:55]}_{n}"
        if candidate.lower() not in taken and slugify(candidate) not in taken:
            return candidate
        n += 1
