"""Reading the forms: the shipped ``forms/`` merged with a records repository's own, each
file checked (``M`` codes) before a kind, data-file form, level or policy is made of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from daoshi.errors import Location, Problem, ProjectError
from daoshi.messages import problem
from daoshi.records.access_form import EMPTY_ACCESS, read_access_form
from daoshi.records.forms import (
    _EMPTY,
    BUNDLED_FORMS,
    FIELD_TYPES,
    KIND_CODE,
    REF_TARGETS,
    BodyForm,
    FieldForm,
    FileForm,
    Forms,
    KindForm,
    Level,
    Policy,
    Text,
    plain,
)
from daoshi.records.sources import Node, parse_bytes


class _Reader:
    """Reads one forms file, reporting every definition error with its location."""

    def __init__(self, path: str, data: Node, levels: set[str]) -> None:
        self.path = path
        self.data = data
        self.levels = levels
        self.problems: list[Problem] = []

    def fail(self, node: Node, detail: str) -> None:
        self.problems.append(
            problem(Location(self.path, node.line, node.col), "M301", detail=detail)
        )

    def text(self, node: Node | None, where: str, what: str, owner: Node) -> Text:
        if node is None:
            self.fail(owner, f"{where}: 缺少 {what}")
            return Text("", "")
        if isinstance(node.value, str):
            return Text(node.value, node.value)
        if isinstance(node.value, dict) and isinstance(plain(node.value.get("zh")), str):
            zh = plain(node.value["zh"])
            en = plain(node.value.get("en"))
            return Text(zh, en if isinstance(en, str) else zh)
        self.fail(node, f"{where}: {what} 应为文字或 {{zh: ..., en: ...}}")
        return Text("", "")

    def level(self, node: Node | None, default: str, where: str) -> str:
        if node is None:
            return default
        if node.value not in self.levels:
            self.fail(node, f"{where}: 未知的敏感级别 {node.value!r}")
            return default
        return str(node.value)

    def number(self, spec: dict[str, Node], key: str, where: str) -> Any:
        node = spec.get(key)
        if node is None:
            return None
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            self.fail(node, f"{where}: {key} 应为数字")
            return None
        return node.value

    def field(self, name: str, node: Node, default_level: str, where: str) -> FieldForm:
        spec = node.value if isinstance(node.value, dict) else {}
        if not spec:
            self.fail(node, f"{where}: 字段定义应为映射")
        ftype = spec.get("type")
        type_name = str(ftype.value) if ftype is not None else ""
        if type_name not in FIELD_TYPES:
            self.fail(
                ftype or node, f"{where}: 未知的字段类型 {type_name!r}，可用：{sorted(FIELD_TYPES)}"
            )
        level = self.level(spec.get("sensitivity"), default_level, where)
        values: dict[str, Text] = {}
        if type_name == "enum":
            vnode = spec.get("values")
            if vnode is None or not isinstance(vnode.value, dict) or not vnode.value:
                self.fail(vnode or node, f"{where}: enum 需要 values")
            else:
                for value, label in vnode.value.items():
                    values[value] = self.text(label, where, f"values.{value}", vnode)
        items = None
        if type_name == "list":
            inode = spec.get("items")
            if inode is None:
                self.fail(node, f"{where}: list 需要 items")
            else:
                items = self.field(name, _with_label(inode, spec), level, where + "[]")
        fields: dict[str, FieldForm] = {}
        if type_name == "object":
            fields = self.fields(spec.get("fields"), level, where, node)
        to = spec.get("to")
        if type_name == "ref" and (to is None or to.value not in REF_TARGETS):
            self.fail(to or node, f"{where}: ref 需要 to（{sorted(REF_TARGETS)}）")
        return FieldForm(
            name=name,
            type=type_name,
            label=self.text(spec.get("label"), where, "label", node),
            help=self.text(spec.get("help"), where, "help", node),
            sensitivity=level,
            required=plain(spec.get("required")) is True,
            values=MappingProxyType(values),
            items=items,
            fields=MappingProxyType(fields),
            to=str(to.value) if to is not None else None,
            min=self.number(spec, "min", where),
            max=self.number(spec, "max", where),
            min_items=self.number(spec, "min_items", where),
            max_items=self.number(spec, "max_items", where),
            max_length=self.number(spec, "max_length", where),
            pattern=_str_or_none(spec.get("pattern")),
            unique=_str_or_none(spec.get("unique")),
        )

    def fields(
        self, node: Node | None, level: str, where: str, owner: Node
    ) -> dict[str, FieldForm]:
        if node is None or not isinstance(node.value, dict):
            self.fail(node or owner, f"{where}: 需要 fields 映射")
            return {}
        return {
            name: self.field(name, fnode, level, f"{where}.{name}")
            for name, fnode in node.value.items()
        }


def _with_label(items: Node, parent: dict[str, Node]) -> Node:
    """List items inherit the list's label and help unless they have their own."""
    if not isinstance(items.value, dict):
        return items
    merged = dict(items.value)
    for key in ("label", "help"):
        if key not in merged and key in parent:
            merged[key] = parent[key]
    return Node(merged, items.line, items.col)


