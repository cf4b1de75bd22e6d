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
    leavers: bool = True  # whether its scope keeps students who have left the school


@dataclass(frozen=True)
class Grant:
    """A level granted to one teacher for some semesters (e.g. a reviewer), with a reason."""

    teacher: str
    level: str
    semesters: frozenset[str]
    reason: str


@dataclass(frozen=True)
class AccessForm:
    """``forms/access.yaml``: roles, the matrix (role → kind or "*" → level or "none"),
    grants, and the roles whose holders may clone the whole repository (``git``)."""

    roles: Mapping[str, Role]
    matrix: Mapping[str, Mapping[str, str]]
    grants: tuple[Grant, ...] = ()
    git: tuple[str, ...] = ()

    def level(self, role: str, kind: str) -> str:
        """The highest level ``role`` sees of ``kind`` ("none" when not at all)."""
        row = self.matrix.get(role, {})
        # a follow-up is seen like what it follows, even in a school's own older matrix
        default = row.get("*", "none")
        follows = FOLLOWS.get(kind)
        return row.get(kind, row.get(follows, default) if follows else default)


# kinds that follow another: where a matrix row does not name them, they take its level
FOLLOWS = {"crisis-follow-up": "crisis-report"}


EMPTY_ACCESS = AccessForm(MappingProxyType({}), MappingProxyType({}))


def read_access_form(
    path: str, data: Node, levels: Iterable[str], kinds: Iterable[str]
) -> tuple[AccessForm, list[Problem]]:
    """Read ``access.yaml`` from its node tree, reporting every mistake where it is written;
    ``levels`` in their order, least sensitive first."""
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
        leavers = rspec.get("leavers")
        if leavers is not None and not isinstance(leavers.value, bool):
            fail(leavers, f"access.yaml: 角色 {rid} 的 leavers 应为 true 或 false")
        roles[rid] = Role(
            rid,
            str(label.value) if label else rid,
            str(scope.value),
            frozenset(map(str, names)),
            leavers is None or leavers.value is not False,
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
    git, found = _git_roles(path, spec.get("git"), roles, matrix, list(levels))
    problems.extend(found)
    form = AccessForm(
        MappingProxyType(roles),
        MappingProxyType({k: MappingProxyType(v) for k, v in matrix.items()}),
        tuple(grants),
        git,
    )
    return form, problems


GIT_MAINTAINER = "admin"  # keeps people, pairings and forms: holds the whole repository


def _git_roles(
    path: str,
    node: Node | None,
    roles: Mapping[str, Role],
    matrix: Mapping[str, Mapping[str, str]],
    levels: list[str],
) -> tuple[tuple[str, ...], list[Problem]]:
    """``git: [leader, admin]``: a clone holds every record in full, so only a role that
    reads everything (scope school, the top level for every kind) may be listed — and the
    admin, whose pushes of people, pairings and forms need the whole repository."""
    problems: list[Problem] = []

    def fail(where: Node, detail: str) -> None:
        problems.append(problem(Location(path, where.line, where.col), "M301", detail=detail))

    if node is None:
        return (), problems
    items = node.value if isinstance(node.value, list) else None
    if items is None:
        fail(node, "access.yaml: git 应为角色的列表，如 [leader, admin]")
        return (), problems
    top = levels[-1] if levels else ""
    found = []
    for item in items:
        rid = str(item.value)
        role = roles.get(rid)
        if role is None:
            fail(item, f"access.yaml: git 中的角色 {rid} 没有在 roles 中定义")
            continue
        row = matrix.get(rid, {})
        reads_all = role.scope == "school" and role.leavers and set(row.values()) == {top}
        if rid != GIT_MAINTAINER and not reads_all:
            fail(
                item,
                f"access.yaml: 角色 {rid} 不能 clone 记录仓库：clone 得到全部记录，"
                f"而它在访问矩阵中不能看到全部（须 scope: school，每种记录都是 {top}）",
            )
            continue
        found.append(rid)
    return tuple(found), problems
