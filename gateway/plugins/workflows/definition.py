"""Workflow definition documents (workflows.md §2.3): version ordering, `id_or_name` parsing and validation.

Pure: it reads only the `Directory` and the registered step facts it is given and returns problems as
(field, message) pairs; raising HTTP errors is the service's job.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.plugins.workflows.facts import (
    HUMAN_TYPES,
    NAME_PATTERN,
    STEP_TYPES,
    Directory,
    StepFacts,
    TableFacts,
)

Problem = tuple[str, str]
_VERSION = re.compile(r"^\d{1,6}(\.\d{1,6}){0,5}$")
_NAME = re.compile(NAME_PATTERN)
_DOC_KEYS = frozenset(
    {"name", "version", "description", "author", "record_table", "keylist", "options", "option_list",
     "autostart", "max_instances", "enabled", "deprecated", "steps"}
)  # fmt: skip
_RESPONSIBLE_KINDS = ("user", "role", "invoker", "column")


def version_sort(version: str) -> str:
    """Zero-padded parts, so versions of a name order numerically with a plain string sort."""
    return ".".join(part.zfill(6) for part in version.split("."))


@dataclass(frozen=True, slots=True)
class WorkflowRef:
    """What a path segment asks for: a key, an exact version, or the highest version of a name."""

    workflowid: int | None = None
    name: str | None = None
    version: str | None = None


def parse_ref(text: str | int) -> WorkflowRef:
    value = str(text).strip()
    if value.isdigit():
        return WorkflowRef(workflowid=int(value))
    name, sep, version = value.rpartition(":")
    if sep and name and _VERSION.match(version):
        return WorkflowRef(name=name, version=version)
    return WorkflowRef(name=value)


@dataclass(frozen=True, slots=True)
class StepDoc:
    name: str
    type: str
    function: str | None
    definition: dict[str, Any]  # every step field except name, type and function


@dataclass(frozen=True, slots=True)
class WorkflowDoc:
    name: str
    version: str
    steps: tuple[StepDoc, ...]
    description: str | None = None
    author: str | None = None
    record_table: str | None = None
    keylist: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    option_list: tuple[str, ...] = ()
    autostart: int = 0
    max_instances: int = 10
    enabled: bool = True
    deprecated: bool = False

    @property
    def steps_hash(self) -> str:
        text = json.dumps([[s.name, s.type, s.function, s.definition] for s in self.steps], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _str_list(doc: Mapping[str, Any], key: str, problems: list[Problem]) -> tuple[str, ...]:
    value = doc.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append((key, "must be a list of strings"))
        return ()
    return tuple(value)


def _head_problems(doc: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = [(k, "unknown field") for k in sorted(set(doc) - _DOC_KEYS)]
    name, version = doc.get("name"), doc.get("version")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100 or ":" in name:
        problems.append(("name", "1 to 100 characters, no ':'"))
    if not isinstance(version, str) or not _VERSION.match(version):
        problems.append(("version", "dotted digits such as 1.0"))
    for key, low in (("autostart", 0), ("max_instances", 1)):
        if key in doc and (not _is_int(doc[key]) or doc[key] < low):
            problems.append((key, f"an integer >= {low}"))
    for key in ("enabled", "deprecated"):
        if key in doc and not isinstance(doc[key], bool):
            problems.append((key, "must be a boolean"))
    for key in ("description", "author", "record_table"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            problems.append((key, "must be a string"))
    if "options" in doc and doc["options"] is not None and not isinstance(doc["options"], dict):
        problems.append(("options", "must be an object"))
    return problems


def parse_document(
    doc: Any, directory: Directory, steps: Mapping[str, StepFacts]
) -> tuple[WorkflowDoc | None, tuple[Problem, ...]]:
    """Validate a definition document; the document or every problem found."""
    if not isinstance(doc, Mapping):
        return None, (("", "the definition must be a JSON object"),)
    problems = _head_problems(doc)
    keylist, option_list = _str_list(doc, "keylist", problems), _str_list(doc, "option_list", problems)
    problems += [("keylist", f"invalid key name '{k}'") for k in keylist if not _NAME.match(k)]
    options = doc.get("options") if isinstance(doc.get("options"), dict) else {}
    if option_list:
        problems += [("options", f"'{k}' is not in option_list") for k in options if k not in option_list]
    autostart, max_instances = doc.get("autostart", 0), doc.get("max_instances", 10)
    if _is_int(autostart) and _is_int(max_instances) and autostart > max_instances:
        problems.append(("autostart", "must not exceed max_instances"))
    table = _record_table(doc.get("record_table"), directory, problems)
    step_docs = _steps(doc.get("steps"), table, directory, steps, problems)
    if problems:
        return None, tuple(problems)
    if table is not None and "record" not in keylist:
        keylist = (*keylist, "record")
    return WorkflowDoc(
        name=doc["name"].strip(), version=doc["version"], steps=step_docs,
        description=doc.get("description"), author=doc.get("author"),
        record_table=table.model_name if table else None, keylist=keylist, options=dict(options),
        option_list=option_list, autostart=autostart, max_instances=max_instances,
        enabled=doc.get("enabled", True), deprecated=doc.get("deprecated", False),
    ), ()  # fmt: skip


def _record_table(name: Any, directory: Directory, problems: list[Problem]) -> TableFacts | None:
    if not isinstance(name, str) or not name:
        return None
    table = directory.table(name)
    if table is None:
        problems.append(("record_table", f"'{name}' is not a reflected table"))
    elif table.key is None:
        problems.append(("record_table", f"'{name}' has no single-column key"))
        return None
    return table


def _steps(
    raw: Any,
    table: TableFacts | None,
    directory: Directory,
    functions: Mapping[str, StepFacts],
    problems: list[Problem],
) -> tuple[StepDoc, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(("steps", "at least one step is required"))
        return ()
    docs: list[StepDoc] = []
    seen: set[str] = set()
    for index, step in enumerate(raw):
        where = f"steps[{index}]"
        if not isinstance(step, dict):
            problems.append((where, "must be an object"))
            continue
        name = step.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append((f"{where}.name", "[A-Za-z0-9_.-]{1,64} required"))
        elif name in seen:
            problems.append((f"{where}.name", f"duplicate step name '{name}'"))
        else:
            seen.add(name)
        docs.append(_step(step, where, table, directory, functions, problems))
    return tuple(docs)


def _step(
    step: dict[str, Any],
    where: str,
    table: TableFacts | None,
    directory: Directory,
    functions: Mapping[str, StepFacts],
    problems: list[Problem],
) -> StepDoc:
    kind = step.get("type", "normal")
    function = step.get("function")
    if kind not in STEP_TYPES:
        problems.append((f"{where}.type", f"one of {', '.join(STEP_TYPES)}"))
    elif kind in HUMAN_TYPES:
        _human_step(step, where, table, directory, problems)
    elif not isinstance(function, str) or function not in functions:
        problems.append((f"{where}.function", f"'{function}' is not a registered step function"))
    elif kind not in functions[function].types:
        problems.append((f"{where}.function", f"'{function}' does not allow step type '{kind}'"))
    if "options" in step and not isinstance(step["options"], dict):
        problems.append((f"{where}.options", "must be an object"))
    rest = {k: v for k, v in step.items() if k not in ("name", "type", "function")}
    return StepDoc(str(step.get("name")), str(kind), function if kind not in HUMAN_TYPES else None, rest)


def _human_step(
    step: dict[str, Any], where: str, table: TableFacts | None, directory: Directory, problems: list[Problem]
) -> None:
    if table is None:
        problems.append((where, "human steps need a record_table"))
        return
    if "priority" in step and not _is_int(step["priority"]):
        problems.append((f"{where}.priority", "must be an integer"))
    _responsible(step.get("responsible"), f"{where}.responsible", table, directory, problems)
    kind = step["type"]
    column = step.get("column")
    if kind == "approval":
        if column is not None and not _yesno(table, column):
            problems.append((f"{where}.column", f"'{column}' is not a Yes/No column of {table.model_name}"))
        for key in ("set_on_approve", "set_on_reject"):
            _column_map(step.get(key), f"{where}.{key}", table, problems)
        if step.get("on_reject", "complete") not in ("complete", "continue", "error"):
            problems.append((f"{where}.on_reject", "one of complete, continue, error"))
    elif kind == "userchoice":
        _choice(step, where, table, problems)


def _yesno(table: TableFacts, column: Any) -> bool:
    facts = table.column(column) if isinstance(column, str) else None
    return facts is not None and facts.yesno


def _column_map(value: Any, where: str, table: TableFacts, problems: list[Problem]) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        problems.append((where, "must be an object"))
        return
    problems += [
        (where, f"'{k}' is not a column of {table.model_name}") for k in value if not table.column(k)
    ]


def _choice(step: dict[str, Any], where: str, table: TableFacts, problems: list[Problem]) -> None:
    column = step.get("column")
    facts = table.column(column) if isinstance(column, str) else None
    if facts is None:
        problems.append((f"{where}.column", f"a column of {table.model_name} is required"))
        return
    values = step.get("values")
    if values is None:
        return
    if not isinstance(values, list) or not values:
        problems.append((f"{where}.values", "a non-empty list of {value, name}"))
        return
    for index, item in enumerate(values):
        if not isinstance(item, dict) or "value" not in item:
            problems.append((f"{where}.values[{index}]", "an object with 'value'"))
        elif facts.length is not None and len(str(item["value"])) > facts.length:
            problems.append((f"{where}.values[{index}]", f"longer than {facts.length} characters"))


def _responsible(
    value: Any, where: str, table: TableFacts, directory: Directory, problems: list[Problem]
) -> None:
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in _RESPONSIBLE_KINDS:
        problems.append((where, "one of {user}, {role}, {invoker: true}, {column}"))
        return
    kind, target = next(iter(value.items()))
    if kind == "invoker":
        if target is not True:
            problems.append((where, "invoker must be true"))
    elif kind == "column":
        if not isinstance(target, str) or table.column(target) is None:
            problems.append((where, f"'{target}' is not a column of {table.model_name}"))
    elif not isinstance(target, str | int) or isinstance(target, bool):
        problems.append((where, f"{kind} must be a name or an id"))
    elif (directory.user(target) if kind == "user" else directory.role(target)) is None:
        problems.append((where, f"unknown {kind} '{target}'"))


def choice_type(step: Mapping[str, Any], table: TableFacts | None) -> str:
    """List when the step lists values, YesNo on a Yes/No column, else String."""
    if step.get("values"):
        return "List"
    column = table.column(step.get("column") or "") if table else None
    return "YesNo" if column is not None and column.yesno else "String"


def approval_column(step: Mapping[str, Any], table: TableFacts | None) -> str | None:
    """The Yes/No column an approval writes: the named one, else IsApproved when present, else none."""
    if table is None:
        return None
    named = step.get("column")
    facts = table.column(named or "IsApproved")
    if facts is None or not facts.yesno:
        return None
    return facts.name


def responsible_text(value: Mapping[str, Any]) -> str:
    kind, target = next(iter(value.items()))
    return "invoker" if kind == "invoker" else f"{kind}:{target}"


def step_names(steps: Sequence[StepDoc]) -> tuple[str, ...]:
    return tuple(s.name for s in steps)