def _mapping(value: Any) -> Mapping[str, Any]:
    """A policy's ``counts`` or ``settings`` (checked by daoshi.policy.duties, A501)."""
    return MappingProxyType(value) if isinstance(value, dict) else _EMPTY


def _str_or_none(node: Node | None) -> str | None:
    return None if node is None else str(node.value)


def _forms_files(bundled: Path, records_root: Path | None) -> dict[str, tuple[Path, str]]:
    """Relative forms path → (file, how problems name it); the school's files override ours.

    A school's file is named relative to its records root (as every record is), daoshi's
    own by its absolute path.
    """
    found: dict[str, tuple[Path, str]] = {}
    dirs = [(bundled, None)] + ([(records_root / "forms", "forms")] if records_root else [])
    for root, label in dirs:
        if not root.is_dir():
            continue
        for file in sorted(root.rglob("*.yaml")):
            rel = file.relative_to(root).as_posix()
            found[rel] = (file, f"{label}/{rel}" if label else str(file.resolve()))
    return found


def _read(file: Path, label: str, problems: list[Problem]) -> Node | None:
    parsed = parse_bytes(file.read_bytes(), label, markdown=False)
    problems.extend(parsed.problems)
    return parsed.data


def _levels(node: Node | None, path: str, problems: list[Problem]) -> tuple[Level, ...]:
    items = node.value.get("levels") if node is not None and isinstance(node.value, dict) else None
    if items is None or not isinstance(items.value, list) or not items.value:
        problems.append(problem(Location(path), "M301", detail="sensitivity.yaml 需要 levels 列表"))
        return ()
    reader = _Reader(path, items, set())
    levels = []
    for item in items.value:
        spec = item.value if isinstance(item.value, dict) else {}
        ident = plain(spec.get("id"))
        if not isinstance(ident, str):
            reader.fail(item, "每个级别需要 id")
            continue
        levels.append(
            Level(
                ident,
                reader.text(spec.get("label"), ident, "label", item),
                reader.text(spec.get("help"), ident, "help", item),
            )
        )
    problems.extend(reader.problems)
    return tuple(levels)


def _kind(
    path: str, data: Node, bases: dict[str, Node], levels: set[str]
) -> tuple[KindForm | None, list[Problem]]:
    reader = _Reader(path, data, levels)
    spec: dict[str, Node] = data.value
    kind = plain(spec.get("kind"))
    base = plain(spec.get("base"))
    if not isinstance(kind, str) or not KIND_CODE.match(kind):
        reader.fail(
            spec.get("kind") or data, "kind 应为小写英文代号，单词间用连字符，例如 parent-contact"
        )
        return None, reader.problems
    if base not in bases:
        reader.fail(spec.get("base") or data, f"base 应为 {sorted(bases)} 之一")
        return None, reader.problems
    level = reader.level(spec.get("sensitivity"), "", kind)
    base_reader = _Reader(path, bases[base], levels)
    fields = base_reader.fields(bases[base], level, f"base {base}", data)
    own = reader.fields(spec.get("fields"), level, kind, data) if "fields" in spec else {}
    for name in own.keys() & fields.keys():
        reader.fail(spec["fields"].value[name], f"字段 {name} 与基础字段重名")
    body = spec.get("body")
    bspec = body.value if body is not None and isinstance(body.value, dict) else {}
    if body is None:
        reader.fail(data, "需要 body（正文）定义")
    form = KindForm(
        kind=kind,
        base=str(base),
        label=reader.text(spec.get("label"), kind, "label", data),
        help=reader.text(spec.get("help"), kind, "help", data),
        source=str(plain(spec.get("source")) or ""),
        sensitivity=level,
        fields=MappingProxyType({**fields, **own}),
        body=BodyForm(
            required=plain(bspec.get("required")) is True,
            label=reader.text(bspec.get("label"), kind, "body.label", body or data),
            help=reader.text(bspec.get("help"), kind, "body.help", body or data),
            sensitivity=reader.level(bspec.get("sensitivity"), level, kind),
        ),
        urgent=plain(spec.get("urgent")) is True,
    )
    return form, reader.problems + base_reader.problems


