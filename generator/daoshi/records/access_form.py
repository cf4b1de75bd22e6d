"""The access form (``forms/access.yaml``): roles, their scopes, the matrix and the grants.

Read and checked here with the other forms; what it means for a page is decided by
``daoshi.access``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from daoshi.errors import Location, Problem
from daoshi.messages import problem
from daoshi.records.sources import Node

SCOPES = ("school", "grade", "class", "mentees", "referred", "none")
PAGES = ("school", "grades", "classes", "mentor")
NONE = -1  # the rank of "none": not even the record's existence


@dataclass(frozen=True)
class Role:
    """A role of the access matrix: whose students it sees and which pages besides theirs."""

    id: str
    label: str
    scope: str
    pages: frozenset[str]


@dataclass(frozen=True)
class Grant:
    """A level granted to one teacher for some semesters (e.g. a reviewer), with a reason."""

    teacher: str
    level: str
    semesters: frozenset[str]
    reason: str


@dataclass(frozen=True)
class AccessForm:
    """``forms/access.yaml``: roles, the matrix (role → kind or "*" → level or "none"), grants."""

    roles: Mapping[str, Role]
    matrix: Mapping[str, Mapping[str, str]]
    grants: tuple[Grant, ...] = ()

    def level(self, role: str, kind: str) -> str:
        """The highest level ``role`` sees of ``kind`` ("none" when not at all)."""
        row = self.matrix.get(role, {})
        return row.get(kind, row.get("*", "none"))


EMPTY_ACCESS = AccessForm(MappingProxyType({}), MappingProxyType({}))


def read_access_form(
    path: str, data: Node, levels: Iterable[str], kinds: Iterable[str]
) -> tuple[AccessForm, list[Problem]]:
    """Read ``access.yaml`` from its node tree, reporting every mistake where it is written."""
    problems: list[Problem] = []
    level_ids = set(levels) | {"none"}
    kind_ids = set(kinds) | {"*"}

    def fail(node: Node, detail: str) -> None:
        problems.append(problem(Location(path, node.line, node.col), "M301", detail=detail))

    def mapping(node: Node | None, what: str, owner: Node) -> dict[str, Node]:
        if node is None:
            fail(owner, f"access.yaml: 缺少 {what}")
            return {}
        if not isinstance(node.value, dict):
            fail(node, f"access.yaml: {what} 应为映射")
            return {}
        return node.value

    spec = mapping(data, "内容", data)
    roles: dict[str, Role] = {}
    for rid, rnode in mapping(spec.get("roles"), "roles", data).items():
        rspec = mapping(rnode, f"roles.{rid}", rnode)
        scope = rspec.get("scope")
        if scope is None or scope.value not in SCOPES:
            fail(scope or rnode, f"access.yaml: 角色 {rid} 的 scope 应为 {'、'.join(SCOPES)} 之一")
            continue
        pages_node = rspec.get("pages")
        pages = pages_node.value if pages_node is not None else []
        names = [p.value for p in pages] if isinstance(pages, list) else []
        for p in pages if isinstance(pages, list) else []:
            if p.value not in PAGES:
                fail(p, f"access.yaml: 未知的页面 {p.value!r}，可用：{'、'.join(PAGES)}")
        label = rspec.get("label")
        roles[rid] = Role(
            rid, str(label.value) if label else rid, str(scope.value), frozenset(map(str, names))
        )
    matrix: dict[str, dict[str, str]] = {}
    for rid, row in mapping(spec.get("matrix"), "matrix", data).items():
        if rid not in roles:
            fail(row, f"access.yaml: matrix 中的角色 {rid} 没有在 roles 中定义")
        cells: dict[str, str] = {}
        for kind, cell in mapping(row, f"matrix.{rid}", row).items():
            if kind not in kind_ids:
                fail(cell, f"access.yaml: 未知的记录种类 {kind!r}")
            elif cell.value not in level_ids:
                fail(cell, f"access.yaml: 未知的敏感级别 {cell.value!r}")
            else:
                cells[kind] = str(cell.value)
        matrix[rid] = cells
    for rid in roles:
        if rid not in matrix:
            fail(data, f"access.yaml: 角色 {rid} 在 matrix 中没有一行")
    grants: list[Grant] = []
    gnode = spec.get("grants")
    for item in gnode.value if gnode is not None and isinstance(gnode.value, list) else []:
        g = mapping(item, "grants 的一项", item)
        teacher, level, reason = g.get("teacher"), g.get("level"), g.get("reason")
        if teacher is None or level is None or level.value not in level_ids or reason is None:
            fail(item, "access.yaml: 每项授权需要 teacher、level（敏感级别）和 reason")
            continue
        sems = g.get("semesters")
        listed = sems.value if sems is not None and isinstance(sems.value, list) else []
        grants.append(
            Grant(
                str(teacher.value),
                str(level.value),
                frozenset(str(s.value) for s in listed),
                str(reason.value),
            )
        )
    form = AccessForm(
        MappingProxyType(roles),
        MappingProxyType({k: MappingProxyType(v) for k, v in matrix.items()}),
        tuple(grants),
    )
    return form, problems
