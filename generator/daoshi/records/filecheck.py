"""Parse and check one file by its role: the per-file half of validation (cacheable)."""

from __future__ import annotations

from daoshi.errors import Location
from daoshi.messages import problem
from daoshi.records.check import Checked, FormChecker, check_body
from daoshi.records.forms import Forms
from daoshi.records.layout import RECORD, record_path
from daoshi.records.sources import MAX_BYTES, parse_bytes


def check_file(path: str, role: str, raw: bytes, forms: Forms) -> Checked:
    """Parse ``raw`` and check it against the form its role names; never raises."""
    parsed = parse_bytes(raw, path, markdown=role == RECORD)
    checked = Checked(
        path, role, None, problems=parsed.problems, body=parsed.body, body_line=parsed.body_line
    )
    if parsed.data is None:
        return checked
    checker = FormChecker(checked, forms)
    if role != RECORD:
        form = forms.files[role]
        checked.data = checker.mapping(parsed.data, form.fields, (), str(form.label))
        return checked
    items = parsed.data.value
    kind_node = items.get("kind")
    rp = record_path(path)
    kind = kind_node.value if kind_node is not None else None
    if not isinstance(kind, str) or kind not in forms.kinds:
        if kind_node is not None and not kind_node.bad:
            checker.report(
                kind_node,
                "R110",
                kind=kind_node.raw or kind,
                allowed=", ".join(sorted(forms.kinds)),
            )
            kind_node.bad = True
        kind = rp.kind if rp is not None and rp.kind in forms.kinds else None
    if kind is None:
        if kind_node is None:
            checked.problems.append(
                problem(
                    Location(path, parsed.data.line, parsed.data.col),
                    "R110",
                    kind="",
                    allowed=", ".join(sorted(forms.kinds)),
                )
            )
        return checked
    kform = forms.kinds[kind]
    checked.kind = kind
    checked.data = checker.mapping(parsed.data, kform.fields, (), str(kform.label))
    check_body(checked, kform.body)
    return checked


def read_raw(root: str, path: str, role: str, size: int) -> bytes | Checked:
    """A file's bytes, or (too large, unreadable: F007, F001) its result without them."""
    if size > MAX_BYTES:
        checked = Checked(path, role, None)
        checked.problems.append(problem(Location(path), "F007", size=size, limit=MAX_BYTES))
        return checked
    try:
        with open(f"{root}/{path}", "rb") as fh:
            return fh.read()
    except OSError as exc:
        checked = Checked(path, role, None)
        checked.problems.append(problem(Location(path), "F001", error=exc.strerror or str(exc)))
        return checked


def read_and_check(
    root: str, path: str, role: str, size: int, forms: Forms
) -> tuple[bytes | None, Checked]:
    """Read a file (unless it is too large) and check it; I/O errors become F001."""
    raw = read_raw(root, path, role, size)
    if isinstance(raw, Checked):
        return None, raw
    return raw, check_file(path, role, raw, forms)