def _file_form(path: str, data: Node, levels: set[str]) -> tuple[FileForm | None, list[Problem]]:
    reader = _Reader(path, data, levels)
    spec: dict[str, Node] = data.value
    name, glob = plain(spec.get("file")), plain(spec.get("path"))
    if not isinstance(name, str) or not isinstance(glob, str):
        reader.fail(data, "数据文件表单需要 file 和 path")
        return None, reader.problems
    level = reader.level(spec.get("sensitivity"), "", name)
    form = FileForm(
        name=name,
        path=glob,
        label=reader.text(spec.get("label"), name, "label", data),
        help=reader.text(spec.get("help"), name, "help", data),
        sensitivity=level,
        fields=MappingProxyType(reader.fields(spec.get("fields"), level, name, data)),
    )
    return form, reader.problems


def _policy(path: str, data: Node) -> tuple[Policy | None, list[Problem]]:
    reader = _Reader(path, data, set())
    spec: dict[str, Node] = data.value
    ident = plain(spec.get("id"))
    cap = reader.number(spec, "ratio_cap", "policy")
    ct_cap = reader.number(spec, "class_teacher_ratio_cap", "policy")
    obligations = plain(spec.get("obligations")) or []
    if not isinstance(ident, str) or not isinstance(cap, int) or not isinstance(obligations, list):
        reader.fail(data, "政策需要 id、整数 ratio_cap 和 obligations 列表")
        return None, reader.problems
    for key in ("counts", "settings"):
        node = spec.get(key)
        if node is not None and not isinstance(node.value, dict):
            reader.fail(node, f"{key} 应为“键: 值”映射")
    form = Policy(
        id=ident,
        label=reader.text(spec.get("label"), ident, "label", data),
        help=reader.text(spec.get("help"), ident, "help", data),
        source=str(plain(spec.get("source")) or ""),
        ratio_cap=cap,
        class_teacher_ratio_cap=ct_cap if isinstance(ct_cap, int) else cap,
        obligations=tuple(MappingProxyType(o) for o in obligations if isinstance(o, dict)),
        counts=_mapping(plain(spec.get("counts"))),
        settings=_mapping(plain(spec.get("settings"))),
    )
    return form, reader.problems


def load_forms(records_root: Path | None = None, bundled: Path = BUNDLED_FORMS) -> Forms:
    """Load daoshi's forms, overridden by ``<records_root>/forms/``; raise on any problem."""
    files = _forms_files(bundled, records_root)
    problems: list[Problem] = []
    digest = hashlib.sha256()
    nodes: dict[str, Node] = {}
    for rel, (file, label) in files.items():
        digest.update(rel.encode() + b"\0" + file.read_bytes() + b"\0")
        node = _read(file, label, problems)
        if node is not None:
            nodes[rel] = node
    levels = _levels(
        nodes.get("sensitivity.yaml"),
        files["sensitivity.yaml"][1] if "sensitivity.yaml" in files else "sensitivity.yaml",
        problems,
    )
    level_ids = {lv.id for lv in levels}
    base_node = nodes.get("record.yaml")
    bases_node = base_node.value.get("bases") if base_node is not None else None
    bases = (
        bases_node.value if bases_node is not None and isinstance(bases_node.value, dict) else {}
    )
    kinds: dict[str, KindForm] = {}
    file_forms: dict[str, FileForm] = {}
    policies: dict[str, Policy] = {}
    for rel, node in nodes.items():
        path = files[rel][1]
        if rel.startswith("kinds/"):
            kform, found = _kind(path, node, bases, level_ids)
            if kform is not None:
                kinds[kform.kind] = kform
        elif rel.startswith("files/"):
            fform, found = _file_form(path, node, level_ids)
            if fform is not None:
                file_forms[fform.name] = fform
        elif rel.startswith("policies/"):
            pform, found = _policy(path, node)
            if pform is not None:
                policies[pform.id] = pform
        else:
            continue
        problems.extend(found)
    access = EMPTY_ACCESS
    if "access.yaml" in nodes:
        access, found = read_access_form(
            files["access.yaml"][1], nodes["access.yaml"], [lv.id for lv in levels], kinds
        )
        problems.extend(found)
    if problems:
        raise ProjectError(problems)
    return Forms(
        levels,
        MappingProxyType(kinds),
        MappingProxyType(file_forms),
        MappingProxyType(policies),
        digest.hexdigest(),
        tuple(str(f) for f, _ in files.values()),
        access,
    )
